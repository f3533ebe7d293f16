"""The generated resource classes, bound to the native provider instead of the dynamic one.

`NativeBuild` is mixed in before a generated class (`class Build(NativeBuild, resources.Build)`):
the generated `__init__` (arguments, secret wrapping, declared outputs) runs unchanged, and only
the registration differs: a `pulumi.CustomResource` of type `pulumi-builds:<module>:<Type>`, whose
properties travel in the schema's camelCase and come back as the same snake_case attributes.
"""

from __future__ import annotations

import sys
from typing import Any

import pulumi

from pulumi_builds.native import names
from pulumi_builds.spec import ResourceSpec
from pulumi_builds.tokens import IDENTITY


class NativeBuild:
    """Mixin for a generated build resource class; see the module docstring."""

    _spec_key: str = ""

    def _register(
        self,
        spec: ResourceSpec,
        resource_name: str,
        values: dict[str, Any],
        secret_outputs: list[str],
        opts: pulumi.ResourceOptions | None,
    ) -> None:
        self._spec_key = spec.key
        service, _, name = spec.key.partition(".")
        props = {k: v for k, v in values.items() if k != IDENTITY}  # the provider uses the URN
        options = pulumi.ResourceOptions.merge(
            opts,
            pulumi.ResourceOptions(
                additional_secret_outputs=[names.camel(n) for n in secret_outputs]
            ),
        )
        pulumi.CustomResource.__init__(
            self,  # type: ignore[arg-type]
            names.resource_token(service, name),
            resource_name,
            props,
            options,
        )

    @classmethod
    def get(
        cls, resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None
    ) -> Any:
        """Adopt an existing build by its id (the provider reads its inputs and outputs)."""
        spec = _spec_of(cls)
        resource = cls.__new__(cls)
        values = dict.fromkeys(names.property_names(spec.key).to_python.values())
        options = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id))
        resource._register(spec, resource_name, values, [], options)
        return resource

    def translate_output_property(self, prop: str) -> str:
        return names.property_names(self._spec_key).to_python.get(prop, prop)

    def translate_input_property(self, prop: str) -> str:
        # The SDK asks for every key it sends, also the keys of map values: only the resource's
        # own properties are renamed; a map's keys are data (`environment_variables`'
        # `DB_PASSWORD` must reach the build as DB_PASSWORD, not DBPASSWORD).
        return names.property_names(self._spec_key).to_schema.get(prop, prop)


def _spec_of(cls: type) -> ResourceSpec:
    """The spec of the generated class a native class derives from."""
    generated = next(c for c in cls.__mro__ if c.__module__.startswith("pulumi_builds.generated."))
    return sys.modules[generated.__module__].SPECS[generated.__name__]  # type: ignore[no-any-return]
