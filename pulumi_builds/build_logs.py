"""What a failed build's error message says about its log: its last lines, then the link to the
log in the service's console.

- Where the service has a log API of its own (Cloudflare's build logs, `failure.logs`), the lines
  are read page by page to the end.
- Where the build's log is a CloudWatch Logs stream (CodeBuild, `failure.log_stream`: the group
  and stream its BatchGetBuilds `logs` names), one GetLogEvents call reads the last lines; a
  failed batch shows the log of its first failed build (`failure.member_builds`).
- N = `pulumi-builds:logTailLines` (default 20; 0: no lines).

Reading the log never hides the failure itself: a log that cannot be read (AccessDenied, a
missing group, throttling past the retries) leaves the message as it would be without the lines
and adds one line saying why.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any

from pulumi_builds import cloudwatch_logs, services, settings, tracker
from pulumi_builds.spec import ResourceSpec, get_path
from pulumi_builds.transport.base import ApiError, Transport

DEFAULT_TAIL_LINES = 20
MAX_LOG_PAGES = 50  # a log longer than this many pages is cut to the lines read so far


def tail_lines() -> int:
    """`pulumi-builds:logTailLines`: how many lines a failure shows (0: none)."""
    raw = settings.get("logTailLines")
    try:
        return max(0, int(raw)) if raw is not None else DEFAULT_TAIL_LINES
    except ValueError:
        raise settings.MissingSetting(
            f"`pulumi-builds:logTailLines` = {raw!r} breaks the rule: a whole number >= 0"
        ) from None


def log_clause(
    spec: ResourceSpec,
    transport: Transport,
    build_id: str,
    obj: Mapping[str, Any],
    context: Mapping[str, Any],
) -> str | None:
    """The "last N log lines:" block and/or the "build log: <link>" line; None when neither."""
    count = tail_lines()
    failure = spec.failure
    parts: list[str] = []
    if failure.member_builds is not None:
        try:
            member = _failed_member(spec, transport, obj, context)
        except ApiError:
            member = None  # the batch's own message stands
        if member is not None:
            member_spec, member_id, member_obj = member
            inner = log_clause(member_spec, transport, member_id, member_obj, context)
            return f"failed build {member_id}: {inner}" if inner else None
    if count and failure.logs is not None:
        try:
            lines = tail(spec, transport, build_id, context, count)
        except Exception as exc:  # noqa: BLE001 - the failure is the news, not the log
            return f"build log unavailable ({type(exc).__name__})"
        if lines:
            parts.append(f"last {len(lines)} log lines:\n" + "\n".join(lines))
    unreadable = None
    if count and failure.log_stream is not None:
        ref = cloudwatch_logs.stream_of(obj, failure.log_stream.group, failure.log_stream.stream)
        if ref is not None:
            try:
                lines = cloudwatch_logs.tail(ref, count)
            except ApiError as exc:
                unreadable = _why_unreadable(exc, ref)
            else:
                if lines:
                    parts.append(f"last {len(lines)} log lines:\n" + "\n".join(lines))
    link = get_path(obj, failure.log_link) if failure.log_link else None
    if link:
        parts.append(f"build log: {link}")
    if unreadable:
        parts.append(unreadable)
    return "\n".join(parts) or None


def _why_unreadable(exc: ApiError, ref: cloudwatch_logs.StreamRef) -> str:
    """One line: which call failed on what, with the service's error code."""
    what = f"{ref.group} / {ref.stream}"
    if exc.code == "ResourceNotFoundException":
        return f"log lines not shown: the log group or stream {what} does not exist ({exc.code})"
    if exc.code in ("AccessDeniedException", "AccessDenied"):
        return f"log lines not shown: logs:{exc.operation} on {what} was denied ({exc.code})"
    return f"log lines not shown: {exc.operation} on {what} failed ({exc.code}, HTTP {exc.status})"


def _failed_member(
    spec: ResourceSpec, transport: Transport, obj: Mapping[str, Any], context: Mapping[str, Any]
) -> tuple[ResourceSpec, str, Mapping[str, Any]] | None:
    """The batch's first failed build, read as the member resource reads builds."""
    members = spec.failure.member_builds
    assert members is not None
    member_spec = services.resource_spec(f"{spec.service}.{members.resource}")
    success = set(member_spec.status.success)
    for item in get_path(obj, members.items) or []:
        status, arn = get_path(item, members.status), get_path(item, members.arn)
        if not arn or status in success or status not in member_spec.status.terminal:
            continue
        member_id = str(arn).partition(members.id_after)[2]
        found = tracker.read_builds(member_spec.read, transport, [member_id], context).found
        if member_id in found:
            return member_spec, member_id, found[member_id]
    return None


def tail(
    spec: ResourceSpec,
    transport: Transport,
    build_id: str,
    context: Mapping[str, Any],
    count: int = DEFAULT_TAIL_LINES,
) -> list[str]:
    """The last `count` lines of the build's log, read page by page (cursor) to the end."""
    logs = spec.failure.logs
    assert logs is not None
    last: deque[str] = deque(maxlen=count)
    request: dict[str, Any] = {**context, logs.id_param: build_id}
    for _ in range(MAX_LOG_PAGES):
        response = transport.call(logs.operation, request)
        for line in get_path(response, logs.lines) or []:
            last.append(line_text(line))
        cursor = get_path(response, logs.cursor) if logs.cursor else None
        more = get_path(response, logs.more) if logs.more else bool(cursor)
        if not more or not cursor or not logs.cursor_param:
            break
        request[logs.cursor_param] = cursor
    return list(last)


def line_text(line: Any) -> str:
    """A line is text, or [timestamp, text] (Cloudflare)."""
    if isinstance(line, (list, tuple)):
        return " ".join(str(part) for part in line[1:]) if len(line) > 1 else str(line[0])
    return str(line)
