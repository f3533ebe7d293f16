"""What a failed build's error message says about its log: the last lines where the service has a
log API in scope (Cloudflare's build logs), else the link to the log in the service's console
(CodeBuild's `logs.deepLink`).

Reading the log must never hide the failure itself: any error while reading it is reported in
one short clause instead of the lines.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any

from pulumi_builds.spec import ResourceSpec, get_path
from pulumi_builds.transport.base import Transport

TAIL_LINES = 20
MAX_LOG_PAGES = 50  # a log longer than this many pages is cut to the lines read so far


def log_clause(
    spec: ResourceSpec,
    transport: Transport,
    build_id: str,
    obj: Mapping[str, Any],
    context: Mapping[str, Any],
) -> str | None:
    """The "last log lines: ..." or "build log: <link>" clause, None when there is neither."""
    failure = spec.failure
    if failure.logs is not None:
        try:
            lines = tail(spec, transport, build_id, context)
        except Exception as exc:  # noqa: BLE001 - the failure is the news, not the log
            return f"build log unavailable ({type(exc).__name__})"
        if lines:
            return f"last {len(lines)} log lines:\n" + "\n".join(lines)
    link = get_path(obj, failure.log_link) if failure.log_link else None
    if link:
        return f"build log: {link}"
    return None


def tail(
    spec: ResourceSpec,
    transport: Transport,
    build_id: str,
    context: Mapping[str, Any],
    count: int = TAIL_LINES,
) -> list[str]:
    """The last `count` lines of the build's log, read page by page (cursor) to the end."""
    logs = spec.failure.logs
    assert logs is not None
    last: deque[str] = deque(maxlen=count)
    request: dict[str, Any] = {**context, logs.id_param: build_id}
    for _ in range(MAX_LOG_PAGES):
        response = transport.call(logs.operation, request)
        for line in get_path(response, logs.lines) or []:
            last.append(_text(line))
        cursor = get_path(response, logs.cursor) if logs.cursor else None
        more = get_path(response, logs.more) if logs.more else bool(cursor)
        if not more or not cursor or not logs.cursor_param:
            break
        request[logs.cursor_param] = cursor
    return list(last)


def _text(line: Any) -> str:
    """A line is text, or [timestamp, text] (Cloudflare)."""
    if isinstance(line, (list, tuple)):
        return " ".join(str(part) for part in line[1:]) if len(line) > 1 else str(line[0])
    return str(line)
