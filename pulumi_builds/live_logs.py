"""The newest log line of each running build, on its resource's row (the native provider's
progress): `build api:3f2…: IN_PROGRESS, phase BUILD | npm run build`.

One follower per provider process reads the logs of every build being waited for, once per poll
interval, in few calls:
- CloudWatch Logs streams (CodeBuild, `failure.log_stream`): one FilterLogEvents call per log
  group for up to 100 streams (cloudwatch_logs.NewestLines), whatever the number of builds;
- services whose log API reads one build at a time (Cloudflare Workers Builds, `failure.logs`,
  from the build's cursor): at most ROUND_BUDGET such calls per interval for all builds together,
  taking the builds in turn, so 40 builds cost 4 calls an interval, not 40.

A build is followed from the first read that shows it running until it is terminal, or until its
wait stops asking (a wait that timed out or was cancelled): entries not refreshed within
STALE_AFTER_S are dropped. Lines pass through the resource's redactor (`[secret]`) before they
reach the row. Reading a log never disturbs the build's tracking: errors are logged and the
follower carries on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi_builds import build_logs, cloudwatch_logs, settings, tracker
from pulumi_builds.cloudwatch_logs import StreamRef
from pulumi_builds.spec import ResourceSpec, get_path
from pulumi_builds.transport.base import Transport

log = logging.getLogger(__name__)

ROUND_BUDGET = 4  # one-build-at-a-time log reads per poll interval, all builds together
STALE_AFTER_S = 120.0  # a followed build whose wait stopped asking is dropped after this
MAX_ROW_TEXT = 160  # a row shows at most this much of a line

LineSink = Callable[[str], None]


@dataclass
class _Cursored:
    """A build whose log API reads one build per call, from a cursor."""

    spec: ResourceSpec
    transport: Transport
    build_id: str
    context: Mapping[str, Any]
    sink: LineSink
    cursor: str | None = None
    seen: float = field(default_factory=time.monotonic)


@dataclass
class _Streamed:
    sink: LineSink
    seen: float = field(default_factory=time.monotonic)


class LiveLogs:
    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.newest = cloudwatch_logs.NewestLines()
        self.cursored_calls = 0  # calls to one-build log APIs (for the bench)
        self.rounds = 0
        self._lock = threading.Lock()
        self._streams: dict[StreamRef, _Streamed] = {}
        self._cursored: dict[str, _Cursored] = {}
        self._turns: deque[str] = deque()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def follow_stream(self, ref: StreamRef, sink: LineSink) -> None:
        with self._lock:
            entry = self._streams.get(ref)
            if entry is None:
                self._streams[ref] = _Streamed(sink)
            else:
                entry.seen = time.monotonic()
            self._ensure_thread()

    def follow_cursored(self, entry: _Cursored) -> None:
        key = f"{entry.spec.key}|{entry.build_id}"
        with self._lock:
            known = self._cursored.get(key)
            if known is None:
                self._cursored[key] = entry
                self._turns.append(key)
            else:
                known.seen = time.monotonic()
            self._ensure_thread()

    def forget(self, ref: StreamRef | None, key: str | None) -> None:
        with self._lock:
            if ref is not None:
                self._streams.pop(ref, None)
            if key is not None:
                self._cursored.pop(key, None)

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(
                target=self._run, name="pulumi-builds-logs", daemon=True
            )
            self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait(timeout=self.interval)
            self._wake.clear()
            started = time.monotonic()
            self._drop_stale(started)
            with self._lock:
                streams = dict(self._streams)
                turns = self._next_turns()
            if streams or turns:
                self.rounds += 1
                self._round(streams, turns)
            time.sleep(max(0.0, self.interval - (time.monotonic() - started)))

    def _round(self, streams: dict[StreamRef, _Streamed], turns: list[_Cursored]) -> None:
        try:
            for ref, line in self.newest.poll(streams).items():
                _tell(streams[ref].sink, line)
        except Exception as exc:  # noqa: BLE001 - live lines are a courtesy, never a failure
            log.info("live log lines not read: %s", exc)
        for entry in turns:
            try:
                newest = self._read_cursored(entry)
            except Exception as exc:  # noqa: BLE001 - as above
                log.info("live log lines of build %s not read: %s", entry.build_id, exc)
                continue
            if newest is not None:
                _tell(entry.sink, newest)

    def _next_turns(self) -> list[_Cursored]:
        """Up to ROUND_BUDGET followed builds, in turn (called with the lock held)."""
        picked: list[_Cursored] = []
        for _ in range(min(ROUND_BUDGET, len(self._turns))):
            key = self._turns.popleft()
            if key in self._cursored:
                picked.append(self._cursored[key])
                self._turns.append(key)
        return picked

    def _read_cursored(self, entry: _Cursored) -> str | None:
        logs = entry.spec.failure.logs
        assert logs is not None
        request: dict[str, Any] = {**entry.context, logs.id_param: entry.build_id}
        if entry.cursor and logs.cursor_param:
            request[logs.cursor_param] = entry.cursor
        self.cursored_calls += 1
        answer = entry.transport.call(logs.operation, request)
        if logs.cursor:
            entry.cursor = get_path(answer, logs.cursor) or entry.cursor
        lines = get_path(answer, logs.lines) or []
        return build_logs.line_text(lines[-1]) if lines else None

    def _drop_stale(self, now: float) -> None:
        with self._lock:
            for ref in [r for r, e in self._streams.items() if now - e.seen > STALE_AFTER_S]:
                del self._streams[ref]
            for key in [k for k, e in self._cursored.items() if now - e.seen > STALE_AFTER_S]:
                del self._cursored[key]


def _tell(sink: LineSink, line: str) -> None:
    try:
        sink(line)
    except Exception as exc:  # noqa: BLE001 - a row that cannot be shown must not stop the rest
        log.info("log line not shown: %s", exc)


_shared_lock = threading.Lock()
_shared: LiveLogs | None = None


def shared(interval: float) -> LiveLogs:
    """The process's follower (the poll interval of its first user)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = LiveLogs(interval)
        return _shared


def row_watch(
    spec: ResourceSpec,
    transport: Transport,
    build_id: str,
    context: Mapping[str, Any],
    progress: Callable[[str], None],
    status_of: Callable[[Mapping[str, Any]], str],
    hide: Callable[[str], str],
) -> Callable[[Mapping[str, Any]], None]:
    """The tracker's watch for one build: its row shows the status, and the newest log line
    while it runs; `progress` is called when either changes."""
    follower = shared(float(settings.get("pollInterval") or 2))
    lock = threading.Lock()
    shown: dict[str, str] = {"status": "", "line": "", "text": ""}
    key = f"{spec.key}|{build_id}"

    def show() -> None:
        text = f"build {build_id}: {shown['status']}"
        if shown["line"]:
            text += f" | {shown['line']}"
        if text != shown["text"]:
            shown["text"] = text
            progress(text)

    def on_line(line: str) -> None:
        with lock:
            shown["line"] = hide(line.strip())[:MAX_ROW_TEXT]
            show()

    def seen(obj: Mapping[str, Any]) -> None:
        ref = _stream(spec, obj)
        with lock:
            shown["status"] = status_of(obj)
            if tracker.is_terminal(spec, obj):
                follower.forget(ref, key)
                shown["line"] = ""
            elif ref is not None:
                follower.follow_stream(ref, on_line)
            elif spec.failure.logs is not None:
                follower.follow_cursored(_Cursored(spec, transport, build_id, context, on_line))
            show()

    return seen


def _stream(spec: ResourceSpec, obj: Mapping[str, Any]) -> StreamRef | None:
    where = spec.failure.log_stream
    if where is None:
        return None
    return cloudwatch_logs.stream_of(obj, where.group, where.stream)
