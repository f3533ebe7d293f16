"""One Ctrl-C is honoured, on the real engine against the emulators, for the dynamic and the
native provider: SIGINT to a `pulumi up` that waits on CodeBuild and Cloud Foundry builds ends it
promptly (the bound here is a generous test of behaviour; bench/chaos.py measures the time), the
builds keep running on the services, the update names them, and the next `up`, on a fresh runner,
adopts and tracks them instead of starting new ones. A SIGTERM of the provider process instead of
the Ctrl-C has the same outcome."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pulumi_builds.emulators.core import Outcome
from pulumi_builds.emulators.seed import aws_client
from pulumi_builds.emulators.server import EmulatorServer
from pulumi_builds.engine.interrupt import run_interrupted
from pulumi_builds.engine.local import PulumiResult
from tests.builds_harness import make_stack, processes_in, resources_of

pytestmark = pytest.mark.engine

BOUND_S = 30.0  # ends well within it when the cancel is honoured; an hour when it is not
PROGRAM = """
    import pulumi
    from {package} import aws_codebuild, cloudfoundry
    for i in range(2):
        aws_codebuild.Build(f"b{{i}}", project_name="api", source_version=f"v{{i}}")
    cloudfoundry.Build("droplet", package_guid=pulumi.Config().require("cloudfoundryPackageGuid"))
"""


PROVIDER_MODULES = {
    "pulumi_builds": "pulumi_builds.provider_host",
    "pulumi_builds.native": "pulumi_builds.native",
}


def _sigterm_provider(project_dir: Path, package: str) -> bool:
    """SIGTERM to the provider processes themselves, every one found (as a CI runner's
    shutdown sends it to every process): if the engine ever runs two of the plugin, signalling
    only the first found could miss the one waiting on builds."""
    signalled = False
    for pid in processes_in(project_dir):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if PROVIDER_MODULES[package].encode() in command:
            print(f"SIGTERM to {pid}: {b' '.join(command).decode()}")  # shown if the test fails
            os.kill(pid, signal.SIGTERM)
            signalled = True
    return signalled


@pytest.mark.parametrize("package", ["pulumi_builds", "pulumi_builds.native"])
@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_one_ctrl_c_ends_the_up_and_the_next_up_adopts_the_running_builds(
    package: str, how: str, tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    """`sigterm`: the provider process gets SIGTERM instead: the same outcome."""
    server = emulator_factory(time_scale=1)
    emu = server.emulator
    emu.script("aws_codebuild", "api", Outcome("succeeded", duration_s=900, times=0))
    emu.script("cloudfoundry", "*", Outcome("succeeded", duration_s=900, times=0))
    program = PROGRAM.format(package=package)
    builds = make_stack(tmp_path, server, program, projects=("api",), name="cancel")

    def started() -> bool:
        return (
            builds.counter("aws_codebuild.requests.StartBuild") >= 2
            and builds.counter("cloudfoundry.builds_created") >= 1
        )

    if how == "sigterm":
        run = run_interrupted(
            builds.stack,
            ["up", "--yes", "--skip-preview"],
            lambda: started() and _sigterm_provider(builds.stack.project_dir, package),
            how="watch",  # the CLI itself gets no signal
        )
    else:
        run = run_interrupted(builds.stack, ["up", "--yes", "--skip-preview"], started)
    assert run.signalled, run.output
    print(f"{package} {how}: pulumi up ended {run.seconds_to_end:.1f} s after the signal")
    assert run.seconds_to_end < BOUND_S, run.output
    assert run.exit_code != 0, run.output  # the update was cancelled, not finished
    assert processes_in(builds.stack.project_dir) == []

    codebuild = aws_client("codebuild", server.url)
    ids = codebuild.list_builds_for_project(projectName="api")["ids"]
    running = codebuild.batch_get_builds(ids=ids)["builds"]
    assert [b["buildStatus"] for b in running] == ["IN_PROGRESS", "IN_PROGRESS"]
    for build in running:  # the update says which builds keep running
        assert f"build {build['id']} keeps running" in run.output, run.output
    if package.endswith("native"):  # recorded as partial state, with their ids
        state = resources_of(builds.stack.export(), "")
        assert {r["id"] for r in state if "Codebuild" in r["type"]} == {b["id"] for b in running}

    # The next `up`, on a fresh runner: the builds are adopted and tracked to their end.
    builds.stack.backend.env["PULUMI_BUILDS_JOURNAL_DIR"] = str(tmp_path / "fresh-runner")
    reads = builds.counter("aws_codebuild.requests.BatchGetBuilds")
    rerun: dict[str, PulumiResult] = {}
    thread = threading.Thread(target=lambda: rerun.setdefault("up", builds.stack.up(check=False)))
    thread.start()
    # Still running when the rerun decides (a look-up, then the waits' polls): then they finish.
    deadline = time.monotonic() + 120
    while builds.counter("aws_codebuild.requests.BatchGetBuilds") < reads + 2:
        assert time.monotonic() < deadline and thread.is_alive(), rerun
        time.sleep(0.1)
    server.control.post("/advance", json={"seconds": 1000}).raise_for_status()
    thread.join(300)
    up = rerun["up"]
    assert up.exit_code == 0, up.output
    assert builds.counter("aws_codebuild.requests.StartBuild") == 2, up.output
    assert builds.counter("cloudfoundry.builds_created") == 1, up.output
    state = {r["urn"].rsplit("::", 1)[-1]: r for r in resources_of(builds.stack.export(), "")}
    assert {state["b0"]["id"], state["b1"]["id"]} == {b["id"] for b in running}
    assert all(state[name]["outputs"].get("succeeded") is True for name in ("b0", "b1", "droplet"))


@pytest.mark.parametrize("package", ["pulumi_builds", "pulumi_builds.native"])
def test_a_refresh_between_the_ctrl_c_and_the_next_up_keeps_the_builds_to_adopt(
    package: str, tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    """A user who looks first (`pulumi refresh`) after the Ctrl-C: the refresh starts nothing
    and says the builds still run, and the next `up` tracks them to their end instead of
    starting new ones (native: the refresh keeps them as partial state, else that `up` would
    have nothing to do and never see a build fail)."""
    server = emulator_factory(time_scale=1)
    emu = server.emulator
    emu.script("aws_codebuild", "api", Outcome("failed", duration_s=900))  # b0's or b1's
    emu.script("aws_codebuild", "api", Outcome("succeeded", duration_s=900, times=0))
    emu.script("cloudfoundry", "*", Outcome("succeeded", duration_s=900, times=0))
    builds = make_stack(tmp_path, server, PROGRAM.format(package=package), projects=("api",))
    run = run_interrupted(
        builds.stack,
        ["up", "--yes", "--skip-preview"],
        lambda: (
            builds.counter("aws_codebuild.requests.StartBuild") >= 2
            and builds.counter("cloudfoundry.builds_created") >= 1
        ),
    )
    assert run.signalled and run.exit_code != 0, run.output
    refresh = builds.stack.refresh()
    if package.endswith("native"):
        assert refresh.output.count("is still running: the next `pulumi up` waits for it") == 3
    server.control.post("/advance", json={"seconds": 1000}).raise_for_status()
    up = builds.stack.up(check=False)
    assert up.exit_code != 0, up.output  # the failed build fails the update
    assert "FAILED" in up.output, up.output
    assert builds.counter("aws_codebuild.requests.StartBuild") == 2, up.output
    assert builds.counter("cloudfoundry.builds_created") == 1, up.output
    state = {r["urn"].rsplit("::", 1)[-1]: r for r in resources_of(builds.stack.export(), "")}
    assert state["droplet"]["outputs"]["succeeded"] is True
