"""One poller per provider process that tracks every build waiting to finish, with batched reads.

`create` calls `Tracker.wait(...)`, which parks the calling thread on an Event, or (the native
provider's asyncio server) `await Tracker.wait_async(...)`, which parks no thread at all. A single
poll thread reads all pending builds every poll interval, grouping them by read operation and
context (account, ...) and asking for up to `max_ids` builds per call (BatchGetBuilds: 100). So
forty builds waiting cost one read per interval, not forty, and waiting holds no connection: the
dynamic provider host's unbounded thread pool (provider_host.py) lets every `create` wait at once
instead of in waves of four, and the native provider waits for any number of builds on its event
loop.

A read that fails is not news about the builds: only a successful read that reports a build
missing counts towards "not found" (after a grace period, for eventual consistency). A read
error the service will not recover from (a 4xx other than throttling) fails the waiters at once.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi_builds import cancellation
from pulumi_builds.spec import ListReadSpec, ReadSpec, ResourceSpec, get_path
from pulumi_builds.transport.base import ApiError, Transport

log = logging.getLogger(__name__)

# A build the service does not know yet right after it was created (eventual consistency) is
# given this long to appear before the wait fails.
NOT_FOUND_GRACE_S = 30.0
# Extra time a waiter gives the poll thread past its own deadline before it stops waiting on it.
BACKSTOP_S = 60.0


class WaitTimeout(TimeoutError):
    """The build did not finish within the resource's `wait_timeout`. It keeps running."""


class BuildNotFound(ApiError):
    """The service says it does not know the build (past the eventual-consistency grace)."""


@dataclass
class ReadOutcome:
    found: dict[str, dict[str, Any]]
    missing: set[str]  # ids the service answered about and does not know


@dataclass
class _Waiter:
    build_id: str
    deadline: float
    done: threading.Event = field(default_factory=threading.Event)
    result: dict[str, Any] | None = None
    error: BaseException | None = None
    first_missing: float | None = None
    watch: Callable[[Mapping[str, Any]], None] | None = None  # sees every read of the build
    on_done: Callable[[], None] | None = None  # told (on the poll thread) once done is set
    key: str | None = None  # the build's key for the resource's list read (ListReadSpec)


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
        self.rounds = 0  # poll intervals with builds to read (each reads every pending build)

    def wait(
        self,
        spec: ResourceSpec,
        transport: Transport,
        build_id: str,
        context: Mapping[str, Any],
        timeout: float,
        watch: Callable[[Mapping[str, Any]], None] | None = None,
        key: str | None = None,
    ) -> dict[str, Any]:
        """Block until the build is terminal; returns its last read object.

        `watch`, if given, is called (on the poll thread) with every object read for the build,
        so a provider can show progress while it waits; it must be quick and thread-safe.
        `key`: the build's value of the resource's list-read key (its Worker, its package), so
        that builds sharing it are read in one list call.
        """
        waiter = _Waiter(build_id, time.monotonic() + timeout, watch=watch, key=key)
        self._add(spec, transport, context, waiter)
        if not waiter.done.wait(timeout + BACKSTOP_S):
            raise _no_answer(build_id)
        return _outcome(waiter)

    async def wait_async(
        self,
        spec: ResourceSpec,
        transport: Transport,
        build_id: str,
        context: Mapping[str, Any],
        timeout: float,
        watch: Callable[[Mapping[str, Any]], None] | None = None,
        key: str | None = None,
    ) -> dict[str, Any]:
        """`wait` for an event loop: the caller's task waits, no thread does."""
        loop = asyncio.get_running_loop()
        finished: asyncio.Future[None] = loop.create_future()

        def tell() -> None:  # on the poll thread
            try:
                loop.call_soon_threadsafe(_resolve, finished)
            except RuntimeError:  # the loop is closed: nobody waits any more
                pass

        waiter = _Waiter(build_id, time.monotonic() + timeout, watch=watch, on_done=tell, key=key)
        self._add(spec, transport, context, waiter)
        try:
            await asyncio.wait_for(asyncio.shield(finished), timeout + BACKSTOP_S)
        except TimeoutError:
            raise _no_answer(build_id) from None
        finally:
            # A cancelled or timed-out wait stops being polled for (the build keeps running).
            if not waiter.done.is_set():
                _finish([waiter], error=_no_answer(build_id))
        return _outcome(waiter)

    def _add(
        self, spec: ResourceSpec, transport: Transport, context: Mapping[str, Any], waiter: _Waiter
    ) -> None:
        group = _Group(spec.key, tuple(sorted(context.items())))
        with self._lock:
            # Checked under the lock cancel_all takes: a cancel that comes while this wait is
            # being added either sees the waiter or is seen here (else the wait would outlive
            # the cancel, up to its timeout).
            if cancellation.cancelled():
                raise cancellation.Interrupted(waiter.build_id)
            # The newest transport wins: it reflects the latest configuration.
            _, _, by_id = self._groups.get(group, (spec, transport, {}))
            self._groups[group] = (spec, transport, by_id)
            by_id.setdefault(waiter.build_id, []).append(waiter)
            self._ensure_thread()
        self._wake.set()

    def cancel_all(self) -> None:
        """The update was cancelled: every wait ends now; the builds keep running."""
        with self._lock:
            waiters = [
                w for _, _, by_id in self._groups.values() for ws in by_id.values() for w in ws
            ]
        for waiter in waiters:
            if not waiter.done.is_set():
                _finish([waiter], error=cancellation.Interrupted(waiter.build_id))

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(
                target=self._run, name="pulumi-builds-tracker", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._lock:
                snapshot = [
                    (g, s, t, {k: list(v) for k, v in w.items()})
                    for g, (s, t, w) in self._groups.items()
                    if w
                ]
            if not snapshot:
                self._wake.wait(timeout=self.poll_interval)
                self._wake.clear()
                continue
            started = time.monotonic()
            self.rounds += 1
            for group, spec, transport, by_id in snapshot:
                try:
                    self._poll_group(spec, transport, by_id, dict(group.context))
                except Exception as exc:  # noqa: BLE001 - the poll thread must outlive any bad answer
                    log.warning("reading %s builds failed: %s", spec.key, exc)
                self._forget_finished(group)
            time.sleep(max(0.0, self.poll_interval - (time.monotonic() - started)))

    def _poll_group(
        self,
        spec: ResourceSpec,
        transport: Transport,
        by_id: dict[str, list[_Waiter]],
        context: dict[str, Any],
    ) -> None:
        outcome = ReadOutcome({}, set())
        failed: set[str] = set()
        if spec.list_read is not None:
            keys = {i: w[0].key for i, w in by_id.items() if w and w[0].key}
            outcome.found.update(_list_read(spec.list_read, transport, keys, context))
        # By id: the builds the list read did not return (or all, without one).
        ids = sorted(set(by_id) - set(outcome.found))
        chunk = max(1, spec.read.max_ids)
        for start in range(0, len(ids), chunk):
            part = ids[start : start + chunk]
            try:
                read = read_builds(spec.read, transport, part, context)
            except ApiError as exc:
                if _permanent(exc):
                    for build_id in part:
                        _finish(by_id[build_id], error=exc)
                failed.update(part)  # transient: keep waiting, read again next interval
                continue
            outcome.found.update(read.found)
            outcome.missing.update(read.missing)
        now = time.monotonic()
        for build_id, waiters in by_id.items():
            obj = outcome.found.get(build_id)
            for waiter in waiters:
                if waiter.done.is_set():
                    continue
                if obj is not None:
                    waiter.first_missing = None
                    _show(waiter, obj)
                    if is_terminal(spec, obj):
                        _finish([waiter], result=obj)
                        continue
                elif build_id in outcome.missing and build_id not in failed:
                    waiter.first_missing = waiter.first_missing or now
                    if now - waiter.first_missing > NOT_FOUND_GRACE_S:
                        _finish(
                            [waiter],
                            error=BuildNotFound(
                                spec.service,
                                spec.read.operation,
                                404,
                                "NotFound",
                                f"build {build_id} is not found",
                            ),
                        )
                        continue
                if now > waiter.deadline:
                    _finish(
                        [waiter],
                        error=WaitTimeout(f"build {build_id} still running at the wait timeout"),
                    )

    def _forget_finished(self, group: _Group) -> None:
        with self._lock:
            _, _, current = self._groups[group]
            for build_id in list(current):
                current[build_id] = [w for w in current[build_id] if not w.done.is_set()]
                if not current[build_id]:
                    del current[build_id]


def _no_answer(build_id: str) -> WaitTimeout:
    return WaitTimeout(
        f"build {build_id}: no answer from the status poller; the build keeps running"
    )


def _outcome(waiter: _Waiter) -> dict[str, Any]:
    if waiter.error is not None:
        raise waiter.error
    assert waiter.result is not None
    return waiter.result


def _resolve(finished: asyncio.Future[None]) -> None:
    if not finished.done():
        finished.set_result(None)


def _show(waiter: _Waiter, obj: Mapping[str, Any]) -> None:
    if waiter.watch is None:
        return
    try:
        waiter.watch(obj)
    except Exception as exc:  # noqa: BLE001 - progress display must never stop the tracking
        log.warning("progress of build %s not shown: %s", waiter.build_id, exc)


_finish_lock = threading.Lock()


def _finish(
    waiters: list[_Waiter], result: dict[str, Any] | None = None, error: BaseException | None = None
) -> None:
    for waiter in waiters:
        with _finish_lock:  # the poll thread and a cancelled async wait may race: first one wins
            if waiter.done.is_set():
                continue
            waiter.result, waiter.error = result, error
            waiter.done.set()
        if waiter.on_done is not None:
            waiter.on_done()


def _permanent(exc: ApiError) -> bool:
    """A 4xx that retrying will not change (not throttling, not a lost connection)."""
    return (
        400 <= exc.status < 500
        and exc.status != 429
        and "Throttl" not in exc.code
        and not exc.not_found
    )


def _list_read(
    list_read: ListReadSpec,
    transport: Transport,
    keys: Mapping[str, str],
    context: Mapping[str, Any],
) -> dict[str, dict[str, Any]]:
    """The builds of `keys` (build id -> key) that the list operation returns, by id. A failed
    call returns nothing: those builds are then read by id, as without a list read."""
    wanted = sorted(set(keys.values()))
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(wanted), max(1, list_read.max_keys)):
        part = wanted[start : start + list_read.max_keys]
        value: Any = part if list_read.max_keys > 1 else part[0]
        request = {**context, **list_read.extra, list_read.key_param: value}
        try:
            response = transport.call(list_read.operation, request)
        except ApiError as exc:
            log.info("%s of %s failed, reading by id: %s", list_read.operation, part, exc)
            continue
        for item in get_path(response, list_read.items) or []:
            if isinstance(item, dict) and str(item.get(list_read.item_id)) in keys:
                found[str(item[list_read.item_id])] = item
    return found


def read_builds(
    read: ReadSpec, transport: Transport, ids: list[str], context: Mapping[str, Any]
) -> ReadOutcome:
    """Read builds by id: one batched call, or one call per id."""
    if read.max_ids > 1:
        request = {**context, **read.extra, read.id_param: list(ids)}
        response = transport.call(read.operation, request)
        items = get_path(response, read.items) or []
        found = {str(item.get(read.item_id)): item for item in items if isinstance(item, dict)}
        reported = set(get_path(response, read.not_found) or []) if read.not_found else set()
        # Without a not-found list, an id the answer leaves out is missing.
        missing = reported if read.not_found else set(ids) - set(found)
        return ReadOutcome(found, missing & set(ids))
    outcome = ReadOutcome({}, set())
    for build_id in ids:
        try:
            response = transport.call(
                read.operation, {**context, **read.extra, read.id_param: build_id}
            )
        except ApiError as exc:
            if exc.not_found:
                outcome.missing.add(build_id)
                continue
            raise
        obj = get_path(response, read.object)
        if isinstance(obj, dict):
            outcome.found[build_id] = obj
    return outcome


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
            cancellation.on_cancel(_tracker.cancel_all)
        _tracker.poll_interval = poll_interval
        return _tracker
