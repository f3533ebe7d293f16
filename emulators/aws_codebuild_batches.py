"""CodeBuild batch builds: build groups with dependencies, rounds of retries, lazy progress.

A batch goes SUBMITTED -> DOWNLOAD_BATCHSPEC -> IN_PROGRESS (its groups' builds run) ->
COMBINE_ARTIFACTS (only with combineArtifacts) -> SUCCEEDED | FAILED | STOPPED. A group's build is
created once the groups it depends on have succeeded (or failed with ignoreFailure); this happens
lazily whenever the batch is looked at (`BatchRunner.advance`), with the build's start time set
to when it would really have started. RetryBuildBatch starts a new round in the same batch: the
retried groups keep their earlier builds in priorBuildSummaryList.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from pulumi_builds.emulators.aws_codebuild_builds import PlannedPhase, resolved_source_version
from pulumi_builds.emulators.aws_protocol import AwsError
from pulumi_builds.emulators.core import Emulator

if TYPE_CHECKING:
    from pulumi_builds.emulators.aws_codebuild import Build

# Shares of the default build duration spent in the batch's own phases.
SUBMITTED_SHARE, BATCHSPEC_SHARE, COMBINE_SHARE = 0.02, 0.05, 0.03
DEFAULT_GROUPS = ("build1", "build2")


@dataclass
class Group:
    identifier: str
    depends_on: list[str] = field(default_factory=list)
    ignore_failure: bool = False
    current: str | None = None  # id of the group's build in this round
    prior: list[str] = field(default_factory=list)  # ids of builds of earlier rounds


def _load_spec(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        import yaml  # optional: pyyaml ships with the dev extras, not with the emulator
    except ImportError:
        return None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise AwsError("InvalidInputException", f"Invalid buildspec: {exc}") from exc


def groups_from_buildspec(spec: str | None) -> list[Group]:
    """Groups from a buildspec's `batch: build-list:` / `build-graph:` (identifier, depend-on,
    ignore-failure); any other buildspec gives two independent groups, build1 and build2."""
    data = _load_spec(spec) if spec else None
    batch = data.get("batch") if isinstance(data, dict) else None
    entries = None
    if isinstance(batch, dict):
        entries = batch.get("build-list") or batch.get("build-graph")
    if not isinstance(entries, list) or not entries:
        return [Group(i) for i in DEFAULT_GROUPS]
    groups = []
    for n, entry in enumerate(entries):
        identifier = entry.get("identifier") if isinstance(entry, dict) else None
        if not isinstance(identifier, str) or not identifier.replace("_", "").isalnum():
            raise AwsError(
                "InvalidInputException",
                f"Invalid buildspec: batch entry {n} needs an identifier of letters, digits "
                f"and underscores, got {identifier!r}",
            )
        depends = entry.get("depend-on", [])
        groups.append(Group(identifier, list(depends), bool(entry.get("ignore-failure", False))))
    known = {g.identifier for g in groups}
    for group in groups:
        unknown = [d for d in group.depends_on if d not in known]
        if unknown:
            raise AwsError(
                "InvalidInputException",
                f"Invalid buildspec: {group.identifier} depends on unknown builds {unknown}",
            )
    return groups


@dataclass
class Batch:
    id: str
    arn: str
    number: int
    project: dict[str, Any]
    start: float
    created: float
    initiator: str
    request: dict[str, Any]
    config: dict[str, Any]
    environment: dict[str, Any]
    groups: list[Group]
    build_seconds: float
    round_start: float = 0.0
    history: list[dict[str, Any]] = field(default_factory=list)  # phases of earlier rounds
    stopped_at: float | None = None

    def __post_init__(self) -> None:
        self.round_start = self.start

    @property
    def first_round(self) -> bool:
        return not self.history

    @property
    def builds_start(self) -> float:
        """When this round's first builds start (after the batchspec download in round one)."""
        if self.first_round:
            return self.start + (SUBMITTED_SHARE + BATCHSPEC_SHARE) * self.build_seconds
        return self.round_start

    def group(self, identifier: str) -> Group:
        return next(g for g in self.groups if g.identifier == identifier)

    def group_state(self, group: Group, now: float, builds: dict[str, Build]) -> str:
        """pending | running | succeeded | failed | blocked, as of `now`."""
        if group.current is not None:
            build = builds[group.current]
            if not build.timeline.done(now):
                return "running"
            return "succeeded" if build.timeline.status == "SUCCEEDED" else "failed"
        for dep in group.depends_on:
            dep_group = self.group(dep)
            state = self.group_state(dep_group, now, builds)
            if state == "blocked" or (state == "failed" and not dep_group.ignore_failure):
                return "blocked"
        return "pending"

    def in_progress_end(self, now: float, builds: dict[str, Build]) -> float | None:
        """When the groups' builds were all over (None while any still runs or waits)."""
        if self.stopped_at is not None:
            return self.stopped_at
        states = [self.group_state(g, now, builds) for g in self.groups]
        if any(s in ("running", "pending") for s in states):
            return None
        ends = [
            builds[g.current].timeline.end
            for g in self.groups
            if g.current is not None and builds[g.current].start >= self.round_start
        ]
        return max([self.builds_start, *ends])

    def outcome(self, now: float, builds: dict[str, Build]) -> str:
        if self.stopped_at is not None:
            return "STOPPED"
        for group in self.groups:
            state = self.group_state(group, now, builds)
            if state == "blocked" or (state == "failed" and not group.ignore_failure):
                return "FAILED"
        return "SUCCEEDED"

    def end(self, now: float, builds: dict[str, Build]) -> float | None:
        """When the batch is (or will be) complete, once that is known."""
        in_progress_end = self.in_progress_end(now, builds)
        if in_progress_end is None:
            return None
        if self.stopped_at is not None:
            return self.stopped_at
        combine = COMBINE_SHARE * self.build_seconds if self.config.get("combineArtifacts") else 0
        return in_progress_end + combine

    def status(self, now: float, builds: dict[str, Build]) -> str:
        end = self.end(now, builds)
        return self.outcome(now, builds) if end is not None and now >= end else "IN_PROGRESS"

    def planned_phases(self, now: float, builds: dict[str, Build]) -> list[PlannedPhase]:
        phases = []
        if self.first_round:
            submitted_end = self.start + SUBMITTED_SHARE * self.build_seconds
            phases += [
                PlannedPhase("SUBMITTED", self.start, submitted_end, "SUCCEEDED"),
                PlannedPhase("DOWNLOAD_BATCHSPEC", submitted_end, self.builds_start, "SUCCEEDED"),
            ]
        in_progress_end = self.in_progress_end(now, builds)
        outcome = self.outcome(now, builds)
        phases.append(
            PlannedPhase(
                "IN_PROGRESS",
                self.builds_start,
                math.inf if in_progress_end is None else in_progress_end,
                "SUCCEEDED" if outcome == "SUCCEEDED" else outcome,
            )
        )
        end = self.end(now, builds)
        if self.config.get("combineArtifacts") and self.stopped_at is None and end is not None:
            phases.append(PlannedPhase("COMBINE_ARTIFACTS", phases[-1].end, end, "SUCCEEDED"))
        if self.stopped_at is not None:
            phases = [p for p in phases if p.start <= self.stopped_at]
            if phases[-1].end > self.stopped_at:
                phases[-1].end, phases[-1].status = self.stopped_at, "STOPPED"
        return phases

    def render_phases(self, now: float, builds: dict[str, Build]) -> list[dict[str, Any]]:
        shown = [p.render(now) for p in self.planned_phases(now, builds) if p.start <= now]
        end = self.end(now, builds)
        if end is not None and now >= end:
            shown.append({"phaseType": self.outcome(now, builds), "startTime": end})
        return [*self.history, *shown]

    def stop(self, now: float, builds: dict[str, Build]) -> None:
        """Stop the builds still running; a complete batch stays as it is."""
        if self.status(now, builds) != "IN_PROGRESS":
            return
        for group in self.groups:
            if group.current is not None:
                builds[group.current].timeline.stop(now)
        self.stopped_at = now

    def retry(self, now: float, failed_only: bool, builds: dict[str, Build]) -> None:
        """Start a new round: the (failed) groups lose their build to priorBuildSummaryList."""
        self.history = self.render_phases(now, builds)
        for group in self.groups:
            state = self.group_state(group, now, builds)
            if failed_only and state == "succeeded":
                continue
            if group.current is not None:
                group.prior.append(group.current)
            group.current = None
        self.round_start = now

    def render(self, now: float, builds: dict[str, Build]) -> dict[str, Any]:
        end = self.end(now, builds)
        complete = end is not None and now >= end
        phases = self.render_phases(now, builds)
        name = self.project["name"]
        source_version = self.request.get("sourceVersion") or self.project.get("sourceVersion")
        batch: dict[str, Any] = {"id": self.id, "arn": self.arn, "startTime": self.start}
        if complete:
            batch["endTime"] = end
        batch |= {
            "currentPhase": phases[-1]["phaseType"] if phases else "SUBMITTED",
            "buildBatchStatus": self.status(now, builds),
        }
        if source_version is not None:
            batch["sourceVersion"] = source_version
        if self.first_round is False or now >= self.builds_start:
            batch["resolvedSourceVersion"] = resolved_source_version(name, source_version)
        batch |= {
            "projectName": name,
            "phases": phases,
            "source": self.project["source"],
            "secondarySources": [],
            "secondarySourceVersions": [],
            "artifacts": {"location": ""},
            "secondaryArtifacts": [],
            "cache": self.project.get("cache", {"type": "NO_CACHE"}),
            "environment": self.environment,
            "serviceRole": self.project["serviceRole"],
            "logConfig": {
                "cloudWatchLogs": {"status": "ENABLED"},
                "s3Logs": {"status": "DISABLED", "encryptionDisabled": False},
            },
            "buildTimeoutInMinutes": self.request.get(
                "buildTimeoutInMinutesOverride", self.project["timeoutInMinutes"]
            ),
            "queuedTimeoutInMinutes": self.request.get(
                "queuedTimeoutInMinutesOverride", self.project["queuedTimeoutInMinutes"]
            ),
            "complete": complete,
            "initiator": self.initiator,
            "encryptionKey": self.project["encryptionKey"],
            "buildBatchNumber": self.number,
            "buildBatchConfig": self.config,
            "buildGroups": [self._render_group(g, now, builds) for g in self.groups],
        }
        return batch

    @staticmethod
    def _summary(build: Build, now: float) -> dict[str, Any]:
        _, _, status = build.timeline.render(now)
        return {"arn": build.arn, "requestedOn": build.start, "buildStatus": status}

    def _render_group(self, group: Group, now: float, builds: dict[str, Build]) -> dict[str, Any]:
        rendered: dict[str, Any] = {
            "identifier": group.identifier,
            "dependsOn": group.depends_on,
            "ignoreFailure": group.ignore_failure,
        }
        if group.current is not None:
            rendered["currentBuildSummary"] = self._summary(builds[group.current], now)
        rendered["priorBuildSummaryList"] = [self._summary(builds[b], now) for b in group.prior]
        return rendered


class NewBuild(Protocol):
    def __call__(
        self,
        project: dict[str, Any],
        request: dict[str, Any],
        start: float,
        initiator: str,
        batch_arn: str | None = ...,
        selectors: tuple[str, ...] = ...,
    ) -> Build: ...


@dataclass
class BatchRunner:
    """Creates the builds of a batch's groups as their turn comes (lazily, on each look)."""

    emu: Emulator
    builds: dict[str, Build]
    new_build: NewBuild | Callable[..., Build]

    def advance(self, batch: Batch, now: float) -> None:
        if batch.stopped_at is not None or now < batch.builds_start:
            return
        progressed = True
        while progressed:
            progressed = False
            for group in batch.groups:
                if group.current is not None:
                    continue
                if batch.group_state(group, now, self.builds) != "pending":
                    continue
                deps = [batch.group(d) for d in group.depends_on]
                if any(
                    d.current is None or not self.builds[d.current].timeline.done(now) for d in deps
                ):
                    continue
                start = max(
                    [
                        batch.builds_start,
                        *(
                            self.builds[d.current].timeline.end
                            for d in deps
                            if d.current is not None
                        ),
                    ]
                )
                request = dict(batch.request)
                if "buildTimeoutInMinutesOverride" in request:
                    request["timeoutInMinutesOverride"] = request["buildTimeoutInMinutesOverride"]
                build = self.new_build(
                    batch.project,
                    request,
                    start,
                    batch.id,
                    batch_arn=batch.arn,
                    selectors=(f"{batch.project['name']}/{group.identifier}",),
                )
                group.current = build.id
                progressed = True
