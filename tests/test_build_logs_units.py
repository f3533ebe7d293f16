"""The failure message's log part and the live rows, against the emulators (no engine): what a
user reads when a CodeBuild build failed, for each way its log can or cannot be read, and how
many CloudWatch Logs calls the live lines of 40 builds cost per interval."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from pulumi_builds import build_logs, cloudwatch_logs, lifecycle, live_logs
from pulumi_builds.emulators.core import Outcome
from pulumi_builds.emulators.server import EmulatorServer
from pulumi_builds.generated.aws_codebuild.resources import SPECS as CODEBUILD

BUILD = CODEBUILD["Build"]
PRINTED = ("step one", "token is $API_TOKEN", "step three failed")


def _failed_build(emulator: EmulatorServer, transport: Any, **env: str) -> dict[str, Any]:
    emulator.emulator.script("aws_codebuild", "api", Outcome("failed", log=PRINTED))
    variables = [{"name": k, "value": v, "type": "PLAINTEXT"} for k, v in env.items()]
    started = transport.call(
        "StartBuild", {"projectName": "api", "environmentVariablesOverride": variables}
    )
    emulator.emulator.advance(3600)
    build: dict[str, Any] = transport.call("BatchGetBuilds", {"ids": [started["build"]["id"]]})[
        "builds"
    ][0]
    return build


def test_the_clause_is_the_last_lines_then_the_console_link(
    emulator: EmulatorServer, codebuild: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    build = _failed_build(emulator, codebuild)
    monkeypatch.setenv("PULUMI_BUILDS_LOG_TAIL_LINES", "3")
    clause = build_logs.log_clause(BUILD, codebuild, build["id"], build, {})
    assert clause is not None
    lines = clause.splitlines()
    assert lines[0] == "last 3 log lines:"
    assert lines[1].endswith("Phase complete: UPLOAD_ARTIFACTS State: SUCCEEDED")
    assert lines[2].endswith("Entering phase FINALIZING")
    assert lines[3].endswith("Phase complete: FINALIZING State: SUCCEEDED")
    assert lines[-1] == f"build log: {build['logs']['deepLink']}"
    monkeypatch.setenv("PULUMI_BUILDS_LOG_TAIL_LINES", "0")  # off: the link alone, no call
    calls = emulator.emulator.counter("aws_logs", "requests.GetLogEvents")
    assert build_logs.log_clause(BUILD, codebuild, build["id"], build, {}) == (
        f"build log: {build['logs']['deepLink']}"
    )
    assert emulator.emulator.counter("aws_logs", "requests.GetLogEvents") == calls


@pytest.mark.parametrize(
    ("kind", "why"),
    [
        ("deny", "logs:GetLogEvents on {where} was denied (AccessDeniedException)"),
        ("throttle", "GetLogEvents on {where} failed (ThrottlingException, HTTP 400)"),
        ("missing", "the log group or stream {where} does not exist (ResourceNotFoundException)"),
    ],
)
def test_an_unreadable_log_says_why_in_one_line_after_the_link(
    emulator: EmulatorServer, codebuild: Any, kind: str, why: str
) -> None:
    build = _failed_build(emulator, codebuild)
    where = f"{build['logs']['groupName']} / {build['logs']['streamName']}"
    if kind == "missing":
        emulator.control.post("/aws_logs/delete-group", json={"logGroupName": "/aws/codebuild/api"})
    else:
        emulator.emulator.force_fault("aws_logs", "GetLogEvents", kind, times=10)
    clause = build_logs.log_clause(BUILD, codebuild, build["id"], build, {})
    assert clause == (
        f"build log: {build['logs']['deepLink']}\nlog lines not shown: " + why.format(where=where)
    )


def test_secret_input_values_the_build_printed_are_hidden(
    emulator: EmulatorServer, codebuild: Any
) -> None:
    build = _failed_build(emulator, codebuild, API_TOKEN="tok-7d1f93")
    props = {"environment_variables": {"API_TOKEN": "tok-7d1f93"}}
    message = lifecycle.describe_failure(BUILD, codebuild, build["id"], build, props)
    assert "token is [secret]" in message and "tok-7d1f93" not in message


def test_live_lines_of_40_builds_cost_one_call_per_interval(
    emulator: EmulatorServer, codebuild: Any
) -> None:
    """40 running builds of one project: one FilterLogEvents call reads every stream's newest
    line (the page's limit is 100 stream names a call)."""
    emulator.emulator.script("aws_codebuild", "api", Outcome("succeeded", times=0, log=PRINTED))
    refs = []
    for _ in range(40):
        started = codebuild.call("StartBuild", {"projectName": "api"})["build"]
        refs.append(cloudwatch_logs.StreamRef("/aws/codebuild/api", started["logs"]["streamName"]))
    emulator.emulator.advance(30)  # every build is in its BUILD phase
    newest = cloudwatch_logs.NewestLines()
    before = emulator.emulator.counter("aws_logs", "requests.FilterLogEvents")
    lines = newest.poll(refs)
    assert emulator.emulator.counter("aws_logs", "requests.FilterLogEvents") - before == 1
    assert set(lines) == set(refs)
    emulator.emulator.advance(5)
    newest.poll(refs)  # the next interval: again one call, from where the last one ended
    assert emulator.emulator.counter("aws_logs", "requests.FilterLogEvents") - before == 2


def test_a_row_shows_status_and_newest_line_and_hides_secrets(
    emulator: EmulatorServer, codebuild: Any
) -> None:
    emulator.emulator.script(
        "aws_codebuild", "api", Outcome("succeeded", duration_s=100, log=("login $API_TOKEN",))
    )
    variables = [{"name": "API_TOKEN", "value": "tok-7d1f93", "type": "PLAINTEXT"}]
    started = codebuild.call(
        "StartBuild", {"projectName": "api", "environmentVariablesOverride": variables}
    )["build"]
    emulator.emulator.advance(70)  # past the printed line, inside BUILD
    shown: list[str] = []
    seen = threading.Event()

    def progress(text: str) -> None:
        shown.append(text)
        if "|" in text:
            seen.set()

    props = {"environment_variables": {"API_TOKEN": "tok-7d1f93"}}
    watch = live_logs.row_watch(
        BUILD,
        codebuild,
        started["id"],
        {},
        progress,
        lambda obj: lifecycle.describe(BUILD, obj),
        lifecycle.settings.redactor(lifecycle.secret_values(BUILD, props)),
    )
    obj = codebuild.call("BatchGetBuilds", {"ids": [started["id"]]})["builds"][0]
    watch(obj)
    assert seen.wait(10), shown
    assert f"build {started['id']}: IN_PROGRESS, phase BUILD | login [secret]" in shown
