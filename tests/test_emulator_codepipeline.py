"""The CodePipeline custom-action job emulator driven by real boto3 (no stubbing)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError

from pulumi_builds.emulators.server import EmulatorServer

ACTION = {"category": "Build", "owner": "Custom", "provider": "PulumiBuilds", "version": "1"}


@pytest.fixture
def cp(emulator: EmulatorServer) -> BaseClient:
    return boto3.client(
        "codepipeline",
        endpoint_url=emulator.url,
        region_name="us-east-1",
        aws_access_key_id="AKIDTEST",
        aws_secret_access_key="secret",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )


def enqueue(server: EmulatorServer, **extra: Any) -> str:
    body = {
        "actionTypeId": ACTION,
        "configuration": {"ProjectName": "demo"},
        "inputArtifacts": ["SourceOutput"],
        "outputArtifacts": ["BuildOutput"],
        **extra,
    }
    response = server.control.post("/aws_codepipeline/jobs", json=body)
    assert response.status_code == 201, response.text
    job_id: str = response.json()["jobId"]
    return job_id


def status_of(server: EmulatorServer, job_id: str) -> str:
    status: str = server.control.get(f"/aws_codepipeline/jobs/{job_id}").json()["status"]
    return status


def take_job(cp: BaseClient) -> dict[str, Any]:
    jobs = cp.poll_for_jobs(actionTypeId=ACTION)["jobs"]
    assert len(jobs) == 1
    cp.acknowledge_job(jobId=jobs[0]["id"], nonce=jobs[0]["nonce"])
    job: dict[str, Any] = jobs[0]
    return job


def code_of(exc: pytest.ExceptionInfo[ClientError]) -> str:
    code: str = exc.value.response["Error"]["Code"]
    return code


def test_worker_cycle_poll_acknowledge_details_success(
    emulator: EmulatorServer, cp: BaseClient
) -> None:
    job_id = enqueue(emulator)
    assert status_of(emulator, job_id) == "Queued"
    jobs = cp.poll_for_jobs(
        actionTypeId=ACTION, maxBatchSize=10, queryParam={"ProjectName": "demo"}
    )["jobs"]
    assert [j["id"] for j in jobs] == [job_id]
    job = jobs[0]
    assert job["accountId"] == "123456789012"
    assert job["nonce"]
    data = job["data"]
    assert data["actionTypeId"] == ACTION
    assert data["actionConfiguration"]["configuration"] == {"ProjectName": "demo"}
    assert [a["name"] for a in data["inputArtifacts"]] == ["SourceOutput"]
    assert data["inputArtifacts"][0]["location"]["type"] == "S3"
    credentials = data["artifactCredentials"]
    assert set(credentials) == {"accessKeyId", "secretAccessKey", "sessionToken"}
    assert status_of(emulator, job_id) == "Dispatched"
    # A dispatched job is not handed out twice.
    assert cp.poll_for_jobs(actionTypeId=ACTION)["jobs"] == []

    assert cp.acknowledge_job(jobId=job_id, nonce=job["nonce"])["status"] == "InProgress"
    details = cp.get_job_details(jobId=job_id)["jobDetails"]
    assert details["id"] == job_id
    assert details["data"]["artifactCredentials"] == credentials

    cp.put_job_success_result(
        jobId=job_id,
        currentRevision={"revision": "abc123", "changeIdentifier": "c1"},
        executionDetails={
            "summary": "built",
            "externalExecutionId": "demo:1",
            "percentComplete": 100,
        },
        outputVariables={"BUILD_ID": "demo:1"},
    )
    assert status_of(emulator, job_id) == "Succeeded"
    assert emulator.emulator.counter("aws_codepipeline", "jobs_created") == 1


def test_query_param_filters_and_at_most_one_entry(
    emulator: EmulatorServer, cp: BaseClient
) -> None:
    enqueue(emulator, configuration={"ProjectName": "other"})
    wanted = enqueue(emulator, configuration={"ProjectName": "demo"})
    jobs = cp.poll_for_jobs(actionTypeId=ACTION, queryParam={"ProjectName": "demo"})["jobs"]
    assert [j["id"] for j in jobs] == [wanted]
    with pytest.raises(ClientError) as exc:
        cp.poll_for_jobs(actionTypeId=ACTION, queryParam={"ProjectName": "demo", "B": "x"})
    assert code_of(exc) == "ValidationException"
    assert "'queryParam'" in str(exc.value)


def test_max_batch_size_limits_the_jobs_returned(emulator: EmulatorServer, cp: BaseClient) -> None:
    ids = [enqueue(emulator) for _ in range(3)]
    first = cp.poll_for_jobs(actionTypeId=ACTION, maxBatchSize=2)["jobs"]
    second = cp.poll_for_jobs(actionTypeId=ACTION, maxBatchSize=2)["jobs"]
    assert [j["id"] for j in first + second] == ids
    assert len({j["nonce"] for j in first + second}) == 3


def test_only_custom_action_types_that_exist_can_be_polled(cp: BaseClient) -> None:
    with pytest.raises(ClientError) as exc:
        cp.poll_for_jobs(actionTypeId={**ACTION, "owner": "AWS"})
    assert code_of(exc) == "ValidationException"
    with pytest.raises(cp.exceptions.ActionTypeNotFoundException):
        cp.poll_for_jobs(actionTypeId={**ACTION, "provider": "Nobody"})


def test_acknowledge_checks_job_id_pattern_nonce_and_existence(
    emulator: EmulatorServer, cp: BaseClient
) -> None:
    job_id = enqueue(emulator)
    job = cp.poll_for_jobs(actionTypeId=ACTION)["jobs"][0]
    with pytest.raises(ClientError) as exc:
        cp.acknowledge_job(jobId="not-a-uuid", nonce=job["nonce"])
    assert code_of(exc) == "ValidationException"
    assert "at 'jobId' failed to satisfy constraint" in str(exc.value)
    with pytest.raises(cp.exceptions.InvalidNonceException):
        cp.acknowledge_job(jobId=job_id, nonce=job["nonce"] + "0")
    with pytest.raises(cp.exceptions.JobNotFoundException):
        cp.acknowledge_job(jobId="00000000-0000-4000-8000-000000000000", nonce="1")
    with pytest.raises(cp.exceptions.JobNotFoundException):
        cp.get_job_details(jobId="00000000-0000-4000-8000-000000000000")


def test_results_need_an_in_progress_job(emulator: EmulatorServer, cp: BaseClient) -> None:
    job_id = enqueue(emulator)
    cp.poll_for_jobs(actionTypeId=ACTION)  # dispatched, not acknowledged
    with pytest.raises(cp.exceptions.InvalidJobStateException):
        cp.put_job_success_result(jobId=job_id)
    with pytest.raises(cp.exceptions.JobNotFoundException):
        cp.put_job_success_result(jobId="00000000-0000-4000-8000-000000000000")


def test_failure_result_fails_the_job_once(emulator: EmulatorServer, cp: BaseClient) -> None:
    enqueue(emulator)
    job = take_job(cp)
    failure = {
        "type": "JobFailed",
        "message": "build demo:7 FAILED in BUILD",
        "externalExecutionId": "demo:7",
    }
    cp.put_job_failure_result(jobId=job["id"], failureDetails=failure)
    assert status_of(emulator, job["id"]) == "Failed"
    with pytest.raises(cp.exceptions.InvalidJobStateException):
        cp.put_job_failure_result(jobId=job["id"], failureDetails=failure)
    with pytest.raises(cp.exceptions.InvalidJobStateException):
        cp.put_job_success_result(jobId=job["id"])


def test_failure_message_length_is_1_to_5000(emulator: EmulatorServer, cp: BaseClient) -> None:
    enqueue(emulator)
    job = take_job(cp)
    with pytest.raises(ClientError) as exc:
        cp.put_job_failure_result(
            jobId=job["id"], failureDetails={"type": "JobFailed", "message": "x" * 5001}
        )
    assert code_of(exc) == "ValidationException"
    assert "'failureDetails.message'" in str(exc.value)
    cp.put_job_failure_result(
        jobId=job["id"], failureDetails={"type": "JobFailed", "message": "x" * 5000}
    )
    assert status_of(emulator, job["id"]) == "Failed"


def test_continuation_token_queues_a_follow_up_job(
    emulator: EmulatorServer, cp: BaseClient
) -> None:
    enqueue(emulator)
    job = take_job(cp)
    cp.put_job_success_result(
        jobId=job["id"],
        continuationToken="demo:42",
        executionDetails={"summary": "build started", "percentComplete": 10},
    )
    follow_up = take_job(cp)
    assert follow_up["id"] != job["id"]
    assert follow_up["data"]["continuationToken"] == "demo:42"
    assert follow_up["data"]["actionConfiguration"] == job["data"]["actionConfiguration"]


def test_unfinished_job_times_out(emulator: EmulatorServer, cp: BaseClient) -> None:
    job_id = enqueue(emulator, timeout_s=600)
    take_job(cp)
    emulator.emulator.advance(600)
    assert status_of(emulator, job_id) == "TimedOut"
    with pytest.raises(cp.exceptions.InvalidJobStateException):
        cp.put_job_success_result(jobId=job_id)


def test_enqueue_rejects_bad_setup_naming_the_field(emulator: EmulatorServer) -> None:
    response = emulator.control.post(
        "/aws_codepipeline/jobs", json={"actionTypeId": {**ACTION, "owner": "AWS"}}
    )
    assert response.status_code == 400
    assert "actionTypeId.owner" in response.json()["error"]
    response = emulator.control.post("/aws_codepipeline/jobs", json={"configuration": {}})
    assert response.status_code == 400
    assert "actionTypeId" in response.json()["error"]


def test_reset_forgets_jobs(emulator: EmulatorServer, cp: BaseClient) -> None:
    enqueue(emulator)
    emulator.control.post("/reset")
    with pytest.raises(cp.exceptions.ActionTypeNotFoundException):
        cp.poll_for_jobs(actionTypeId=ACTION)
