"""Build logs where the user looks: a failing CodeBuild build's `pulumi up` (real engine, emulators)
ends with the last lines of its own CloudWatch Logs stream, as boto3's `logs` client reads them
from the same emulator; values of secret inputs the build printed show as `[secret]`; a log that
cannot be read leaves the usual message and says why in one line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pulumi_builds.emulators.core import Outcome
from pulumi_builds.emulators.server import EmulatorServer
from tests.builds_harness import make_stack
from tests.test_emulator_codebuild import client

pytestmark = pytest.mark.engine

SECRET = "db-pass-9c41e7"
PRINTED = [
    "npm run build",
    "connecting with password $DB_PASSWORD",
    "src/app.ts(3,1): error TS2304: Cannot find name 'foo'.",
    "make: *** [all] Error 2",
]
PROGRAM = """
    import pulumi
    from pulumi_builds import aws_codebuild
    aws_codebuild.Build(
        "api",
        project_name="api",
        environment_variables={"DB_PASSWORD": pulumi.Config().require_secret("dbPassword")},
    )
"""


def _failing_stack(
    tmp_path: Path, server: EmulatorServer, tail: int | None, name: str, program: str = PROGRAM
) -> Any:
    server.emulator.script(
        "aws_codebuild", "api", Outcome("failed", failing_phase="BUILD", log=tuple(PRINTED))
    )
    builds = make_stack(tmp_path, server, program, projects=("api",), name=name)
    builds.stack.config_set("dbPassword", SECRET, secret=True)
    if tail is not None:
        builds.stack.config_set("pulumi-builds:logTailLines", str(tail))
    return builds


def _the_build(server: EmulatorServer) -> dict[str, Any]:
    codebuild = client(server)
    ids = codebuild.list_builds_for_project(projectName="api")["ids"]
    assert len(ids) == 1
    build: dict[str, Any] = codebuild.batch_get_builds(ids=ids)["builds"][0]
    return build


def _stripped_lines(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines() if line.strip()]


def test_a_failing_build_ends_with_the_last_lines_of_its_log(
    tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    server = emulator_factory(time_scale=120)
    builds = _failing_stack(tmp_path, server, tail=12, name="logtail")
    up = builds.stack.up(check=False)
    assert up.exit_code != 0
    build = _the_build(server)
    where = build["logs"]
    # What boto3's logs client reads from the same emulator: the stream's last 12 lines.
    events = client(server, "logs").get_log_events(
        logGroupName=where["groupName"], logStreamName=where["streamName"], limit=12
    )["events"]
    expected = [e["message"].replace(SECRET, "[secret]") for e in events]
    assert len(expected) == 12 and any("[secret]" in line for line in expected)
    lines = _stripped_lines(up.output)
    # The error as the Diagnostics section shows it (the row shows its first line only).
    at = max(i for i, line in enumerate(lines) if line.endswith("last 12 log lines:"))
    assert lines[at + 1 : at + 13] == expected
    # ... then the console link to the same stream.
    assert lines[at + 13] == f"build log: {where['deepLink']}"
    assert "failing phase BUILD (FAILED)" in lines[at]
    # The secret the build echoed is never shown, anywhere in the output or the state.
    assert SECRET not in up.output
    assert "connecting with password [secret]" in lines
    assert SECRET not in str(builds.stack.export())


def test_an_unreadable_log_leaves_the_message_and_says_why(
    tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    server = emulator_factory(time_scale=120)
    builds = _failing_stack(tmp_path, server, tail=None, name="logdenied")
    server.emulator.force_fault("aws_logs", "GetLogEvents", "deny", times=50)
    up = builds.stack.up(check=False)
    assert up.exit_code != 0
    lines = _stripped_lines(up.output)
    build = _the_build(server)
    # Today's message, unchanged (status, phase, console link on one line), then why.
    today = f". build log: {build['logs']['deepLink']}"
    link = max(i for i, line in enumerate(lines) if line.endswith(today))
    assert "finished with status FAILED. failing phase BUILD (FAILED)" in lines[link]
    assert "log lines:" not in up.output
    assert lines[link + 1] == (
        f"log lines not shown: logs:GetLogEvents on {build['logs']['groupName']} / "
        f"{build['logs']['streamName']} was denied (AccessDeniedException)"
    )
    assert server.emulator.counter("aws_logs", "faults.deny") >= 1


def test_a_failing_batch_shows_the_log_of_its_failed_build(
    tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    server = emulator_factory(time_scale=120)
    server.emulator.script(
        "aws_codebuild", "matrix", Outcome("failed", failing_phase="BUILD", log=("boom: exit 3",))
    )
    program = """
        from pulumi_builds import aws_codebuild
        aws_codebuild.BuildBatch("matrix", project_name="matrix")
    """
    builds = make_stack(tmp_path, server, program, projects=("matrix",), name="batchlog")
    up = builds.stack.up(check=False)
    assert up.exit_code != 0
    codebuild = client(server)
    failed = [
        b
        for b in codebuild.batch_get_builds(
            ids=codebuild.list_builds_for_project(projectName="matrix")["ids"]
        )["builds"]
        if b["buildStatus"] == "FAILED"
    ]
    assert len(failed) == 1, failed
    lines = _stripped_lines(up.output)
    starts = [i for i, line in enumerate(lines) if "log lines:" in line]
    assert starts, up.output[-4000:]
    at = starts[-1]
    assert f"failed build {failed[0]['id']}: last " in lines[at], up.output[-4000:]
    assert "boom: exit 3" in lines[at + 1 : at + 21], up.output[-4000:]
    assert f"build log: {failed[0]['logs']['deepLink']}" in lines


NATIVE_PROGRAM = """
    import pulumi
    from pulumi_builds.native import aws_codebuild, cloudflare_builds
    config = pulumi.Config()
    aws_codebuild.Build(
        "api",
        project_name="api",
        environment_variables={"DB_PASSWORD": config.require_secret("dbPassword")},
    )
    cloudflare_builds.WorkersBuild(
        "site",
        account_id=config.require("cloudflareAccountId"),
        trigger_uuid=config.require("cloudflareTriggerUuid"),
        branch="main",
    )
"""


def _rows(output: str, kind: str, name: str) -> list[str]:
    return [line for line in output.splitlines() if kind in line and f" {name} " in line]


def test_the_native_provider_shows_each_running_builds_newest_log_line_on_its_row(
    tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    server = emulator_factory(time_scale=120)
    # About 5 s of BUILD phase in real time, its lines spread over it; the engine polls at 0.3 s.
    server.emulator.script(
        "aws_codebuild",
        "api",
        Outcome("succeeded", duration_s=1200, log=("compiling 1 of 2", "login as $DB_PASSWORD")),
    )
    builds = make_stack(tmp_path, server, NATIVE_PROGRAM, projects=("api",), name="liverows")
    # The Worker's build runs as long (its default length ends within the first poll under load).
    # Scripted after the seeding, whose deployment build would take the outcome instead.
    server.emulator.script("cloudflare_builds", "*", Outcome("succeeded", duration_s=1200))
    builds.stack.config_set("dbPassword", SECRET, secret=True)
    up = builds.stack.up()
    build = _the_build(server)
    build_id = build["id"]
    # The map's keys reach the build as written (the SDK is asked to rename every key it sends).
    names = [v["name"] for v in build["environment"]["environmentVariables"]]
    assert "DB_PASSWORD" in names
    api_rows = " ".join(_rows(up.stdout, "awsCodebuild:Build", "api"))
    assert f"build {build_id}: IN_PROGRESS, phase BUILD | compiling 1 of 2" in api_rows, up.stdout
    assert f"build {build_id}: IN_PROGRESS, phase BUILD | login as [secret]" in api_rows
    assert SECRET not in up.stdout
    site_rows = " ".join(_rows(up.stdout, "cloudflareBuilds:WorkersBuild", "site"))
    assert ": running | " in site_rows or ": queued | " in site_rows, up.stdout
    # Batched: one FilterLogEvents per log group and interval, never one per build.
    assert server.emulator.counter("aws_logs", "requests.FilterLogEvents") >= 1
    assert server.emulator.counter("aws_logs", "requests.GetLogEvents") == 0


def test_a_native_failed_build_keeps_the_log_lines_in_its_recorded_error_without_secrets(
    tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    """The native provider records a failed build with its error (the state's initErrors): the
    log lines are there, the secret the build printed as `[secret]`."""
    server = emulator_factory(time_scale=120)
    native = PROGRAM.replace("from pulumi_builds import", "from pulumi_builds.native import")
    builds = _failing_stack(tmp_path, server, tail=12, name="nativefail", program=native)
    up = builds.stack.up(check=False)
    assert up.exit_code != 0
    state = builds.stack.export()
    recorded = [
        r for r in state["resources"] if r.get("type") == "pulumi-builds:awsCodebuild:Build"
    ]
    assert len(recorded) == 1 and recorded[0]["outputs"]["succeeded"] is False
    errors = " ".join(recorded[0].get("initErrors", []))
    assert "connecting with password [secret]" in errors and "make: *** [all] Error 2" in errors
    assert SECRET not in str(state) and SECRET not in up.output
