"""From a resource's inputs (as the provider receives them) to wire requests.

Pure functions on the property dicts the engine hands the provider: no I/O, no Pulumi engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi.output import Unknown
from pulumi.runtime import rpc

from pulumi_builds.spec import ResourceSpec, set_path


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
        value = whole_numbers(value)
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
