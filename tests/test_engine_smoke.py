"""Smoke test of the real engine: a dynamic resource through up, preview, refresh and destroy.

Runs on both paths users have: the plain CLI on a Pulumi.yaml project and the Automation API with
an inline program (the CLI path skips, with the reason, where no language host could be built).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pulumi_builds.engine.local import InlineStack, LocalBackend, Stack
from pulumi_builds.engine.smoke import smoke_program

pytestmark = pytest.mark.engine

SMOKE_TYPE = "pulumi-python:dynamic/smoke:Smoke"
TOKEN = "s3cr3t-smoke-token-value"
SOURCE = "from pulumi_builds.engine.smoke import smoke_program\n\nsmoke_program(count=2)\n"


def smoke_resources(deployment: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(
        (r for r in deployment.get("resources") or [] if r["type"] == SMOKE_TYPE),
        key=lambda r: r["urn"],
    )


def assert_stored_as_secret(value: Any) -> None:
    """Pulumi's secret envelope holding ciphertext, never plaintext."""
    assert isinstance(value, dict), value
    assert "ciphertext" in value and "plaintext" not in value, value


def stack_state_files(backend: LocalBackend) -> list[Path]:
    return [path for path in backend.state.rglob("*.json") if "/stacks/" in str(path)]


def test_smoke_lifecycle(pulumi_stack: Callable[..., Stack], local_backend: LocalBackend) -> None:
    stack = pulumi_stack("smoke", SOURCE, lambda: smoke_program(count=2))
    stack.config_set("token", TOKEN, secret=True)

    up = stack.up()
    assert up.changes == {"create": 3}, up.output  # the stack and two smoke resources

    deployment = stack.export()
    resources = smoke_resources(deployment)
    assert [r["outputs"]["message"] for r in resources] == ["hello 0", "hello 1"]
    for resource in resources:
        outputs = resource["outputs"]
        # Computed by the provider process from the input it received.
        assert outputs["digest"] == hashlib.sha256(outputs["message"].encode()).hexdigest()
        assert outputs["finished_at"] >= outputs["started_at"] > 0
        for properties in (resource["inputs"], outputs):
            assert_stored_as_secret(properties["__provider"])
            assert_stored_as_secret(properties["token"])
    stored = "".join(path.read_text() for path in stack_state_files(local_backend))
    assert stored and TOKEN not in stored
    assert TOKEN not in json.dumps(deployment) and TOKEN not in up.output
    assert stack.outputs()["messages"] == ["hello 0", "hello 1"]

    preview = stack.preview()
    assert preview.changes == {"same": 3}, preview.output

    refresh = stack.refresh()
    assert refresh.changes == {"same": 3}, refresh.output
    assert [r["outputs"]["digest"] for r in smoke_resources(stack.export())] == [
        r["outputs"]["digest"] for r in resources
    ]

    destroy = stack.destroy()
    assert destroy.changes == {"delete": 3}, destroy.output
    assert smoke_resources(stack.export()) == []


def max_concurrent(resources: list[dict[str, Any]]) -> int:
    """The most creates that were running at the same moment, from their recorded spans."""
    events = sorted(
        [(r["outputs"]["started_at"], 1) for r in resources]
        + [(r["outputs"]["finished_at"], -1) for r in resources]
    )
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    return peak


def run_slow_creates(stack: InlineStack) -> tuple[int, float]:
    stack.up()
    resources = smoke_resources(stack.export())
    starts = [r["outputs"]["started_at"] for r in resources]
    ends = [r["outputs"]["finished_at"] for r in resources]
    stack.destroy()
    return max_concurrent(resources), max(ends) - min(starts)


def test_provider_runs_more_than_four_creates_at_once(
    inline_stack: Callable[..., InlineStack],
) -> None:
    # The stock dynamic provider server has 4 gRPC threads: 8 creates of 2 s would take ~4 s.
    stack = inline_stack("wide", lambda: smoke_program(count=8, delay_seconds=2))
    peak, span = run_slow_creates(stack)
    print(f"8 creates of 2 s: {peak} at once, {span:.2f} s from first start to last finish")
    assert peak > 4
    assert span < 4.0


def test_provider_pool_size_follows_the_setting(tmp_path: Path, pulumi_bin_dir: Path) -> None:
    backend = LocalBackend(
        tmp_path / "narrow",
        bin_dir=pulumi_bin_dir,
        extra_env={"PULUMI_BUILDS_PROVIDER_WORKERS": "2"},
    )
    stack = backend.inline_stack("narrow", lambda: smoke_program(count=4, delay_seconds=1))
    peak, span = run_slow_creates(stack)
    print(f"4 creates of 1 s with 2 workers: {peak} at once, {span:.2f} s")
    assert peak <= 2
    assert span >= 2.0


def failing_program() -> None:
    raise ValueError("smoke-program-failure-marker")


def invalid_resource_program() -> None:
    from pulumi_builds.engine.smoke import SmokeResource

    SmokeResource("bad", message="", token="t", delay_seconds=-1)


def test_program_exception_fails_the_update_with_its_message(
    pulumi_stack: Callable[..., Stack],
) -> None:
    source = "raise ValueError('smoke-program-failure-marker')\n"
    stack = pulumi_stack("failing", source, failing_program)
    result = stack.up(check=False)
    assert result.exit_code != 0
    assert "ValueError: smoke-program-failure-marker" in result.output
    assert smoke_resources(stack.export()) == []


def test_check_failures_name_the_field_and_value(pulumi_stack: Callable[..., Stack]) -> None:
    source = (
        "from pulumi_builds.engine.smoke import SmokeResource\n\n"
        "SmokeResource('bad', message='', token='t', delay_seconds=-1)\n"
    )
    stack = pulumi_stack("invalid", source, invalid_resource_program)
    result = stack.preview(check=False)
    assert result.exit_code != 0
    assert "message='': must be a non-empty string" in result.output
    assert "delay_seconds=-1: must be a number >= 0" in result.output
