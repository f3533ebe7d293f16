"""Contract: every response of every service validates against `schemas/<service>.json`.

Each test drives one service through every operation its service document lists (in several
states: running, finished, failed, stopped) and then checks that the emulator validated a
response of each of those operations and found no violation. The `emulator` fixture runs the
server in strict mode, so every other emulator test checks its responses too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.client import BaseClient

from pulumi_builds.emulators.core import Outcome
from pulumi_builds.emulators.server import EmulatorServer
from pulumi_builds.emulators.validation import SchemaValidator, ServiceDocumentError, aws_message

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


def schema_operations(service: str) -> set[str]:
    path = SCHEMAS / f"{service}.json"
    return set(json.loads(path.read_text(encoding="utf-8"))["operations"])


def assert_contract(server: EmulatorServer, service: str) -> None:
    assert server.violations == []
    expected = schema_operations(service)
    checked = server.checked_operations.get(service, set())
    assert expected - checked == set(), f"operations never exercised: {expected - checked}"


def aws(server: EmulatorServer, service: str) -> BaseClient:
    return boto3.client(
        service,
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id="AKIDTEST",
        aws_secret_access_key="secret",
    )


def test_codebuild_responses_match_the_schema(emulator: EmulatorServer) -> None:
    emu = emulator.emulator
    cb = aws(emulator, "codebuild")
    cb.create_project(
        name="demo",
        source={"type": "NO_SOURCE", "buildspec": "version: 0.2"},
        artifacts={"type": "NO_ARTIFACTS"},
        environment={
            "type": "LINUX_CONTAINER",
            "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL",
            "environmentVariables": [{"name": "A", "value": "1", "type": "PLAINTEXT"}],
        },
        serviceRole="arn:aws:iam::123456789012:role/demo",
    )
    for outcome in (
        Outcome("failed", failing_phase="INSTALL"),
        Outcome("fault"),
        Outcome("timed_out", duration_s=90),
        Outcome("succeeded"),
    ):
        emu.script("aws_codebuild", "demo", outcome)
    ids = [
        cb.start_build(projectName="demo", sourceVersion="main", idempotencyToken=f"t{n}")["build"][
            "id"
        ]
        for n in range(5)
    ]
    for _ in range(12):  # every phase of every build, in progress and done
        cb.batch_get_builds(ids=[*ids, "demo:unknown"])
        emu.advance(8)
    cb.stop_build(id=cb.start_build(projectName="demo")["build"]["id"])
    cb.retry_build(id=ids[0])
    cb.list_builds_for_project(projectName="demo", sortOrder="ASCENDING")

    emu.script("aws_codebuild", "demo", Outcome("failed"))
    batch = cb.start_build_batch(
        projectName="demo", buildBatchConfigOverride={"combineArtifacts": True}
    )["buildBatch"]
    for _ in range(10):
        cb.batch_get_build_batches(ids=[batch["id"], "demo:unknown"])
        emu.advance(15)
    cb.retry_build_batch(id=batch["id"], retryType="RETRY_FAILED_BUILDS")
    emu.advance(120)
    cb.batch_get_build_batches(ids=[batch["id"]])
    cb.stop_build_batch(id=cb.start_build_batch(projectName="demo")["buildBatch"]["id"])
    cb.list_build_batches_for_project(projectName="demo", sortOrder="DESCENDING", maxResults=1)
    cb.list_build_batches_for_project(projectName="demo", filter={"status": "FAULT"})
    assert_contract(emulator, "aws_codebuild")


def test_codepipeline_responses_match_the_schema(emulator: EmulatorServer) -> None:
    cp = aws(emulator, "codepipeline")
    action = {"category": "Build", "owner": "Custom", "provider": "PulumiBuilds", "version": "1"}
    for _ in range(2):
        emulator.control.post(
            "/aws_codepipeline/jobs",
            json={
                "actionTypeId": action,
                "configuration": {"ProjectName": "demo"},
                "inputArtifacts": [{"name": "Source", "revision": "abc"}],
                "outputArtifacts": ["Out"],
            },
        ).raise_for_status()
    jobs = cp.poll_for_jobs(actionTypeId=action, maxBatchSize=2)["jobs"]
    for job in jobs:
        cp.acknowledge_job(jobId=job["id"], nonce=job["nonce"])
        cp.get_job_details(jobId=job["id"])
    cp.put_job_success_result(
        jobId=jobs[0]["id"],
        continuationToken="c1",
        executionDetails={"summary": "s", "percentComplete": 50},
    )
    cp.put_job_failure_result(
        jobId=jobs[1]["id"], failureDetails={"type": "JobFailed", "message": "boom"}
    )
    cp.poll_for_jobs(actionTypeId=action)
    assert_contract(emulator, "aws_codepipeline")


def test_cloudflare_responses_match_the_schema(emulator: EmulatorServer) -> None:
    emu = emulator.emulator
    script = "my-worker"
    with httpx.Client(
        base_url=f"{emulator.url}/client/v4/accounts/{'a' * 32}",
        headers={"Authorization": "Bearer emulator-token"},
    ) as api:
        trigger = api.post(
            "/builds/triggers",
            json={
                "branch_excludes": [],
                "branch_includes": ["main"],
                "build_command": "npm run build",
                "build_token_uuid": "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e",
                "deploy_command": "npx wrangler deploy",
                "external_script_id": script,
                "path_excludes": [],
                "path_includes": ["*"],
                "repo_connection_uuid": "282bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e",
                "root_directory": "/",
                "trigger_name": "deploy",
            },
        ).json()["result"]["trigger_uuid"]
        emu.script("cloudflare_builds", trigger, Outcome("failed"))
        builds = []
        for _ in range(3):
            builds.append(
                api.post(f"/builds/triggers/{trigger}/builds", json={"branch": "main"}).json()[
                    "result"
                ]["build_uuid"]
            )
            emu.advance(61)
        running = api.post(f"/builds/triggers/{trigger}/builds", json={"branch": "main"}).json()[
            "result"
        ]["build_uuid"]
        emu.advance(10)
        for build in [*builds, running]:
            api.get(f"/builds/builds/{build}").raise_for_status()
            api.get(f"/builds/builds/{build}/logs").raise_for_status()
        api.put(f"/builds/builds/{running}/cancel").raise_for_status()
        api.get(f"/builds/workers/{script}/builds", params={"per_page": 2}).raise_for_status()
        api.get(f"/builds/workers/{script}/triggers").raise_for_status()
        versions = api.get(f"/workers/scripts/{script}/versions").json()["result"]["items"]
        api.get(
            "/builds/builds", params={"version_ids": ",".join(v["id"] for v in versions)}
        ).raise_for_status()
    assert_contract(emulator, "cloudflare_builds")


def test_cloudfoundry_responses_match_the_schema(emulator: EmulatorServer) -> None:
    emu = emulator.emulator
    with httpx.Client(
        base_url=emulator.url, headers={"Authorization": "bearer emulator-token"}
    ) as api:

        def create(path: str, body: dict[str, Any]) -> str:
            response = api.post(path, json=body)
            assert response.status_code == 201, response.text
            return str(response.json()["guid"])

        app = create(
            "/v3/apps", {"name": "web", "relationships": {"space": {"data": {"guid": "space-1"}}}}
        )
        emu.script("cloudfoundry", app, Outcome("failed", message="staging failed"))
        builds = []
        for _ in range(2):
            package = create(
                "/v3/packages", {"type": "bits", "relationships": {"app": {"data": {"guid": app}}}}
            )
            builds.append(
                create(
                    "/v3/builds",
                    {
                        "package": {"guid": package},
                        "metadata": {"labels": {"env": "prod"}},
                        "staging_memory_in_mb": 1024,
                    },
                )
            )
            api.get(f"/v3/builds/{builds[-1]}").raise_for_status()
            emu.advance(600)
        for build in builds:
            api.get(f"/v3/builds/{build}").raise_for_status()
            api.patch(
                f"/v3/builds/{build}", json={"metadata": {"annotations": {"note": "x"}}}
            ).raise_for_status()
        api.get(
            "/v3/builds",
            params={"per_page": 1, "order_by": "-created_at", "label_selector": "env=prod"},
        ).raise_for_status()
        api.get(f"/v3/apps/{app}/builds", params={"states": "STAGED,FAILED"}).raise_for_status()
    assert_contract(emulator, "cloudfoundry")


def test_validator_names_member_value_and_rule(tmp_path: Path) -> None:
    doc = {
        "operations": {
            "GetThing": {
                "request": {"$ref": "#/$defs/GetThingRequest"},
                "response": {"$ref": "#/$defs/GetThingResponse"},
            }
        },
        "$defs": {
            "GetThingRequest": {
                "type": "object",
                "required": ["ids"],
                "properties": {
                    "ids": {"type": "array", "items": {"type": "string"}, "maxItems": 2}
                },
            },
            "GetThingResponse": {
                "type": "object",
                "properties": {"status": {"type": "string", "enum": ["OK", "FAILED"]}},
            },
        },
    }
    (tmp_path / "svc.json").write_text(json.dumps(doc), encoding="utf-8")
    strict = SchemaValidator(tmp_path, strict=True)
    problems = strict.request_problems("svc", "GetThing", {"ids": ["a", "b", "c"]})
    assert aws_message(problems) == (
        '1 validation error detected: Value \'["a", "b", "c"]\' at \'ids\' failed to satisfy '
        "constraint: Member must have length less than or equal to 2"
    )
    missing = strict.request_problems("svc", "GetThing", {})
    assert missing[0].aws_text() == (
        "Value null at 'ids' failed to satisfy constraint: Member must not be null"
    )
    assert strict.request_problems("svc", "Unknown", {"x": 1}) == []  # not there yet: unchecked
    # A service without its document is an error, never a request let through unchecked.
    with pytest.raises(ServiceDocumentError, match=r"absent\.json: the service document of absent"):
        strict.request_problems("absent", "GetThing", {})

    strict.check_response("svc", "GetThing", {"status": "MAYBE"})
    assert strict.violations == [
        (
            "svc.GetThing response: at 'status' value 'MAYBE': "
            "Member must satisfy enum value set: [OK, FAILED]"
        )
    ]
    lenient = SchemaValidator(tmp_path, strict=False)
    lenient.check_response("svc", "GetThing", {"status": "MAYBE"})
    assert lenient.violations == []
