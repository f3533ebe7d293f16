"""Names of the native provider: type tokens and property names, from the same specs the dynamic
resources use (generated/<service>/resources.py) and the same rule as the package schema
(codegen/emit/pulumi_schema.py; tests/test_package_schema.py keeps the two equal).

- resource token `pulumi-builds:<camel service>:<Name>`: `pulumi-builds:awsCodebuild:Build`
- function token `pulumi-builds:<camel service>:<camel function>`: `...:awsCodebuild:getBuilds`
- top-level properties: lower camelCase of the Python names (`project_name` -> `projectName`);
  values below them are the services' wire shapes, unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from pulumi_builds import services
from pulumi_builds.spec import COMMON_INPUTS, COMMON_OUTPUTS, FunctionSpec, ResourceSpec

PACKAGE = "pulumi-builds"
T = TypeVar("T")


def camel(name: str) -> str:
    """'project_name' -> 'projectName' (the schema generator's rule)."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def resource_token(service: str, name: str) -> str:
    return f"{PACKAGE}:{camel(service)}:{name}"


def function_token(service: str, function: str) -> str:
    return f"{PACKAGE}:{camel(service)}:{camel(function)}"


def functions(service: str) -> Mapping[str, FunctionSpec]:
    """The functions a service's generated module offers (`get_builds`, ...), by Python name."""
    return services.resources_module(service).FUNCTIONS  # type: ignore[no-any-return]


@dataclass(frozen=True)
class PropertyNames:
    """Python name <-> schema name of every top-level property of one resource."""

    to_python: Mapping[str, str]

    def python(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """Schema-named properties -> Python-named; unknown names are dropped."""
        return {self.to_python[k]: v for k, v in props.items() if k in self.to_python}

    @property
    def to_schema(self) -> Mapping[str, str]:
        return {python: schema for schema, python in self.to_python.items()}

    @staticmethod
    def schema(props: Mapping[str, Any]) -> dict[str, Any]:
        return {camel(k): v for k, v in props.items() if not k.startswith("_")}


@cache
def property_names(spec_key: str) -> PropertyNames:
    spec = services.resource_spec(spec_key)
    python = [
        *(i.name for i in spec.inputs),
        *(o.name for o in spec.outputs),
        *(c.name for c in (*COMMON_INPUTS, *COMMON_OUTPUTS)),
    ]
    return PropertyNames({camel(n): n for n in python})


def _service_of(token: str) -> str | None:
    """The service a token names (`pulumi-builds:awsCodebuild:...` -> `aws_codebuild`), if any."""
    package, _, rest = token.partition(":")
    module = rest.partition(":")[0]
    if package != PACKAGE:
        return None
    return next((s for s in services.RESOURCE_SERVICES if camel(s) == module), None)


# A provider process loads only the services its program uses: each service's generated module
# costs about 0.1 s of CPU to import, so a token is resolved within its own service.
def _in_service(
    token: str, table: Callable[[str], Mapping[str, T]], token_of: Callable[[str, str], str]
) -> T | None:
    """The entry of `table(service)` whose token (`token_of(service, name)`) is `token`."""
    service = _service_of(token)
    if service is None:
        return None
    return next((v for name, v in table(service).items() if token_of(service, name) == token), None)


@cache
def resource_by_token(token: str) -> ResourceSpec | None:
    return _in_service(token, lambda s: services.resources_module(s).SPECS, resource_token)


@cache
def function_by_token(token: str) -> FunctionSpec | None:
    return _in_service(token, functions, function_token)


@cache
def resources_by_token() -> dict[str, ResourceSpec]:
    found: dict[str, ResourceSpec] = {}
    for service in services.RESOURCE_SERVICES:
        for name, spec in services.resources_module(service).SPECS.items():
            found[resource_token(service, name)] = spec
    return found


@cache
def functions_by_token() -> dict[str, FunctionSpec]:
    """token -> the function's spec (generated/<service>/resources.py FUNCTIONS)."""
    return {
        function_token(service, name): function
        for service in services.RESOURCE_SERVICES
        for name, function in functions(service).items()
    }
