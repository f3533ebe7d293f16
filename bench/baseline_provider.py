"""The naive design the benchmark compares against: a plain dynamic provider that blocks in create.

`create` starts one CodeBuild build with boto3 and then polls BatchGetBuilds for that build's id
alone, every `poll_interval` seconds, until the build is terminal. Each waiting `create` holds one
of the provider server's gRPC threads the whole time, so with the stock server's four threads
builds run in waves of four, and every waiting build costs one read per poll interval.

Nothing here is meant for use: it exists to be measured. The provider is pickled by reference
(module `bench.baseline_provider`), so the provider process needs the repository root on its
PYTHONPATH. Endpoint and credentials come from the usual AWS environment variables
(`AWS_ENDPOINT_URL_CODEBUILD`, `AWS_ACCESS_KEY_ID`, ...), read by botocore in the provider process.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import boto3
import pulumi
from pulumi.dynamic import CreateResult, Resource, ResourceProvider

TERMINAL = frozenset({"SUCCEEDED", "FAILED", "FAULT", "TIMED_OUT", "STOPPED"})

_client_lock = threading.Lock()
_client: Any = None


def _codebuild() -> Any:
    """One boto3 client per provider process (clients are thread-safe; sessions are not)."""
    global _client
    with _client_lock:
        if _client is None:
            _client = boto3.session.Session().client("codebuild")
        return _client


class BlockingBuildProvider(ResourceProvider):
    """Start a build, then block until it is finished, polling for it alone."""

    serialize_as_secret_always = False

    def create(self, props: dict[str, Any]) -> CreateResult:
        client = _codebuild()
        build = client.start_build(
            projectName=props["project_name"], idempotencyToken=uuid.uuid4().hex
        )["build"]
        build_id = build["id"]
        poll = float(props["poll_interval"])
        while build.get("buildStatus") not in TERMINAL:
            time.sleep(poll)
            build = client.batch_get_builds(ids=[build_id])["builds"][0]
        return CreateResult(
            build_id, {**props, "build_id": build_id, "build_status": build["buildStatus"]}
        )


class BlockingBuild(Resource, module="bench", name="BlockingBuild"):
    build_id: pulumi.Output[str]
    build_status: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        project_name: str,
        poll_interval: float,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "project_name": project_name,
            "poll_interval": poll_interval,
            "build_id": None,
            "build_status": None,
        }
        super().__init__(BlockingBuildProvider(), resource_name, props, opts)
