"""From a resource's inputs (as the provider receives them) to wire requests.

Pure functions on the property dicts the engine hands the provider: no I/O, no Pulumi engine.
Nested inputs arrive with the snake_case keys of the generated `XArgs` / `XArgsDict` input types
(generated/<service>/_inputs.py); the trigger's generated request model says, field by field,
which wire name (alias) each key stands for. Keys that already are wire names pass unchanged, so
states written before the typed inputs keep their tokens.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Any

import pydantic
from pulumi.output import Unknown
from pulumi.runtime import rpc

from pulumi_builds import services
from pulumi_builds.spec import InputSpec, ResourceSpec, set_path


def is_unknown(value: Any) -> bool:
    """A value not known yet in preview (an output of a resource that does not exist yet).

    The SDK passes `pulumi.output.Unknown()` objects to `check`, and the string sentinel elsewhere.
    """
    if isinstance(value, Unknown) or (isinstance(value, str) and value == rpc.UNKNOWN):
        return True
    if isinstance(value, Mapping):
        return any(is_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(is_unknown(v) for v in value)
    return False


def whole_numbers(value: Any) -> Any:
    """Pulumi sends every number as a float: 5 arrives as 5.0. Integer fields want 5 back."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [whole_numbers(v) for v in value]
    return value


def norm(value: Any) -> Any:
    """None, {} and [] mean "not set" alike, so an omitted input does not look like a change."""
    if value in (None, {}, []):
        return None
    return whole_numbers(value)


def trigger_request(spec: ResourceSpec, props: Mapping[str, Any]) -> dict[str, Any]:
    """The trigger operation's wire request from the resource's inputs."""
    request: dict[str, Any] = {}
    for item in spec.inputs:
        value = props.get(item.name)
        if value is None or not item.sent:
            continue
        value = whole_numbers(input_on_wire(spec, item, value))
        if item.transform == "name_value_list":
            value = [
                {"name": k, "value": v, **item.item_defaults}
                for k, v in sorted(dict(value).items())
            ]
        set_path(request, item.wire, value)
    return request


def context_of(spec: ResourceSpec, props: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs that read and stop calls need too (e.g. Cloudflare's account_id), by wire name."""
    return {spec.input(n).wire: props.get(n) for n in spec.context_inputs}


def input_on_wire(spec: ResourceSpec, item: InputSpec, value: Any) -> Any:
    """One input's value with the keys of its nested objects as the wire names them."""
    if item.transform != "value" or not isinstance(value, (Mapping, list, tuple)):
        return value
    model = services.request_model(spec.service, spec.trigger)
    return to_wire_names(annotation_at(model, item.wire), value)


def annotation_at(model: type[pydantic.BaseModel], path: str) -> Any:
    """The type of the field at a dotted wire path of a request model (None: not a field)."""
    annotation: Any = model
    for part in path.split("."):
        current = _model_in(annotation)
        fields = current.model_fields.items() if current is not None else ()
        found = next((f for n, f in fields if (f.alias or n) == part), None)
        if found is None:
            return None
        annotation = found.annotation
    return annotation


def to_wire_names(annotation: Any, value: Any) -> Any:
    """`value` with every key of a nested model written as its wire name (alias).

    Keys of maps (labels, annotations: user data) and keys no field has are kept as written, so
    that validation names the unknown key as the user spelled it.
    """
    if isinstance(value, Mapping):
        model = _model_in(annotation)
        if model is None:
            values = _argument_of(annotation, dict, 1)
            return {key: to_wire_names(values, item) for key, item in value.items()}
        fields = {
            key: (field.alias or name, field.annotation)
            for name, field in model.model_fields.items()
            for key in (field.alias or name, name)
        }
        out: dict[str, Any] = {}
        for key, item in value.items():
            wire, inner = fields.get(key, (key, None))
            out[wire] = to_wire_names(inner, item)
        return out
    if isinstance(value, (list, tuple)):
        inner = _argument_of(annotation, list, 0)
        return [to_wire_names(inner, item) for item in value]
    return value


def _candidates(annotation: Any) -> list[Any]:
    """The alternatives of an annotation: Annotated and `X | None` unwrapped."""
    if typing.get_origin(annotation) is typing.Annotated:
        return _candidates(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [c for arg in typing.get_args(annotation) for c in _candidates(arg)]
    return [annotation]


def _model_in(annotation: Any) -> type[pydantic.BaseModel] | None:
    for candidate in _candidates(annotation):
        if isinstance(candidate, type) and issubclass(candidate, pydantic.BaseModel):
            return candidate
    return None


def _argument_of(annotation: Any, origin: type, index: int) -> Any:
    for candidate in _candidates(annotation):
        if typing.get_origin(candidate) is origin:
            return typing.get_args(candidate)[index]
    return None
