"""Finds, on the service itself, the build a resource already started, so that any machine (a
fresh CI runner with no journal, no process of the run that was killed) adopts it instead of
starting a second one.

Builds carry their trigger token in a field the service returns on reads (`spec.marker_item`:
CodeBuild reports the `PULUMI_BUILDS_TOKEN` environment variable override back in
BatchGetBuilds / BatchGetBuildBatches), next to a resource token (`PULUMI_BUILDS_RESOURCE`: the
same for every build of one resource, whatever its inputs). Before a trigger, the provider reads
the project's most recent builds (`spec.recent`: the list operation, newest first, at most
`window` ids, then the resource's batched read) and takes the newest build of this resource:
- it carries exactly this token (tokens compare exactly: the token encodes the stack, the
  resource and its build-defining inputs, so another stack's build never matches) and still
  runs: adopted. The build a killed or cancelled `up` left behind is always its resource's
  newest, and a destroy stops a running build, so a running one is never a destroyed resource's.
- it carries this token and succeeded: NOT adopted, a new build is started. Nothing on a
  CodeBuild build can say whether its resource was destroyed since (builds take no tags), and
  the user's intent wins: `destroy` then `up` must start a new build on any machine. The build
  is named (`Adoption.passed_over`) so a user whose `up` was killed while no one watched it
  finish can adopt it instead (`pulumi import`, `pulumi refresh --import-pending-creates`).
  With a journal (the same machine) the journal decides, exactly, before any look-up.
- it carries this token but failed or was stopped: never adopted again, the next attempt's
  token is used (as the journal does).
- it carries another token: the inputs changed since any build of this token, so such a build
  is of an earlier version of the inputs (changed, then changed back): a new build is started,
  with an attempt token no earlier build of the resource used.

The look-up is shared by every resource of the provider process: the first `create` for a
project lists and reads (one list call and one batched read for up to 100 builds), the others
wait for that snapshot and reuse it for SNAPSHOT_TTL_S. A snapshot need only hold the builds that
existed before this process's own triggers: builds this process starts have tokens no other
resource of it shares, and they are journaled the moment the service answers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_builds import settings, tracker
from pulumi_builds.spec import ResourceSpec, get_path
from pulumi_builds.transport.base import Transport
from pulumi_builds.wire import context_of, inputs_of

SNAPSHOT_TTL_S = 300.0  # one `up`'s worth: the killed run's builds are all there already


@dataclass(frozen=True)
class Found:
    build_id: str
    obj: dict[str, Any]  # the build as the snapshot read it (its status may have moved on)


@dataclass(frozen=True)
class Adoption:
    """What the look-up decided for one create."""

    attempt: int  # the attempt whose token the create uses
    found: Found | None = None  # the build to adopt (None: start one)
    # A finished build of exactly these inputs that was not adopted (see the module docstring).
    passed_over: Found | None = None


@dataclass(frozen=True)
class Marked:
    token: str
    resource: str | None
    found: Found


@dataclass(frozen=True)
class _Snapshot:
    taken: float
    builds: tuple[Marked, ...]  # newest first, only builds that carry a token


_Key = tuple[str, str, str]


class Finder:
    def __init__(
        self, ttl: float = SNAPSHOT_TTL_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.clock = clock
        self._lock = threading.Lock()
        self._key_locks: dict[_Key, threading.Lock] = {}
        self._snapshots: dict[_Key, _Snapshot] = {}

    def by_token(
        self, spec: ResourceSpec, transport: Transport, props: Mapping[str, Any], token: str
    ) -> tuple[Found, ...]:
        """The recent builds that carry exactly `token`, newest first."""
        builds = self._snapshot(spec, transport, props).builds
        return tuple(m.found for m in builds if m.token == token)

    def adopt(
        self,
        spec: ResourceSpec,
        transport: Transport,
        props: Mapping[str, Any],
        base: str,
        resource: str,
        first_attempt: int,
        token_of: Callable[[str, int], str],
    ) -> Adoption:
        """The attempt to use for `base` and the build to adopt for it (None: start one).

        `first_attempt` is the journal's (attempts it knows retired are never used again).
        """
        if spec.recent is None or spec.marker_item is None:
            return Adoption(first_attempt)
        if not settings.enabled("findRecentBuilds"):
            return Adoption(first_attempt)  # turned off: the journal and idempotency token only
        history = [
            m for m in self._snapshot(spec, transport, props).builds if m.resource == resource
        ]
        if not history:
            return Adoption(first_attempt)
        # Which attempt of `base` each build of this resource carries (None: other inputs).
        attempts = {token_of(base, n): n for n in range(first_attempt + len(history) + 1)}
        newest = history[0]
        attempt = attempts.get(newest.token)
        passed_over = None
        if attempt is not None and attempt >= first_attempt:
            if not tracker.is_terminal(spec, newest.found.obj):
                return Adoption(attempt, newest.found)
            if tracker.succeeded(spec, newest.found.obj):
                passed_over = newest.found
        # Nothing to adopt: a fresh attempt that no build of this resource carries yet, so that
        # even inside an idempotency window the service cannot hand back an earlier build.
        used = [attempts[m.token] for m in history if m.token in attempts]
        return Adoption(max([first_attempt, *(n + 1 for n in used)]), None, passed_over)

    def forget(self) -> None:
        """Drop every snapshot (tests; a changed configuration)."""
        with self._lock:
            self._snapshots.clear()

    def _snapshot(
        self, spec: ResourceSpec, transport: Transport, props: Mapping[str, Any]
    ) -> _Snapshot:
        assert spec.recent is not None
        request = {k: _fill(v, props) for k, v in spec.recent.params.items()}
        context = context_of(spec, props)
        key = (spec.key, transport.endpoint, repr(sorted({**request, **context}.items())))
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        # One look-up per project at a time: the resources that ask meanwhile wait for it.
        with key_lock:
            snapshot = self._snapshots.get(key)
            if snapshot is None or self.clock() - snapshot.taken > self.ttl:
                taken = self.clock()
                snapshot = _Snapshot(taken, read_recent(spec, transport, request, context))
                with self._lock:
                    self._snapshots[key] = snapshot
            return snapshot


def read_recent(
    spec: ResourceSpec,
    transport: Transport,
    request: Mapping[str, Any],
    context: Mapping[str, Any],
) -> tuple[Marked, ...]:
    """The project's `window` most recent builds that carry a token, newest first."""
    recent = spec.recent
    assert recent is not None
    ids: list[str] = []
    page = dict(request)
    while len(ids) < recent.window:
        response = transport.call(recent.operation, page)
        ids.extend(str(i) for i in get_path(response, recent.ids) or [])
        following = get_path(response, recent.next_token) if recent.next_token else None
        if not following:
            break
        page[str(recent.next_token)] = following
    ids = list(dict.fromkeys(ids))[: recent.window]
    marked: list[Marked] = []
    chunk = max(1, spec.read.max_ids)
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        outcome = tracker.read_builds(spec.read, transport, part, context)
        for build_id in part:  # keeps the list's newest-first order
            obj = outcome.found.get(build_id)
            if obj is None:
                continue
            token, resource = marker_values(spec, obj)
            if token is not None:
                marked.append(Marked(token, resource, Found(build_id, obj)))
    return tuple(marked)


def marker_values(spec: ResourceSpec, obj: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The trigger token and the resource token a build carries (None: it carries none)."""
    marker = spec.marker_item
    if marker is None:
        return None, None
    values: dict[str, str] = {}
    for item in get_path(obj, marker.read_list) or []:
        if isinstance(item, Mapping) and item.get(marker.value_field) is not None:
            values[str(item.get(marker.key_field))] = str(item.get(marker.value_field))
    resource = values.get(marker.resource_key) if marker.resource_key else None
    return values.get(marker.key), resource


def add_marker(spec: ResourceSpec, request: dict[str, Any], token: str, resource: str) -> None:
    """Put the trigger token and the resource token into the trigger request."""
    marker = spec.marker_item
    if marker is None:
        return
    items = get_path(request, marker.request_list)
    items = list(items) if isinstance(items, list) else []
    items.append({marker.key_field: marker.key, marker.value_field: token, **marker.extra})
    if marker.resource_key:
        items.append(
            {marker.key_field: marker.resource_key, marker.value_field: resource, **marker.extra}
        )
    parts = marker.request_list.split(".")
    target = request
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = items


def marker_clash(spec: ResourceSpec, props: Mapping[str, Any]) -> tuple[str, str] | None:
    """An input that sets the marker item itself: (input name, reason), else None.

    Judged on the wire request the inputs become (wire.Inputs), so every form the input
    accepts is covered: a `{name: value}` map (environment_variables), or typed items whose
    snake_case keys the runtime turns into wire names.
    """
    marker = spec.marker_item
    if marker is None:
        return None
    reserved = {k for k in (marker.key, marker.resource_key) if k}
    request = inputs_of(spec, props).wire.request
    for item in spec.inputs:
        on_path = marker.request_list == item.wire or marker.request_list.startswith(
            item.wire + "."
        )
        if not (on_path and item.sent and props.get(item.name) is not None):
            continue
        for entry in get_path(request, marker.request_list) or []:
            name = entry.get(marker.key_field) if isinstance(entry, Mapping) else None
            if name in reserved:
                return item.name, (
                    f"`{item.name}` must not set {name}: the provider sets it so that any "
                    f"machine can find the build again"
                )
    return None


def retired(spec: ResourceSpec, obj: Mapping[str, Any]) -> bool:
    """Finished without success (failed, stopped, timed out): never adopted again."""
    return tracker.is_terminal(spec, obj) and not tracker.succeeded(spec, obj)


def _fill(template: Any, props: Mapping[str, Any]) -> Any:
    if isinstance(template, str) and template.startswith("{input:") and template.endswith("}"):
        return props.get(template[7:-1])
    return template


_finder: Finder | None = None
_finder_lock = threading.Lock()


def shared() -> Finder:
    """The process-wide finder (the provider process serves every resource of a program)."""
    global _finder
    with _finder_lock:
        if _finder is None:
            _finder = Finder()
        return _finder
