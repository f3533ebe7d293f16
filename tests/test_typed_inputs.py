"""Typed nested inputs (generated/<service>/_inputs.py): what a user's type checker sees, and what
the provider makes of them (snake_case keys sent under the wire names, checked at preview)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pydantic
import pytest

from pulumi_builds import aws_codebuild, cloudfoundry, services
from pulumi_builds.emulators.server import EmulatorServer
from pulumi_builds.tokens import IDENTITY, trigger_token
from pulumi_builds.validation import check_inputs
from pulumi_builds.wire import trigger_request
from tests.builds_harness import make_stack, resources_of

ROOT = Path(__file__).resolve().parents[1]
BUILD = services.resource_spec("aws_codebuild.Build")

GOOD_PROGRAM = """
    from pulumi_builds.aws_codebuild import (
        Build,
        LogsConfigArgs,
        CloudWatchLogsConfigArgs,
        ComputeType,
    )

    Build(
        "b",
        project_name="p",
        logs_config_override=LogsConfigArgs(
            cloud_watch_logs=CloudWatchLogsConfigArgs(status="ENABLED", group_name="g"),
        ),
        artifacts_override={"type": "S3", "location": "bucket"},
        compute_type_override=ComputeType.BUILD_GENERAL1_SMALL,
        environment_type_override="LINUX_CONTAINER",
        secondary_sources_version_override=[{"source_identifier": "a", "source_version": "v"}],
    )
"""

# Each line is one mistake mypy must report, on that line.
BAD_PROGRAM = """
    from pulumi_builds.aws_codebuild import Build, LogsConfigArgs

    Build("b", project_name="p", artifacts_override={"type": "S3", "locaton": "bucket"})
    Build("c", project_name="p", cache_override={"type": "S3", "location": 5})
    Build("d", project_name="p", logs_config_override=LogsConfigArgs(cloud_watch_log={}))
    Build("e", project_name="p", compute_type_override=3)
"""


PROGRAMS = {"good_program.py": GOOD_PROGRAM, "bad_program.py": BAD_PROGRAM}


@pytest.fixture(scope="module")
def mypy_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """mypy --strict on user programs, seeing pulumi_builds as the wheel lays it out (the
    editable install's import hook is invisible to mypy); like an installed package, errors
    inside pulumi_builds are not the program's (`make lint` checks those). One mypy run checks
    every program (each its own module, so each one's errors are its own): the Pulumi SDK is
    analysed once, not once per program. Returns each program's error lines."""
    where = tmp_path_factory.mktemp("mypy")
    package = where / "pulumi_builds"
    package.mkdir()
    for entry in (ROOT / "pulumi_builds").iterdir():
        (package / entry.name).symlink_to(entry)
    (package / "generated").symlink_to(ROOT / "generated")
    for name, source in PROGRAMS.items():
        (where / name).write_text(textwrap.dedent(source))
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental"]
        + ["--follow-imports=silent", *PROGRAMS],
        cwd=where,
        capture_output=True,
        text=True,
        check=False,
    )
    # 1: errors found (the bad program's); 2 would be a crash or a usage error.
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"(checked {len(PROGRAMS)} source files)" in result.stdout, result.stdout
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert all(line.split(":")[0] in PROGRAMS for line in errors), result.stdout
    return {name: [e for e in errors if e.startswith(f"{name}:")] for name in PROGRAMS}


def test_mypy_accepts_typed_nested_inputs_in_both_forms(
    mypy_report: dict[str, list[str]],
) -> None:
    assert mypy_report["good_program.py"] == []


def test_mypy_rejects_a_misspelled_nested_key_and_a_wrong_type(
    mypy_report: dict[str, list[str]],
) -> None:
    errors = mypy_report["bad_program.py"]
    assert {int(line.split(":")[1]) for line in errors} == {4, 5, 6, 7}, errors
    assert any('Unexpected keyword argument "cloud_watch_log"' in line for line in errors)


def test_snake_case_keys_are_sent_under_wire_names() -> None:
    props = {
        "project_name": "p",
        "logs_config_override": {"cloud_watch_logs": {"status": "ENABLED", "group_name": "g"}},
        "secondary_sources_version_override": [{"source_identifier": "a", "source_version": "v"}],
        "compute_type_override": aws_codebuild.ComputeType.BUILD_LAMBDA_1_GB,
    }
    assert trigger_request(BUILD, props) == {
        "projectName": "p",
        "logsConfigOverride": {"cloudWatchLogs": {"status": "ENABLED", "groupName": "g"}},
        "secondarySourcesVersionOverride": [{"sourceIdentifier": "a", "sourceVersion": "v"}],
        "computeTypeOverride": "BUILD_LAMBDA_1GB",
    }


def _models_in(annotation: Any) -> tuple[set[str], bool]:
    """The pydantic models an annotation holds, and whether one is the value type of a dict."""
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return {annotation.__name__}, False
    found: set[str] = set()
    maps = False
    for index, arg in enumerate(typing.get_args(annotation)):
        inner, inner_maps = _models_in(arg)
        found |= inner
        maps = (
            maps
            or inner_maps
            or (typing.get_origin(annotation) is dict and index == 1 and bool(inner))
        )
    return found, maps


@pytest.mark.parametrize("service", sorted(services.RESOURCE_SERVICES))
def test_the_wire_name_table_is_the_models_aliases(service: str) -> None:
    """The generated table the runtime renames nested keys with (no model is inspected at run
    time) says what the pydantic request models say: every field, its alias, the model below."""
    module = services.resources_module(service)
    table = getattr(module, "WIRE_NAMES", {})
    for name, fields in table.items():
        model = getattr(module.models, name)
        assert set(fields) == set(model.model_fields), name
        for attribute, (wire, below, is_map) in fields.items():
            field = model.model_fields[attribute]
            assert wire == (field.alias or attribute), (name, attribute)
            found, maps = _models_in(field.annotation)
            assert found == ({below} if below else set()), (name, attribute)
            assert is_map == (maps and below is not None), (name, attribute)
    for spec in module.SPECS.values():
        for item in spec.inputs:
            assert item.type is None or item.type in table, (spec.key, item.name)


def test_user_keys_of_maps_are_not_renamed() -> None:
    spec = services.resource_spec("cloudfoundry.Build")
    props = {
        "package_guid": "p",
        "metadata": {"labels": {"team_name": "a"}, "annotations": {"cost_center": "b"}},
        "lifecycle": cloudfoundry.CreateBuildRequestLifecycleArgsDict(
            type="buildpack", data={"buildpacks": ["x"]}
        ),
    }
    request = trigger_request(spec, props)
    assert request["metadata"] == {
        "labels": {"team_name": "a"},
        "annotations": {"cost_center": "b"},
    }
    assert request["package"] == {"guid": "p"}


def test_snake_case_and_wire_named_nested_inputs_are_the_same_build() -> None:
    # States written before the typed inputs hold wire names: the same build, not a new one.
    base = {IDENTITY: "proj/stack/aws_codebuild.Build/b", "project_name": "p"}
    snake = {**base, "logs_config_override": {"s3_logs": {"status": "DISABLED"}}}
    wire = {**base, "logs_config_override": {"s3Logs": {"status": "DISABLED"}}}
    other = {**base, "logs_config_override": {"s3_logs": {"status": "ENABLED"}}}
    assert trigger_token(BUILD, snake, "e") == trigger_token(BUILD, wire, "e")
    assert trigger_token(BUILD, snake, "e") != trigger_token(BUILD, other, "e")


def test_a_misspelled_nested_key_fails_check_naming_input_key_and_rule() -> None:
    # status is required (the CloudWatchLogsConfig data-type page): only the misspelling fails.
    logs = {"cloud_watch_logs": {"status": "ENABLED", "group_nam": "g"}}
    props = {"project_name": "p", "logs_config_override": logs}
    [(name, reason)] = check_inputs(BUILD, props)
    assert name == "logs_config_override"
    assert "'g'" in reason and "Extra inputs are not permitted" in reason
    assert "logsConfigOverride.cloudWatchLogs.group_nam" in reason


# Both members are required (the RegistryCredential data-type page): each case breaks one rule.
@pytest.mark.parametrize(
    "wrong",
    [
        {"credential": 5, "credential_provider": "SECRETS_MANAGER"},
        {"credential": "arn", "credential_provider": "SECRETS_MANAGER", "credentialz": "hunter2-x"},
    ],
)
def test_a_bad_secret_nested_input_is_named_without_its_value(wrong: dict[str, object]) -> None:
    props = {"project_name": "p", "registry_credential_override": wrong}
    failures = check_inputs(BUILD, props)
    assert [name for name, _ in failures] == ["registry_credential_override"]
    assert "hunter2" not in failures[0][1] and "5" not in failures[0][1].split("breaks")[0]
    assert "[secret]" in failures[0][1]


ENGINE_PROGRAM = """
    import pulumi
    from pulumi_builds import aws_codebuild, cloudfoundry

    build = aws_codebuild.Build(
        "typed",
        project_name="api",
        logs_config_override=aws_codebuild.LogsConfigArgs(
            cloud_watch_logs=aws_codebuild.CloudWatchLogsConfigArgs(
                status="ENABLED", group_name="typed-group"
            ),
            s3_logs={"status": "DISABLED", "encryption_disabled": True},
        ),
        artifacts_override={"type": "NO_ARTIFACTS", "override_artifact_name": False},
        compute_type_override=aws_codebuild.ComputeType.BUILD_GENERAL1_MEDIUM,
    )
    pulumi.export("id", build.build_id)
    cloudfoundry.Build(
        "droplet",
        package_guid=pulumi.Config().require("cloudfoundryPackageGuid"),
        lifecycle=cloudfoundry.CreateBuildRequestLifecycleArgs(
            type="docker",
            data=cloudfoundry.CreateBuildRequestLifecycleDataArgs(
                credentials={
                    "registry.example.com": cloudfoundry.CreateBuildRequestLifecycleDataCredentialArgs(
                        username="u", password="typed-registry-password-52"
                    )
                }
            ),
        ),
    )
"""


@pytest.mark.engine
def test_nested_inputs_reach_the_service_under_wire_names(
    tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    server = emulator_factory(time_scale=120)
    builds = make_stack(tmp_path, server, ENGINE_PROGRAM, projects=("api",), name="typed")
    # Record what StartBuild receives, then let the emulator answer as always.
    received: list[dict[str, Any]] = []
    handlers = server.app.registry.aws_handlers["aws_codebuild"]
    start_build = handlers["StartBuild"]

    def recording(body: dict[str, Any]) -> dict[str, Any]:
        received.append(body)
        return start_build(body)

    handlers["StartBuild"] = recording
    up = builds.stack.up()
    [body] = received
    assert body["logsConfigOverride"] == {
        "cloudWatchLogs": {"status": "ENABLED", "groupName": "typed-group"},
        "s3Logs": {"status": "DISABLED", "encryptionDisabled": True},
    }
    assert body["artifactsOverride"] == {"type": "NO_ARTIFACTS", "overrideArtifactName": False}
    assert body["computeTypeOverride"] == "BUILD_GENERAL1_MEDIUM"
    assert builds.stack.outputs()["id"]
    # A secret inside an XArgs object is as secret as in a dict: nowhere in the state or output.
    state_files = "".join(p.read_text() for p in builds.stack.backend.state.rglob("*.json"))
    for text in (json.dumps(builds.stack.export()), state_files, up.output):
        assert "typed-registry-password-52" not in text
    [droplet] = resources_of(builds.stack.export(), "cloudfoundry:Build")
    assert "ciphertext" in json.dumps(droplet["inputs"]["lifecycle"])  # kept, encrypted
    # The same program again is the same build: nothing new is started.
    builds.stack.up()
    assert len(received) == 1
