"""The one lifecycle engine behind every build resource: a Pulumi dynamic provider driven by a
`ResourceSpec` (generated from the declarative mapping in schemas/resources.json).

What it guarantees, and how:
- A build is started exactly once per resource and inputs: the trigger carries a token derived
  from the resource's identity and its build-defining inputs (the service's idempotency token
  where it has one, a label plus read-before-retry where it has not), and the started build's id
  is written to the local journal (journal.py) before any waiting, so a `create` that fails or a
  provider process that dies loses nothing: the next `pulumi up` adopts the same build.
- Waiting is shared: every waiting `create` parks on the process-wide tracker, which reads all
  pending builds in batches each poll interval (tracker.py).
- Credentials never reach the pickled provider or the state: the provider object holds only the
  spec key; transports read settings in the provider process (settings.py).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from pulumi_builds import journal, services, settings, tracker
from pulumi_builds.spec import FindSpec, ResourceSpec, get_path, set_path
from pulumi_builds.transport.base import AmbiguousResult, ApiError, Transport
from pulumi_builds.validation import check_inputs

# Inputs that shape how the resource behaves, not which build it is: changing them is an update.
BEHAVIOUR_INPUTS = ("wait", "wait_timeout", "stop_on_delete", "retry_failed_builds", "max_retries")
IDENTITY = "_identity"    # "<project>/<stack>/<type>/<name>", set by the resource class
TRIGGERS = "triggers"     # any change forces a new build, like terraform_data's triggers_replace
DEFAULT_WAIT_TIMEOUT_S = 3600.0
MAX_TRIGGER_ATTEMPTS = 8  # triggers without an idempotency token, retried after a lost answer


class BuildFailed(Exception):
    """A build ended in failure. The message names the build, its status, phase and messages."""


class BuildProvider(ResourceProvider):
    """Pickled into the state by reference: it holds nothing but the spec key."""

    # The provider holds no secret; the default (always secret) hides nothing useful.
    serialize_as_secret_always = False

    def __init__(self, spec_key: str) -> None:
        super().__init__()
        self.spec_key = spec_key

    @property
    def spec(self) -> ResourceSpec:
        return services.resource_spec(self.spec_key)

    def configure(self, req: ConfigureRequest) -> None:
        settings.configure_from(dict(req.config._props))
        services.reset_transports()

    # -- preview ---------------------------------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = [CheckFailure(name, reason) for name, reason in check_inputs(self.spec, news)]
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        defining = [i.name for i in self.spec.inputs] + [TRIGGERS]
        replaces = [k for k in defining if _norm(olds.get(k)) != _norm(news.get(k))]
        behaviour = [k for k in BEHAVIOUR_INPUTS if _norm(olds.get(k)) != _norm(news.get(k))]
        return DiffResult(
            changes=bool(replaces or behaviour), replaces=replaces, delete_before_replace=False
        )

    # -- up ----------------------------------------------------------------------------------------

    def create(self, props: dict[str, Any]) -> CreateResult:
        spec, transport = self.spec, services.transport(self.spec.service)
        base = trigger_token(spec, props)
        attempt, entry = 0, journal.load(base)
        # A build that failed is not adopted again: the next attempt starts a new one.
        while entry is not None and entry.state == "failed":
            attempt += 1
            entry = journal.load(_attempt_token(base, attempt))
        token = _attempt_token(base, attempt)
        obj: dict[str, Any] | None = None
        if entry is not None:
            build_id = entry.build_id
        else:
            build_id, obj = start_build(spec, transport, props, token)
            journal.record(journal.Entry(token, _describe(spec, props), build_id, time.time(), attempt=attempt))
        if props.get("wait", True):
            obj = wait_for(spec, transport, build_id, props, token)
            if not tracker.succeeded(spec, obj):
                journal.record(journal.Entry(token, _describe(spec, props), build_id, time.time(), "failed", attempt))
                raise BuildFailed(failure_message(spec, build_id, obj))
            journal.record(journal.Entry(token, _describe(spec, props), build_id, time.time(), "succeeded", attempt))
        elif obj is None:
            obj = read_one(spec, transport, build_id, props)
        return CreateResult(build_id, outputs(spec, props, build_id, obj or {}))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        # Only behaviour inputs changed (diff replaces on anything else): keep the build.
        outs = dict(olds)
        for key in BEHAVIOUR_INPUTS:
            outs[key] = news.get(key)
        return UpdateResult(outs)

    # -- refresh / destroy ---------------------------------------------------------------------

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        spec, transport = self.spec, services.transport(self.spec.service)
        obj = read_one(spec, transport, id_, props)
        if obj is None:
            return ReadResult("", {})   # gone: the engine drops it from the state
        outs = outputs(spec, props, id_, obj)
        inputs = {k: v for k, v in props.items() if not k.startswith("__") and k in _input_names(spec)}
        return ReadResult(id_, outs, inputs)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        spec = self.spec
        if spec.stop is None or not props.get("stop_on_delete", True):
            return
        transport = services.transport(spec.service)
        obj = read_one(spec, transport, id_, props)
        if obj is None or tracker.is_terminal(spec, obj):
            return
        request = {**context_of(spec, props), **spec.stop.extra, spec.stop.id_param: id_}
        try:
            transport.call(spec.stop.operation, request)
        except ApiError as exc:
            # Finished between the read and the stop: nothing left to stop.
            if exc.status not in (400, 404, 409, 422):
                raise


# -- the steps, as functions so tests and the benchmark can drive them ---------------------------


def trigger_token(spec: ResourceSpec, props: Mapping[str, Any]) -> str:
    """Same resource and same build-defining inputs -> same token, on any machine."""
    defining = {i.name: _norm(props.get(i.name)) for i in spec.inputs}
    material = json.dumps(
        {"resource": spec.key, "identity": props.get(IDENTITY), "inputs": defining, TRIGGERS: _norm(props.get(TRIGGERS))},
        sort_keys=True, separators=(",", ":"), default=str,
    )
    return "pb-" + hashlib.sha256(material.encode()).hexdigest()[:40]


def _attempt_token(base: str, attempt: int) -> str:
    return base if attempt == 0 else f"{base[:-4]}{attempt:04d}"


def trigger_request(spec: ResourceSpec, props: Mapping[str, Any]) -> dict[str, Any]:
    """The trigger operation's wire request from the resource's inputs."""
    request: dict[str, Any] = {}
    for item in spec.inputs:
        value = props.get(item.name)
        if value is None or not item.sent:
            continue
        value = _whole_numbers(value)
        if item.transform == "name_value_list":
            value = [{"name": k, "value": v, **item.item_defaults} for k, v in sorted(dict(value).items())]
        set_path(request, item.wire, value)
    return request


def context_of(spec: ResourceSpec, props: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs that read and stop calls need too (e.g. Cloudflare's account_id), by wire name."""
    return {spec.input(n).wire: props.get(n) for n in spec.context_inputs}


def start_build(
    spec: ResourceSpec, transport: Transport, props: Mapping[str, Any], token: str
) -> tuple[str, dict[str, Any] | None]:
    request = trigger_request(spec, props)
    if spec.idempotency_param:
        request[spec.idempotency_param] = token
    if spec.marker_param:
        set_path(request, spec.marker_param, token)
    started = time.time()
    safe = spec.idempotency_param is not None
    for attempt in range(1, MAX_TRIGGER_ATTEMPTS + 1):
        try:
            response = transport.call(spec.trigger, request, safe_to_retry=safe)
            break
        except AmbiguousResult:
            # The service may have started the build before the connection dropped: look first,
            # and trigger again only when no build of ours is there.
            found = find_started(spec, transport, props, token, started)
            if found is not None:
                return found, None
            if spec.find is None or attempt == MAX_TRIGGER_ATTEMPTS:
                raise
    build_id = get_path(response, spec.trigger_id)
    if not build_id:
        raise ApiError(spec.service, spec.trigger, 200, "NoBuildId", f"no `{spec.trigger_id}` in the answer")
    obj = get_path(response, spec.trigger_object) if spec.trigger_object else None
    return str(build_id), obj if isinstance(obj, dict) else None


def find_started(
    spec: ResourceSpec, transport: Transport, props: Mapping[str, Any], token: str, since: float
) -> str | None:
    find: FindSpec | None = spec.find
    if find is None:
        return None
    request = {k: _fill(v, props, token) for k, v in find.params.items()}
    missing = [k for k, v in request.items() if v is None]
    if missing:
        raise AmbiguousResult(
            spec.service, spec.trigger, 0, "AnswerLost",
            f"the answer to {spec.trigger} was lost and the build cannot be looked up without "
            f"{', '.join(missing)}: set it on the resource so a retry never starts a second build",
        )
    response = transport.call(find.operation, request)
    for item in get_path(response, find.items) or []:
        if not all(str(get_path(item, path)) == str(_fill(t, props, token)) for path, t in find.match.items()):
            continue
        if find.created_field and _epoch(get_path(item, find.created_field)) < since - 5:
            continue
        return str(get_path(item, find.item_id))
    return None


def _fill(template: str, props: Mapping[str, Any], token: str) -> Any:
    if template == "{token}":
        return token
    if template.startswith("{input:") and template.endswith("}"):
        return props.get(template[7:-1])
    return template.replace("{token}", token)


def wait_for(
    spec: ResourceSpec, transport: Transport, build_id: str, props: Mapping[str, Any], token: str
) -> dict[str, Any]:
    poll = float(settings.get("pollInterval") or 2)
    timeout = float(props.get("wait_timeout") or DEFAULT_WAIT_TIMEOUT_S)
    shared = tracker.shared(poll)
    context = context_of(spec, props)
    obj = shared.wait(spec, transport, build_id, context, timeout)
    retries = int(props.get("max_retries") or 1)
    attempt = 0
    while spec.retry and props.get("retry_failed_builds") and not tracker.succeeded(spec, obj) and attempt < retries:
        attempt += 1
        request = {**context, **spec.retry.extra, spec.retry.id_param: build_id}
        if spec.retry.token_param:
            request[spec.retry.token_param] = f"{token}-retry{attempt}"
        transport.call(spec.retry.operation, request)
        obj = shared.wait(spec, transport, build_id, context, timeout)
    return obj


def read_one(spec: ResourceSpec, transport: Transport, build_id: str, props: Mapping[str, Any]) -> dict[str, Any] | None:
    return tracker.read_builds(spec.read, transport, [build_id], context_of(spec, props)).get(build_id)


def outputs(spec: ResourceSpec, props: Mapping[str, Any], build_id: str, obj: Mapping[str, Any]) -> dict[str, Any]:
    outs = {k: v for k, v in props.items() if not k.startswith("__")}
    outs["build_id"] = build_id
    for out in spec.outputs:
        outs[out.name] = _state_value(get_path(obj, out.wire))
    outs["succeeded"] = tracker.succeeded(spec, obj) if tracker.is_terminal(spec, obj) else None
    return outs


def failure_message(spec: ResourceSpec, build_id: str, obj: Mapping[str, Any]) -> str:
    status = get_path(obj, spec.status.outcome_field or spec.status.field)
    parts = [f"{spec.key} build {build_id} finished with status {status}"]
    failure = spec.failure
    if failure.phases:
        for phase in get_path(obj, failure.phases) or []:
            if phase.get(failure.phase_status) not in (None, "SUCCEEDED"):
                messages = [c.get("message", "") for c in phase.get(failure.phase_messages) or []]
                parts.append(f"failing phase {phase.get(failure.phase_name)} ({phase.get(failure.phase_status)})"
                             + (": " + "; ".join(m for m in messages if m) if any(messages) else ""))
                break
    if failure.message and get_path(obj, failure.message):
        parts.append(str(get_path(obj, failure.message)))
    return settings.redactor()(". ".join(parts))


def _describe(spec: ResourceSpec, props: Mapping[str, Any]) -> str:
    return f"{spec.key} {props.get(IDENTITY) or ''}".strip()


def _input_names(spec: ResourceSpec) -> set[str]:
    return {i.name for i in spec.inputs} | set(BEHAVIOUR_INPUTS) | {TRIGGERS, IDENTITY}


def _norm(value: Any) -> Any:
    """None, {} and [] mean "not set" alike, so an omitted input does not look like a change."""
    if value in (None, {}, []):
        return None
    return value


def _whole_numbers(value: Any) -> Any:
    """Pulumi sends every number as a float: 5 arrives as 5.0. Integer fields want 5 back."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(v) for v in value]
    return value


def _state_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def _epoch(value: Any) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value).timestamp()
        except ValueError:
            return 0.0
    return 0.0
