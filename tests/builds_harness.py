"""Helpers for the end-to-end tests of the build resources: an emulator, a seeded account, and a
Pulumi stack of a program that uses pulumi_builds, configured to talk to the emulator."""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi_builds.emulators.seed import Seeded, seed_quickstart
from pulumi_builds.emulators.server import EmulatorServer
from pulumi_builds.engine import emulated
from pulumi_builds.engine.local import CliStack, LocalBackend, write_python_project

TOKEN = emulated.EMULATOR_TOKEN
QUICKSTART = Path(__file__).resolve().parents[1] / "examples" / "quickstart"


@dataclass
class BuildsStack:
    server: EmulatorServer
    seeded: Seeded
    stack: CliStack
    journal: Path

    def counter(self, key: str) -> int:
        return int(self.server.emulator.counters.get(key, 0))


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
    backend = LocalBackend(
        tmp_path / "pulumi", extra_env={"PULUMI_BUILDS_JOURNAL_DIR": str(journal)}
    )
    stack = backend.cli_stack(project_dir, "test")
    settings = emulated.settings_config(server.url, poll_interval=0.3)
    emulated.apply(stack, {**settings, **emulated.quickstart_config(seeded)})
    return BuildsStack(server, seeded, stack, journal)


def resources_of(deployment: dict[str, Any], type_suffix: str) -> list[dict[str, Any]]:
    return [r for r in deployment.get("resources", []) if r.get("type", "").endswith(type_suffix)]


def processes_in(directory: Path) -> list[int]:
    """Processes whose working directory is `directory` (the CLI's plugins run there)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and Path(os.readlink(proc / "cwd")) == directory.resolve():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def secrets_program(package: str, env_value: str, registry_password: str) -> str:
    """A program whose CodeBuild build gets a secret environment variable and whose Cloud Foundry
    build gets registry credentials, from `package` (pulumi_builds or pulumi_builds.native)."""
    return f"""
        import pulumi
        from {package} import aws_codebuild, cloudfoundry
        aws_codebuild.Build("api", project_name="api", environment_variables={{"DB_PASSWORD": "{env_value}"}})
        cloudfoundry.Build(
            "droplet",
            package_guid=pulumi.Config().require("cloudfoundryPackageGuid"),
            lifecycle={{"type": "docker", "data": {{"credentials": {{"registry.example.com": {{"username": "u", "password": "{registry_password}"}}}}}}}},
        )
    """


def assert_no_plain_secret(builds: BuildsStack, output: str, secrets: Iterable[str]) -> None:
    """None of `secrets` in `pulumi stack export`, the backend's state files, or `output`."""
    exported = json.dumps(builds.stack.export())
    state_files = "".join(p.read_text() for p in builds.stack.backend.state.rglob("*.json"))
    for secret in secrets:
        assert secret not in exported, secret
        assert secret not in state_files, secret
        assert secret not in output, secret
