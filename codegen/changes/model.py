"""One classified change between two versions of a service (document or generated Python)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Level = Literal["breaking", "warning", "info"]
LEVELS: tuple[Level, ...] = ("breaking", "warning", "info")
# "request"/"response": a schema reached from an operation's request or response;
# "operation"/"service": the operation or service itself; "python": the generated Python surface;
# "schema": the Pulumi package schema (generated/schema.json).
Direction = Literal["request", "response", "operation", "service", "python", "schema"]


@dataclass(frozen=True)
class Change:
    """A change and how much it matters to someone whose program uses the generated code.

    `subject` is the operation or the shape (`$defs` name, or Python class) the change is in;
    `location` is a JSON pointer into the newer document (the older one when the thing was
    removed), or `path::Class.attribute` for the Python surface; `operations` lists every
    operation through which the changed shape is reached, so a shape shared by several
    operations is reported once.
    """

    level: Level
    service: str
    direction: Direction
    subject: str
    location: str
    kind: str
    message: str
    operations: tuple[str, ...] = field(default=())

    def sort_key(self) -> tuple[str, int, str, str, str, str]:
        return (
            self.service,
            LEVELS.index(self.level),
            self.subject,
            self.location,
            self.kind,
            self.message,
        )

    def to_json(self) -> dict[str, object]:
        return {
            "level": self.level,
            "service": self.service,
            "direction": self.direction,
            "subject": self.subject,
            "location": self.location,
            "kind": self.kind,
            "message": self.message,
            "operations": list(self.operations),
        }


def sorted_changes(changes: list[Change]) -> list[Change]:
    """The one order used everywhere (reports, JSON, tests): service, level, subject, location."""
    return sorted(changes, key=Change.sort_key)
