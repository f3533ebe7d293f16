"""Amazon CloudWatch Logs emulator (target prefix Logs_20140328): GetLogEvents and FilterLogEvents
over the log store (aws_logs_store.py) that the emulated CodeBuild writes its builds' logs to.

Served as the reference pages (schemas/pages/aws_logs/) describe them; the request is checked
against schemas/aws_logs.json first (limits 1..10000, at most 100 stream names, patterns):
- GetLogEvents: without a token, the last `limit` events (startFromHead false, the default) or the
  first ones (true); `nextForwardToken` / `nextBackwardToken` are never null, and at either end of
  the stream the token passed in comes back unchanged. Events are always in time order.
- FilterLogEvents: the events of the named streams (or those with the prefix, or all), oldest
  first unless startFromHead is false, `limit` per page (default 10,000), `nextToken` while more
  remain, `searchedLogStreams` always empty ("no longer supported").
- Errors: both or neither of logGroupName / logGroupIdentifier, both logStreamNames and
  logStreamNamePrefix, a token not from this operation: InvalidParameterException; a missing
  group or stream: ResourceNotFoundException (the messages are the service's usual wording,
  unverified here).

Setup routes (not service requests): `POST /_emulator/aws_logs/events` appends lines to a stream
(`{"logGroupName", "logStreamName", "messages": [...]}`), `POST /_emulator/aws_logs/delete-group`
removes a group (`{"logGroupName"}`), as a DeleteLogGroup by someone else would.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from pulumi_builds.emulators.aws_logs_store import Event, Stream, store
from pulumi_builds.emulators.aws_protocol import AwsError
from pulumi_builds.emulators.core import Emulator

SERVICE = "aws_logs"
VALIDATION_ERROR = "InvalidParameterException"
MAX_EVENTS = 10_000  # a page holds at most this many events (the pages' default limit)
TIMESTAMPS: set[str] = set()  # CloudWatch Logs sends times as Long milliseconds, never timestamps


def invalid(message: str) -> AwsError:
    return AwsError("InvalidParameterException", message)


def not_found(message: str) -> AwsError:
    return AwsError("ResourceNotFoundException", message)


class CloudWatchLogs:
    def __init__(self, emu: Emulator) -> None:
        self.emu = emu

    def _group(self, body: dict[str, Any]) -> dict[str, Stream]:
        name, identifier = body.get("logGroupName"), body.get("logGroupIdentifier")
        if (name is None) == (identifier is None):
            raise invalid("You must specify either logGroupName or logGroupIdentifier, not both.")
        if identifier is not None:
            # An ARN `arn:aws:logs:<region>:<account>:log-group:<name>[:*]` or a plain name.
            parts = str(identifier).split(":log-group:", 1)
            name = parts[-1].removesuffix(":*")
        group = store(self.emu).groups.get(str(name))
        if group is None:
            raise not_found("The specified log group does not exist.")
        return group

    def get_log_events(self, body: dict[str, Any]) -> dict[str, Any]:
        group = self._group(body)
        stream = group.get(body["logStreamName"])
        if stream is None:
            raise not_found("The specified log stream does not exist.")
        events = _in_range(stream.events(self.emu.now()), body)
        limit = int(body.get("limit") or MAX_EVENTS)
        token = body.get("nextToken")
        if token is None:
            head = bool(body.get("startFromHead", False))
            low = 0 if head else max(0, len(events) - limit)
            high = min(len(events), limit) if head else len(events)
        else:
            direction, position = _position(token, len(events))
            if direction == "f":
                low, high = position, min(len(events), position + limit)
            else:
                low, high = max(0, position - limit), position
        return {
            "events": [_output_event(e) for e in events[low:high]],
            "nextForwardToken": f"f/{high:056d}",
            "nextBackwardToken": f"b/{low:056d}",
        }

    def filter_log_events(self, body: dict[str, Any]) -> dict[str, Any]:
        group = self._group(body)
        names, prefix = body.get("logStreamNames"), body.get("logStreamNamePrefix")
        if names is not None and prefix is not None:
            raise invalid("logStreamNames and logStreamNamePrefix are mutually exclusive.")
        if names is not None:
            # Unknown stream names match nothing (unverified: the service may refuse them).
            streams = [group[n] for n in dict.fromkeys(names) if n in group]
        else:
            streams = [s for n, s in sorted(group.items()) if n.startswith(prefix or "")]
        now = self.emu.now()
        events = [e for s in streams for e in _in_range(s.events(now), body)]
        events = [e for e in events if _matches(e.message, body.get("filterPattern"))]
        token = body.get("nextToken")
        ascending, offset = (
            _filter_position(token) if token else (bool(body.get("startFromHead", True)), 0)
        )
        events.sort(
            key=lambda e: (e.timestamp, e.ingestion_time, e.stream, e.sequence),
            reverse=not ascending,
        )
        limit = int(body.get("limit") or MAX_EVENTS)
        page = events[offset : offset + limit]
        answer: dict[str, Any] = {
            "events": [_filtered_event(e) for e in page],
            "searchedLogStreams": [],
        }
        if offset + limit < len(events):
            answer["nextToken"] = _filter_token(ascending, offset + limit)
        return answer

    def operations(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {"GetLogEvents": self.get_log_events, "FilterLogEvents": self.filter_log_events}


def _in_range(events: list[Event], body: dict[str, Any]) -> list[Event]:
    start, end = body.get("startTime"), body.get("endTime")
    return [
        e
        for e in events
        if (start is None or e.timestamp >= start) and (end is None or e.timestamp < end)
    ]


def _matches(message: str, pattern: str | None) -> bool:
    """Unstructured filter patterns: every term (or "quoted phrase") must occur, case-sensitive."""
    if not pattern or not pattern.strip():
        return True
    terms = [t.strip('"') for t in _terms(pattern)]
    return all(t in message for t in terms if t)


def _terms(pattern: str) -> list[str]:
    terms, current, quoted = [], "", False
    for char in pattern:
        if char == '"':
            quoted = not quoted
        elif char.isspace() and not quoted:
            terms.append(current)
            current = ""
            continue
        current += char
    return [*terms, current]


def _position(token: Any, count: int) -> tuple[str, int]:
    text = str(token)
    direction, _, digits = text.partition("/")
    if direction not in ("f", "b") or not digits.isdigit() or int(digits) > count:
        raise invalid("The specified nextToken is invalid.")
    return direction, int(digits)


def _filter_token(ascending: bool, offset: int) -> str:
    raw = json.dumps({"a": ascending, "o": offset}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _filter_position(token: Any) -> tuple[bool, int]:
    try:
        data = json.loads(base64.urlsafe_b64decode(str(token).encode()))
        return bool(data["a"]), int(data["o"])
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise invalid("The specified nextToken is invalid.") from None


def _output_event(event: Event) -> dict[str, Any]:
    return {
        "timestamp": event.timestamp,
        "message": event.message,
        "ingestionTime": event.ingestion_time,
    }


def _filtered_event(event: Event) -> dict[str, Any]:
    return {
        "logStreamName": event.stream,
        "timestamp": event.timestamp,
        "message": event.message,
        "ingestionTime": event.ingestion_time,
        "eventId": event.event_id,
    }


def handlers(emu: Emulator) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
    return CloudWatchLogs(emu).operations()


def routes(emu: Emulator) -> list[BaseRoute]:
    async def append(request: Request) -> Response:
        body = await request.json()
        try:
            group, stream = str(body["logGroupName"]), str(body["logStreamName"])
            messages = [str(m) for m in body["messages"]]
        except (KeyError, TypeError) as exc:
            return JSONResponse({"error": f"missing or bad field {exc}"}, status_code=400)
        with emu.lock:
            now = emu.now()
            store(emu).put(group, stream, [(now, m) for m in messages])
        return JSONResponse({"appended": len(messages)})

    async def delete_group(request: Request) -> Response:
        body = await request.json()
        with emu.lock:
            deleted = store(emu).delete_group(str(body.get("logGroupName")))
        return JSONResponse({"deleted": deleted})

    return [
        Route("/_emulator/aws_logs/events", append, methods=["POST"]),
        Route("/_emulator/aws_logs/delete-group", delete_group, methods=["POST"]),
    ]
