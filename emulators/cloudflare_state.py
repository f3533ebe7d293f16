"""Cloudflare Workers Builds state: accounts, triggers, builds, build logs and Worker versions.

A build goes queued -> initializing -> running -> stopped. It waits queued until its account has a
free build slot (1 concurrent build on the free plan, 6 on paid; FIFO per account), spends 10% of
its duration initializing and the rest running, and stops with the `build_outcome` decided at
creation by a scripted outcome (selector: trigger uuid or "*") or the default (success after
`config.build_seconds`). Builds are capped at 20 minutes (then `terminated`). Cancelling stops a
queued or running build at once with `cancelled`.

State is computed on read from the simulated clock (`schedule`), never by background threads.
Start times are fixed once reached, so changing an account's plan only affects builds still queued.

A successful build uploads a new Worker version, as Workers Builds does with `wrangler deploy`.
Its id is what `GET /builds/builds?version_ids=` looks up; clients learn it the way they do on
the real service, from the Worker's versions list (`GET /accounts/{a}/workers/scripts/{script}/
versions`, newest first; the emulator treats the script name and `external_script_id` as one).
"""

from __future__ import annotations

import heapq
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pulumi_builds.emulators.core import Emulator, Outcome

SERVICE = "cloudflare_builds"
BUILD_CAP_S = 20 * 60  # Workers Builds stops a build after 20 minutes ("terminated")
INITIALIZING_SHARE = 0.1  # part of a build's duration spent in "initializing"
PLAN_CONCURRENCY = {"free": 1, "paid": 6}
DEFAULT_PLAN = "free"
# Core outcome status -> Cloudflare build_outcome.
OUTCOMES = {
    "succeeded": "success",
    "failed": "fail",
    "fault": "fail",
    "timed_out": "terminated",
    "stopped": "cancelled",
}
TRIGGER_LIST_FIELDS = ("branch_excludes", "branch_includes", "path_excludes", "path_includes")
TRIGGER_TEXT_FIELDS = ("build_command", "deploy_command", "root_directory", "trigger_name")
TRIGGER_UUID_FIELDS = ("build_token_uuid", "repo_connection_uuid")


def iso(epoch: float) -> str:
    """Cloudflare timestamps: ISO 8601 UTC with milliseconds (`2019-12-27T18:11:19.117Z`)."""
    stamp = datetime.fromtimestamp(epoch, UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


@dataclass
class Account:
    account_id: str
    plan: str = DEFAULT_PLAN
    max_concurrent_builds: int = PLAN_CONCURRENCY[DEFAULT_PLAN]


@dataclass
class Trigger:
    trigger_uuid: str
    account_id: str
    external_script_id: str
    fields: dict[str, Any]  # the TRIGGER_*_FIELDS and build_caching_enabled
    repo_connection: dict[str, Any]
    created: float
    modified: float
    deleted: float | None = None

    def public(self, with_token: bool = True) -> dict[str, Any]:
        """The trigger as the API shows it; builds embed it without the build token uuid."""
        body: dict[str, Any] = {
            "branch_excludes": list(self.fields["branch_excludes"]),
            "branch_includes": list(self.fields["branch_includes"]),
            "build_caching_enabled": bool(self.fields.get("build_caching_enabled", False)),
            "build_command": self.fields["build_command"],
        }
        if with_token:
            body["build_token_name"] = self.fields["build_token_name"]
            body["build_token_uuid"] = self.fields["build_token_uuid"]
        body["created_on"] = iso(self.created)
        if self.deleted is not None:
            body["deleted_on"] = iso(self.deleted)
        body.update(
            {
                "deploy_command": self.fields["deploy_command"],
                "external_script_id": self.external_script_id,
                "modified_on": iso(self.modified),
                "path_excludes": list(self.fields["path_excludes"]),
                "path_includes": list(self.fields["path_includes"]),
                "repo_connection": dict(self.repo_connection),
                "root_directory": self.fields["root_directory"],
                "trigger_name": self.fields["trigger_name"],
                "trigger_uuid": self.trigger_uuid,
            }
        )
        return body


@dataclass
class Build:
    build_uuid: str
    seq: int
    account_id: str
    trigger: Trigger
    trigger_snapshot: dict[str, Any]  # the trigger as it was when the build was created
    metadata: dict[str, Any]  # build_trigger_metadata
    created: float
    duration_s: float
    outcome: str  # build_outcome once stopped (not cancelled)
    message: str | None
    version_id: str  # the Worker version a successful build uploads
    start: float | None = None  # fixed once the build got a slot
    cancelled: float | None = None

    def natural_end(self, start: float) -> float:
        return start + min(self.duration_s, BUILD_CAP_S)

    def end(self) -> float | None:
        """When the build stops (or stopped), if known: cancel time, else start + duration."""
        if self.start is None:
            return self.cancelled
        natural = self.natural_end(self.start)
        if self.cancelled is not None and self.cancelled < natural:
            return self.cancelled
        return natural

    def final_outcome(self) -> str:
        if self.start is not None and self.cancelled is not None:
            if self.cancelled < self.natural_end(self.start):
                return "cancelled"
        elif self.cancelled is not None:
            return "cancelled"
        if self.duration_s > BUILD_CAP_S:
            return "terminated"
        return self.outcome

    def phase_times(self) -> dict[str, float]:
        """Timestamps reached so far (queued/initializing/running/stopped), given `start`."""
        times = {"queued": self.created}
        if self.start is not None:
            times["initializing"] = self.start
            running = self.start + min(self.duration_s, BUILD_CAP_S) * INITIALIZING_SHARE
            end = self.end()
            if end is None or running < end:
                times["running"] = running
        end = self.end()
        if end is not None:
            times["stopped"] = end
        return times

    def status(self, now: float) -> str:
        reached = [name for name, at in self.phase_times().items() if at <= now]
        return reached[-1] if reached else "queued"

    def succeeded(self, now: float) -> bool:
        return self.status(now) == "stopped" and self.final_outcome() == "success"


@dataclass
class WorkersBuildsState:
    """Every Workers Builds object of one emulator; callers hold `emu.lock`."""

    emu: Emulator
    accounts: dict[str, Account] = field(default_factory=dict)
    triggers: dict[str, Trigger] = field(default_factory=dict)
    builds: dict[str, Build] = field(default_factory=dict)

    def account(self, account_id: str) -> Account:
        """Accounts exist implicitly (any id the token is used with), on the free plan."""
        return self.accounts.setdefault(account_id, Account(account_id))

    def set_plan(self, account_id: str, plan: str, max_concurrent: int | None) -> Account:
        if plan not in PLAN_CONCURRENCY:
            raise ValueError(f"plan: {plan!r} must be one of {sorted(PLAN_CONCURRENCY)}")
        if max_concurrent is not None and max_concurrent < 1:
            raise ValueError(f"max_concurrent_builds: {max_concurrent!r} must be >= 1")
        self.schedule()  # fix the start of every build that already started under the old plan
        account = self.account(account_id)
        account.plan = plan
        account.max_concurrent_builds = max_concurrent or PLAN_CONCURRENCY[plan]
        return account

    # -- scheduling -------------------------------------------------------------------------------

    def schedule(self) -> None:
        """Give queued builds a slot, FIFO per account, fixing start times that are now past."""
        now = self.emu.now()
        by_account: dict[str, list[Build]] = {}
        for build in sorted(self.builds.values(), key=lambda b: b.seq):
            by_account.setdefault(build.account_id, []).append(build)
        for account_id, builds in by_account.items():
            slots = self.account(account_id).max_concurrent_builds
            busy: list[float] = []  # end times of builds holding a slot (a min-heap)
            for build in builds:
                if build.start is None:
                    if build.cancelled is not None:
                        continue  # cancelled while queued: never takes a slot
                    while len(busy) >= slots and busy[0] <= build.created:
                        heapq.heappop(busy)
                    start = build.created if len(busy) < slots else busy[0]
                    if start > now:
                        break  # FIFO: nothing behind a waiting build starts earlier
                    if len(busy) >= slots:
                        heapq.heappop(busy)
                    build.start = start
                else:
                    while len(busy) >= slots and busy[0] <= build.start:
                        heapq.heappop(busy)
                end = build.end()
                assert end is not None
                heapq.heappush(busy, end)

    # -- triggers ---------------------------------------------------------------------------------

    def create_trigger(self, account_id: str, body: dict[str, Any]) -> Trigger:
        now = self.emu.now()
        fields = {k: body[k] for k in (*TRIGGER_LIST_FIELDS, *TRIGGER_TEXT_FIELDS)}
        fields["build_caching_enabled"] = bool(body.get("build_caching_enabled", False))
        fields["build_token_uuid"] = body["build_token_uuid"]
        fields["build_token_name"] = "Workers Builds token"
        connection = body["repo_connection_uuid"]
        # Repository connections come from the GitHub app install; the emulator invents one.
        repo_connection = {
            "created_on": iso(now),
            "modified_on": iso(now),
            "provider_account_id": "emulator",
            "provider_account_name": "emulator",
            "provider_type": "github",
            "repo_connection_uuid": connection,
            "repo_id": str(zlib.crc32(connection.encode())),
            "repo_name": body["external_script_id"],
        }
        trigger = Trigger(
            self.emu.uuid4(),
            account_id,
            body["external_script_id"],
            fields,
            repo_connection,
            now,
            now,
        )
        self.triggers[trigger.trigger_uuid] = trigger
        self.emu.count(SERVICE, "triggers_created")
        return trigger

    def live_trigger(self, account_id: str, trigger_uuid: str) -> Trigger | None:
        trigger = self.triggers.get(trigger_uuid)
        if trigger is None or trigger.account_id != account_id or trigger.deleted is not None:
            return None
        return trigger if self.emu.is_visible(trigger.created) else None

    # -- builds -----------------------------------------------------------------------------------

    def create_build(self, trigger: Trigger, branch: str | None, commit: str | None) -> Build:
        now = self.emu.now()
        outcome = self.emu.take_outcome(SERVICE, trigger.trigger_uuid) or Outcome("succeeded")
        if outcome.duration_s is not None:
            duration = outcome.duration_s
        elif outcome.status == "timed_out":
            duration = BUILD_CAP_S + 1  # runs into the 20-minute cap
        else:
            duration = self.emu.config.build_seconds
        fields = trigger.fields
        metadata: dict[str, Any] = {
            "author": "emulator@example.com",
        }
        if branch is not None:
            metadata["branch"] = branch
        metadata.update(
            {
                "build_command": fields["build_command"],
                "build_token_name": fields["build_token_name"],
                "build_token_uuid": fields["build_token_uuid"],
                "build_trigger_source": "manual",
                "commit_hash": commit or f"{self.emu.rng.getrandbits(160):040x}",
                "commit_message": "Manual build",
                "deploy_command": fields["deploy_command"],
                "environment_variables": {},
                "provider_account_name": trigger.repo_connection["provider_account_name"],
                "provider_type": "github",
                "repo_name": trigger.repo_connection["repo_name"],
                "root_directory": fields["root_directory"],
            }
        )
        build = Build(
            build_uuid=self.emu.uuid4(),
            seq=len(self.builds),
            account_id=trigger.account_id,
            trigger=trigger,
            trigger_snapshot=trigger.public(with_token=False),
            metadata=metadata,
            created=now,
            duration_s=duration,
            outcome=OUTCOMES[outcome.status],
            message=outcome.message,
            version_id=self.emu.uuid4(),
        )
        self.builds[build.build_uuid] = build
        self.emu.count(SERVICE, "builds_created")
        self.schedule()
        return build

    def visible_build(self, account_id: str, build_uuid: str) -> Build | None:
        build = self.builds.get(build_uuid)
        if build is None or build.account_id != account_id:
            return None
        return build if self.emu.is_visible(build.created) else None

    def cancel(self, build: Build) -> None:
        self.schedule()
        build.cancelled = self.emu.now()
        self.schedule()

    def public_build(self, build: Build) -> dict[str, Any]:
        """The build as the API shows it. Timestamps of phases not reached yet are left out."""
        now = self.emu.now()
        times = {name: at for name, at in build.phase_times().items() if at <= now}
        status = build.status(now)
        body: dict[str, Any] = {}
        if status == "stopped":
            body["build_outcome"] = build.final_outcome()
        body["build_trigger_metadata"] = dict(build.metadata)
        body["build_uuid"] = build.build_uuid
        body["created_on"] = iso(build.created)
        if "initializing" in times:
            body["initializing_on"] = iso(times["initializing"])
        body["modified_on"] = iso(max(times.values()))
        if "running" in times:
            body["running_on"] = iso(times["running"])
        body["status"] = status
        if "stopped" in times:
            body["stopped_on"] = iso(times["stopped"])
        body["trigger"] = dict(build.trigger_snapshot)
        return body

    def builds_for_script(self, account_id: str, external_script_id: str) -> list[Build]:
        """Newest first, as the dashboard lists them."""
        found = [
            b
            for b in self.builds.values()
            if b.account_id == account_id
            and b.trigger.external_script_id == external_script_id
            and self.emu.is_visible(b.created)
        ]
        return sorted(found, key=lambda b: b.seq, reverse=True)

    # -- Worker versions --------------------------------------------------------------------------

    def versions(self, account_id: str, script: str) -> list[Build]:
        """Successful builds of a script, oldest first (their order gives version numbers)."""
        now = self.emu.now()
        done = [
            b
            for b in self.builds.values()
            if b.account_id == account_id
            and b.trigger.external_script_id == script
            and b.succeeded(now)
        ]
        return sorted(done, key=lambda b: (b.end() or 0.0, b.seq))

    def build_for_version(self, account_id: str, version_id: str) -> Build | None:
        now = self.emu.now()
        for build in self.builds.values():
            if (
                build.account_id == account_id
                and build.version_id == version_id
                and build.succeeded(now)
            ):
                return build
        return None

    # -- logs ---------------------------------------------------------------------------------

    def log_lines(self, build: Build) -> list[tuple[float, str]]:
        """Every line the build has printed so far, with its simulated time."""
        now = self.emu.now()
        times = build.phase_times()
        fields = build.metadata
        planned: list[tuple[float, str]] = []
        if "initializing" in times:
            start = times["initializing"]
            planned += [
                (start, "Initializing build environment..."),
                (start, f"Cloning repository {fields['repo_name']}..."),
            ]
        if "running" in times:
            running = times["running"]
            planned += [
                (running, "Success: Finished initializing build environment"),
                (running, f"Executing user build command: {fields['build_command']}"),
            ]
            assert build.start is not None
            # The deploy step starts halfway through the planned run; a cancel may come first.
            midpoint = running + (build.natural_end(build.start) - running) / 2
            end = build.end()
            if end is None or midpoint < end:
                planned.append(
                    (midpoint, f"Executing user deploy command: {fields['deploy_command']}")
                )
        if "stopped" in times:
            planned += [(times["stopped"], line) for line in self._closing_lines(build)]
        return [(at, text) for at, text in planned if at <= now]

    @staticmethod
    def _closing_lines(build: Build) -> list[str]:
        outcome = build.final_outcome()
        if outcome == "success":
            return [
                f"Uploaded {build.trigger.external_script_id}",
                f"Current Version ID: {build.version_id}",
                "Success: Build command completed",
            ]
        if outcome == "cancelled":
            return ["Build was cancelled"]
        if outcome == "terminated":
            return [f"Build exceeded the time limit of {BUILD_CAP_S // 60} minutes; terminated"]
        return [f"Failed: {build.message or 'build command exited with code: 1'}"]
