"""The CodeBuild emulator driven by real boto3 (no stubbing) over AWS JSON 1.1."""

from __future__ import annotations

import re
from typing import Any

import boto3
import cbor2
import httpx
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError

from pulumi_builds.emulators.aws_codebuild_builds import PHASES
from pulumi_builds.emulators.core import Outcome
from pulumi_builds.emulators.server import EmulatorServer

ROLE = "arn:aws:iam::123456789012:role/codebuild-demo"


def client(server: EmulatorServer, service: str = "codebuild") -> BaseClient:
    return boto3.client(
        service,
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id="AKIDTEST",
        aws_secret_access_key="secret",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )


def create_project(cb: BaseClient, name: str = "demo", **extra: Any) -> dict[str, Any]:
    project: dict[str, Any] = cb.create_project(
        name=name,
        source={"type": "NO_SOURCE", "buildspec": "version: 0.2"},
        artifacts={"type": "NO_ARTIFACTS"},
        environment={
            "type": "LINUX_CONTAINER",
            "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL",
            "environmentVariables": [{"name": "STAGE", "value": "dev", "type": "PLAINTEXT"}],
        },
        serviceRole=ROLE,
        **extra,
    )["project"]
    return project


@pytest.fixture
def cb(emulator: EmulatorServer) -> BaseClient:
    codebuild = client(emulator)
    create_project(codebuild)
    return codebuild


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    err = exc.value.response["Error"]
    return err["Code"], err["Message"], exc.value.response["ResponseMetadata"]["HTTPStatusCode"]


def get_build(cb: BaseClient, build_id: str) -> dict[str, Any]:
    build: dict[str, Any] = cb.batch_get_builds(ids=[build_id])["builds"][0]
    return build


# -- projects -----------------------------------------------------------------------------------


def test_create_project_registers_it_once(emulator: EmulatorServer) -> None:
    cb = client(emulator)
    project = create_project(cb)
    assert project["arn"] == "arn:aws:codebuild:us-east-1:123456789012:project/demo"
    assert project["timeoutInMinutes"] == 60
    with pytest.raises(ClientError) as exc:
        create_project(cb)
    assert error_of(exc) == (
        "ResourceAlreadyExistsException",
        "Project already exists: arn:aws:codebuild:us-east-1:123456789012:project/demo",
        400,
    )


def test_start_build_of_unknown_project_is_resource_not_found(cb: BaseClient) -> None:
    with pytest.raises(cb.exceptions.ResourceNotFoundException) as exc:
        cb.start_build(projectName="nope")
    assert "Project cannot be found: arn:aws:codebuild:us-east-1:123456789012:project/nope" in str(
        exc.value
    )


# -- builds over simulated time -------------------------------------------------------------------


def test_build_moves_through_the_phases_and_succeeds(
    emulator: EmulatorServer, cb: BaseClient
) -> None:
    build = cb.start_build(
        projectName="demo",
        sourceVersion="refs/heads/main",
        environmentVariablesOverride=[
            {"name": "STAGE", "value": "prod", "type": "PLAINTEXT"},
            {"name": "TOKEN", "value": "/ci/token", "type": "PARAMETER_STORE"},
        ],
    )["build"]
    assert re.fullmatch(r"demo:[0-9a-f-]{36}", build["id"])
    assert build["arn"] == f"arn:aws:codebuild:us-east-1:123456789012:build/{build['id']}"
    assert (build["buildNumber"], build["buildStatus"], build["buildComplete"]) == (
        1,
        "IN_PROGRESS",
        False,
    )
    assert build["initiator"] == "AKIDTEST"
    assert build["sourceVersion"] == "refs/heads/main"
    assert build["environment"]["environmentVariables"] == [
        {"name": "STAGE", "value": "prod", "type": "PLAINTEXT"},
        {"name": "TOKEN", "value": "/ci/token", "type": "PARAMETER_STORE"},
    ]
    assert build["logs"]["groupName"] == "/aws/codebuild/demo"
    assert build["logs"]["streamName"] == build["id"].split(":")[1]
    assert "logEvent:group=/aws/codebuild/demo" in build["logs"]["deepLink"]
    assert build["timeoutInMinutes"] == 60

    seen = []
    for _ in range(70):  # default build: 60 simulated seconds
        current = get_build(cb, build["id"])
        seen.append(current["currentPhase"])
        if current["buildComplete"]:
            break
        emulator.emulator.advance(1)
    assert current["buildStatus"] == "SUCCEEDED"
    assert "endTime" in current
    phases = [p["phaseType"] for p in current["phases"]]
    assert phases == [*PHASES, "COMPLETED"]
    assert all(p["phaseStatus"] == "SUCCEEDED" for p in current["phases"][:-1])
    assert [p for p in dict.fromkeys(seen)] == [*PHASES, "COMPLETED"]  # in order, none skipped
    assert len(current["resolvedSourceVersion"]) == 40
    # Terminal stays terminal.
    emulator.emulator.advance(3600)
    assert get_build(cb, build["id"])["buildStatus"] == "SUCCEEDED"


def test_build_numbers_count_per_project(emulator: EmulatorServer, cb: BaseClient) -> None:
    create_project(cb, "other")
    numbers = [cb.start_build(projectName="demo")["build"]["buildNumber"] for _ in range(3)]
    assert numbers == [1, 2, 3]
    assert cb.start_build(projectName="other")["build"]["buildNumber"] == 1


@pytest.mark.parametrize(
    ("outcome", "status", "failed_phase", "next_phases", "code"),
    [
        (
            Outcome("failed"),
            "FAILED",
            "BUILD",
            ["POST_BUILD", "UPLOAD_ARTIFACTS", "FINALIZING"],
            "COMMAND_EXECUTION_ERROR",
        ),
        (
            Outcome("failed", failing_phase="INSTALL", message="npm ci: exit 1"),
            "FAILED",
            "INSTALL",
            ["FINALIZING"],
            "COMMAND_EXECUTION_ERROR",
        ),
        (Outcome("fault"), "FAULT", "PROVISIONING", ["FINALIZING"], "INTERNAL_ERROR"),
        (
            Outcome("timed_out", duration_s=120),
            "TIMED_OUT",
            "BUILD",
            ["FINALIZING"],
            "BUILD_TIMED_OUT",
        ),
    ],
)
def test_scripted_outcomes_decide_the_result(
    emulator: EmulatorServer,
    cb: BaseClient,
    outcome: Outcome,
    status: str,
    failed_phase: str,
    next_phases: list[str],
    code: str,
) -> None:
    emulator.emulator.script("aws_codebuild", "demo", outcome)
    build_id = cb.start_build(projectName="demo")["build"]["id"]
    emulator.emulator.advance(outcome.duration_s or 60)
    build = get_build(cb, build_id)
    assert (build["buildStatus"], build["buildComplete"]) == (status, True)
    phases = {p["phaseType"]: p for p in build["phases"]}
    failed = phases[failed_phase]
    assert failed["phaseStatus"] == status
    assert failed["contexts"][0]["statusCode"] == code
    if outcome.message:
        assert failed["contexts"][0]["message"] == outcome.message
    order = [p["phaseType"] for p in build["phases"]]
    assert order[order.index(failed_phase) + 1 :] == [*next_phases, "COMPLETED"]
    # The outcome applied once: the next build succeeds.
    second = cb.start_build(projectName="demo")["build"]["id"]
    emulator.emulator.advance(60)
    assert get_build(cb, second)["buildStatus"] == "SUCCEEDED"


def test_time_out_without_duration_happens_at_the_build_timeout(
    emulator: EmulatorServer, cb: BaseClient
) -> None:
    emulator.emulator.script("aws_codebuild", "demo", Outcome("timed_out"))
    build_id = cb.start_build(projectName="demo", timeoutInMinutesOverride=5)["build"]["id"]
    emulator.emulator.advance(299)
    assert get_build(cb, build_id)["buildStatus"] == "IN_PROGRESS"
    emulator.emulator.advance(1)
    build = get_build(cb, build_id)
    assert (build["buildStatus"], build["timeoutInMinutes"]) == ("TIMED_OUT", 5)


def test_timeout_override_outside_its_range_is_invalid_input(cb: BaseClient) -> None:
    with pytest.raises(ClientError) as exc:
        cb.start_build(projectName="demo", timeoutInMinutesOverride=2161)
    code, message, status = error_of(exc)
    assert (code, status) == ("InvalidInputException", 400)
    assert "'timeoutInMinutesOverride'" in message
    assert "less than or equal to 2160" in message


# -- idempotency ----------------------------------------------------------------------------------


def test_same_token_and_parameters_give_the_same_build(
    emulator: EmulatorServer, cb: BaseClient
) -> None:
    first = cb.start_build(projectName="demo", sourceVersion="abc", idempotencyToken="tok-1")
    again = cb.start_build(projectName="demo", sourceVersion="abc", idempotencyToken="tok-1")
    assert first["build"]["id"] == again["build"]["id"]
    # Tokens are case sensitive: another token is another build.
    other = cb.start_build(projectName="demo", sourceVersion="abc", idempotencyToken="TOK-1")
    assert other["build"]["id"] != first["build"]["id"]
    assert emulator.emulator.counter("aws_codebuild", "builds_created") == 2


def test_same_token_with_changed_parameters_is_a_parameter_mismatch(cb: BaseClient) -> None:
    cb.start_build(projectName="demo", sourceVersion="abc", idempotencyToken="tok-1")
    with pytest.raises(cb.exceptions.InvalidInputException) as exc:
        cb.start_build(projectName="demo", sourceVersion="def", idempotencyToken="tok-1")
    assert "parameter mismatch" in str(exc.value)


def test_token_expires_after_five_minutes(emulator: EmulatorServer, cb: BaseClient) -> None:
    first = cb.start_build(projectName="demo", idempotencyToken="tok-1")["build"]["id"]
    emulator.emulator.advance(299)
    assert cb.start_build(projectName="demo", idempotencyToken="tok-1")["build"]["id"] == first
    emulator.emulator.advance(2)
    later = cb.start_build(projectName="demo", sourceVersion="x", idempotencyToken="tok-1")
    assert later["build"]["id"] != first


# -- BatchGetBuilds -------------------------------------------------------------------------------


def test_batch_get_builds_reports_unknown_ids(cb: BaseClient) -> None:
    build_id = cb.start_build(projectName="demo")["build"]["id"]
    result = cb.batch_get_builds(ids=[build_id, "demo:00000000-0000-4000-8000-000000000000"])
    assert [b["id"] for b in result["builds"]] == [build_id]
    assert result["buildsNotFound"] == ["demo:00000000-0000-4000-8000-000000000000"]


def test_batch_get_builds_accepts_100_ids_and_rejects_101(cb: BaseClient) -> None:
    ids = [f"demo:{n:08d}-0000-4000-8000-000000000000" for n in range(101)]
    assert len(cb.batch_get_builds(ids=ids[:100])["buildsNotFound"]) == 100
    with pytest.raises(ClientError) as exc:
        cb.batch_get_builds(ids=ids)
    code, message, status = error_of(exc)
    assert (code, status) == ("InvalidInputException", 400)
    assert "at 'ids' failed to satisfy constraint" in message
    assert "less than or equal to 100" in message


def test_consistency_window_hides_new_builds(emulator_factory: Any) -> None:
    server = emulator_factory(consistency_window_s=5)
    cb = client(server)
    create_project(cb)
    build_id = cb.start_build(projectName="demo")["build"]["id"]
    assert cb.batch_get_builds(ids=[build_id])["buildsNotFound"] == [build_id]
    assert "ids" not in cb.list_builds_for_project(projectName="demo")  # model: 1..100 ids
    server.emulator.advance(5)
    assert get_build(cb, build_id)["id"] == build_id


# -- StopBuild / RetryBuild -----------------------------------------------------------------------


def test_stop_build_stops_a_running_build_for_good(
    emulator: EmulatorServer, cb: BaseClient
) -> None:
    build_id = cb.start_build(projectName="demo")["build"]["id"]
    emulator.emulator.advance(30)
    stopped = cb.stop_build(id=build_id)["build"]
    assert (stopped["buildStatus"], stopped["buildComplete"]) == ("STOPPED", True)
    assert stopped["phases"][-2]["phaseStatus"] == "STOPPED"
    assert stopped["phases"][-1]["phaseType"] == "COMPLETED"
    emulator.emulator.advance(600)
    assert get_build(cb, build_id)["buildStatus"] == "STOPPED"


def test_stop_build_leaves_a_finished_build_as_it_is(
    emulator: EmulatorServer, cb: BaseClient
) -> None:
    build_id = cb.start_build(projectName="demo")["build"]["id"]
    emulator.emulator.advance(60)
    assert cb.stop_build(id=build_id)["build"]["buildStatus"] == "SUCCEEDED"
    assert get_build(cb, build_id)["buildStatus"] == "SUCCEEDED"


def test_stop_unknown_build_is_resource_not_found(cb: BaseClient) -> None:
    with pytest.raises(cb.exceptions.ResourceNotFoundException):
        cb.stop_build(id="demo:00000000-0000-4000-8000-000000000000")


def test_retry_build_starts_a_new_build_with_the_same_parameters(
    emulator: EmulatorServer, cb: BaseClient
) -> None:
    emulator.emulator.script("aws_codebuild", "demo", Outcome("failed"))
    first = cb.start_build(
        projectName="demo",
        sourceVersion="v1",
        environmentVariablesOverride=[{"name": "X", "value": "1", "type": "PLAINTEXT"}],
    )["build"]
    emulator.emulator.advance(60)
    retried = cb.retry_build(id=first["id"], idempotencyToken="retry-1")["build"]
    assert retried["id"] != first["id"]
    assert retried["buildNumber"] == 2
    assert retried["sourceVersion"] == "v1"
    assert retried["environment"] == first["environment"]
    assert (
        cb.retry_build(id=first["id"], idempotencyToken="retry-1")["build"]["id"] == (retried["id"])
    )
    emulator.emulator.advance(60)
    assert get_build(cb, retried["id"])["buildStatus"] == "SUCCEEDED"


# -- ListBuildsForProject -------------------------------------------------------------------------


def test_list_builds_pages_of_100_in_both_orders(emulator: EmulatorServer, cb: BaseClient) -> None:
    started = [cb.start_build(projectName="demo")["build"]["id"] for _ in range(205)]
    pages, token = [], None
    while True:
        kwargs = {"nextToken": token} if token else {}
        page = cb.list_builds_for_project(projectName="demo", **kwargs)
        pages.append(page["ids"])
        token = page.get("nextToken")
        if not token:
            break
    assert [len(p) for p in pages] == [100, 100, 5]
    assert [i for p in pages for i in p] == started[::-1]  # newest first by default
    ascending = cb.list_builds_for_project(projectName="demo", sortOrder="ASCENDING")
    assert ascending["ids"] == started[:100]
    with pytest.raises(cb.exceptions.InvalidInputException):
        cb.list_builds_for_project(projectName="demo", nextToken="not-a-token")


def test_list_build_batches_for_project_newest_first_in_pages_with_a_status_filter(
    emulator: EmulatorServer, cb: BaseClient
) -> None:
    started = [cb.start_build_batch(projectName="demo")["buildBatch"]["id"] for _ in range(5)]
    first = cb.list_build_batches_for_project(projectName="demo", maxResults=2)
    assert first["ids"] == started[::-1][:2]
    rest = cb.list_build_batches_for_project(
        projectName="demo", maxResults=2, nextToken=first["nextToken"]
    )
    assert rest["ids"] == started[::-1][2:4]
    running = cb.list_build_batches_for_project(
        projectName="demo", filter={"status": "IN_PROGRESS"}
    )
    assert running["ids"] == started[::-1] and "nextToken" not in running
    assert (
        cb.list_build_batches_for_project(projectName="demo", filter={"status": "SUCCEEDED"})["ids"]
        == []
    )
    with pytest.raises(cb.exceptions.ResourceNotFoundException):
        cb.list_build_batches_for_project(projectName="nope")
    with pytest.raises(cb.exceptions.InvalidInputException):
        cb.list_build_batches_for_project(projectName="demo", sortOrder="SIDEWAYS")


# -- batch builds ---------------------------------------------------------------------------------


def get_batch(cb: BaseClient, batch_id: str) -> dict[str, Any]:
    batch: dict[str, Any] = cb.batch_get_build_batches(ids=[batch_id])["buildBatches"][0]
    return batch


def test_batch_fails_then_retry_of_failed_builds_succeeds(
    emulator: EmulatorServer, cb: BaseClient
) -> None:
    emulator.emulator.script("aws_codebuild", "demo", Outcome("failed", times=1))
    batch = cb.start_build_batch(projectName="demo", idempotencyToken="b-1")["buildBatch"]
    assert re.fullmatch(r"demo:[0-9a-f-]{36}", batch["id"])
    assert (batch["buildBatchStatus"], batch["complete"], batch["buildBatchNumber"]) == (
        "IN_PROGRESS",
        False,
        1,
    )
    assert batch["phases"][0]["phaseType"] == "SUBMITTED"
    with pytest.raises(cb.exceptions.InvalidInputException) as exc:
        cb.retry_build_batch(id=batch["id"], retryType="RETRY_FAILED_BUILDS")
    assert "Only batch builds that have failed can be retried" in str(exc.value)

    emulator.emulator.advance(120)
    failed = get_batch(cb, batch["id"])
    assert (failed["buildBatchStatus"], failed["complete"]) == ("FAILED", True)
    assert [p["phaseType"] for p in failed["phases"]] == [
        "SUBMITTED",
        "DOWNLOAD_BATCHSPEC",
        "IN_PROGRESS",
        "FAILED",
    ]
    statuses = {
        g["identifier"]: g["currentBuildSummary"]["buildStatus"] for g in failed["buildGroups"]
    }
    assert statuses == {"build1": "FAILED", "build2": "SUCCEEDED"}

    retried = cb.retry_build_batch(id=batch["id"], retryType="RETRY_FAILED_BUILDS")["buildBatch"]
    assert retried["id"] == batch["id"]
    groups = {g["identifier"]: g for g in retried["buildGroups"]}
    assert groups["build1"]["priorBuildSummaryList"] == [
        failed["buildGroups"][0]["currentBuildSummary"]
    ]
    assert groups["build1"]["currentBuildSummary"]["buildStatus"] == "IN_PROGRESS"
    assert groups["build2"]["priorBuildSummaryList"] == []  # succeeded: not re-run

    emulator.emulator.advance(120)
    done = get_batch(cb, batch["id"])
    assert (done["buildBatchStatus"], done["complete"]) == ("SUCCEEDED", True)
    assert done["phases"][-1]["phaseType"] == "SUCCEEDED"
    # 2 builds in the first round, 1 retried build.
    assert emulator.emulator.counter("aws_codebuild", "builds_created") == 3


def test_retry_all_builds_reruns_every_group(emulator: EmulatorServer, cb: BaseClient) -> None:
    emulator.emulator.script("aws_codebuild", "demo/build2", Outcome("failed"))
    batch_id = cb.start_build_batch(projectName="demo")["buildBatch"]["id"]
    emulator.emulator.advance(120)
    assert get_batch(cb, batch_id)["buildBatchStatus"] == "FAILED"
    retried = cb.retry_build_batch(id=batch_id, retryType="RETRY_ALL_BUILDS")["buildBatch"]
    assert all(len(g["priorBuildSummaryList"]) == 1 for g in retried["buildGroups"])
    with pytest.raises(cb.exceptions.InvalidInputException):
        cb.retry_build_batch(id=batch_id, retryType="RETRY_SOME")


def test_batch_groups_follow_the_buildspec_graph(emulator: EmulatorServer, cb: BaseClient) -> None:
    spec = (
        '{"version": 0.2, "batch": {"build-graph": ['
        '{"identifier": "unit"}, {"identifier": "deploy", "depend-on": ["unit"]}]}}'
    )
    batch_id = cb.start_build_batch(projectName="demo", buildspecOverride=spec)["buildBatch"]["id"]
    emulator.emulator.advance(10)
    groups = {g["identifier"]: g for g in get_batch(cb, batch_id)["buildGroups"]}
    assert groups["deploy"]["dependsOn"] == ["unit"]
    assert "currentBuildSummary" in groups["unit"]
    assert "currentBuildSummary" not in groups["deploy"]  # waits for unit
    emulator.emulator.advance(60)
    groups = {g["identifier"]: g for g in get_batch(cb, batch_id)["buildGroups"]}
    assert groups["deploy"]["currentBuildSummary"]["buildStatus"] == "IN_PROGRESS"
    assert (
        groups["deploy"]["currentBuildSummary"]["requestedOn"]
        > (groups["unit"]["currentBuildSummary"]["requestedOn"])
    )
    emulator.emulator.advance(60)
    assert get_batch(cb, batch_id)["buildBatchStatus"] == "SUCCEEDED"


def test_stop_build_batch_stops_its_builds(emulator: EmulatorServer, cb: BaseClient) -> None:
    batch_id = cb.start_build_batch(projectName="demo")["buildBatch"]["id"]
    emulator.emulator.advance(20)
    stopped = cb.stop_build_batch(id=batch_id)["buildBatch"]
    assert (stopped["buildBatchStatus"], stopped["complete"]) == ("STOPPED", True)
    assert {g["currentBuildSummary"]["buildStatus"] for g in stopped["buildGroups"]} == {"STOPPED"}
    emulator.emulator.advance(600)
    assert get_batch(cb, batch_id)["buildBatchStatus"] == "STOPPED"
    with pytest.raises(cb.exceptions.InvalidInputException):
        cb.retry_build_batch(id=batch_id)  # stopped, not failed


def test_batch_get_build_batches_limits_and_not_found(cb: BaseClient) -> None:
    batch_id = cb.start_build_batch(projectName="demo")["buildBatch"]["id"]
    result = cb.batch_get_build_batches(ids=[batch_id, "demo:missing"])
    assert [b["id"] for b in result["buildBatches"]] == [batch_id]
    assert result["buildBatchesNotFound"] == ["demo:missing"]
    with pytest.raises(cb.exceptions.InvalidInputException):
        cb.batch_get_build_batches(ids=[f"demo:{n}" for n in range(101)])


# -- protocol: authentication and CBOR --------------------------------------------------------------


def post(server: EmulatorServer, target: str, auth: str | None) -> httpx.Response:
    headers = {"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"}
    if auth is not None:
        headers["Authorization"] = auth
    return httpx.post(server.url + "/", headers=headers, content=b'{"ids": ["demo:x"]}')


def test_requests_without_a_sigv4_authorization_are_rejected(emulator: EmulatorServer) -> None:
    target = "CodeBuild_20161006.BatchGetBuilds"
    missing = post(emulator, target, None)
    assert missing.status_code == 400
    assert missing.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert missing.json()["__type"] == "MissingAuthenticationTokenException"
    scope = (
        "AWS4-HMAC-SHA256 Credential=AKID/20261123/us-east-1/{}/aws4_request, "
        "SignedHeaders=host, Signature=abc"
    )
    wrong = post(emulator, target, scope.format("codepipeline"))
    assert wrong.json() == {
        "__type": "InvalidSignatureException",
        "message": "Credential should be scoped to correct service: 'codebuild'. ",
    }
    assert post(emulator, target, scope.format("codebuild")).status_code == 200
    unknown = post(emulator, "CodeBuild_20161006.NoSuchOperation", scope.format("codebuild"))
    assert unknown.json()["__type"] == "UnknownOperationException"


def test_rpc_v2_cbor_is_served_too(emulator: EmulatorServer, cb: BaseClient) -> None:
    build_id = cb.start_build(projectName="demo")["build"]["id"]
    response = httpx.post(
        f"{emulator.url}/service/CodeBuild_20161006/operation/BatchGetBuilds",
        headers={
            "smithy-protocol": "rpc-v2-cbor",
            "Content-Type": "application/cbor",
            "Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20261123/us-east-1/codebuild/"
            "aws4_request, SignedHeaders=host, Signature=abc",
        },
        content=cbor2.dumps({"ids": [build_id]}),
    )
    assert response.headers["smithy-protocol"] == "rpc-v2-cbor"
    body = cbor2.loads(response.content)
    build = body["builds"][0]
    assert build["id"] == build_id
    assert build["startTime"].year >= 2024  # a CBOR timestamp (tag 1) decodes to a datetime
