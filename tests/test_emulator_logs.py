"""The CloudWatch Logs emulator driven by real boto3 (`logs` client): GetLogEvents and
FilterLogEvents as the reference pages describe them, over the logs the emulated CodeBuild writes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from pulumi_builds.emulators.server import EmulatorServer
from tests.test_emulator_codebuild import client, create_project, error_of


@pytest.fixture
def logs(emulator: EmulatorServer) -> BaseClient:
    return client(emulator, "logs")


def put(server: EmulatorServer, group: str, stream: str, messages: list[str]) -> None:
    body = {"logGroupName": group, "logStreamName": stream, "messages": messages}
    httpx.post(f"{server.url}/_emulator/aws_logs/events", json=body).raise_for_status()


def script(server: EmulatorServer, **outcome: Any) -> None:
    body = {"service": "aws_codebuild", "selector": "demo", **outcome}
    httpx.post(f"{server.url}/_emulator/outcomes", json=body).raise_for_status()


def finished_build(server: EmulatorServer, **start: Any) -> dict[str, Any]:
    cb = client(server)
    create_project(cb)
    build_id = cb.start_build(projectName="demo", **start)["build"]["id"]
    server.emulator.advance(3600)
    build: dict[str, Any] = cb.batch_get_builds(ids=[build_id])["builds"][0]
    return build


def messages(events: list[dict[str, Any]]) -> list[str]:
    return [e["message"] for e in events]


def test_get_log_events_pages_through_a_stream_both_ways(
    emulator: EmulatorServer, logs: BaseClient
) -> None:
    put(emulator, "g", "s", [f"line {i}" for i in range(25)])
    latest = logs.get_log_events(logGroupName="g", logStreamName="s", limit=10)
    assert messages(latest["events"]) == [f"line {i}" for i in range(15, 25)]
    older = logs.get_log_events(
        logGroupName="g", logStreamName="s", limit=10, nextToken=latest["nextBackwardToken"]
    )
    assert messages(older["events"]) == [f"line {i}" for i in range(5, 15)]
    first = logs.get_log_events(logGroupName="g", logStreamName="s", limit=10, startFromHead=True)
    assert messages(first["events"]) == [f"line {i}" for i in range(10)]
    # At the end of the stream the token passed in comes back unchanged, with no events.
    end = logs.get_log_events(
        logGroupName="g",
        logStreamName="s",
        nextToken=latest["nextForwardToken"],
        startFromHead=True,
    )
    assert end["events"] == [] and end["nextForwardToken"] == latest["nextForwardToken"]


def test_get_log_events_errors(emulator: EmulatorServer, logs: BaseClient) -> None:
    put(emulator, "g", "s", ["x"])
    with pytest.raises(ClientError) as exc:
        logs.get_log_events(logGroupName="missing", logStreamName="s")
    assert error_of(exc)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as exc:
        logs.get_log_events(logGroupName="g", logStreamName="other")
    assert error_of(exc)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as exc:  # the page's limit: at most 10000
        logs.get_log_events(logGroupName="g", logStreamName="s", limit=10001)
    code, message, status = error_of(exc)
    assert (code, status) == ("InvalidParameterException", 400) and "limit" in message
    with pytest.raises(ClientError) as exc:
        logs.get_log_events(logGroupName="g", logGroupIdentifier="g", logStreamName="s")
    assert error_of(exc)[0] == "InvalidParameterException"


def test_filter_log_events_reads_many_streams_in_one_call(
    emulator: EmulatorServer, logs: BaseClient
) -> None:
    for n in range(3):
        put(emulator, "g", f"s{n}", [f"s{n} a", f"s{n} b"])
    answer = logs.filter_log_events(logGroupName="g", logStreamNames=["s0", "s2"])
    assert sorted(messages(answer["events"])) == ["s0 a", "s0 b", "s2 a", "s2 b"]
    assert {e["logStreamName"] for e in answer["events"]} == {"s0", "s2"}
    assert answer["searchedLogStreams"] == [] and "nextToken" not in answer
    paged = logs.filter_log_events(logGroupName="g", limit=4)
    rest = logs.filter_log_events(logGroupName="g", limit=4, nextToken=paged["nextToken"])
    assert len(paged["events"]) == 4 and len(rest["events"]) == 2 and "nextToken" not in rest
    newest = logs.filter_log_events(logGroupName="g", logStreamNames=["s1"], startFromHead=False)
    assert messages(newest["events"]) == ["s1 b", "s1 a"]
    assert messages(logs.filter_log_events(logGroupName="g", filterPattern="b")["events"]) == [
        "s0 b",
        "s1 b",
        "s2 b",
    ]
    with pytest.raises(ClientError) as exc:  # the page: at most 100 stream names
        logs.filter_log_events(logGroupName="g", logStreamNames=[f"s{n}" for n in range(101)])
    assert error_of(exc)[0] == "InvalidParameterException"
    with pytest.raises(ClientError) as exc:
        logs.filter_log_events(logGroupName="g", logStreamNames=["s0"], logStreamNamePrefix="s")
    assert error_of(exc)[0] == "InvalidParameterException"


def test_a_codebuild_build_writes_its_phases_and_scripted_lines_to_its_stream(
    emulator: EmulatorServer, logs: BaseClient
) -> None:
    script(
        emulator,
        status="failed",
        failing_phase="BUILD",
        log=["make: compiling", "password is $DB_PASSWORD", "make: *** [all] Error 2"],
    )
    build = finished_build(
        emulator,
        environmentVariablesOverride=[{"name": "DB_PASSWORD", "value": "hunter2-xyz"}],
    )
    where = build["logs"]
    assert where["groupName"] == "/aws/codebuild/demo" and where["deepLink"]
    lines = messages(
        logs.get_log_events(logGroupName=where["groupName"], logStreamName=where["streamName"])[
            "events"
        ]
    )
    build_at = next(i for i, m in enumerate(lines) if m.endswith("Entering phase BUILD"))
    assert lines[build_at + 1 : build_at + 4] == [
        "make: compiling",
        "password is hunter2-xyz",
        "make: *** [all] Error 2",
    ]
    assert lines[build_at + 4].endswith("Phase complete: BUILD State: FAILED")
    assert "Phase context status code: COMMAND_EXECUTION_ERROR" in lines[build_at + 5]
    assert lines[-1].endswith("Phase complete: FINALIZING State: SUCCEEDED")


def test_a_running_build_shows_only_the_lines_written_so_far(
    emulator: EmulatorServer, logs: BaseClient
) -> None:
    cb = client(emulator)
    create_project(cb)
    build = cb.start_build(projectName="demo")["build"]
    where = {"logGroupName": "/aws/codebuild/demo", "logStreamNames": [build["logs"]["streamName"]]}
    early = messages(logs.filter_log_events(**where)["events"])
    emulator.emulator.advance(3600)
    late = messages(logs.filter_log_events(**where)["events"])
    assert len(early) < len(late) and late[: len(early)] == early


def test_faults_and_denials_apply_to_the_logs_operations(
    emulator: EmulatorServer, logs: BaseClient
) -> None:
    put(emulator, "g", "s", ["x"])
    emulator.emulator.force_fault("aws_logs", "GetLogEvents", "deny")
    with pytest.raises(ClientError) as exc:
        logs.get_log_events(logGroupName="g", logStreamName="s")
    code, message, _ = error_of(exc)
    assert code == "AccessDeniedException" and "logs:GetLogEvents" in message
    emulator.emulator.force_fault("aws_logs", "FilterLogEvents", "throttle")
    with pytest.raises(ClientError) as exc:
        logs.filter_log_events(logGroupName="g")
    assert error_of(exc)[0] == "ThrottlingException"
    assert emulator.emulator.counter("aws_logs", "requests.GetLogEvents") == 1
    httpx.post(f"{emulator.url}/_emulator/aws_logs/delete-group", json={"logGroupName": "g"})
    with pytest.raises(ClientError) as exc:
        logs.get_log_events(logGroupName="g", logStreamName="s")
    assert error_of(exc)[0] == "ResourceNotFoundException"
