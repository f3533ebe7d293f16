"""Reports of classified changes: human-readable (rich) and JSON, plus the exit-code gate."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence

from rich.console import Console, Group
from rich.text import Text

from pulumi_builds.codegen.changes.model import LEVELS, Change, Level, sorted_changes

_STYLE: dict[Level, str] = {"breaking": "bold red", "warning": "yellow", "info": "dim"}
FAIL_ON = ("breaking", "warning")


def summary(changes: Sequence[Change]) -> dict[Level, int]:
    return {level: sum(1 for c in changes if c.level == level) for level in LEVELS}


def report(changes: Sequence[Change]) -> Group:
    """A rich renderable: one block per service, its changes grouped by level (worst first)."""
    ordered = sorted_changes(list(changes))
    if not ordered:
        return Group(Text("No changes."))
    lines: list[Text] = []
    for service in sorted({c.service for c in ordered}):
        mine = [c for c in ordered if c.service == service]
        counts = summary(mine)
        heading = Text(service, style="bold")
        heading.append(": " + ", ".join(f"{counts[lvl]} {lvl}" for lvl in LEVELS if counts[lvl]))
        lines.append(heading)
        for level in LEVELS:
            at_level = [c for c in mine if c.level == level]
            if not at_level:
                continue
            lines.append(Text(f"  {level.upper()}", style=_STYLE[level]))
            for change in at_level:
                line = Text(f"    {change.message}")
                if change.operations and change.direction in ("request", "response"):
                    line.append(f"  [{', '.join(change.operations)}]", style="cyan")
                lines.append(line)
    return Group(*lines)


def render_text(changes: Sequence[Change]) -> str:
    """The report as plain text (no colour, no wrapping): the same bytes on every machine."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        color_system=None,
        force_terminal=False,
        width=10_000,
        highlight=False,
        emoji=False,
        markup=False,
        soft_wrap=True,
    )
    console.print(report(changes))
    return buffer.getvalue()


def render_json(changes: Sequence[Change]) -> str:
    """`{"summary": {level: count}, "changes": [...]}`, changes in the stable report order."""
    ordered = sorted_changes(list(changes))
    document = {"summary": summary(ordered), "changes": [c.to_json() for c in ordered]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def exit_code(changes: Sequence[Change], fail_on: str | None) -> int:
    """1 when a change at `fail_on` level or worse is present (`breaking` or `warning`)."""
    if fail_on is None:
        return 0
    if fail_on not in FAIL_ON:
        raise ValueError(f"fail_on: {fail_on!r} is not one of {', '.join(FAIL_ON)}")
    worst = LEVELS.index(fail_on)
    return 1 if any(LEVELS.index(c.level) <= worst for c in changes) else 0
