"""CodeBuild builds as simulated timelines: planned once at start, rendered lazily at any time.

A build's phases are fixed when it starts (from the scripted outcome or the default duration),
so reading it at simulated time t shows the phases that started by t, the one in progress with
no end, and, once the plan is over, the COMPLETED phase and the final buildStatus. Stopping a
build cuts the plan at the stop time. Nothing runs in the background.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from pulumi_builds.emulators.core import Outcome

# The build phases in order with their share of a build's duration (COMPLETED has no duration).
PHASE_WEIGHTS: dict[str, float] = {
    "SUBMITTED": 0.02,
    "QUEUED": 0.03,
    "PROVISIONING": 0.15,
    "DOWNLOAD_SOURCE": 0.05,
    "INSTALL": 0.15,
    "PRE_BUILD": 0.05,
    "BUILD": 0.45,
    "POST_BUILD": 0.04,
    "UPLOAD_ARTIFACTS": 0.03,
    "FINALIZING": 0.03,
}
PHASES = list(PHASE_WEIGHTS)
FAILABLE_PHASES = PHASES[2:]  # a build cannot fail while only SUBMITTED or QUEUED

STATUS_OF_OUTCOME = {
    "succeeded": "SUCCEEDED",
    "failed": "FAILED",
    "fault": "FAULT",
    "timed_out": "TIMED_OUT",
    "stopped": "STOPPED",
}
DEFAULT_FAILING_PHASE = {
    "failed": "BUILD",
    "fault": "PROVISIONING",
    "timed_out": "BUILD",
    "stopped": "BUILD",
}


def phases_after_failure(phase: str) -> list[str]:
    """What CodeBuild still runs after a phase fails: POST_BUILD and the rest run after a BUILD
    failure; a failure before BUILD goes straight to FINALIZING."""
    index = PHASES.index(phase)
    if phase in ("BUILD", "POST_BUILD", "UPLOAD_ARTIFACTS"):
        return PHASES[index + 1 :]
    return [] if phase == "FINALIZING" else ["FINALIZING"]


def _failure_context(outcome: Outcome, phase: str, timeout_minutes: int) -> dict[str, str]:
    if outcome.status == "timed_out":
        return {
            "statusCode": "BUILD_TIMED_OUT",
            "message": outcome.message or f"Build has timed out after {timeout_minutes} mins.",
        }
    if outcome.status == "fault":
        return {
            "statusCode": "INTERNAL_ERROR",
            "message": outcome.message or f"Internal service error during {phase}",
        }
    if outcome.status == "stopped":
        return {"statusCode": "BUILD_STOPPED", "message": outcome.message or "Build was stopped"}
    return {
        "statusCode": "COMMAND_EXECUTION_ERROR",
        "message": outcome.message
        or f"Error while executing command: ./{phase.lower()}.sh. Reason: exit status 1",
    }


@dataclass
class PlannedPhase:
    type: str
    start: float
    end: float
    status: str
    contexts: list[dict[str, str]] = field(default_factory=list)

    def render(self, now: float) -> dict[str, Any]:
        if now < self.end:  # in progress: no end, no status yet
            return {"phaseType": self.type, "startTime": self.start}
        rendered: dict[str, Any] = {
            "phaseType": self.type,
            "phaseStatus": self.status,
            "startTime": self.start,
            "endTime": self.end,
            "durationInSeconds": round(self.end - self.start),
        }
        if self.contexts:
            rendered["contexts"] = self.contexts
        return rendered


@dataclass
class Timeline:
    phases: list[PlannedPhase]
    end: float
    status: str  # the final buildStatus

    def done(self, now: float) -> bool:
        return now >= self.end

    def render(self, now: float) -> tuple[list[dict[str, Any]], str, str]:
        """(phases, currentPhase, buildStatus) as seen at `now`."""
        shown = [p.render(now) for p in self.phases if p.start <= now]
        if self.done(now):
            shown.append({"phaseType": "COMPLETED", "startTime": self.end})
            return shown, "COMPLETED", self.status
        current = shown[-1]["phaseType"] if shown else "SUBMITTED"
        return shown, current, "IN_PROGRESS"

    def phase_ended(self, phase: str, now: float) -> bool:
        return any(p.type == phase and p.end <= now for p in self.phases)

    def stop(self, now: float, message: str = "Build was stopped") -> bool:
        """Cut the plan at `now` (the phase in progress ends STOPPED). False if already done."""
        if self.done(now):
            return False
        kept = [p for p in self.phases if p.start <= now]
        if kept and kept[-1].end > now:
            kept[-1].end = now
            kept[-1].status = "STOPPED"
            kept[-1].contexts = [{"statusCode": "BUILD_STOPPED", "message": message}]
        self.phases, self.end, self.status = kept, now, "STOPPED"
        return True


def plan(start: float, outcome: Outcome, default_seconds: float, timeout_minutes: int) -> Timeline:
    """The phases a build will go through, from its scripted (or default: succeeded) outcome."""
    status = STATUS_OF_OUTCOME[outcome.status]
    if outcome.duration_s is not None:
        duration = outcome.duration_s
    elif outcome.status == "timed_out":
        duration = timeout_minutes * 60.0  # a real time-out happens at the build's time limit
    else:
        duration = default_seconds
    if status == "SUCCEEDED":
        sequence, failing = PHASES, None
    else:
        failing = (outcome.failing_phase or DEFAULT_FAILING_PHASE[outcome.status]).upper()
        if failing not in FAILABLE_PHASES:
            failing = DEFAULT_FAILING_PHASE[outcome.status]
        sequence = PHASES[: PHASES.index(failing) + 1] + phases_after_failure(failing)
        if outcome.status in ("timed_out", "stopped"):
            # A time-out or stop ends the phase in progress and skips to the end.
            sequence = PHASES[: PHASES.index(failing) + 1]
            if outcome.status == "timed_out" and failing != "FINALIZING":
                sequence.append("FINALIZING")
    total_weight = sum(PHASE_WEIGHTS[p] for p in sequence)
    phases: list[PlannedPhase] = []
    clock = start
    for name in sequence:
        length = duration * PHASE_WEIGHTS[name] / total_weight
        phase = PlannedPhase(name, clock, clock + length, "SUCCEEDED")
        if name == failing:
            phase.status = status
            phase.contexts = [_failure_context(outcome, name, timeout_minutes)]
        phases.append(phase)
        clock += length
    return Timeline(phases, clock, status)


def resolved_source_version(project: str, source_version: str | None) -> str:
    """A stable commit id for a source version (the emulator has no repository to resolve)."""
    return hashlib.sha1(f"{project}@{source_version or 'HEAD'}".encode()).hexdigest()
