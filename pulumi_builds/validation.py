"""Input validation at `check` time (so `pulumi preview` already fails), from the schemas'
constraints as compiled into the generated strict request models.

Each failure names the input (its Python name, as the user wrote it), the value and the rule.
Values of secret inputs are never shown.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pydantic

from pulumi_builds import services
from pulumi_builds.spec import RULES, InputSpec, ResourceSpec, common_inputs
from pulumi_builds.wire import is_unknown, trigger_request


def check_inputs(spec: ResourceSpec, props: Mapping[str, Any]) -> list[tuple[str, str]]:
    """[(input name, reason)] for every rule the inputs break; unknown values are checked at `up`."""
    failures = list(_common_failures(spec, props))
    unknown = {i.name for i in spec.inputs if is_unknown(props.get(i.name))}
    request = trigger_request(spec, props)  # of the known inputs
    if spec.idempotency_param:
        request[spec.idempotency_param] = "pb-check"
    model = services.request_model(spec.service, spec.trigger)
    try:
        model.model_validate(request)
    except pydantic.ValidationError as exc:
        for error in exc.errors():
            item = _input_for(spec, error["loc"])
            if item is None or item.name in unknown:
                continue
            failures.append((item.name, _reason(item, error)))
    return failures


def _input_for(spec: ResourceSpec, loc: tuple[Any, ...]) -> InputSpec | None:
    path = ".".join(str(p) for p in loc if isinstance(p, str))
    best: InputSpec | None = None
    for item in spec.inputs:
        related = (
            path == item.wire
            or path.startswith(item.wire + ".")
            or item.wire.startswith(path + ".")
        )
        if related and (best is None or len(item.wire) > len(best.wire)):
            best = item
    return best


def _reason(item: InputSpec, error: Any) -> str:
    where = ".".join(str(p) for p in error["loc"])
    if error["type"] == "missing":
        return f"`{item.name}` is required (wire field `{where}`)"
    shown = "[secret]" if item.secret else repr(error.get("input"))
    return f"`{item.name}` = {shown} breaks the rule: {error['msg']} (wire field `{where}`)"


def _common_failures(spec: ResourceSpec, props: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """The shared inputs' rules, as the resource spec module declares them."""
    for common in common_inputs(spec.retry is not None):
        value = props.get(common.name)
        if common.rule is None or value is None or is_unknown(value):
            continue
        accepts, text = RULES[common.rule]
        if not accepts(value):
            yield common.name, f"`{common.name}` = {value!r} breaks the rule: {text}"
