"""Exactly once across machines, on the real engine against the emulators: `pulumi up` is killed
mid-wait, and the job is rerun as a fresh CI runner does it (an empty journal directory, no
process of the killed run, CodeBuild's five-minute idempotency window over), with `pulumi cancel`
and `pulumi up`, under 20% injected faults. The services' own memory must find every build."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pulumi_builds.emulators.core import FaultPlan, Outcome
from pulumi_builds.emulators.seed import aws_client, create_package
from pulumi_builds.emulators.server import EmulatorServer
from pulumi_builds.engine import emulated
from tests.builds_harness import TOKEN, BuildsStack, make_stack, processes_in, resources_of

pytestmark = pytest.mark.engine

BUILDS, BATCHES = 6, 2
# Simulated: still running when the rerun looks (310 s after the kill, then RERUN_SCALE x real time), as
# a killed job's builds are when its rerun starts. A build that finished meanwhile is not
# adopted on a fresh runner (CodeBuild cannot tell it from a destroyed resource's: finder.py).
RUNNING_S = 430.0
RERUN_SCALE = 4  # 120 s left: 30 s of real time for the rerun to decide, even under load
WINDOW_OVER_S = 310.0  # CodeBuild keeps an idempotency token for five minutes


def _program(cf_builds: int) -> str:
    return f"""
        import pulumi
        from pulumi_builds import aws_codebuild, cloudfoundry
        config = pulumi.Config()
        for i in range({BUILDS}):
            aws_codebuild.Build(f"b{{i}}", project_name="api", source_version=f"v{{i}}")
        for i in range({BATCHES}):
            aws_codebuild.BuildBatch(f"m{{i}}", project_name="matrix", source_version=f"v{{i}}")
        for i in range({cf_builds}):
            cloudfoundry.Build(f"d{{i}}", package_guid=config.require(f"package{{i}}"))
    """


def _codebuild(server: EmulatorServer) -> Any:
    server.emulator.configure(faults=FaultPlan())  # counting is not part of the test
    return aws_client("codebuild", server.url)


def _builds(server: EmulatorServer, project: str) -> list[dict[str, Any]]:
    client = _codebuild(server)
    ids = client.list_builds_for_project(projectName=project).get("ids", [])
    return client.batch_get_builds(ids=ids)["builds"] if ids else []


def _batches(server: EmulatorServer) -> list[dict[str, Any]]:
    client = _codebuild(server)
    ids = client.list_build_batches_for_project(projectName="matrix")["ids"]
    return client.batch_get_build_batches(ids=ids)["buildBatches"] if ids else []


def _markers(obj: dict[str, Any]) -> tuple[str, str]:
    """The trigger token and the resource token a build carries."""
    variables = {v["name"]: v["value"] for v in obj["environment"]["environmentVariables"]}
    return variables["PULUMI_BUILDS_TOKEN"], variables["PULUMI_BUILDS_RESOURCE"]


def _similar(token: str) -> list[str]:
    """Tokens a loose comparison (prefix, case, trimming) would take for `token`."""
    return [
        token[:-1] + ("0" if token[-1] != "0" else "1"),
        token + "0",
        token.upper(),
        f" {token}",
    ]


def _start_decoy(
    server: EmulatorServer, operation: str, project: str, markers: tuple[str, str]
) -> str:
    client = _codebuild(server)
    names = ("PULUMI_BUILDS_TOKEN", "PULUMI_BUILDS_RESOURCE")
    request = {
        "projectName": project,
        "sourceVersion": "v0",
        "environmentVariablesOverride": [
            {"name": name, "value": value, "type": "PLAINTEXT"}
            for name, value in zip(names, markers, strict=True)
        ],
    }
    if operation == "StartBuild":
        return str(client.start_build(**request)["build"]["id"])
    return str(client.start_build_batch(**request)["buildBatch"]["id"])


def _kill_mid_wait(builds: BuildsStack, started: Callable[[], bool]) -> None:
    backend = builds.stack.backend
    log = builds.stack.project_dir / "killed-up.log"
    process = subprocess.Popen(
        [str(backend.pulumi), "--non-interactive", "up", "--yes", "--skip-preview"]
        + ["--stack", builds.stack.name],
        cwd=builds.stack.project_dir,
        env={**os.environ, **backend.env},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while not started() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert started(), f"the first run did not start every build: {log.read_text()[-3000:]}"
    os.killpg(process.pid, signal.SIGKILL)  # the CI job is cancelled mid-wait
    process.wait()
    deadline = time.monotonic() + 15
    while processes_in(builds.stack.project_dir) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_in(builds.stack.project_dir) == [], "a process of the killed run lives on"


def _rerun_on_a_new_machine(builds: BuildsStack, tmp_path: Path) -> str:
    """`pulumi cancel` and `pulumi up` with an empty journal directory; returns the output."""
    backend = builds.stack.backend
    fresh = tmp_path / "new-runner-journal"
    backend.env["PULUMI_BUILDS_JOURNAL_DIR"] = str(fresh)
    backend.run(["cancel", "--yes", "--stack", builds.stack.name], builds.stack.project_dir)
    up = builds.stack.up(check=False)
    if up.exit_code != 0 and "pending" in up.output:
        # The engine stops at interrupted creates until told: the user's documented next step.
        backend.run(
            ["refresh", "--yes", "--clear-pending-creates", "--stack", builds.stack.name],
            builds.stack.project_dir,
        )
        up = builds.stack.up(check=False)
    assert up.exit_code == 0, up.output
    assert fresh.is_dir()  # the adopted builds are journaled on the new runner too
    return up.output


def test_a_rerun_on_a_fresh_runner_adopts_every_build_of_the_killed_run(
    tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    server = emulator_factory(time_scale=1, seed=12)
    emu = server.emulator
    for selector in ("api", "matrix"):
        emu.script("aws_codebuild", selector, Outcome("succeeded", duration_s=RUNNING_S, times=0))
    builds = make_stack(tmp_path, server, _program(2), projects=("api", "matrix"), name="rerun")
    builds.stack.backend.env["PULUMI_PARALLEL"] = "64"  # every create waits at once (README)
    # A second package of another app: Cloud Foundry stages one build per app at a time.
    packages = [builds.seeded.cloudfoundry_package_guid, create_package(server.url, TOKEN)[1]]
    for index, guid in enumerate(packages):
        builds.stack.config_set(f"package{index}", guid)
    emu.script("cloudfoundry", "*", Outcome("succeeded", duration_s=RUNNING_S, times=0))

    def counts() -> tuple[int, int, int]:
        """Builds of project `api` (batches create theirs in `matrix`), batches, CF builds."""
        return (
            len(_builds(server, "api")),
            builds.counter("aws_codebuild.build_batches_created"),
            builds.counter("cloudfoundry.builds_created"),
        )

    _kill_mid_wait(
        builds,
        lambda: (
            builds.counter("aws_codebuild.requests.StartBuild") >= BUILDS
            and builds.counter("aws_codebuild.build_batches_created") >= BATCHES
            and builds.counter("cloudfoundry.builds_created") >= len(packages)
        ),
    )
    first_builds = {b["id"]: b for b in _builds(server, "api")}
    first_batches = {b["id"]: b for b in _batches(server)}
    assert (len(first_builds), len(first_batches)) == (BUILDS, BATCHES)
    assert all(b["buildStatus"] == "IN_PROGRESS" for b in first_builds.values())

    # Builds of other stacks whose tokens look like ours (trigger and resource token alike),
    # started after the killed run, so they come first, newest first: only an exact match counts.
    decoys = set()
    build = _markers(next(b for b in first_builds.values() if b["sourceVersion"] == "v0"))
    batch = _markers(next(b for b in first_batches.values() if b["sourceVersion"] == "v0"))
    for token, resource in zip(_similar(build[0]), _similar(build[1]), strict=True):
        decoys.add(_start_decoy(server, "StartBuild", "api", (token, resource)))
    for token, resource in list(zip(_similar(batch[0]), _similar(batch[1]), strict=True))[:2]:
        decoys.add(_start_decoy(server, "StartBuildBatch", "matrix", (token, resource)))

    # Ten minutes later, on a new runner: the idempotency window is over.
    server.control.post("/advance", json={"seconds": WINDOW_OVER_S}).raise_for_status()
    emu.configure(time_scale=RERUN_SCALE)
    before = counts()
    calls_before = dict(emu.counters)
    emu.configure(faults=FaultPlan(rate=0.2, kinds=("throttle", "5xx", "drop", "lose")))
    _rerun_on_a_new_machine(builds, tmp_path)
    faults = sum(v for k, v in emu.counters.items() if ".faults." in k)
    emu.configure(faults=FaultPlan())
    assert faults > 0, "no fault was injected: the test proves nothing"
    assert counts() == before, "the rerun started a build again"

    state = {r["urn"].rsplit("::", 1)[-1]: r for r in resources_of(builds.stack.export(), "")}
    recorded_builds = {state[f"b{i}"]["id"] for i in range(BUILDS)}
    recorded_batches = {state[f"m{i}"]["id"] for i in range(BATCHES)}
    assert recorded_builds == set(first_builds), "a build is lost or a decoy was adopted"
    assert recorded_batches == set(first_batches), "a batch is lost or a decoy was adopted"
    assert not (recorded_builds | recorded_batches) & decoys
    recorded_cf = [state[f"d{i}"] for i in range(len(packages))]
    assert len({r["id"] for r in recorded_cf}) == len(packages)
    assert builds.counter("cloudfoundry.builds_created") == len(packages)
    assert all(state[f"b{i}"]["outputs"]["build_status"] == "SUCCEEDED" for i in range(BUILDS))
    assert all(
        state[f"m{i}"]["outputs"]["build_batch_status"] == "SUCCEEDED" for i in range(BATCHES)
    )
    assert all(r["outputs"]["state"] == "STAGED" for r in recorded_cf)
    # The look-up is one list per project (plus retries of faulted calls), not one per resource.
    lists = sum(
        emu.counters.get(f"aws_codebuild.requests.{op}", 0)
        - calls_before.get(f"aws_codebuild.requests.{op}", 0)
        for op in ("ListBuildsForProject", "ListBuildBatchesForProject")
    )
    assert 2 <= lists < BUILDS + BATCHES, lists


def test_reverted_inputs_on_a_fresh_runner_start_a_new_build(
    tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    """Inputs changed and changed back, each `up` on a new runner: the build of the earlier
    version of the same inputs is never adopted (it is not the resource's newest build)."""
    server = emulator_factory(time_scale=120)
    program = """
        import pulumi
        from pulumi_builds import aws_codebuild
        release = pulumi.Config().get("release") or "1"
        build = aws_codebuild.Build("api", project_name="api", triggers={"release": release})
        pulumi.export("id", build.build_id)
    """
    builds = make_stack(tmp_path, server, program, projects=("api",), name="reverted")
    ids = []
    for run, release in enumerate(("1", "2", "1")):
        builds.stack.backend.env["PULUMI_BUILDS_JOURNAL_DIR"] = str(tmp_path / f"runner{run}")
        builds.stack.config_set("release", release)
        builds.stack.up()
        ids.append(builds.stack.outputs()["id"])
    assert len(set(ids)) == 3, ids
    assert builds.counter("aws_codebuild.requests.StartBuild") == 3
    # Another stack of the same program and resource names, on yet another runner: its own build.
    other = builds.stack.backend.cli_stack(builds.stack.project_dir, "other")
    builds.stack.backend.env["PULUMI_BUILDS_JOURNAL_DIR"] = str(tmp_path / "runner-other")
    emulated.apply(other, emulated.settings_config(server.url, poll_interval=0.3))
    other.config_set("release", "1")
    other.up()
    assert other.outputs()["id"] not in ids
    assert builds.counter("aws_codebuild.requests.StartBuild") == 4


def test_the_native_provider_adopts_the_killed_runs_builds_on_a_fresh_runner(
    tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    """The same look-up behind `pulumi_builds.native` (both providers call lifecycle.create)."""
    server = emulator_factory(time_scale=1, seed=13)
    emu = server.emulator
    emu.script("aws_codebuild", "api", Outcome("succeeded", duration_s=RUNNING_S, times=0))
    program = """
        from pulumi_builds.native import aws_codebuild
        for i in range(3):
            aws_codebuild.Build(f"b{i}", project_name="api", source_version=f"v{i}")
    """
    builds = make_stack(tmp_path, server, program, projects=("api",), name="native-rerun")
    _kill_mid_wait(builds, lambda: builds.counter("aws_codebuild.requests.StartBuild") >= 3)
    first = {b["id"] for b in _builds(server, "api")}
    assert len(first) == 3

    server.control.post("/advance", json={"seconds": WINDOW_OVER_S}).raise_for_status()
    emu.configure(time_scale=RERUN_SCALE)
    _rerun_on_a_new_machine(builds, tmp_path)
    assert {b["id"] for b in _builds(server, "api")} == first, "the rerun started a build again"
    state = {r["urn"].rsplit("::", 1)[-1]: r for r in resources_of(builds.stack.export(), "")}
    assert {state[f"b{i}"]["id"] for i in range(3)} == first
    assert all(state[f"b{i}"]["outputs"]["buildStatus"] == "SUCCEEDED" for i in range(3))
