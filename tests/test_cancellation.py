"""Ctrl-C in the lifecycle (cancellation.py), against the CodeBuild emulator: a cancel ends a
waiting create at once, names the build that keeps running, leaves it journaled so the next
create adopts it, and starts nothing once cancelled. The engine-level behaviour (SIGINT to
`pulumi up`) is tested in test_cancel_e2e.py."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pulumi_builds import cancellation, lifecycle, services, settings
from pulumi_builds.emulators import seed
from pulumi_builds.emulators.core import Outcome
from pulumi_builds.emulators.server import EmulatorServer
from pulumi_builds.engine.emulated import EMULATOR_KEYS, EMULATOR_REGION
from pulumi_builds.generated.aws_codebuild.resources import SPECS as CODEBUILD
from pulumi_builds.tokens import IDENTITY

BUILD = CODEBUILD["Build"]
PROPS = {IDENTITY: "proj/dev/aws_codebuild.Build/api", "project_name": "api"}


@pytest.fixture
def codebuild(
    emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[EmulatorServer]:
    for name, value in {
        "PULUMI_BUILDS_AWS_ENDPOINT": emulator.url,
        "AWS_REGION": EMULATOR_REGION,
        "AWS_ACCESS_KEY_ID": EMULATOR_KEYS[0],
        "AWS_SECRET_ACCESS_KEY": EMULATOR_KEYS[1],
        "PULUMI_BUILDS_JOURNAL_DIR": str(tmp_path / "journal"),
        "PULUMI_BUILDS_POLL_INTERVAL": "0.2",
    }.items():
        monkeypatch.setenv(name, value)
    settings.configure(lambda _key: None)
    services.reset_transports()
    seed.create_projects(emulator.url, ["api"])
    cancellation.reset()
    yield emulator
    cancellation.reset()
    services.reset_transports()


def _status(server: EmulatorServer, build_id: str) -> str:
    client = seed.aws_client("codebuild", server.url)
    return str(client.batch_get_builds(ids=[build_id])["builds"][0]["buildStatus"])


def test_a_cancel_ends_the_wait_and_the_next_create_adopts_the_build(
    codebuild: EmulatorServer,
) -> None:
    codebuild.emulator.script("aws_codebuild", "api", Outcome("succeeded", duration_s=600))
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = lifecycle.create(BUILD, PROPS)
        except cancellation.Interrupted as exc:
            outcome["error"] = exc
            outcome["at"] = time.monotonic()

    thread = threading.Thread(target=run)
    thread.start()
    while not codebuild.emulator.counters.get("aws_codebuild.requests.StartBuild"):
        time.sleep(0.05)
    time.sleep(0.5)  # waiting now
    cancelled_at = time.monotonic()
    cancellation.cancel()
    thread.join(10)
    assert not thread.is_alive(), "the create kept waiting after the cancel"
    error = outcome["error"]
    assert outcome["at"] - cancelled_at < 2.0
    assert f"build {error.build_id} keeps running" in str(error)
    assert error.outputs["build_id"] == error.build_id and error.outputs["succeeded"] is None
    assert _status(codebuild, error.build_id) == "IN_PROGRESS"  # not stopped by the cancel

    # Cancelled: nothing new is started (a create that arrives late, with other inputs).
    with pytest.raises(cancellation.Cancelled, match="nothing was started"):
        lifecycle.create(BUILD, {**PROPS, "source_version": "other"})
    assert codebuild.emulator.counters["aws_codebuild.requests.StartBuild"] == 1

    # The next `up` (a new provider process): the journal's build is adopted and waited for.
    cancellation.reset()
    codebuild.emulator.advance(600)
    build_id, outs = lifecycle.create(BUILD, PROPS)
    assert build_id == error.build_id and outs["succeeded"] is True
    assert codebuild.emulator.counters["aws_codebuild.requests.StartBuild"] == 1


def test_a_cancel_ends_an_aws_call_that_is_being_retried(codebuild: EmulatorServer) -> None:
    """botocore backs off up to 20 s between attempts; a cancel ends the retries at once."""
    codebuild.emulator.force_fault("aws_codebuild", "BatchGetBuilds", "5xx", times=100)
    transport = services.transport("aws_codebuild")
    outcome: dict[str, Any] = {}

    def call() -> None:
        try:
            transport.call("BatchGetBuilds", {"ids": ["api:1"]})
        except cancellation.Cancelled as exc:
            outcome["error"] = exc
            outcome["at"] = time.monotonic()

    thread = threading.Thread(target=call)
    thread.start()
    time.sleep(1.0)  # retrying by now
    cancelled_at = time.monotonic()
    cancellation.cancel()
    thread.join(30)
    assert "error" in outcome, "the call kept retrying after the cancel"
    assert outcome["at"] - cancelled_at < 2.0
    # A successful answer is kept even after a cancel (it may say a build was started).
    assert transport.call("ListBuildsForProject", {"projectName": "api"}).get("ids", []) == []
