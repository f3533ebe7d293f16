"""The build resources end to end: the real Pulumi engine (plain CLI, `pulumi up` on a Pulumi.yaml
project) driving pulumi_builds against the emulators, as a user runs them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pulumi_builds.emulators.core import FaultPlan, Outcome
from pulumi_builds.emulators.server import EmulatorServer
from tests.builds_harness import (
    TOKEN,
    BuildsStack,
    assert_no_plain_secret,
    make_stack,
    resources_of,
    secrets_program,
)

pytestmark = pytest.mark.engine

SECRET_ENV_VALUE = "stage-secret-value-7f3a"
QUICKSTART_DONE = {
    "api": "SUCCEEDED",
    "matrix": "SUCCEEDED",
    "site": "stopped",
    "droplet": "STAGED",
}
# The seeding runs one Cloudflare build of its own (to have a Worker version to look up).
ONE_BUILD_EACH = {
    "codebuild builds": 1,
    "codebuild batches": 1,
    "cloudflare builds": 2,
    "cloudfoundry builds": 1,
}


def _statuses(builds: BuildsStack) -> dict[str, str]:
    return {k: v["status"] for k, v in builds.stack.outputs()["builds"].items()}


def _builds_created(builds: BuildsStack) -> dict[str, int]:
    return {
        "codebuild builds": len(_codebuild_builds(builds.server)),
        "codebuild batches": builds.counter("aws_codebuild.build_batches_created"),
        "cloudflare builds": builds.counter("cloudflare_builds.builds_created"),
        "cloudfoundry builds": builds.counter("cloudfoundry.builds_created"),
    }


def test_quickstart_up_preview_refresh_destroy(
    tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    server = emulator_factory(time_scale=120)
    builds = make_stack(tmp_path, server)
    up = builds.stack.up()
    assert up.changes.get("create") == 5  # the stack and four builds

    outputs = builds.stack.outputs()
    assert outputs["status"] == "SUCCEEDED"
    assert _statuses(builds) == QUICKSTART_DONE
    assert outputs["builds"]["site"]["outcome"] == "success"
    assert outputs["builds"]["droplet"]["droplet"]  # the droplet the staging produced
    # Functions: read from the program, typed, across batches and pages.
    assert outputs["found_builds"] == [outputs["builds"]["api"]["id"]]
    assert outputs["builds_by_version"] == builds.seeded.cloudflare_version_ids
    assert outputs["job_pipeline"] == "quickstart-pipeline"
    assert outputs["staged_builds"] >= 1
    # Exactly one build per resource (the seeding ran one Cloudflare build of its own).
    assert builds.counter("aws_codebuild.requests.StartBuild") == 1
    assert builds.counter("aws_codebuild.requests.StartBuildBatch") == 1
    assert builds.counter("cloudflare_builds.builds_created") == 2
    assert builds.counter("cloudfoundry.builds_created") == 1

    preview = builds.stack.preview()
    assert set(preview.changes) == {"same"}, preview.changes

    refresh = builds.stack.refresh()
    assert set(refresh.changes) <= {"same"}, refresh.changes
    assert builds.counter("aws_codebuild.requests.StartBuild") == 1

    destroy = builds.stack.destroy()
    assert destroy.changes.get("delete") == 5
    assert resources_of(builds.stack.export(), ":Build") == []


def test_refresh_tracks_a_build_that_was_not_waited_for(
    tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    server = emulator_factory(time_scale=1)
    server.emulator.script("aws_codebuild", "api", Outcome("succeeded", duration_s=4))
    program = """
        import pulumi
        from pulumi_builds import aws_codebuild
        build = aws_codebuild.Build("api", project_name="api", wait=False)
        pulumi.export("status", build.build_status)
    """
    builds = make_stack(tmp_path, server, program, projects=("api",), name="nowait")
    builds.stack.up()
    assert builds.stack.outputs()["status"] == "IN_PROGRESS"
    time.sleep(5)
    builds.stack.refresh()
    state = resources_of(builds.stack.export(), "aws_codebuild:Build")[0]
    assert state["outputs"]["build_status"] == "SUCCEEDED"
    assert state["outputs"]["succeeded"] is True


def test_failing_build_fails_the_update_with_its_details(
    tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    server = emulator_factory(time_scale=120)
    server.emulator.script(
        "aws_codebuild",
        "api",
        Outcome("failed", failing_phase="BUILD", message="make: *** [all] Error 2"),
    )
    program = """
        from pulumi_builds import aws_codebuild
        aws_codebuild.Build("api", project_name="api", source_version="main")
    """
    builds = make_stack(tmp_path, server, program, projects=("api",), name="failing")
    up = builds.stack.up(check=False)
    assert up.exit_code != 0
    ids = [e["id"] for e in _journal(builds.journal)]
    assert len(ids) == 1 and ids[0].startswith("api:")
    message = " ".join(up.output.split())
    assert f"aws_codebuild.Build build {ids[0]} finished with status FAILED" in message
    assert "failing phase BUILD (FAILED): make: *** [all] Error 2" in message
    # No log API in scope for CodeBuild (CloudWatch Logs): the console link to the build's log.
    stream = ids[0].split(":", 1)[1]
    assert "build log: https://console.aws.amazon.com/cloudwatch/home?region=us-east-1" in message
    assert f"stream={stream}" in message
    # The failed build is not adopted again: the next `up` starts a new one, which succeeds.
    builds.stack.up()
    assert builds.counter("aws_codebuild.requests.StartBuild") == 2


def test_failing_workers_build_names_its_outcome_and_the_last_log_lines(
    tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    server = emulator_factory(time_scale=120)
    builds = make_stack(tmp_path, server, _WORKERS_PROGRAM, projects=(), name="cffail")
    server.emulator.script(
        "cloudflare_builds",
        builds.seeded.cloudflare_trigger_uuid,
        Outcome("failed", message="npm ERR! missing script: build"),
    )
    up = builds.stack.up(check=False)
    assert up.exit_code != 0
    message = " ".join(up.output.split())
    assert "finished with status fail" in message
    # Cloudflare's build logs API: the last lines, the failure's own line last.
    assert "log lines:" in message
    assert "Cloning repository" in message
    assert "Failed: npm ERR! missing script: build" in message
    assert TOKEN not in up.output


_WORKERS_PROGRAM = """
    import pulumi
    from pulumi_builds import cloudflare_builds
    config = pulumi.Config()
    cloudflare_builds.WorkersBuild(
        "site",
        account_id=config.require("cloudflareAccountId"),
        trigger_uuid=config.require("cloudflareTriggerUuid"),
        branch="main",
    )
"""


BAD_INPUTS = {
    "codebuild": (
        'aws_codebuild.Build("api", project_name="api", timeout_in_minutes_override=3, '
        + "queued_timeout_in_minutes_override=481)",
        [
            "`timeout_in_minutes_override` = 3 breaks the rule: Input should be greater than or equal to 5",
            "`queued_timeout_in_minutes_override` = 481 breaks the rule: Input should be less than or equal to 480",
        ],
    ),
    "cloudfoundry": (
        'cloudfoundry.Build("droplet", package_guid="p", staging_disk_in_mb=0)',
        ["`staging_disk_in_mb` = 0 breaks the rule: Input should be greater than or equal to 1"],
    ),
    "cloudflare": (
        'cloudflare_builds.WorkersBuild("site", account_id="a", trigger_uuid="not-a-uuid", branch="main")',
        ["`trigger_uuid` = 'not-a-uuid' breaks the rule: Input should be a valid UUID"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_inputs_fail_at_preview_naming_field_and_rule(
    case: str, tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    server = emulator_factory(time_scale=120)
    resource, messages = BAD_INPUTS[case]
    program = f"""
        from pulumi_builds import aws_codebuild, cloudfoundry, cloudflare_builds
        {resource}
    """
    builds = make_stack(tmp_path, server, program, projects=("api",), name="badinputs")
    preview = builds.stack.preview(check=False)
    assert preview.exit_code != 0
    text = " ".join(preview.output.split())
    for message in messages:
        assert message in text
        # Attached by the engine to the resource's property, as `check` failures are.
        assert f"property {message.split('`')[1]} value" in text


def test_every_resource_gets_exactly_one_build_under_injected_faults(
    tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    server = emulator_factory(time_scale=120, seed=11)
    builds = make_stack(tmp_path, server)  # seeding runs before the faults start
    # "lose" carries a request out and then drops the answer: the case where a naive retry
    # starts a second build.
    server.emulator.configure(faults=FaultPlan(rate=0.2, kinds=("throttle", "5xx", "drop", "lose")))
    builds.stack.up()
    assert _statuses(builds) == QUICKSTART_DONE
    faults = {k: v for k, v in server.emulator.counters.items() if ".faults." in k}
    assert sum(faults.values()) > 0, "no fault was injected: the test proves nothing"
    assert _builds_created(builds) == ONE_BUILD_EACH, faults


def test_killed_up_then_up_again_records_every_build_once(
    tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    count = 6
    server = emulator_factory(time_scale=1)
    server.emulator.script("aws_codebuild", "api", Outcome("succeeded", duration_s=6, times=0))
    program = f"""
        from pulumi_builds import aws_codebuild
        for i in range({count}):
            aws_codebuild.Build(f"b{{i}}", project_name="api", source_version=f"v{{i}}")
    """
    builds = make_stack(tmp_path, server, program, projects=("api",), name="killed")
    backend = builds.stack.backend
    process = subprocess.Popen(
        [
            str(backend.pulumi),
            "--non-interactive",
            "up",
            "--yes",
            "--skip-preview",
            "--stack",
            "test",
        ],
        cwd=builds.stack.project_dir,
        env={**os.environ, **backend.env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while (
        builds.counter("aws_codebuild.requests.StartBuild") < count and time.monotonic() < deadline
    ):
        time.sleep(0.1)
    assert builds.counter("aws_codebuild.requests.StartBuild") == count
    os.killpg(process.pid, signal.SIGKILL)  # the CLI, mid-wait
    process.wait()
    # Its plugins (language host, program, provider) notice the engine is gone and end too.
    deadline = time.monotonic() + 15
    while _processes_in(builds.stack.project_dir) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _processes_in(builds.stack.project_dir) == []

    # A killed CLI leaves its lock on the file backend: `pulumi cancel` is the user's next step.
    backend.run(["cancel", "--yes", "--stack", "test"], builds.stack.project_dir)
    up = builds.stack.up(check=False)
    if up.exit_code != 0 and "pending" in up.output:
        # The engine refuses to go on over interrupted creates until told; that is the user's
        # documented next step, and it must not lose or duplicate any build either.
        builds.stack.backend.run(
            ["refresh", "--yes", "--clear-pending-creates", "--stack", "test"],
            builds.stack.project_dir,
        )
        up = builds.stack.up()
    assert up.exit_code == 0, up.output
    started = {b["id"] for b in _codebuild_builds(server)}
    assert len(started) == count, "a build was started twice"
    state = resources_of(builds.stack.export(), "aws_codebuild:Build")
    recorded = [r["id"] for r in state]
    assert sorted(recorded) == sorted(started), "a started build is missing from the state"
    assert all(r["outputs"]["build_status"] == "SUCCEEDED" for r in state)


def test_state_holds_no_plain_text_secret(
    tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    server = emulator_factory(time_scale=120)
    program = secrets_program("pulumi_builds", SECRET_ENV_VALUE, "cf-registry-password-91")
    builds = make_stack(tmp_path, server, program, projects=("api",), name="secrets")
    up = builds.stack.up()
    assert_no_plain_secret(
        builds,
        up.output,
        (TOKEN, "emulator-secret-key", SECRET_ENV_VALUE, "cf-registry-password-91"),
    )
    journal_text = "".join(p.read_text() for p in builds.journal.glob("*.json"))
    assert SECRET_ENV_VALUE not in journal_text
    api = resources_of(builds.stack.export(), "aws_codebuild:Build")[0]
    assert "ciphertext" in json.dumps(api["outputs"]["environment_variables"])


def _processes_in(directory: Path) -> list[int]:
    """Processes whose working directory is `directory` (the CLI's plugins run there)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and Path(os.readlink(proc / "cwd")) == directory.resolve():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def _journal(directory: Path) -> list[dict[str, object]]:
    return [{"id": json.loads(p.read_text())["build_id"]} for p in sorted(directory.glob("*.json"))]


def _codebuild_builds(server: EmulatorServer) -> list[dict[str, str]]:
    """The builds of project `api`, listed through the API (faults off for the count)."""
    import boto3

    server.emulator.configure(faults=FaultPlan())
    client = boto3.client(
        "codebuild",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id="AKID",
        aws_secret_access_key="x",
    )
    ids = client.list_builds_for_project(projectName="api").get("ids", [])
    return [{"id": i} for i in ids]


def test_failed_batch_is_retried_once_and_succeeds(
    tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    server = emulator_factory(time_scale=120)
    server.emulator.script("aws_codebuild", "matrix", Outcome("failed", times=1))
    program = """
        import pulumi
        from pulumi_builds import aws_codebuild
        batch = aws_codebuild.BuildBatch("matrix", project_name="matrix", retry_failed_builds=True)
        pulumi.export("status", batch.build_batch_status)
    """
    builds = make_stack(tmp_path, server, program, projects=("matrix",), name="retry")
    builds.stack.up()
    assert builds.stack.outputs()["status"] == "SUCCEEDED"
    assert builds.counter("aws_codebuild.requests.StartBuildBatch") == 1
    assert builds.counter("aws_codebuild.requests.RetryBuildBatch") == 1


def test_destroy_stops_a_build_that_is_still_running(
    tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    server = emulator_factory(time_scale=1)
    server.emulator.script("aws_codebuild", "api", Outcome("succeeded", duration_s=600))
    program = """
        from pulumi_builds import aws_codebuild
        aws_codebuild.Build("api", project_name="api", wait=False)
    """
    builds = make_stack(tmp_path, server, program, projects=("api",), name="stop")
    builds.stack.up()
    builds.stack.destroy()
    assert builds.counter("aws_codebuild.requests.StopBuild") == 1
    codebuild = boto3_client(server)
    build_id = _codebuild_builds(server)[0]["id"]
    assert codebuild.batch_get_builds(ids=[build_id])["builds"][0]["buildStatus"] == "STOPPED"


def boto3_client(server: EmulatorServer) -> Any:
    from pulumi_builds.emulators.seed import aws_client

    return aws_client("codebuild", server.url)


def test_plain_up_with_preview_of_inputs_not_known_yet(
    tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    """`pulumi up` previews first: an input that is another build's output is unknown then."""
    server = emulator_factory(time_scale=120)
    program = """
        import pulumi
        from pulumi_builds import aws_codebuild
        first = aws_codebuild.Build("first", project_name="api")
        second = aws_codebuild.Build("second", project_name="api", source_version=first.build_id,
                                     environment_variables={"AFTER": first.build_id})
        pulumi.export("second_source", second.source_version)
    """
    builds = make_stack(tmp_path, server, program, projects=("api",), name="unknowns")
    preview = builds.stack.preview()
    assert preview.changes.get("create") == 3
    backend = builds.stack.backend
    backend.run(["up", "--yes", "--stack", "test"], builds.stack.project_dir)  # with its preview
    outputs = builds.stack.outputs()
    assert outputs["second_source"].startswith("api:")
    assert builds.counter("aws_codebuild.requests.StartBuild") == 2


def test_new_builds_after_destroy_and_for_changed_or_reverted_triggers(
    tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    server = emulator_factory(time_scale=120)
    program = """
        import pulumi
        from pulumi_builds import aws_codebuild
        version = pulumi.Config().get("release") or "1"
        build = aws_codebuild.Build("api", project_name="api", triggers={"release": version})
        pulumi.export("id", build.build_id)
    """
    builds = make_stack(tmp_path, server, program, projects=("api",), name="again")
    ids = []
    for release in ("1", "2", "1"):  # a change, then back: each is a new build
        builds.stack.config_set("release", release)
        builds.stack.up()
        ids.append(builds.stack.outputs()["id"])
    builds.stack.destroy()
    builds.stack.up()  # the same inputs after a destroy: a new build too
    ids.append(builds.stack.outputs()["id"])
    assert len(set(ids)) == 4, ids
    assert builds.counter("aws_codebuild.requests.StartBuild") == 4


def test_a_trigger_whose_answer_is_lost_never_starts_a_second_build(
    tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    """Each service's trigger is carried out and its answer then lost, once: CodeBuild's retry
    reuses the idempotency token, Cloud Foundry and Cloudflare are looked up before a retry."""
    server = emulator_factory(time_scale=120)
    builds = make_stack(tmp_path, server)
    for service, operation in (
        ("aws_codebuild", "StartBuild"),
        ("aws_codebuild", "StartBuildBatch"),
        ("cloudflare_builds", "CreateManualBuild"),
        ("cloudfoundry", "CreateBuild"),
    ):
        server.emulator.force_fault(service, operation, "lose", times=1)
    builds.stack.up()
    assert sum(v for k, v in server.emulator.counters.items() if k.endswith(".faults.lose")) == 4
    assert _builds_created(builds) == ONE_BUILD_EACH
    assert _statuses(builds) == QUICKSTART_DONE


def test_turning_wait_on_waits_for_the_running_build_without_a_new_one(
    tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    server = emulator_factory(time_scale=1)
    server.emulator.script("aws_codebuild", "api", Outcome("succeeded", duration_s=6))
    program = """
        import pulumi
        from pulumi_builds import aws_codebuild
        wait = pulumi.Config().get_bool("wait") or False
        build = aws_codebuild.Build("api", project_name="api", wait=wait)
        pulumi.export("status", build.build_status)
    """
    builds = make_stack(tmp_path, server, program, projects=("api",), name="waiton")
    builds.stack.up()
    assert builds.stack.outputs()["status"] == "IN_PROGRESS"
    builds.stack.config_set("wait", "true")
    up = builds.stack.up()
    assert up.changes.get("update") == 1
    assert builds.stack.outputs()["status"] == "SUCCEEDED"
    assert builds.counter("aws_codebuild.requests.StartBuild") == 1
