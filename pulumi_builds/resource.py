"""Base class of the generated build resources (generated/<service>/resources.py).

It turns the keyword arguments of a generated class into the dynamic resource's properties:
secret inputs wrapped as Pulumi secrets before they reach the state, every output declared so the
engine knows it, the resource's identity added for the trigger token, and the provider object made
from the spec key alone (so nothing else is pickled into the state).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi.dynamic

from pulumi_builds import parallel_hint
from pulumi_builds.lifecycle import BuildProvider, waits
from pulumi_builds.spec import COMMON_OUTPUTS, ResourceSpec
from pulumi_builds.tokens import IDENTITY, identity


class BuildResource(pulumi.dynamic.Resource):
    build_id: pulumi.Output[str]
    """The service's id of the build this resource started."""
    succeeded: pulumi.Output[bool | None]
    """True when the build finished successfully, False when it failed, None while it runs."""

    def __init__(
        self,
        spec: ResourceSpec,
        resource_name: str,
        props: Mapping[str, Any],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        values: dict[str, Any] = {}
        for key, value in props.items():
            secret = key in spec.secret_inputs and value is not None
            values[key] = pulumi.Output.secret(value) if secret else value
        values[IDENTITY] = identity(
            pulumi.get_project(), pulumi.get_stack(), [*_parents(opts), spec.key], resource_name
        )
        for name in (*(c.name for c in COMMON_OUTPUTS), *(o.name for o in spec.outputs)):
            values.setdefault(name, None)
        self._register(spec, resource_name, values, sorted(spec.secret_names), opts)
        if waits(props):  # a create that returns at once queues nobody
            parallel_hint.count_build()

    def _register(
        self,
        spec: ResourceSpec,
        resource_name: str,
        values: dict[str, Any],
        secret_outputs: list[str],
        opts: pulumi.ResourceOptions | None,
    ) -> None:
        """As a dynamic resource; pulumi_builds.native.resource binds the same classes to the
        native provider instead."""
        options = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(additional_secret_outputs=secret_outputs)
        )
        pulumi.dynamic.Resource.__init__(
            self, BuildProvider(spec.key), resource_name, values, options
        )


def _parents(opts: pulumi.ResourceOptions | None) -> list[str]:
    """The parent, as the URN names it: two children of the same name under different
    components are different resources with different builds."""
    parent = opts.parent if opts else None
    if parent is None:
        return []
    return [f"{parent.pulumi_resource_type}:{parent.pulumi_resource_name}"]
