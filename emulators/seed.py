"""Set up, through the services' own APIs, what the quickstart program expects to exist.

A real account already has CodeBuild projects, a Workers build trigger, a Cloud Foundry package
and a CodePipeline job waiting for a worker; an emulator starts empty. This module creates them
with the same clients a user would use (boto3, plain HTTP), so the demo, the end-to-end tests and
the benchmarks share one setup.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

import boto3

from pulumi_builds.emulators import clients

REGION = "us-east-1"
# Any key pair works against the emulator; botocore still signs every request with it. The same
# pair as pulumi_builds.engine.emulated sets in stack config (the emulators import no Pulumi code).
AWS_KEYS = {"aws_access_key_id": "AKIDEMULATOR", "aws_secret_access_key": "emulator-secret-key"}


@dataclass
class Seeded:
    codebuild_projects: list[str]
    codepipeline_job_id: str
    cloudflare_account_id: str
    cloudflare_script_id: str
    cloudflare_trigger_uuid: str
    cloudflare_version_ids: list[str]
    cloudfoundry_app_guid: str
    cloudfoundry_package_guid: str
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def aws_client(service: str, url: str) -> Any:
    return boto3.client(service, endpoint_url=url, region_name=REGION, **AWS_KEYS)


def create_projects(url: str, names: list[str]) -> None:
    codebuild = aws_client("codebuild", url)
    for name in names:
        codebuild.create_project(
            name=name,
            source={
                "type": "NO_SOURCE",
                "buildspec": "version: 0.2\nphases:\n  build:\n    commands: [make]\n",
            },
            artifacts={"type": "NO_ARTIFACTS"},
            environment={
                "type": "LINUX_CONTAINER",
                "image": "aws/codebuild/standard:7.0",
                "computeType": "BUILD_GENERAL1_SMALL",
            },
            serviceRole=f"arn:aws:iam::123456789012:role/{name}-codebuild",
        )


def enqueue_job(url: str) -> str:
    """A job for a custom action, as CodePipeline creates when a pipeline reaches the action."""
    body = {
        "actionTypeId": {
            "category": "Build",
            "owner": "Custom",
            "provider": "PulumiBuilds",
            "version": "1",
        },
        "configuration": {"ProjectName": "api"},
        "pipelineName": "quickstart-pipeline",
    }
    with clients.client(timeout=10) as http:
        response = http.post(f"{url}/_emulator/aws_codepipeline/jobs", json=body)
    response.raise_for_status()
    return str(response.json()["jobId"])


def create_trigger(url: str, token: str, account_id: str, script_id: str) -> str:
    client = clients.client(
        base_url=f"{url}/client/v4/accounts/{account_id}/builds",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    with client:
        response = client.post(
            "/triggers",
            json={
                "external_script_id": script_id,
                "trigger_name": "main branch",
                "build_command": "npm run build",
                "deploy_command": "npx wrangler deploy",
                "root_directory": "/",
                "branch_includes": ["main"],
                "branch_excludes": [],
                "path_includes": ["*"],
                "path_excludes": [],
                "build_token_uuid": str(uuid.uuid4()),
                "repo_connection_uuid": str(uuid.uuid4()),
            },
        )
        response.raise_for_status()
        return str(response.json()["result"]["trigger_uuid"])


def deployed_version(
    url: str,
    token: str,
    account_id: str,
    script_id: str,
    trigger_uuid: str,
    simulated_seconds: float,
) -> list[str]:
    """Run one build on the trigger to completion, and return the Worker version it uploaded."""
    headers = {"Authorization": f"Bearer {token}"}
    base = f"{url}/client/v4/accounts/{account_id}"
    with clients.client(timeout=10) as http:
        http.post(
            f"{base}/builds/triggers/{trigger_uuid}/builds",
            json={"branch": "main"},
            headers=headers,
        ).raise_for_status()
        http.post(
            f"{url}/_emulator/advance", json={"seconds": simulated_seconds}
        ).raise_for_status()
        versions = http.get(f"{base}/workers/scripts/{script_id}/versions", headers=headers)
    versions.raise_for_status()
    return [str(v["id"]) for v in versions.json()["result"]["items"]][:1]


def create_package(url: str, token: str) -> tuple[str, str]:
    client = clients.client(base_url=url, headers={"Authorization": f"bearer {token}"}, timeout=10)
    with client:
        space = str(uuid.uuid4())
        app = client.post(
            "/v3/apps",
            json={
                "name": "quickstart",
                "relationships": {"space": {"data": {"guid": space}}},
            },
        )
        app.raise_for_status()
        app_guid = str(app.json()["guid"])
        package = client.post(
            "/v3/packages",
            json={
                "type": "bits",
                "relationships": {"app": {"data": {"guid": app_guid}}},
            },
        )
        package.raise_for_status()
        return app_guid, str(package.json()["guid"])


def seed_quickstart(
    url: str,
    cloudflare_token: str,
    cloudfoundry_token: str,
    projects: tuple[str, ...] = ("api", "matrix"),
) -> Seeded:
    account_id = uuid.uuid4().hex
    script_id = "quickstart-site"
    create_projects(url, list(projects))
    trigger = create_trigger(url, cloudflare_token, account_id, script_id)
    versions = deployed_version(url, cloudflare_token, account_id, script_id, trigger, 3600)
    app_guid, package_guid = create_package(url, cloudfoundry_token)
    return Seeded(
        codebuild_projects=list(projects),
        codepipeline_job_id=enqueue_job(url),
        cloudflare_account_id=account_id,
        cloudflare_script_id=script_id,
        cloudflare_trigger_uuid=trigger,
        cloudflare_version_ids=versions,
        cloudfoundry_app_guid=app_guid,
        cloudfoundry_package_guid=package_guid,
    )
