"""Fault injection: boto3's standard retries get through, and the emulator's counts are exact.

The client side counts its own attempts with botocore's `before-send` event (one per HTTP
attempt), so the emulator's counters are checked against what really went over the wire.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError

from pulumi_builds.emulators.server import EmulatorServer

EmulatorFactory = Callable[..., EmulatorServer]


def counted_client(
    server: EmulatorServer,
    attempts: Counter[str],
    max_attempts: int = 3,
    service: str = "codebuild",
) -> BaseClient:
    client = boto3.client(
        service,
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id="AKIDTEST",
        aws_secret_access_key="secret",
        config=Config(retries={"mode": "standard", "total_max_attempts": max_attempts}),
    )

    def count_attempt(request: Any, **_: Any) -> None:
        attempts[request.headers["X-Amz-Target"].decode().split(".")[1]] += 1

    client.meta.events.register(f"before-send.{service}", count_attempt)
    return client


def create_project(cb: BaseClient) -> None:
    cb.create_project(
        name="demo",
        source={"type": "NO_SOURCE"},
        artifacts={"type": "NO_ARTIFACTS"},
        environment={
            "type": "LINUX_CONTAINER",
            "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL",
        },
        serviceRole="arn:aws:iam::123456789012:role/demo",
    )


def test_standard_retries_get_through_random_throttling_with_exact_counts(
    emulator_factory: EmulatorFactory,
) -> None:
    server = emulator_factory(
        seed=7, faults={"rate": 0.3, "kinds": ["throttle"], "operations": ["StartBuild"]}
    )
    attempts: Counter[str] = Counter()
    cb = counted_client(server, attempts, max_attempts=10)
    create_project(cb)
    started = [cb.start_build(projectName="demo")["build"]["id"] for _ in range(20)]

    emu = server.emulator
    assert attempts["StartBuild"] > 20  # some calls really were throttled and retried
    assert emu.counter("aws_codebuild", "requests.StartBuild") == attempts["StartBuild"]
    assert emu.counter("aws_codebuild", "faults.throttle") == attempts["StartBuild"] - 20
    # No phantom builds: one build per successful call, none from the throttled attempts.
    assert emu.counter("aws_codebuild", "builds_created") == 20
    listed = cb.list_builds_for_project(projectName="demo", sortOrder="ASCENDING")["ids"]
    assert listed == started
    assert [b["buildNumber"] for b in cb.batch_get_builds(ids=started)["builds"]] == list(
        range(1, 21)
    )


def test_default_three_attempts_survive_two_throttles(emulator: EmulatorServer) -> None:
    attempts: Counter[str] = Counter()
    cb = counted_client(emulator, attempts)
    create_project(cb)
    emulator.emulator.force_fault("aws_codebuild", "StartBuild", "throttle", times=2)
    response = cb.start_build(projectName="demo")
    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    assert attempts["StartBuild"] == 3
    assert emulator.emulator.counter("aws_codebuild", "requests.StartBuild") == 3
    assert emulator.emulator.counter("aws_codebuild", "builds_created") == 1


def test_three_throttles_exhaust_the_default_attempts_and_create_nothing(
    emulator: EmulatorServer,
) -> None:
    attempts: Counter[str] = Counter()
    cb = counted_client(emulator, attempts)
    create_project(cb)
    emulator.emulator.force_fault("aws_codebuild", "StartBuild", "throttle", times=3)
    with pytest.raises(ClientError) as exc:
        cb.start_build(projectName="demo")
    error = exc.value.response
    assert error["Error"] == {"Code": "ThrottlingException", "Message": "Rate exceeded"}
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert attempts["StartBuild"] == 3
    assert emulator.emulator.counter("aws_codebuild", "requests.StartBuild") == 3
    assert emulator.emulator.counter("aws_codebuild", "builds_created") == 0


@pytest.mark.parametrize("kind", ["5xx", "drop"])
def test_5xx_and_dropped_connections_are_retried(emulator: EmulatorServer, kind: str) -> None:
    attempts: Counter[str] = Counter()
    cb = counted_client(emulator, attempts)
    create_project(cb)
    emulator.emulator.force_fault("aws_codebuild", "StartBuild", kind, times=2)
    build = cb.start_build(projectName="demo", idempotencyToken="once")["build"]
    assert attempts["StartBuild"] == 3
    assert emulator.emulator.counter("aws_codebuild", f"faults.{kind}") == 2
    assert emulator.emulator.counter("aws_codebuild", "builds_created") == 1
    assert build["buildNumber"] == 1


def test_503_is_rendered_in_the_aws_format(emulator: EmulatorServer) -> None:
    emulator.emulator.force_fault("aws_codepipeline", "*", "5xx", times=3)
    attempts: Counter[str] = Counter()
    cp = counted_client(emulator, attempts, service="codepipeline")
    with pytest.raises(ClientError) as exc:
        cp.get_job_details(jobId="00000000-0000-4000-8000-000000000000")
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    assert exc.value.response["Error"]["Code"] == "ServiceUnavailableException"
    assert attempts["GetJobDetails"] == 3
    assert emulator.emulator.counter("aws_codepipeline", "requests.GetJobDetails") == 3


def test_latency_delays_then_serves(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory(faults={"rate": 1.0, "kinds": ["latency"], "latency_ms": 300})
    cb = counted_client(server, Counter())
    began = time.monotonic()
    result = cb.batch_get_builds(ids=["demo:missing"])
    assert time.monotonic() - began >= 0.3
    assert result["buildsNotFound"] == ["demo:missing"]
    assert result["ResponseMetadata"]["RetryAttempts"] == 0


def test_same_seed_same_faults(emulator_factory: EmulatorFactory) -> None:
    def run() -> dict[str, int]:
        server = emulator_factory(seed=3, faults={"rate": 0.5, "kinds": ["throttle", "5xx"]})
        cb = counted_client(server, Counter(), max_attempts=1)
        for _ in range(20):
            try:
                cb.batch_get_builds(ids=["demo:missing"])
            except ClientError:
                pass
        return dict(server.emulator.counters)

    first, second = run(), run()
    assert first == second
    assert first["aws_codebuild.requests.BatchGetBuilds"] == 20
    assert (
        0
        < first.get("aws_codebuild.faults.throttle", 0) + first.get("aws_codebuild.faults.5xx", 0)
        < 20
    )


def test_faults_only_hit_the_services_and_operations_named(
    emulator_factory: EmulatorFactory,
) -> None:
    server = emulator_factory(
        faults={
            "rate": 1.0,
            "kinds": ["throttle"],
            "services": ["aws_codebuild"],
            "operations": ["StartBuild"],
        }
    )
    attempts: Counter[str] = Counter()
    cb = counted_client(server, attempts, max_attempts=1)
    assert cb.batch_get_builds(ids=["demo:missing"])["buildsNotFound"] == ["demo:missing"]
    cp = counted_client(server, attempts, max_attempts=1, service="codepipeline")
    with pytest.raises(cp.exceptions.JobNotFoundException):
        cp.get_job_details(jobId="00000000-0000-4000-8000-000000000000")
    with pytest.raises(ClientError) as exc:
        cb.start_build(projectName="demo")
    assert exc.value.response["Error"]["Code"] == "ThrottlingException"


def test_faults_are_settable_through_the_control_api(emulator: EmulatorServer) -> None:
    response = emulator.control.post(
        "/faults",
        json={
            "service": "aws_codebuild",
            "operation": "BatchGetBuilds",
            "kind": "throttle",
            "times": 1,
        },
    )
    assert response.status_code == 200
    cb = counted_client(emulator, Counter())
    assert cb.batch_get_builds(ids=["demo:x"])["ResponseMetadata"]["RetryAttempts"] == 1
    config = emulator.control.post("/config", json={"faults": {"rate": 1.0, "kinds": ["5xx"]}})
    assert config.json()["faults"]["rate"] == 1.0
    bad = emulator.control.post("/faults", json={"service": "aws_codebuild", "kind": "melt"})
    assert bad.status_code == 400
    assert "melt" in bad.json()["error"]
