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
from pulumi_builds.spec import InputSpec, ResourceSpec
from pulumi_builds.wire import is_unknown, trigger_request


def check_inputs(spec: ResourceSpec, props: Mapping[str, Any]) -> list[tuple[str, str]]:
    """[(input name, reason)] for every rule the inputs break; unknown values are checked at `up`."""
    failures = list(_behaviour_failures(props))
    unknown = {i.name for i in spec.inputs if is_unknown(props.get(i.name))}
    known = {k: v for k, v in props.items() if k not in unknown}
    request = trigger_request(spec, known)
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


def _behaviour_failures(props: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    for name in ("wait", "stop_on_delete", "retry_failed_builds"):
        value = props.get(name)
        if value is not None and not is_unknown(value) and not isinstance(value, bool):
            yield name, f"`{name}` = {value!r} breaks the rule: must be true or false"
    timeout = props.get("wait_timeout")
    if (
        timeout is not None
        and not is_unknown(timeout)
        and (not isinstance(timeout, (int, float)) or timeout <= 0)
    ):
        yield (
            "wait_timeout",
            f"`wait_timeout` = {timeout!r} breaks the rule: seconds, greater than 0",
        )
    retries = props.get("max_retries")
    if (
        retries is not None
        and not is_unknown(retries)
        and (not isinstance(retries, (int, float)) or retries < 0)
    ):
        yield "max_retries", f"`max_retries` = {retries!r} breaks the rule: a whole number >= 0"
