"""Helpers for the end-to-end tests of the build resources: an emulator, a seeded account, and a
Pulumi stack of a program that uses pulumi_builds, configured to talk to the emulator."""
from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulators.seed import AWS_KEYS, REGION, Seeded, seed_quickstart
from emulators.server import EmulatorServer
from pulumi_builds.local_engine import CliStack, LocalBackend, write_python_project

TOKEN = "emulator-token"
QUICKSTART = Path(__file__).resolve().parents[1] / "examples" / "quickstart"


@dataclass
class BuildsStack:
    server: EmulatorServer
    seeded: Seeded
    stack: CliStack
    journal: Path

    def counter(self, key: str) -> int:
        return int(self.server.emulator.counters.get(key, 0))


def settings(url: str, poll_interval: float = 0.3) -> dict[str, tuple[str, bool]]:
    """Stack config for the emulator; credentials as secrets, as a user would set them."""
    return {
        "pulumi-builds:awsEndpoint": (url, False),
        "pulumi-builds:awsRegion": (REGION, False),
        "pulumi-builds:awsAccessKeyId": (AWS_KEYS["aws_access_key_id"], False),
        "pulumi-builds:awsSecretAccessKey": (AWS_KEYS["aws_secret_access_key"], True),
        "pulumi-builds:cloudflareEndpoint": (f"{url}/client/v4", False),
        "pulumi-builds:cloudflareApiToken": (TOKEN, True),
        "pulumi-builds:cloudfoundryApiUrl": (url, False),
        "pulumi-builds:cloudfoundryToken": (TOKEN, True),
        "pulumi-builds:pollInterval": (str(poll_interval), False),
    }


def seeded_config(seeded: Seeded) -> dict[str, tuple[str, bool]]:
    return {
        "cloudflareAccountId": (seeded.cloudflare_account_id, False),
        "cloudflareTriggerUuid": (seeded.cloudflare_trigger_uuid, False),
        "cloudflareScriptId": (seeded.cloudflare_script_id, False),
        "cloudflareVersionIds": (json.dumps(seeded.cloudflare_version_ids), False),
        "cloudfoundryPackageGuid": (seeded.cloudfoundry_package_guid, False),
        "codepipelineJobId": (seeded.codepipeline_job_id, False),
    }


def make_stack(
    tmp_path: Path,
    server: EmulatorServer,
    program: str | None = None,
    projects: tuple[str, ...] = ("api", "matrix"),
    name: str = "builds",
) -> BuildsStack:
    """A CLI stack of `program` (default: the quickstart) configured for `server`."""
    seeded = seed_quickstart(server.url, TOKEN, TOKEN, projects=projects)
    project_dir = tmp_path / name
    if program is None:
        source = (QUICKSTART / "__main__.py").read_text()
        write_python_project(project_dir, "quickstart", source)
    else:
        write_python_project(project_dir, name, textwrap.dedent(program))
    journal = tmp_path / "journal"
    backend = LocalBackend(tmp_path / "pulumi", extra_env={"PULUMI_BUILDS_JOURNAL_DIR": str(journal)})
    stack = backend.cli_stack(project_dir, "test")
    for key, (value, secret) in {**settings(server.url), **seeded_config(seeded)}.items():
        stack.config_set(key, value, secret=secret)
    return BuildsStack(server, seeded, stack, journal)


def resources_of(deployment: dict[str, Any], type_suffix: str) -> list[dict[str, Any]]:
    return [r for r in deployment.get("resources", []) if r.get("type", "").endswith(type_suffix)]
