"""Reading builds' CloudWatch Logs streams (CodeBuild writes each build's log to one):
- `tail`: a failed build's last N lines, one GetLogEvents call (the newest page, `limit` N);
- `NewestLines`: the newest line of many running builds, one FilterLogEvents call per log group
  and poll for up to 100 streams (the page's maximum), from where the last poll ended, never one
  call per build. The calls go through the `aws_logs` transport (the same credentials, region
  and endpoint as CodeBuild) and its answers through the generated models.

Needs `logs:GetLogEvents` and `logs:FilterLogEvents` on the builds' log groups.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pulumi_builds import services
from pulumi_builds.generated.aws_logs.models import FilterLogEventsResponse, GetLogEventsResponse
from pulumi_builds.spec import get_path
from pulumi_builds.transport.base import ApiError

log = logging.getLogger(__name__)

SERVICE = "aws_logs"
MAX_STREAMS_PER_CALL = 100  # FilterLogEvents: logStreamNames, "Maximum number of 100 items"
MAX_PAGES_PER_POLL = 5  # a chatty group is read again next poll rather than page after page
# Errors after which a group's live lines are not asked for again: no permission. (A group that
# does not exist yet is asked for again: CodeBuild creates it when the first build starts.)
_GIVE_UP = frozenset({"AccessDeniedException", "AccessDenied"})


@dataclass(frozen=True)
class StreamRef:
    group: str
    stream: str


def tail(ref: StreamRef, count: int) -> list[str]:
    """The stream's last `count` lines, oldest first (raises the transport's ApiError)."""
    request = {"logGroupName": ref.group, "logStreamName": ref.stream, "limit": count}
    answer = GetLogEventsResponse.model_validate(
        services.transport(SERVICE).call("GetLogEvents", {**request, "startFromHead": False})
    )
    return [_line(e.message) for e in answer.events or []][-count:]


@dataclass
class NewestLines:
    """The newest line of each watched stream, read for all of them in few calls per poll."""

    since: dict[str, int] = field(default_factory=dict)  # group -> newest timestamp read (ms)
    newest: dict[StreamRef, str] = field(default_factory=dict)
    calls: int = 0  # FilterLogEvents calls made (for the bench)
    unreadable: dict[str, str] = field(default_factory=dict)  # group -> why it is not read
    lock: threading.Lock = field(default_factory=threading.Lock)

    def poll(self, refs: Iterable[StreamRef]) -> dict[StreamRef, str]:
        """Read what the streams wrote since the last poll; {stream: its newest line} for those
        that wrote something. A group that cannot be read is left for the next poll."""
        by_group: dict[str, list[str]] = {}
        for ref in dict.fromkeys(refs):
            by_group.setdefault(ref.group, []).append(ref.stream)
        changed: dict[StreamRef, str] = {}
        for group, streams in by_group.items():
            if group in self.unreadable:
                continue
            for start in range(0, len(streams), MAX_STREAMS_PER_CALL):
                try:
                    changed |= self._read(group, streams[start : start + MAX_STREAMS_PER_CALL])
                except ApiError as exc:
                    if exc.code in _GIVE_UP:
                        self.unreadable[group] = exc.code  # not asked again by this process
                    log.info("live log lines of %s not read: %s", group, exc)
                    break
        with self.lock:
            self.newest |= changed
        return changed

    def _read(self, group: str, streams: list[str]) -> dict[StreamRef, str]:
        request: dict[str, object] = {"logGroupName": group, "logStreamNames": streams}
        since = self.since.get(group)
        if since is not None:
            request["startTime"] = since
        found: dict[StreamRef, tuple[int, str]] = {}
        for _ in range(MAX_PAGES_PER_POLL):
            with self.lock:
                self.calls += 1
            answer = FilterLogEventsResponse.model_validate(
                services.transport(SERVICE).call("FilterLogEvents", request)
            )
            for event in answer.events or []:
                ref = StreamRef(group, event.log_stream_name or "")
                stamp = event.timestamp or 0
                if ref not in found or stamp >= found[ref][0]:
                    found[ref] = (stamp, _line(event.message))
                self.since[group] = max(self.since.get(group, 0), stamp)
            if not answer.next_token:
                break
            request["nextToken"] = answer.next_token
        return {ref: line for ref, (_, line) in found.items()}


def stream_of(build: Mapping[str, object], group_path: str, stream_path: str) -> StreamRef | None:
    """The build's stream where its object names one (CloudWatch Logs may be off for a project)."""
    group, stream = get_path(build, group_path), get_path(build, stream_path)
    if not group or not stream:
        return None
    return StreamRef(str(group), str(stream))


def _line(message: str | None) -> str:
    return (message or "").rstrip("\r\n")
