"""From a resource's inputs (as the provider receives them) to wire requests.

Pure functions on the property dicts the engine hands the provider: no I/O, no Pulumi engine.
Nested inputs arrive with the snake_case keys of the generated `XArgs` / `XArgsDict` input types
(generated/<service>/_inputs.py); the generated table `ResourceSpec.wire_names` says, field by
field, which wire name each key stands for (no model is inspected at run time). Keys that already
are wire names pass unchanged, so states written before the typed inputs keep their tokens.

`Inputs` is one provider call's inputs with their wire form made once: the lifecycle wraps what
the provider hands it (`inputs_of`), and validation, the token, the diff, the marker check and the
trigger all read `Inputs.wire` instead of building the request again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pulumi.output import Unknown
from pulumi.runtime import rpc

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


@dataclass(frozen=True)
class WireForm:
    """A resource's inputs as the trigger sends them."""

    values: Mapping[
        str, Any
    ]  # sent input -> its value with nested keys as wire names (None: unset)
    request: Mapping[str, Any]  # the trigger's wire request (no token, no marker; known inputs)


class Inputs(dict[str, Any]):
    """A resource's inputs (Python names, as one provider call received them) and their wire form,
    made once when the call enters the lifecycle."""

    def __init__(self, spec: ResourceSpec, props: Mapping[str, Any]) -> None:
        super().__init__(props)
        self.spec = spec
        self.wire = _wire_form(spec, props)


def inputs_of(spec: ResourceSpec, props: Mapping[str, Any]) -> Inputs:
    """`props` with its wire form: made here unless the call's entry already made it."""
    if isinstance(props, Inputs) and props.spec is spec:
        return props
    return Inputs(spec, props)


def trigger_request(spec: ResourceSpec, props: Mapping[str, Any]) -> dict[str, Any]:
    """The trigger operation's wire request from the resource's inputs (a fresh copy)."""
    request: dict[str, Any] = _copy(inputs_of(spec, props).wire.request)
    return request


def _wire_form(spec: ResourceSpec, props: Mapping[str, Any]) -> WireForm:
    values: dict[str, Any] = {}
    request: dict[str, Any] = {}
    for item in spec.inputs:
        if not item.sent:
            continue
        value = input_on_wire(spec, item, props.get(item.name))
        values[item.name] = value
        if value is None or is_unknown(value):
            continue
        value = whole_numbers(value)
        if item.transform == "name_value_list":
            value = [
                {"name": k, "value": v, **item.item_defaults}
                for k, v in sorted(dict(value).items())
            ]
        set_path(request, item.wire, value)
    return WireForm(values, request)


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def context_of(spec: ResourceSpec, props: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs that read and stop calls need too (e.g. Cloudflare's account_id), by wire name."""
    return {spec.input(n).wire: props.get(n) for n in spec.context_inputs}


def input_on_wire(spec: ResourceSpec, item: InputSpec, value: Any) -> Any:
    """One input's value with the keys of its nested objects as the wire names them."""
    if item.transform != "value" or item.type is None:
        return value
    if item.type_is_map and isinstance(value, Mapping):
        return {k: to_wire_names(spec, item.type, v) for k, v in value.items()}
    return to_wire_names(spec, item.type, value)


def to_wire_names(spec: ResourceSpec, model: str | None, value: Any) -> Any:
    """`value` with every key of a nested model written as its wire name.

    Keys of maps (labels, annotations: user data) and keys no field has are kept as written, so
    that validation names the unknown key as the user spelled it.
    """
    if isinstance(value, (list, tuple)):
        return [to_wire_names(spec, model, item) for item in value]
    if not isinstance(value, Mapping) or model is None:
        return value
    fields = _fields(spec, model)
    out: dict[str, Any] = {}
    for key, item in value.items():
        wire, below, is_map = fields.get(key, (key, None, False))
        if is_map and isinstance(item, Mapping):
            out[wire] = {k: to_wire_names(spec, below, v) for k, v in item.items()}
        else:
            out[wire] = to_wire_names(spec, below, item)
    return out


def _fields(spec: ResourceSpec, model: str) -> Mapping[str, tuple[str, str | None, bool]]:
    """A model's fields by Python name and by wire name (states may use either)."""
    named = spec.wire_names.get(model, {})
    return {**{wire: entry for entry in named.values() for wire in (entry[0],)}, **named}
