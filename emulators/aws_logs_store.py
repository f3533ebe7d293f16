"""The emulated CloudWatch Logs data: log groups, their streams and events.

Other emulated services write here (CodeBuild: each build's stream in `/aws/codebuild/<project>`),
the CloudWatch Logs operations (aws_logs.py) read. A stream holds fixed events, or a source that
renders its events at a simulated time (a CodeBuild build's log follows its timeline, so reading
it at time t shows the lines written by t). The store lives in the emulator's per-service state
slot, so a reset empties it with everything else.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

from pulumi_builds.emulators.core import Emulator

STATE_KEY = "aws_logs"
INGESTION_DELAY_S = 0.2  # an event is ingested shortly after it happened

# (epoch seconds, message) lines of a stream as they stand at a simulated time
LineSource = Callable[[float], list[tuple[float, str]]]


@dataclass(frozen=True)
class Event:
    timestamp: int  # epoch milliseconds
    ingestion_time: int  # epoch milliseconds
    message: str
    stream: str
    sequence: int  # order within its stream

    @property
    def event_id(self) -> str:
        # 56 digits like the service's ids: timestamp, then a per-stream sequence.
        return f"{self.timestamp:020d}{zlib.crc32(self.stream.encode()):018d}{self.sequence:018d}"


@dataclass
class Stream:
    name: str
    created: float
    lines: list[tuple[float, str]] = field(default_factory=list)
    source: LineSource | None = None

    def events(self, now: float) -> list[Event]:
        lines = self.source(now) if self.source is not None else self.lines
        return [
            Event(_ms(at), _ms(at + INGESTION_DELAY_S), message, self.name, index)
            for index, (at, message) in enumerate(lines)
            if at <= now
        ]


@dataclass
class LogStore:
    groups: dict[str, dict[str, Stream]] = field(default_factory=dict)

    def create_group(self, group: str) -> dict[str, Stream]:
        return self.groups.setdefault(group, {})

    def delete_group(self, group: str) -> bool:
        return self.groups.pop(group, None) is not None

    def add_stream(
        self, group: str, stream: str, created: float, source: LineSource | None = None
    ) -> Stream:
        created_stream = Stream(stream, created, source=source)
        self.create_group(group)[stream] = created_stream
        return created_stream

    def put(self, group: str, stream: str, lines: list[tuple[float, str]]) -> None:
        streams = self.create_group(group)
        target = streams.get(stream) or self.add_stream(group, stream, lines[0][0] if lines else 0)
        target.lines.extend(lines)


def store(emu: Emulator) -> LogStore:
    """The emulator's one log store (created on first use, dropped on reset)."""
    with emu.lock:
        found = emu.state.get(STATE_KEY)
        if found is None:
            found = emu.state[STATE_KEY] = LogStore()
        return found


def _ms(seconds: float) -> int:
    return round(seconds * 1000)
