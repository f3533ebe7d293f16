"""The one lifecycle engine behind every build resource, driven by a `ResourceSpec` (generated
from the declarative mapping in schemas/mapping.json): `check`, `diff`, `create`, `update`,
`read`, `delete` on plain property dicts (Python names). Both providers call exactly these: the
dynamic provider (`BuildProvider` below) and the native one (pulumi_builds/native/provider.py,
which adds partial state, import by id and progress on top).

What it guarantees, and how:
- A build is started exactly once per resource and inputs: the trigger carries a token derived
  from the resource's identity, its build-defining inputs and the endpoint (tokens.py): the
  service's idempotency token where it has one, a label plus look-ups where it has not. Where
  the build carries the token in a field reads return (CodeBuild's PULUMI_BUILDS_TOKEN
  environment variable), the project's recent builds are searched for it before any trigger
  (finder.py), so a rerun on another machine adopts the build instead of starting another. The
  started build's id is also written to the local journal (journal.py) before any waiting: a
  cache that spares that look-up on the same machine, and the only memory for services whose
  builds carry no token. A build that failed, was deleted or vanished is never adopted again.
- Waiting is shared: every waiting `create` parks on the process-wide tracker, which reads all
  pending builds in batches each poll interval (tracker.py).
- Credentials never reach the pickled provider or the state: the provider object holds only the
  spec key; transports read settings in the provider process (settings.py).
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
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

from pulumi_builds import (
    build_logs,
    cancellation,
    finder,
    journal,
    live_logs,
    services,
    settings,
    tracker,
)
from pulumi_builds.spec import (
    BEHAVIOUR_INPUTS,
    COMMON_INPUTS,
    FindSpec,
    ResourceSpec,
    common_input,
    get_path,
    set_path,
)
from pulumi_builds.tokens import (
    IDENTITY,
    attempt_token,
    defining_inputs,
    resource_token,
    trigger_token,
)
from pulumi_builds.transport.base import AmbiguousResult, ApiError, Transport
from pulumi_builds.validation import check_inputs
from pulumi_builds.wire import Inputs, context_of, inputs_of, is_unknown, norm, trigger_request

MAX_TRIGGER_ATTEMPTS = 8  # triggers without an idempotency token, retried after a lost answer
MAX_LABELLED_ATTEMPTS = 100  # failed builds of one resource and inputs looked past, at most


Progress = Callable[[str], None]
"""Told each change of a build's status or phase while it runs (from the tracker's thread)."""

PROVIDER_NAMES = frozenset({IDENTITY, *(f.name for f in COMMON_INPUTS)})


class BuildFailed(Exception):
    """A build ended in failure. The message names the build, its status, phase and messages;
    `build_id` and `outputs` say what to record (the native provider keeps them as partial state)."""

    def __init__(self, message: str, build_id: str = "", outputs: dict[str, Any] | None = None):
        super().__init__(message)
        self.build_id = build_id
        self.outputs = outputs or {}


# -- the lifecycle, on plain property dicts (Python names); both providers call these --------------


def check(spec: ResourceSpec, news: Mapping[str, Any]) -> list[tuple[str, str]]:
    """[(input, reason)] for every rule the inputs break (unknown values wait for `up`)."""
    news = inputs_of(spec, news)  # the wire form, made once for this call
    failures = check_inputs(spec, news)
    clash = finder.marker_clash(spec, news)  # an input may not set the token variables itself
    if clash is not None:
        failures.append(clash)
    return failures


def diff(
    spec: ResourceSpec,
    olds: Mapping[str, Any],
    news: Mapping[str, Any],
    replace_failed: bool = False,
) -> tuple[list[str], list[str]]:
    """(inputs whose change means a new build, inputs that change in place).

    `replace_failed`: a recorded build that failed is replaced, so the next `up` starts a new one
    (the native provider records failed builds as partial state; the dynamic one cannot).
    """
    before, after = inputs_of(spec, olds), inputs_of(spec, news)
    replaces = [
        k for k in defining_inputs(spec) if _changed(_on_wire(before, k), _on_wire(after, k))
    ]
    provider_only = [i.name for i in spec.inputs if not i.sent]
    updates = [k for k in (*BEHAVIOUR_INPUTS, *provider_only) if _changed(olds.get(k), news.get(k))]
    if replace_failed and olds.get("succeeded") is False:
        replaces.append("succeeded")
    return replaces, updates


def create(
    spec: ResourceSpec, props: Mapping[str, Any], progress: Progress | None = None
) -> tuple[str, dict[str, Any]]:
    """Start the build once (or adopt the one the journal knows) and, with `wait`, wait for it.

    Returns (build id, outputs); raises BuildFailed (with the id and outputs) when it failed,
    cancellation.Cancelled when the update was cancelled before a build was started, and
    cancellation.Interrupted (with the id and outputs) when it was cancelled after.
    lifecycle_async.create is the same steps with the wait on an event loop.
    """
    with cancellation.operation():
        props = inputs_of(spec, props)  # the wire form, made once for this call
        started = start(spec, props, progress)
        if not waits(props):
            return not_waited(spec, props, started)
        try:
            obj = wait_for(
                spec,
                started.transport,
                started.build_id,
                props,
                started.token,
                progress,
                started.obj,
            )
        except cancellation.Interrupted:
            raise interrupted(spec, props, started) from None
        except tracker.BuildNotFound:
            lost(spec, props, started)
            raise
        return finished(spec, props, started, obj)


@dataclass(frozen=True)
class Started:
    """A build this resource started or adopted, recorded in the journal, not waited for yet."""

    transport: Transport
    build_id: str
    token: str
    attempt: int
    obj: dict[str, Any] | None  # the build as the trigger's answer had it, if it did


def start(spec: ResourceSpec, props: Mapping[str, Any], progress: Progress | None) -> Started:
    """The first step of `create`: adopt the build the journal or the service knows, else start it."""
    props = inputs_of(spec, props)  # made by `create` already, or here (lifecycle_async)
    transport = services.transport(spec.service)
    base = trigger_token(spec, props, transport.endpoint)
    attempt, build_id, how = _adopt_or_start(spec, transport, props, base, progress)
    token = attempt_token(base, attempt)
    obj: dict[str, Any] | None = None
    if build_id is None:
        cancellation.check("starting a build")
        resource = resource_token(spec, props, transport.endpoint)
        build_id, obj = start_build(spec, transport, props, token, resource)
        _tell(progress, f"started build {build_id}")
    else:
        _tell(progress, f"adopted build {build_id} ({how})")
    if how != FROM_JOURNAL:
        _journal(spec, props, token, build_id, "started", attempt)
    return Started(transport, build_id, token, attempt, obj)


FROM_JOURNAL = "from the journal"


def _adopt_or_start(
    spec: ResourceSpec,
    transport: Transport,
    props: Mapping[str, Any],
    base: str,
    progress: Progress | None,
) -> tuple[int, str | None, str]:
    """(attempt, build to adopt or None to start one, where it was found).

    The journal first (no call, and exact: it knows a deleted build from an interrupted one);
    then the service, for a build another machine started (finder.py says what is adopted).
    """
    attempt, entry = journal.current(base, attempt_token)
    if entry is not None:
        return attempt, entry.build_id, FROM_JOURNAL
    if spec.marker_param:
        attempt, found_id = find_marked(spec, transport, props, base, attempt)
        return attempt, found_id, "found on the service by its label"
    resource = resource_token(spec, props, transport.endpoint)
    adoption = finder.shared().adopt(spec, transport, props, base, resource, attempt, attempt_token)
    if adoption.passed_over is not None:
        _warn(progress, passed_over_message(spec, props, adoption.passed_over.build_id))
    found = adoption.found
    return adoption.attempt, None if found is None else found.build_id, "found on the service"


def passed_over_message(spec: ResourceSpec, props: Mapping[str, Any], build_id: str) -> str:
    """Why a finished build of the same inputs was not adopted, and how to adopt it instead."""
    identity = str(props.get(IDENTITY) or "")
    name = identity.rsplit("/", 1)[-1] or "<name>"
    return (
        f"{spec.key} {name}: build {build_id} of these same inputs finished while no `up` "
        "watched it; it is not adopted, a new build is started (after a `destroy` the same "
        "inputs mean a new build, and nothing on the service tells the two apart). If it is the "
        "build of an interrupted `up`, adopt it instead: `pulumi refresh "
        f"--import-pending-creates <urn>,{build_id}` while the create is pending, else (native "
        f"provider) `pulumi destroy --target <urn>` then `pulumi import <type> {name} {build_id}`"
    )


def find_marked(
    spec: ResourceSpec, transport: Transport, props: Mapping[str, Any], base: str, attempt: int
) -> tuple[int, str | None]:
    """A build labelled with this resource's token (`marker_param`), from attempt `attempt` on:
    the first attempt whose build is running or succeeded (adopt it), or that has none (start
    one). A failed attempt is skipped; a destroyed resource's build no longer carries the label
    (delete rewrites it, `spec.unmark`)."""
    for _ in range(MAX_LABELLED_ATTEMPTS):
        found = find_started(spec, transport, props, attempt_token(base, attempt))
        if found is None:
            return attempt, None
        obj = read_one(spec, transport, found, props)
        if obj is None or not finder.retired(spec, obj):
            return attempt, found
        attempt += 1
    raise ApiError(
        spec.service,
        spec.trigger,
        0,
        "TooManyAttempts",
        f"{MAX_LABELLED_ATTEMPTS} failed builds carry this resource's token: not starting another",
    )


def interrupted(
    spec: ResourceSpec, props: Mapping[str, Any], started: Started
) -> cancellation.Interrupted:
    """The update was cancelled while `create` waited: the build keeps running, journaled as
    started (the next `up` adopts it); the native provider records these outputs (partial state)."""
    outs = outputs(spec, props, started.build_id, started.obj or {})
    return cancellation.Interrupted(started.build_id, outs)


def waits(props: Mapping[str, Any]) -> bool:
    """Whether `create` waits for the build to finish (the `wait` input; in the program a value
    not known yet, an Output, counts as waiting)."""
    return _setting(props, "wait") is not False


def not_waited(
    spec: ResourceSpec, props: Mapping[str, Any], started: Started
) -> tuple[str, dict[str, Any]]:
    """`create` with `wait` off: the build as it is now."""
    obj = started.obj
    if obj is None:
        obj = read_one(spec, started.transport, started.build_id, props)
    return started.build_id, outputs(spec, props, started.build_id, obj or {})


def lost(spec: ResourceSpec, props: Mapping[str, Any], started: Started) -> None:
    """An adopted build the service does not know (another account, a reset service): retire it
    so the next `up` starts a new build instead of failing forever."""
    _journal(spec, props, started.token, started.build_id, "lost", started.attempt)


def finished(
    spec: ResourceSpec, props: Mapping[str, Any], started: Started, obj: Mapping[str, Any]
) -> tuple[str, dict[str, Any]]:
    """The last step of `create`: record how the build ended; BuildFailed when it failed."""
    build_id = started.build_id
    succeeded = tracker.succeeded(spec, obj)
    _journal(
        spec,
        props,
        started.token,
        build_id,
        "succeeded" if succeeded else "failed",
        started.attempt,
    )
    outs = outputs(spec, props, build_id, obj)
    if not succeeded:
        message = describe_failure(spec, started.transport, build_id, obj, props)
        raise BuildFailed(message, build_id, outs)
    return build_id, outs


def update(
    spec: ResourceSpec,
    id_: str,
    olds: Mapping[str, Any],
    news: Mapping[str, Any],
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Only behaviour or provider-only inputs changed (diff replaces on anything else), or the
    native provider's partial state of a build still running (a cancelled `up`): waits for it."""
    outs = updated_inputs(spec, olds, news)
    if not must_wait_after_update(olds, news):
        return outs
    # `wait` turned on, or a cancelled `up` recorded the build running: wait now.
    with cancellation.operation():
        transport = services.transport(spec.service)
        token = trigger_token(spec, olds, transport.endpoint)
        _tell(progress, f"waiting for build {id_} (running when it was last recorded)")
        try:
            obj = wait_for(spec, transport, id_, outs, token, progress)
        except cancellation.Interrupted:
            raise cancellation.Interrupted(id_, outs) from None
        return updated_after_wait(spec, transport, id_, outs, obj)


def updated_inputs(
    spec: ResourceSpec, olds: Mapping[str, Any], news: Mapping[str, Any]
) -> dict[str, Any]:
    outs = dict(olds)
    for key in (*BEHAVIOUR_INPUTS, *(i.name for i in spec.inputs if not i.sent)):
        outs[key] = news.get(key)
    return outs


def must_wait_after_update(olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
    return waits(news) and olds.get("succeeded") is None


def updated_after_wait(
    spec: ResourceSpec,
    transport: Transport,
    id_: str,
    outs: Mapping[str, Any],
    obj: Mapping[str, Any],
) -> dict[str, Any]:
    result = outputs(spec, outs, id_, obj)
    if not tracker.succeeded(spec, obj):
        raise BuildFailed(describe_failure(spec, transport, id_, obj, result), id_, result)
    return result


def read(
    spec: ResourceSpec, id_: str, props: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(outputs, inputs) of the build as the service has it now; None when it is gone.

    With `props` empty (`pulumi import`, `Resource.get`) the inputs are rebuilt from the build
    itself where the service reports them (see `adopted_inputs`).
    """
    transport = services.transport(spec.service)
    obj = read_one(spec, transport, id_, props)
    if obj is None:
        return None
    known = dict(props) if _has_inputs(spec, props) else {**adopted_inputs(spec, obj), **props}
    outs = outputs(spec, known, id_, obj)
    names = {i.name for i in spec.inputs} | PROVIDER_NAMES
    return outs, {k: v for k, v in known.items() if k in names}


def delete(spec: ResourceSpec, id_: str, props: Mapping[str, Any]) -> None:
    props = inputs_of(spec, props)
    transport = services.transport(spec.service)
    # The same inputs after a delete mean a new build, not this one again: on this machine
    # (the journal) and on any other (the label rewritten; a stopped build is never adopted).
    journal.retire(trigger_token(spec, props, transport.endpoint), attempt_token, id_, "deleted")
    wants_stop = spec.stop is not None and _setting(props, "stop_on_delete")
    if spec.unmark is None and not wants_stop:
        return
    obj = read_one(spec, transport, id_, props)
    if obj is None:
        return
    if spec.unmark is not None:
        unmark(spec, transport, id_, obj, props)
    if wants_stop and not tracker.is_terminal(spec, obj):
        stop(spec, transport, id_, props)


DELETED_PREFIX = "deleted-"  # a rewritten marker: `deleted-<token>` (a label value, <= 63 chars)


def unmark(
    spec: ResourceSpec,
    transport: Transport,
    id_: str,
    obj: Mapping[str, Any],
    props: Mapping[str, Any],
) -> None:
    """Rewrite the build's marker so no look-up for its token finds it (Cloud Foundry labels)."""
    assert spec.unmark is not None and spec.marker_param is not None
    value = get_path(obj, spec.marker_param)
    if not value or str(value).startswith(DELETED_PREFIX):
        return
    request = {**context_of(spec, props), **spec.unmark.extra, spec.unmark.id_param: id_}
    set_path(request, spec.marker_param, f"{DELETED_PREFIX}{value}")
    transport.call(spec.unmark.operation, request)


def stop(spec: ResourceSpec, transport: Transport, id_: str, props: Mapping[str, Any]) -> None:
    assert spec.stop is not None
    request = {**context_of(spec, props), **spec.stop.extra, spec.stop.id_param: id_}
    try:
        transport.call(spec.stop.operation, request)
    except ApiError:
        # Only "it finished or vanished meanwhile" is fine; anything else (no permission,
        # throttled to the end) would leave a build running that the user asked to stop.
        obj = read_one(spec, transport, id_, props)
        if obj is not None and not tracker.is_terminal(spec, obj):
            raise


def adopted_inputs(spec: ResourceSpec, obj: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs of a build found by id alone: those the build object reports at the same wire path
    as the trigger takes them (CodeBuild's `projectName`, `sourceVersion`...). Secret inputs and
    name/value lists are never read back: the state must not learn them from the service."""
    found: dict[str, Any] = {}
    for item in spec.inputs:
        if not item.sent or item.secret or item.transform != "value":
            continue
        value = get_path(obj, item.wire)
        if value is not None and not isinstance(value, (dict, list)):
            found[item.name] = value
    return found


def _setting(props: Mapping[str, Any], name: str) -> Any:
    """A shared input's value, or what the spec says it is when the state holds none."""
    value = props.get(name)
    return common_input(name).when_unset if value is None else value


def _has_inputs(spec: ResourceSpec, props: Mapping[str, Any]) -> bool:
    return any(props.get(i.name) is not None for i in spec.inputs)


def _tell(progress: Progress | None, text: str) -> None:
    if progress is not None:
        progress(text)


def _warn(progress: Progress | None, text: str) -> None:
    """Shown on the resource's row where the provider can (native), and always on stderr, which
    the CLI prints (a dynamic provider has no other channel)."""
    _tell(progress, text)
    print(f"warning: {settings.redactor()(text)}", file=sys.stderr, flush=True)


class BuildProvider(ResourceProvider):
    """The dynamic provider: pickled into the state by reference, it holds nothing but the spec key."""

    # The provider holds no secret; the default (always secret) hides nothing useful.
    serialize_as_secret_always = False

    def __init__(self, spec_key: str) -> None:
        super().__init__()
        self.spec_key = spec_key

    @property
    def spec(self) -> ResourceSpec:
        return services.resource_spec(self.spec_key)

    def configure(self, req: ConfigureRequest) -> None:
        settings.configure(lambda key: req.config.get(f"{settings.NAMESPACE}:{key}"))
        services.reset_transports()

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = [CheckFailure(name, reason) for name, reason in check(self.spec, news)]
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces, updates = diff(self.spec, olds, news)
        return DiffResult(
            changes=bool(replaces or updates), replaces=replaces, delete_before_replace=False
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        # A dynamic provider cannot record a failed create: BuildFailed fails the update with
        # its message, and the journal lets the next `up` see that this build failed.
        build_id, outs = create(self.spec, props)
        return CreateResult(build_id, outs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(update(self.spec, id_, olds, news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        found = read(self.spec, id_, props)
        if found is None:
            return ReadResult("", {})  # gone: the engine drops it from the state
        outs, inputs = found
        return ReadResult(id_, outs, inputs)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        delete(self.spec, id_, props)


# -- the steps, as functions so tests and the benchmark can drive them ---------------------------


def start_build(
    spec: ResourceSpec,
    transport: Transport,
    props: Mapping[str, Any],
    token: str,
    resource: str | None = None,
) -> tuple[str, dict[str, Any] | None]:
    request = trigger_request(spec, props)
    if spec.idempotency_param:
        request[spec.idempotency_param] = token
    if resource is not None:
        finder.add_marker(spec, request, token, resource)
    existing: set[str] = set()
    if spec.marker_param:
        # The marker makes our build findable by the token alone (`start` looked before this
        # first try: find_marked).
        set_path(request, spec.marker_param, token)
    elif spec.find is not None and _can_find(spec, props, token):
        # No marker: remember which matching builds exist now, so that after a lost answer
        # only a new one can be ours (no clock comparison between us and the service).
        existing = set(find_candidates(spec, transport, props, token))
    safe = spec.idempotency_param is not None
    for attempt in range(1, MAX_TRIGGER_ATTEMPTS + 1):
        try:
            response = transport.call(spec.trigger, request, safe_to_retry=safe)
            break
        except AmbiguousResult:
            # The service may have started the build before the answer was lost: look first,
            # and trigger again only when no build of ours is there.
            found = find_started(spec, transport, props, token, exclude=existing)
            if found is not None:
                return found, None
            if spec.find is None or attempt == MAX_TRIGGER_ATTEMPTS:
                raise
    build_id = get_path(response, spec.trigger_id)
    if not build_id:
        raise ApiError(
            spec.service, spec.trigger, 200, "NoBuildId", f"no `{spec.trigger_id}` in the answer"
        )
    obj = get_path(response, spec.trigger_object) if spec.trigger_object else None
    return str(build_id), obj if isinstance(obj, dict) else None


def _find_request(spec: ResourceSpec, props: Mapping[str, Any], token: str) -> dict[str, Any]:
    assert spec.find is not None
    return {k: _fill(v, props, token) for k, v in spec.find.params.items()}


def _can_find(spec: ResourceSpec, props: Mapping[str, Any], token: str) -> bool:
    return all(v is not None for v in _find_request(spec, props, token).values())


def find_candidates(
    spec: ResourceSpec, transport: Transport, props: Mapping[str, Any], token: str
) -> list[str]:
    """Builds on the service that match this resource's find rule (see FindSpec)."""
    find: FindSpec | None = spec.find
    if find is None:
        return []
    request = _find_request(spec, props, token)
    missing = [k for k, v in request.items() if v is None]
    if missing:
        raise AmbiguousResult(
            spec.service,
            spec.trigger,
            0,
            "AnswerLost",
            f"the answer to {spec.trigger} was lost and the build cannot be looked up without "
            f"{', '.join(missing)}: set it on the resource so a retry never starts a second build",
        )
    response = transport.call(find.operation, request)
    return [
        str(get_path(item, find.item_id))
        for item in get_path(response, find.items) or []
        if all(
            str(get_path(item, path)) == str(_fill(t, props, token))
            for path, t in find.match.items()
        )
    ]


def find_started(
    spec: ResourceSpec,
    transport: Transport,
    props: Mapping[str, Any],
    token: str,
    exclude: set[str] | frozenset[str] = frozenset(),
) -> str | None:
    """The build this resource started, found on the service; None when there is none.

    Builds journaled for other resources, and those that existed before our trigger, are never ours.
    """
    others = journal.build_ids_except(token) | set(exclude)
    candidates = [b for b in find_candidates(spec, transport, props, token) if b not in others]
    if len(candidates) > 1:
        raise AmbiguousResult(
            spec.service,
            spec.trigger,
            0,
            "AnswerLost",
            f"the answer to {spec.trigger} was lost and {len(candidates)} builds could be the one it "
            f"started ({', '.join(sorted(candidates))}): not starting another; check them and run again",
        )
    return candidates[0] if candidates else None


def _fill(template: str, props: Mapping[str, Any], token: str) -> Any:
    if template == "{token}":
        return token
    if template.startswith("{input:") and template.endswith("}"):
        return props.get(template[7:-1])
    return template.replace("{token}", token)


def wait_for(
    spec: ResourceSpec,
    transport: Transport,
    build_id: str,
    props: Mapping[str, Any],
    token: str,
    progress: Progress | None = None,
    known: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Wait on the shared tracker until the build is terminal, retrying it when asked to.

    `known`: the build as the trigger's answer had it; when that is already terminal, no wait."""
    waiting = Waiting.of(spec, transport, build_id, props, token, progress)
    obj = waiting.finished_already(known) or waiting.tracker.wait(*waiting.arguments)
    while waiting.retried(obj):
        obj = waiting.tracker.wait(*waiting.arguments)
    return obj


@dataclass
class Waiting:
    """What a wait for one build needs: the tracker, its arguments, and the retries left."""

    spec: ResourceSpec
    transport: Transport
    build_id: str
    props: Mapping[str, Any]
    token: str
    progress: Progress | None
    tracker: tracker.Tracker
    arguments: tuple[Any, ...]  # of Tracker.wait / wait_async
    attempt: int = 0

    @classmethod
    def of(
        cls,
        spec: ResourceSpec,
        transport: Transport,
        build_id: str,
        props: Mapping[str, Any],
        token: str,
        progress: Progress | None = None,
    ) -> Waiting:
        poll = float(settings.get("pollInterval") or 2)
        timeout = float(_setting(props, "wait_timeout"))
        context = context_of(spec, props)
        watch = None
        if progress is not None:
            hide = settings.redactor(secret_values(spec, props))
            watch = live_logs.row_watch(
                spec, transport, build_id, context, progress, partial(describe, spec), hide
            )
        key = None if spec.list_read is None else props.get(spec.list_read.key_input)
        key = str(key) if key else None  # builds without one are read by id
        arguments = (spec, transport, build_id, context, timeout, watch, key)
        shared = tracker.shared(poll)
        return cls(spec, transport, build_id, props, token, progress, shared, arguments)

    def finished_already(self, known: Mapping[str, Any] | None) -> dict[str, Any] | None:
        """`known` when it says the build is over (waiting a poll interval would add nothing)."""
        if known is None or not tracker.is_terminal(self.spec, known):
            return None
        return dict(known)

    def retried(self, obj: Mapping[str, Any]) -> bool:
        """Retry a failed build when the resource asks for it and retries are left (a call)."""
        spec, props = self.spec, self.props
        retries = int(_setting(props, "max_retries"))
        if not (
            spec.retry
            and _setting(props, "retry_failed_builds")
            and not tracker.succeeded(spec, obj)
            and self.attempt < retries
        ):
            return False
        self.attempt += 1
        request = {
            **context_of(spec, props),
            **spec.retry.extra,
            spec.retry.id_param: self.build_id,
        }
        if spec.retry.token_param:
            request[spec.retry.token_param] = f"{self.token}-retry{self.attempt}"
        self.transport.call(spec.retry.operation, request)
        _tell(self.progress, f"retrying build {self.build_id} ({self.attempt} of {retries})")
        return True


def describe(spec: ResourceSpec, obj: Mapping[str, Any]) -> str:
    """A build's status in a few words: `IN_PROGRESS, phase BUILD`."""
    parts = [str(get_path(obj, spec.status.field))]
    phase = next((o for o in spec.outputs if o.name == "current_phase"), None)
    if phase is not None and get_path(obj, phase.wire):
        parts.append(f"phase {get_path(obj, phase.wire)}")
    return ", ".join(parts)


def read_one(
    spec: ResourceSpec, transport: Transport, build_id: str, props: Mapping[str, Any]
) -> dict[str, Any] | None:
    return tracker.read_builds(spec.read, transport, [build_id], context_of(spec, props)).found.get(
        build_id
    )


def outputs(
    spec: ResourceSpec, props: Mapping[str, Any], build_id: str, obj: Mapping[str, Any]
) -> dict[str, Any]:
    outs = {k: v for k, v in props.items() if not k.startswith("__")}
    outs["build_id"] = build_id
    for out in spec.outputs:
        value = get_path(obj, out.wire)
        outs[out.name] = _iso(value) if out.timestamp else value
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
                parts.append(
                    f"failing phase {phase.get(failure.phase_name)} ({phase.get(failure.phase_status)})"
                    + (": " + "; ".join(m for m in messages if m) if any(messages) else "")
                )
                break
    if failure.message and get_path(obj, failure.message):
        parts.append(str(get_path(obj, failure.message)))
    return settings.redactor()(". ".join(parts))


def describe_failure(
    spec: ResourceSpec,
    transport: Transport,
    build_id: str,
    obj: Mapping[str, Any],
    props: Mapping[str, Any],
) -> str:
    """The failure message, plus the log's last lines and its console link (build_logs.py).
    Values of the resource's secret inputs that the build printed show as `[secret]`."""
    message = failure_message(spec, build_id, obj)
    clause = build_logs.log_clause(spec, transport, build_id, obj, context_of(spec, props))
    hide = settings.redactor(secret_values(spec, props))
    if clause is None:
        return hide(message)
    return hide(f"{message}. {clause}")


def secret_values(spec: ResourceSpec, props: Mapping[str, Any]) -> tuple[str, ...]:
    """The text values inside the resource's secret inputs (a map's values, a list's items, any
    depth; not the keys: `environment_variables` names are not secret, their values are)."""
    found: list[str] = []

    def collect(value: Any) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, Mapping):
            for inner in value.values():
                collect(inner)
        elif isinstance(value, (list, tuple)):
            for inner in value:
                collect(inner)

    for item in spec.inputs:
        if item.secret:
            collect(props.get(item.name))
    return tuple(found)


def _journal(
    spec: ResourceSpec,
    props: Mapping[str, Any],
    token: str,
    build_id: str,
    state: str,
    attempt: int,
) -> None:
    described = f"{spec.key} {props.get(IDENTITY) or ''}".strip()
    journal.record(journal.Entry(token, described, build_id, time.time(), state, attempt))


def _on_wire(inputs: Inputs, name: str) -> Any:
    """Nested inputs compared as sent: snake_case or wire-named keys are the same input."""
    return inputs.wire.values.get(name, inputs.get(name))


def _changed(old: Any, new: Any) -> bool:
    return is_unknown(new) or norm(old) != norm(new)


def _iso(value: Any) -> Any:
    """Timestamps are kept in the state as ISO 8601 text, whatever the wire used (AWS: epoch)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value, dt.UTC).isoformat().replace("+00:00", "Z")
    return value
