"""Cloud Foundry v3 state: apps, packages and builds, with the build state machine.

A build is STAGING from its creation until `created + duration`, then STAGED (with a droplet) or
FAILED (with `error`), as decided at creation by a scripted outcome (selector: app guid or "*") or
the default (success after `config.build_seconds`). State is computed on read from the simulated
clock, so there are no background threads and terminal states stay terminal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pulumi_builds.emulators.core import Emulator, Outcome

SERVICE = "cloudfoundry"
DEFAULT_STACK = "cflinuxfs4"
DEFAULT_STAGING_MB = 1024
# Error ids CF puts in front of a failed build's message ("<id> - <message>").
_FAILURE_TEXT = {
    "failed": ("StagingError", "Staging error: staging failed"),
    "timed_out": ("StagingTimeExpired", "Staging time expired"),
    "fault": ("StagerError", "Stager error: an internal error occurred"),
    "stopped": ("StagingError", "Staging error: staging was cancelled"),
}


class CfError(Exception):
    """An error in CF's envelope: status, `CF-<Title>`, numeric code and detail."""

    def __init__(self, status: int, title: str, code: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.code, self.detail = status, title, code, detail


def unprocessable(detail: str) -> CfError:
    return CfError(422, "CF-UnprocessableEntity", 10008, detail)


def not_found(what: str) -> CfError:
    return CfError(404, "CF-ResourceNotFound", 10010, f"{what} not found")


def iso(epoch: float) -> str:
    """CF timestamps: ISO 8601, UTC, second precision (`2016-03-18T23:26:46Z`)."""
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class App:
    guid: str
    name: str
    space_guid: str
    lifecycle: dict[str, Any]
    created: float
    metadata: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class Package:
    guid: str
    app_guid: str
    type: str
    data: dict[str, Any]
    created: float
    metadata: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class Build:
    guid: str
    seq: int  # creation order: the tie-breaker for equal timestamps
    app_guid: str
    package_guid: str
    lifecycle: dict[str, Any]
    staging_memory_in_mb: int
    staging_disk_in_mb: int
    staging_log_rate_limit_bytes_per_second: int
    created: float
    duration_s: float
    outcome: str  # core outcome status decided at creation
    message: str | None
    droplet_guid: str
    metadata: dict[str, dict[str, str]] = field(default_factory=dict)
    metadata_updated: float | None = None

    def finished_at(self) -> float:
        return self.created + self.duration_s

    def state(self, now: float) -> str:
        if now < self.finished_at():
            return "STAGING"
        return "STAGED" if self.outcome == "succeeded" else "FAILED"

    def updated(self, now: float) -> float:
        stamps = [self.created]
        if now >= self.finished_at():
            stamps.append(self.finished_at())
        if self.metadata_updated is not None:
            stamps.append(self.metadata_updated)
        return max(stamps)

    def error(self, now: float) -> str | None:
        if self.state(now) != "FAILED":
            return None
        error_id, default = _FAILURE_TEXT.get(self.outcome, _FAILURE_TEXT["failed"])
        return f"{error_id} - {self.message or default}"


class CloudFoundryState:
    """All Cloud Foundry objects of one emulator; callers hold `emu.lock`."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.apps: dict[str, App] = {}
        self.packages: dict[str, Package] = {}
        self.builds: dict[str, Build] = {}

    def clear(self) -> None:
        self.apps.clear()
        self.packages.clear()
        self.builds.clear()

    # -- lookups honouring the consistency window ---------------------------------------------

    def visible_app(self, guid: str) -> App | None:
        app = self.apps.get(guid)
        return app if app and self.emu.is_visible(app.created) else None

    def visible_package(self, guid: str) -> Package | None:
        package = self.packages.get(guid)
        return package if package and self.emu.is_visible(package.created) else None

    def visible_build(self, guid: str) -> Build | None:
        build = self.builds.get(guid)
        return build if build and self.emu.is_visible(build.created) else None

    def visible_builds(self) -> list[Build]:
        return [b for b in self.builds.values() if self.emu.is_visible(b.created)]

    # -- creation -------------------------------------------------------------------------------

    def create_app(
        self, name: str, space_guid: str, lifecycle: dict[str, Any], metadata: dict[str, Any]
    ) -> App:
        for app in self.apps.values():
            if app.space_guid == space_guid and app.name == name:
                raise CfError(
                    422,
                    "CF-UniquenessError",
                    10016,
                    f"App with the name '{name}' already exists.",
                )
        app = App(self.emu.uuid4(), name, space_guid, lifecycle, self.emu.now())
        apply_metadata(app.metadata, metadata)
        self.apps[app.guid] = app
        self.emu.count(SERVICE, "apps_created")
        return app

    def create_package(
        self, app_guid: str, type_: str, data: dict[str, Any], metadata: dict[str, Any]
    ) -> Package:
        package = Package(self.emu.uuid4(), app_guid, type_, data, self.emu.now())
        apply_metadata(package.metadata, metadata)
        self.packages[package.guid] = package
        self.emu.count(SERVICE, "packages_created")
        return package

    def create_build(
        self,
        package: Package,
        lifecycle: dict[str, Any] | None,
        memory_mb: int | None,
        disk_mb: int | None,
        log_rate: int | None,
        metadata: dict[str, Any],
    ) -> Build:
        now = self.emu.now()
        # The one-STAGING-build-per-app rule sees every build, also those still inside the
        # consistency window: the real check runs against the database, not a replica.
        for other in self.builds.values():
            if other.app_guid == package.app_guid and other.state(now) == "STAGING":
                raise CfError(
                    422,
                    "CF-StagingInProgress",
                    170017,
                    "Only one build can be STAGING at a time per application.",
                )
        app = self.apps[package.app_guid]
        outcome = self.emu.take_outcome(SERVICE, app.guid) or Outcome("succeeded")
        duration = (
            outcome.duration_s if outcome.duration_s is not None else self.emu.config.build_seconds
        )
        build = Build(
            guid=self.emu.uuid4(),
            seq=len(self.builds),
            app_guid=app.guid,
            package_guid=package.guid,
            lifecycle=lifecycle or _default_lifecycle(app, package),
            staging_memory_in_mb=memory_mb or DEFAULT_STAGING_MB,
            staging_disk_in_mb=disk_mb or DEFAULT_STAGING_MB,
            staging_log_rate_limit_bytes_per_second=-1 if log_rate is None else log_rate,
            created=now,
            duration_s=duration,
            outcome=outcome.status,
            message=outcome.message,
            droplet_guid=self.emu.uuid4(),
        )
        apply_metadata(build.metadata, metadata)
        self.builds[build.guid] = build
        self.emu.count(SERVICE, "builds_created")
        return build


def _default_lifecycle(app: App, package: Package) -> dict[str, Any]:
    if package.type == "docker":
        return {"type": "docker", "data": {}}
    return {
        "type": app.lifecycle.get("type", "buildpack"),
        "data": dict(app.lifecycle.get("data") or {"buildpacks": [], "stack": DEFAULT_STACK}),
    }


def apply_metadata(target: dict[str, dict[str, str]], metadata: dict[str, Any]) -> None:
    """Apply a validated metadata change in place: a null value removes the key."""
    target.setdefault("labels", {})
    target.setdefault("annotations", {})
    for section in ("labels", "annotations"):
        for key, value in (metadata.get(section) or {}).items():
            if value is None:
                target[section].pop(key, None)
            else:
                target[section][key] = value
