"""Pulumi YAML programs on the real engine: `make engine` provides Pulumi's YAML language host,
and examples/yaml runs on the native provider against the emulators."""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from pulumi_builds.emulators.seed import seed_quickstart
from pulumi_builds.emulators.server import EmulatorServer
from pulumi_builds.engine import emulated
from pulumi_builds.engine.install import (
    PULUMI_YAML_VERSION,
    YAML_LANGUAGE_HOST,
    cache_root,
    cached_pulumi,
)
from pulumi_builds.engine.local import CliStack, LocalBackend, write_yaml_project

pytestmark = pytest.mark.engine

NO_RESOURCES = textwrap.dedent(
    """\
    name: yaml-hello
    runtime: yaml
    description: A YAML program with no resources, only config and outputs.
    config:
      who:
        type: string
        default: world
    outputs:
      greeting: hello ${who}
      words: [one, two]
    """
)


def test_yaml_host_is_placed_next_to_pulumi_as_a_bundled_plugin(pulumi_bin_dir: Path) -> None:
    host = pulumi_bin_dir / YAML_LANGUAGE_HOST
    assert os.access(host, os.X_OK)
    if cached_pulumi(pulumi_bin_dir) is None:
        pytest.skip(
            f"pulumi in {pulumi_bin_dir} is not built by make engine: its hosts are its own"
        )
    # The CLI warns "using ... from $PATH" unless the PATH entry is the file next to the pulumi
    # binary (here the venv's hard link of it): a symlink pointing elsewhere would not do.
    assert not host.is_symlink() and not (pulumi_bin_dir / "pulumi").is_symlink()
    assert host.samefile(
        cache_root() / f"pulumi-yaml-v{PULUMI_YAML_VERSION}-link" / "bin" / YAML_LANGUAGE_HOST
    )


def test_yaml_program_without_resources_runs_up_and_destroy(
    yaml_stack: Callable[..., CliStack],
) -> None:
    stack = yaml_stack("yaml-hello", NO_RESOURCES)
    stack.config_set("who", "builds")
    up = stack.up()
    assert "from $PATH" not in up.output, up.output
    assert up.changes == {"create": 1}  # the stack resource alone
    assert stack.outputs() == {"greeting": "hello builds", "words": ["one", "two"]}
    assert stack.destroy().changes == {"delete": 1}
    assert stack.outputs() == {}


def test_yaml_program_errors_name_the_problem(yaml_stack: Callable[..., CliStack]) -> None:
    broken = NO_RESOURCES.replace("hello ${who}", "hello ${nobody}")
    up = yaml_stack("yaml-broken", broken).up(check=False)
    assert up.exit_code != 0
    assert "nobody" in up.output, up.output


EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "yaml" / "Pulumi.yaml"


def _builds_started(server: EmulatorServer) -> dict[str, int]:
    counters = server.emulator.counters
    return {
        "codebuild": int(counters.get("aws_codebuild.requests.StartBuild", 0)),
        "cloudflare": int(counters.get("cloudflare_builds.builds_created", 0)),
        "cloudfoundry": int(counters.get("cloudfoundry.builds_created", 0)),
    }


def test_yaml_example_on_the_native_provider_up_refresh_destroy(
    tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    server = emulator_factory(time_scale=60)
    seeded = seed_quickstart(server.url, emulated.EMULATOR_TOKEN, emulated.EMULATOR_TOKEN)
    before = _builds_started(server)  # seeding runs one Cloudflare build of its own
    backend = LocalBackend(
        tmp_path / "pulumi", extra_env={"PULUMI_BUILDS_JOURNAL_DIR": str(tmp_path / "journal")}
    )
    project = write_yaml_project(tmp_path / "yaml", EXAMPLE.read_text())
    stack = backend.cli_stack(project, "test")
    emulated.apply(
        stack,
        {
            **emulated.settings_config(server.url, poll_interval=0.3),
            "cloudflareAccountId": (seeded.cloudflare_account_id, False),
            "cloudflareTriggerUuid": (seeded.cloudflare_trigger_uuid, False),
            "cloudflareScriptId": (seeded.cloudflare_script_id, False),
            "cloudfoundryPackageGuid": (seeded.cloudfoundry_package_guid, False),
        },
    )

    up = stack.up()
    assert up.changes == {"create": 4}, up.output  # the stack and the three builds
    outputs = stack.outputs()
    assert outputs["api"]["status"] == "SUCCEEDED" and outputs["api"]["succeeded"] is True
    assert outputs["site"]["status"] == "stopped" and outputs["site"]["outcome"] == "success"
    assert outputs["droplet"]["state"] == "STAGED" and outputs["droplet"]["dropletGuid"]
    # The function ran with the build's id once it was known, and found that build.
    assert outputs["found"] == {"id": outputs["api"]["id"], "status": "SUCCEEDED"}
    started = _builds_started(server)
    assert {k: started[k] - before[k] for k in started} == {
        "codebuild": 1,
        "cloudflare": 1,
        "cloudfoundry": 1,
    }
    deployment = stack.export()
    types = sorted(r["type"] for r in deployment["resources"] if r["type"].startswith("pulumi-b"))
    assert types == [
        "pulumi-builds:awsCodebuild:Build",
        "pulumi-builds:cloudflareBuilds:WorkersBuild",
        "pulumi-builds:cloudfoundry:Build",
    ]
    # Credentials set as secrets stay encrypted in the state.
    state = json.dumps(deployment)
    assert emulated.EMULATOR_TOKEN not in state and emulated.EMULATOR_KEYS[1] not in state

    refresh = stack.refresh()
    assert refresh.changes.get("update", 0) == 0 and refresh.changes.get("delete", 0) == 0
    assert stack.outputs()["api"]["id"] == outputs["api"]["id"]
    assert _builds_started(server) == started  # refresh reads, never starts a build

    destroy = stack.destroy()
    assert destroy.changes == {"delete": 4}, destroy.output
    assert stack.outputs() == {}
