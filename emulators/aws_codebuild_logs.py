"""What a CodeBuild build writes to its CloudWatch Logs stream, rendered from its timeline.

Like the real agent's log: `[Container] <time> Entering phase X` when a phase starts (from
PROVISIONING on: SUBMITTED and QUEUED run before the container exists), `Phase complete: X State:
S` and `Phase context status code: C Message: M` when it ends, and the scripted outcome's lines
(`log` of /_emulator/outcomes) spread over the failing phase (BUILD when none failed). Lines
appear as simulated time reaches them; a stopped build's log ends where it stopped.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from pulumi_builds.emulators.aws_codebuild_builds import PHASES, Timeline

_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")
_FIRST_LOGGED = PHASES.index("PROVISIONING")


def expand(line: str, environment: Mapping[str, str]) -> str:
    """`$NAME` / `${NAME}` replaced by the variable's value (unset: empty), as a shell echo does."""
    return _VARIABLE.sub(lambda m: environment.get(m.group(1) or m.group(2), ""), line)


def log_lines(
    timeline: Timeline, printed: tuple[str, ...], environment: Mapping[str, str], now: float
) -> list[tuple[float, str]]:
    """(epoch seconds, message) of every line written by `now`, in order."""
    lines: list[tuple[float, str]] = []
    failing = next((p for p in timeline.phases if p.status != "SUCCEEDED"), None)
    output_phase = failing.type if failing else "BUILD"
    for phase in timeline.phases:
        if PHASES.index(phase.type) < _FIRST_LOGGED:
            continue
        lines.append((phase.start, _container(phase.start, f"Entering phase {phase.type}")))
        if phase.type == output_phase and printed:
            step = (phase.end - phase.start) / (len(printed) + 1)
            lines += [
                (phase.start + step * (i + 1), expand(text, environment))
                for i, text in enumerate(printed)
            ]
        if phase.end <= now:
            lines.append(
                (
                    phase.end,
                    _container(phase.end, f"Phase complete: {phase.type} State: {phase.status}"),
                )
            )
            for context in phase.contexts:
                text = (
                    f"Phase context status code: {context.get('statusCode', '')} "
                    f"Message: {context.get('message', '')}"
                )
                lines.append((phase.end, _container(phase.end, text)))
    return [(at, text) for at, text in lines if at <= now]


def _container(at: float, text: str) -> str:
    stamp = dt.datetime.fromtimestamp(at, dt.UTC).strftime("%Y/%m/%d %H:%M:%S.%f")
    return f"[Container] {stamp} {text}"
