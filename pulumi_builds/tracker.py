"""One poller per provider process that tracks every build waiting to finish, with batched reads.

`create` calls `Tracker.wait(...)`, which parks the calling thread on an Event. A single poll
thread reads all pending builds every poll interval, grouping them by read operation and context
(account, ...) and asking for up to `max_ids` builds per call (BatchGetBuilds: 100; Cloud Foundry's
list filter: 100). So forty builds waiting cost one read per interval, not forty, and waiting holds
no connection: the provider host's large thread pool (provider_host.py) lets every `create` wait at
once instead of in waves of four.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi_builds.spec import ReadSpec, ResourceSpec, get_path
from pulumi_builds.transport.base import ApiError, Transport

log = logging.getLogger(__name__)

# A build the service does not know yet right after it was created (eventual consistency) is
# given this long to appear before the wait fails.
NOT_FOUND_GRACE_S = 30.0


class WaitTimeout(TimeoutError):
    """The build did not finish within the resource's `wait_timeout`. It keeps running."""


@dataclass
class _Waiter:
    build_id: str
    deadline: float
    done: threading.Event = field(default_factory=threading.Event)
    result: dict[str, Any] | None = None
    error: BaseException | None = None
    first_missing: float | None = None


@dataclass(frozen=True)
class _Group:
    spec_key: str
    context: tuple[tuple[str, Any], ...]


class Tracker:
    def __init__(self, poll_interval: float = 2.0) -> None:
        self.poll_interval = poll_interval
        self._lock = threading.Lock()
        self._groups: dict[_Group, tuple[ResourceSpec, Transport, dict[str, list[_Waiter]]]] = {}
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.reads = 0   # read calls made, for the benchmark's "reads per poll" figure

    def wait(
        self,
        spec: ResourceSpec,
        transport: Transport,
        build_id: str,
        context: Mapping[str, Any],
        timeout: float,
    ) -> dict[str, Any]:
        """Block until the build is terminal; returns its last read object."""
        waiter = _Waiter(build_id, time.monotonic() + timeout)
        group = _Group(spec.key, tuple(sorted(context.items())))
        with self._lock:
            _, _, by_id = self._groups.setdefault(group, (spec, transport, {}))
            by_id.setdefault(build_id, []).append(waiter)
            self._ensure_thread()
        self._wake.set()
        waiter.done.wait()
        if waiter.error is not None:
            raise waiter.error
        assert waiter.result is not None
        return waiter.result

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="pulumi-builds-tracker", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._lock:
                snapshot = [(g, s, t, dict(w)) for g, (s, t, w) in self._groups.items() if w]
            if not snapshot:
                self._wake.wait(timeout=self.poll_interval)
                self._wake.clear()
                continue
            started = time.monotonic()
            for group, spec, transport, by_id in snapshot:
                self._poll_group(group, spec, transport, by_id)
            elapsed = time.monotonic() - started
            time.sleep(max(0.0, self.poll_interval - elapsed))

    def _poll_group(
        self, group: _Group, spec: ResourceSpec, transport: Transport, by_id: dict[str, list[_Waiter]]
    ) -> None:
        ids = sorted(by_id)
        found: dict[str, dict[str, Any]] = {}
        chunk = max(1, spec.read.max_ids)
        for start in range(0, len(ids), chunk):
            part = ids[start:start + chunk]
            try:
                found.update(read_builds(spec.read, transport, part, dict(group.context)))
                self.reads += 1 if spec.read.max_ids > 1 else len(part)
            except ApiError as exc:
                # The transport already retried; keep waiting and try again next interval, unless
                # the deadline passes.
                log.warning("reading %s builds failed: %s", spec.key, exc)
        now = time.monotonic()
        finished: list[str] = []
        for build_id, waiters in by_id.items():
            obj = found.get(build_id)
            for waiter in waiters:
                if obj is not None and is_terminal(spec, obj):
                    waiter.result = obj
                elif obj is None and _missing_too_long(waiter, now):
                    waiter.error = ApiError(spec.service, spec.read.operation, 404, "NotFound",
                                            f"build {build_id} is not found")
                elif now > waiter.deadline:
                    waiter.error = WaitTimeout(f"build {build_id} still running at the wait timeout")
                else:
                    continue
                waiter.done.set()
                finished.append(build_id)
        with self._lock:
            _, _, current = self._groups[group]
            for build_id in finished:
                current[build_id] = [w for w in current.get(build_id, []) if not w.done.is_set()]
                if not current[build_id]:
                    del current[build_id]


def _missing_too_long(waiter: _Waiter, now: float) -> bool:
    if waiter.first_missing is None:
        waiter.first_missing = now
    return now - waiter.first_missing > NOT_FOUND_GRACE_S


def read_builds(
    read: ReadSpec, transport: Transport, ids: list[str], context: Mapping[str, Any]
) -> dict[str, dict[str, Any]]:
    """Read builds by id: one batched call, or one call per id. Missing ids are left out."""
    if read.max_ids > 1:
        request = {**context, **read.extra, read.id_param: list(ids)}
        response = transport.call(read.operation, request)
        items = get_path(response, read.items) or []
        return {str(item.get(read.item_id)): item for item in items if isinstance(item, dict)}
    out: dict[str, dict[str, Any]] = {}
    for build_id in ids:
        try:
            response = transport.call(read.operation, {**context, **read.extra, read.id_param: build_id})
        except ApiError as exc:
            if exc.not_found:
                continue
            raise
        obj = get_path(response, read.object)
        if isinstance(obj, dict):
            out[build_id] = obj
    return out


def is_terminal(spec: ResourceSpec, obj: Mapping[str, Any]) -> bool:
    return get_path(obj, spec.status.field) in spec.status.terminal


def succeeded(spec: ResourceSpec, obj: Mapping[str, Any]) -> bool:
    outcome = get_path(obj, spec.status.outcome_field or spec.status.field)
    return outcome in spec.status.success


_tracker: Tracker | None = None
_tracker_lock = threading.Lock()


def shared(poll_interval: float) -> Tracker:
    """The process-wide tracker (the provider process serves every resource of a program)."""
    global _tracker
    with _tracker_lock:
        if _tracker is None:
            _tracker = Tracker(poll_interval)
        _tracker.poll_interval = poll_interval
        return _tracker
