"""The native provider end to end: the real Pulumi engine (plain CLI) starting
`pulumi-resource-pulumi-builds` for a program that uses `pulumi_builds.native`, against the
emulators: up / refresh / destroy, import and get of a build started elsewhere, partial state of a
failed build, exactly one build per resource under injected faults, no secret in the state."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pulumi_builds.emulators.core import FaultPlan, Outcome
from pulumi_builds.emulators.seed import aws_client
from pulumi_builds.emulators.server import EmulatorServer
from tests.builds_harness import (
    QUICKSTART,
    TOKEN,
    BuildsStack,
    assert_no_plain_secret,
    make_stack,
    resources_of,
    secrets_program,
)

pytestmark = pytest.mark.engine

SECRET_ENV_VALUE = "native-secret-value-5c1e"
NATIVE_QUICKSTART = (
    (QUICKSTART / "__main__.py")
    .read_text()
    .replace("from pulumi_builds import", "from pulumi_builds.native import")
)
QUICKSTART_DONE = {
    "api": "SUCCEEDED",
    "matrix": "SUCCEEDED",
    "site": "stopped",
    "droplet": "STAGED",
}
TYPES = (
    "pulumi-builds:awsCodebuild:Build",
    "pulumi-builds:awsCodebuild:BuildBatch",
    "pulumi-builds:cloudflareBuilds:WorkersBuild",
    "pulumi-builds:cloudfoundry:Build",
)


def _native(deployment: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in deployment.get("resources", []) if r.get("type") in TYPES]


def _builds_created(builds: BuildsStack) -> dict[str, int]:
    return {
        "codebuild builds": builds.counter("aws_codebuild.requests.StartBuild"),
        "codebuild batches": builds.counter("aws_codebuild.build_batches_created"),
        "cloudflare builds": builds.counter("cloudflare_builds.builds_created"),
        "cloudfoundry builds": builds.counter("cloudfoundry.builds_created"),
    }


# The seeding runs one Cloudflare build of its own (to have a Worker version to look up).
ONE_BUILD_EACH = {
    "codebuild builds": 1,
    "codebuild batches": 1,
    "cloudflare builds": 2,
    "cloudfoundry builds": 1,
}


def test_quickstart_on_the_native_provider_up_refresh_destroy(
    tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    server = emulator_factory(time_scale=60)
    builds = make_stack(tmp_path, server, NATIVE_QUICKSTART, name="native")
    up = builds.stack.up()
    outputs = builds.stack.outputs()
    assert {k: v["status"] for k, v in outputs["builds"].items()} == QUICKSTART_DONE
    assert outputs["found_builds"] == [outputs["builds"]["api"]["id"]]
    assert _builds_created(builds) == ONE_BUILD_EACH
    state = _native(builds.stack.export())
    assert sorted(r["type"] for r in state) == sorted(TYPES)
    assert all("__provider" not in r.get("outputs", {}) for r in state)  # nothing pickled
    api = next(r for r in state if r["type"] == TYPES[0])
    assert api["id"] == outputs["builds"]["api"]["id"]
    assert api["outputs"]["buildStatus"] == "SUCCEEDED" and api["outputs"]["succeeded"] is True
    # Progress on the resource's row while it ran: the phases, not only a log at the end.
    rows = [
        line for line in up.stdout.splitlines() if "awsCodebuild:Build" in line and " api " in line
    ]
    shown = " ".join(rows)
    assert f"build {api['id']}: IN_PROGRESS, phase" in shown, up.stdout

    refresh = builds.stack.refresh()
    assert set(refresh.changes) <= {"same"}, refresh.changes
    assert builds.stack.preview().changes.keys() == {"same"}
    destroy = builds.stack.destroy()
    assert destroy.changes.get("delete") == 5
    assert _native(builds.stack.export()) == []
    assert _builds_created(builds) == ONE_BUILD_EACH


def test_import_and_get_adopt_a_build_started_outside_pulumi(
    tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    server = emulator_factory(time_scale=120)
    program = """
        import sys
        import pulumi
        from pulumi_builds.native import aws_codebuild
        outside = pulumi.Config().require("outsideBuild")
        got = aws_codebuild.Build.get("seen", outside)
        pulumi.export("got_status", got.build_status)
        pulumi.export("got_project", got.project_name)
        # The function through the engine and the provider's Invoke (as YAML or an SDK calls it).
        found = pulumi.runtime.invoke("pulumi-builds:awsCodebuild:getBuilds", {"ids": [outside]})
        pulumi.export("invoked", found.value["builds"][0]["sourceVersion"])
    """
    builds = make_stack(tmp_path, server, program, projects=("api",), name="adopt")
    codebuild = aws_client("codebuild", server.url)
    outside = codebuild.start_build(projectName="api", sourceVersion="release")["build"]["id"]
    builds.stack.config_set("outsideBuild", outside)
    builds.stack.up()
    outputs = builds.stack.outputs()
    assert outputs["got_project"] == "api"
    assert outputs["invoked"] == "release"
    assert outputs["got_status"] in ("IN_PROGRESS", "SUCCEEDED")

    imported = builds.stack.backend.run(
        [
            "import",
            "pulumi-builds:awsCodebuild:Build",
            "adopted",
            outside,
            "--yes",
            "--generate-code=false",
            "--stack",
            builds.stack.name,
        ],
        builds.stack.project_dir,
    )
    assert imported.exit_code == 0
    adopted = next(r for r in _native(builds.stack.export()) if r["urn"].endswith("::adopted"))
    assert adopted["id"] == outside
    assert adopted["inputs"]["projectName"] == "api"
    assert adopted["inputs"]["sourceVersion"] == "release"
    assert adopted["outputs"]["buildId"] == outside
    assert adopted["outputs"]["arn"].endswith(outside)
    assert builds.counter("aws_codebuild.requests.StartBuild") == 1  # only ours, from boto3


def test_a_failed_build_is_recorded_and_the_next_up_replaces_it(
    tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    server = emulator_factory(time_scale=120)
    server.emulator.script(
        "aws_codebuild",
        "api",
        Outcome("failed", failing_phase="BUILD", message="make: *** [all] Error 2", times=1),
    )
    program = """
        from pulumi_builds.native import aws_codebuild
        aws_codebuild.Build("api", project_name="api", source_version="main")
    """
    builds = make_stack(tmp_path, server, program, projects=("api",), name="partial")
    up = builds.stack.up(check=False)
    assert up.exit_code != 0
    [failed] = _native(builds.stack.export())
    assert failed["id"].startswith("api:")  # recorded: id and outputs (partial state)
    assert failed["outputs"]["buildStatus"] == "FAILED"
    assert failed["outputs"]["succeeded"] is False
    assert failed.get("initErrors"), failed
    message = " ".join(up.output.split())
    assert f"aws_codebuild.Build build {failed['id']} finished with status FAILED" in message
    assert "failing phase BUILD (FAILED): make: *** [all] Error 2" in message

    again = builds.stack.up()
    assert again.changes.get("replace") == 1, again.changes
    [replaced] = _native(builds.stack.export())
    assert replaced["id"] != failed["id"]
    assert replaced["outputs"]["succeeded"] is True and not replaced.get("initErrors")
    assert builds.counter("aws_codebuild.requests.StartBuild") == 2


def test_every_resource_gets_exactly_one_build_under_injected_faults(
    tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    server = emulator_factory(time_scale=120, seed=23)
    builds = make_stack(tmp_path, server, NATIVE_QUICKSTART, name="nativefaults")
    server.emulator.configure(faults=FaultPlan(rate=0.2, kinds=("throttle", "5xx", "drop", "lose")))
    builds.stack.up()
    server.emulator.configure(faults=FaultPlan())
    outputs = builds.stack.outputs()
    assert {k: v["status"] for k, v in outputs["builds"].items()} == QUICKSTART_DONE
    faults = {k: v for k, v in server.emulator.counters.items() if ".faults." in k}
    assert sum(faults.values()) > 0, "no fault was injected: the test proves nothing"
    codebuild = aws_client("codebuild", server.url)
    assert len(codebuild.list_builds_for_project(projectName="api")["ids"]) == 1
    assert {k: v for k, v in _builds_created(builds).items() if k != "codebuild builds"} == {
        k: v for k, v in ONE_BUILD_EACH.items() if k != "codebuild builds"
    }, faults


def test_no_secret_in_the_state_or_the_output(
    tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    server = emulator_factory(time_scale=120)
    program = secrets_program("pulumi_builds.native", SECRET_ENV_VALUE, "cf-registry-password-73")
    builds = make_stack(tmp_path, server, program, projects=("api",), name="nativesecrets")
    up = builds.stack.up()
    assert_no_plain_secret(
        builds,
        up.output,
        (TOKEN, "emulator-secret-key", SECRET_ENV_VALUE, "cf-registry-password-73"),
    )
    api = next(r for r in _native(builds.stack.export()) if r["type"] == TYPES[0])
    assert "ciphertext" in json.dumps(api["outputs"]["environmentVariables"])
    assert "ciphertext" in json.dumps(api["inputs"]["environmentVariables"])


def test_resources_of_both_providers_in_one_program(
    tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    server = emulator_factory(time_scale=120)
    program = """
        from pulumi_builds import aws_codebuild as dynamic
        from pulumi_builds.native import aws_codebuild as native
        dynamic.Build("old", project_name="api", source_version="a")
        native.Build("new", project_name="api", source_version="b")
    """
    builds = make_stack(tmp_path, server, program, projects=("api",), name="both")
    builds.stack.up()
    state = builds.stack.export()
    assert len(_native(state)) == 1 and len(resources_of(state, "aws_codebuild:Build")) == 1
    assert builds.counter("aws_codebuild.requests.StartBuild") == 2


def test_builds_under_components_on_both_providers(
    tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    """A build resource under a component: the native provider finds its spec by the URN's own
    type (after the parents' types), and the dynamic one names its parent in the identity by the
    SDK's public pulumi_resource_type / pulumi_resource_name (the values its tokens always had)."""
    server = emulator_factory(time_scale=120)
    program = """
        import pulumi
        from pulumi_builds import aws_codebuild as dynamic
        from pulumi_builds.native import aws_codebuild as native

        class Pipeline(pulumi.ComponentResource):
            def __init__(self, name: str) -> None:
                super().__init__("my:ci:Pipeline", name)
                child = pulumi.ResourceOptions(parent=self)
                dynamic.Build("api", project_name="api", source_version="a", opts=child)
                native.Build("api-native", project_name="api", source_version="b", opts=child)

        Pipeline("main")
    """
    builds = make_stack(tmp_path, server, program, projects=("api",), name="parented")
    builds.stack.up()
    assert builds.counter("aws_codebuild.requests.StartBuild") == 2
    [dynamic] = resources_of(builds.stack.export(), "aws_codebuild:Build")
    assert (
        dynamic["outputs"]["_identity"]
        == "parented/test/my:ci:Pipeline:main/aws_codebuild.Build/api"
    )
    assert len(_native(builds.stack.export())) == 1
    assert set(builds.stack.preview().changes) == {"same"}
