"""schemas/mapping.json, parsed once into typed, validated dataclasses.

The parts the runtime also reads (`read`, `listRead`, `status`, `failure`, `find`, `recent`,
`stop`, `unmark`, `retry`, `trigger.markerItem`) become the runtime's own spec dataclasses (codegen/shipped/_resource_spec.py,
shipped into generated/), so a default is written once, there. The rest (how inputs are named and
transformed, functions) is the generator's. JSON keys are camelCase (`idParam`); fields are
snake_case (`id_param`). An unknown key, a missing required key or a value of the wrong type is an
error naming where it is.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pulumi_builds.codegen.errors import SchemaError
from pulumi_builds.codegen.shipped._resource_spec import (
    ActionSpec,
    FailureSpec,
    FindSpec,
    ListReadSpec,
    MarkerItemSpec,
    ReadSpec,
    RecentSpec,
    StatusSpec,
)

FORMAT = "pulumi-builds/mapping/1"
T = TypeVar("T")


@dataclass(frozen=True)
class Trigger:
    operation: str  # the operation that starts a build
    id: str  # dotted path of the new build's id in the answer
    object: str | None = None  # path of the build object in the answer ("" : the whole answer)
    idempotency_token: str | None = None  # request field for the service's idempotency token
    marker: str | None = None  # no token: a field (label) that carries it
    marker_item: MarkerItemSpec | None = None  # the token as a list item that reads return


@dataclass(frozen=True)
class Transform:
    kind: str  # name_value_list: a {name: value} map sent as [{name, value, ...item_defaults}]
    item_defaults: Mapping[str, Any] = field(default_factory=dict)
    value_type: str = "string"


@dataclass(frozen=True)
class InputRules:
    rename: Mapping[str, str] = field(default_factory=dict)  # wire path -> Python name
    transform: Mapping[str, Transform] = field(default_factory=dict)
    secret: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExtraInput:
    type: str
    description: str = ""


@dataclass(frozen=True)
class ResourceMapping:
    description: str
    trigger: Trigger
    read: ReadSpec
    status: StatusSpec
    outputs: Mapping[str, str]  # Python name -> dotted path in the build object
    inputs: InputRules = field(default_factory=InputRules)
    context: tuple[str, ...] = ()
    extra_inputs: Mapping[str, ExtraInput] = field(default_factory=dict)
    find: FindSpec | None = None
    recent: RecentSpec | None = None  # the recent builds to search for a marker item
    list_read: ListReadSpec | None = None  # many waiting builds in one list call
    stop: ActionSpec | None = None
    unmark: ActionSpec | None = None  # on delete: take the marker off the build (trigger.marker)
    retry: ActionSpec | None = None
    failure: FailureSpec = field(default_factory=FailureSpec)


@dataclass(frozen=True)
class Batch:
    param: str
    max_items: int
    merge: tuple[str, ...]


@dataclass(frozen=True)
class FunctionMapping:
    operation: str
    batch: Batch | None = None
    pages: bool = False


@dataclass(frozen=True)
class ServiceMapping:
    resources: Mapping[str, ResourceMapping] = field(default_factory=dict)
    functions: Mapping[str, FunctionMapping] = field(default_factory=dict)


@dataclass(frozen=True)
class ConfigKey:
    """A `pulumi-builds:<key>` config key of the provider (pulumi_builds/settings.py reads it)."""

    description: str
    environment: tuple[str, ...] = ()  # variables read when the key is not set, in order
    secret: bool = False
    type: str = "string"
    default: str | None = None  # used when neither the key nor its variables are set


@dataclass(frozen=True)
class ProviderMapping:
    """The provider's configuration, declared in the package schema (generated/schema.json)."""

    description: str = ""
    config: Mapping[str, ConfigKey] = field(default_factory=dict)


@dataclass(frozen=True)
class MappingFile:
    services: Mapping[str, ServiceMapping]
    description: str = ""
    provider: ProviderMapping = field(default_factory=ProviderMapping)

    def service(self, service_id: str) -> ServiceMapping | None:
        return self.services.get(service_id)


def parse_mapping(data: Any) -> MappingFile:
    """The mapping from its decoded JSON; SchemaError("mapping.json <where>: <rule>") if invalid."""
    if not isinstance(data, Mapping) or data.get("x-format") != FORMAT:
        raise SchemaError(f"mapping.json: expected an object with x-format {FORMAT!r}")
    return _build(MappingFile, {k: v for k, v in data.items() if k != "x-format"}, "")


def _snake(key: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key).lower()


def _build(cls: type[T], data: Any, where: str) -> T:
    if not isinstance(data, Mapping):
        raise SchemaError(f"mapping.json {where or '/'}: expected an object")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    values: dict[str, Any] = {}
    for key, value in data.items():
        name = _snake(key)
        if name not in fields:
            known = ", ".join(sorted(fields))
            raise SchemaError(f"mapping.json {where}/{key}: unknown key (known: {known})")
        values[name] = _value(hints[name], value, f"{where}/{key}")
    for name, spec in fields.items():
        no_default = spec.default is dataclasses.MISSING
        if no_default and spec.default_factory is dataclasses.MISSING and name not in values:
            raise SchemaError(f"mapping.json {where}: {name!r} is required")
    return cls(**values)


def _value(hint: Any, value: Any, where: str) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None or value == "":
            # An optional path given as "" means "the whole answer", as None does.
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _value(inner, value, where)
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return _build(hint, value, where)
    if origin is tuple:
        if not isinstance(value, list):
            raise SchemaError(f"mapping.json {where}: expected a list")
        return tuple(_value(args[0], item, f"{where}/{i}") for i, item in enumerate(value))
    if origin in (Mapping, dict):
        if not isinstance(value, Mapping):
            raise SchemaError(f"mapping.json {where}: expected an object")
        return {k: _value(args[1], v, f"{where}/{k}") for k, v in value.items()}
    if hint is Any:
        return value
    if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
        raise SchemaError(f"mapping.json {where}: expected {hint.__name__}, not {value!r}")
    return value
