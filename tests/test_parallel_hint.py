"""Issue 20: when the engine's parallelism makes builds queue, `pulumi up` says so once, with the
fix, on the real engine (plain CLI) against the CodeBuild emulator. The line comes from the
program's build resource classes, one base class for the dynamic and the native provider."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from pulumi_builds.emulators.core import Outcome
from pulumi_builds.emulators.server import EmulatorServer
from pulumi_builds.engine.local import CliStack
from tests.builds_harness import make_stack

pytestmark = pytest.mark.engine

HINT = "declares more build resources than the"
PROGRAM = """
    import pulumi
    from pulumi_builds import aws_codebuild
    release = pulumi.Config().get("release") or "1"
    for i in range(3):
        aws_codebuild.Build(f"b{i}", project_name="api", triggers={"release": release})
    aws_codebuild.Build("later", project_name="api", wait=False)  # returns at once: not counted
"""


def _warnings(stack: CliStack, *flags: str) -> list[str]:
    """`pulumi up` (with its preview): the warnings it reported, once each as the engine got them."""
    events = stack.project_dir / f"events-{len(flags)}.jsonl"
    command = ["up", "--yes", "--stack", stack.name, "--event-log", str(events), *flags]
    stack.backend.run(command, stack.project_dir)
    found = []
    for line in events.read_text().splitlines():
        diagnostic = json.loads(line).get("diagnosticEvent") if line.strip() else None
        if diagnostic and diagnostic.get("severity") == "warning":
            found.append(" ".join(diagnostic["message"].split()))
    return found


def test_up_says_once_that_builds_queue_and_how_to_run_them_at_once(
    tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    server = emulator_factory(time_scale=1)
    server.emulator.script("aws_codebuild", "api", Outcome("succeeded", duration_s=0, times=0))
    builds = make_stack(tmp_path, server, PROGRAM, projects=("api",), name="hint")
    stack = builds.stack

    # PULUMI_PARALLEL is where the engine's default comes from when --parallel is not given.
    stack.backend.env["PULUMI_PARALLEL"] = "2"
    hints = [w for w in _warnings(stack) if HINT in w]  # the preview says nothing: once
    assert len(hints) == 1, hints
    assert "the 2 resource operations the engine runs at once" in hints[0]
    assert "use `pulumi up --parallel N` or set PULUMI_PARALLEL=N" in hints[0]

    stack.config_set("release", "2")  # three new builds, now all at once: nothing to say
    assert not [w for w in _warnings(stack, "--parallel", "3") if HINT in w]
    assert builds.counter("aws_codebuild.requests.StartBuild") == 7
