"""Runtime of the generated functions (`get_builds`, `list_builds`, ...): plain calls from the
Pulumi program to the service, returning the generated, typed response models.

Batched operations are split into calls of at most the service's limit and merged back
(`get_builds` takes any number of ids); paged lists are followed to the end.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import pydantic

from pulumi_builds import services, settings
from pulumi_builds.spec import FunctionSpec, get_path, set_path

Model = TypeVar("Model", bound=pydantic.BaseModel)


def _program_settings() -> None:
    """In the program process the stack config comes from pulumi.Config, not a configure call."""
    try:
        import pulumi

        config = pulumi.Config(settings.NAMESPACE)
        settings.configure(config.get)
    except Exception:  # noqa: BLE001 - outside a Pulumi program: environment only
        return


def invoke(
    spec: FunctionSpec,
    request: Mapping[str, Any],
    response_model: type[Model],
    request_model: type[pydantic.BaseModel],
) -> Model:
    """From a Python program: settings from its stack config, then `call`."""
    _program_settings()
    return call(spec, request, response_model, request_model)


def call(
    spec: FunctionSpec,
    request: Mapping[str, Any],
    response_model: type[Model],
    request_model: type[pydantic.BaseModel],
) -> Model:
    """The call itself, with the settings as they are (the native provider's Invoke uses this)."""
    transport = services.transport(spec.service)
    wire = {k: v for k, v in request.items() if v is not None}
    if spec.batch_param and spec.batch_max:
        values = list(wire.get(spec.batch_param) or [])
        if not values:
            # The services refuse an empty list (or answer it with an error): say so up front.
            raise ValueError(f"`{spec.batch_param}` = [] breaks the rule: give at least one")
        chunks = [values[i : i + spec.batch_max] for i in range(0, len(values), spec.batch_max)]
        merged: dict[str, Any] = {}
        for chunk in chunks:
            part = {**wire, spec.batch_param: chunk}
            request_model.model_validate(part)
            _merge(merged, transport.call(spec.operation, part), spec.merge)
        return response_model.model_validate(merged)
    request_model.model_validate(wire)
    if not spec.pages:
        return response_model.model_validate(transport.call(spec.operation, wire))
    merged = {}
    page = int(wire.get(spec.page_param) or 1)
    while True:
        response = transport.call(spec.operation, {**wire, spec.page_param: page})
        _merge(merged, response, (spec.items,) if spec.items else ())
        total = get_path(response, spec.total_pages) if spec.total_pages else None
        if not total or page >= int(total) or not get_path(response, spec.items or ""):
            break
        page += 1
    return response_model.model_validate(merged)


def _merge(into: dict[str, Any], response: Mapping[str, Any], paths: tuple[str, ...]) -> None:
    for path in paths:
        value = get_path(response, path)
        current = get_path(into, path)
        if isinstance(value, list):
            set_path(into, path, [*(current or []), *value])
        elif isinstance(value, dict):
            set_path(into, path, {**(current or {}), **value})
    for key, value in response.items():
        if key not in into:
            into[key] = value


__all__ = ["FunctionSpec", "call", "invoke"]
