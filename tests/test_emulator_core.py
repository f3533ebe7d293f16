"""The emulator core (clock, outcomes, faults, counters), its control API, server and CLI."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from pulumi_builds.emulators.cli import config_from_args, parser
from pulumi_builds.emulators.core import Emulator, EmulatorConfig, FaultPlan, Outcome
from pulumi_builds.emulators.server import EmulatorServer

ROOT = Path(__file__).resolve().parent.parent


# -- clock ----------------------------------------------------------------------------------------


def test_time_scale_speeds_up_the_clock() -> None:
    emu = Emulator(EmulatorConfig(time_scale=600))
    start = emu.now()
    time.sleep(0.05)
    assert emu.elapsed(start) >= 30  # 0.05 real seconds * 600
    assert abs(start - time.time()) < 5  # simulated time starts at the real time


def test_advance_and_configure_keep_the_clock_continuous() -> None:
    emu = Emulator()
    start = emu.now()
    emu.advance(120)
    assert 120 <= emu.elapsed(start) < 121
    before = emu.now()
    emu.configure(time_scale=1000)
    assert emu.now() - before < 5  # no jump when the scale changes
    with pytest.raises(ValueError, match="time does not go back"):
        emu.advance(-1)


def test_consistency_window_in_simulated_seconds() -> None:
    emu = Emulator(EmulatorConfig(consistency_window_s=10))
    created = emu.now()
    assert not emu.is_visible(created)
    emu.advance(10)
    assert emu.is_visible(created)


# -- outcomes -------------------------------------------------------------------------------------


def test_outcomes_apply_in_order_for_their_number_of_times() -> None:
    emu = Emulator()
    emu.script("svc", "p", Outcome("failed", times=2))
    emu.script("svc", "p", Outcome("timed_out"))
    taken = [emu.take_outcome("svc", "p") for _ in range(4)]
    assert [o.status if o else None for o in taken] == ["failed", "failed", "timed_out", None]


def test_outcome_selectors_exact_then_fallbacks_then_wildcard() -> None:
    emu = Emulator()
    emu.script("svc", "*", Outcome("fault", times=0))  # forever
    emu.script("svc", "proj", Outcome("failed"))
    emu.script("svc", "proj/unit", Outcome("stopped"))
    assert emu.take_outcome("svc", "proj/unit", "proj").status == "stopped"  # type: ignore[union-attr]
    assert emu.take_outcome("svc", "proj/unit", "proj").status == "failed"  # type: ignore[union-attr]
    for _ in range(3):
        assert emu.take_outcome("svc", "other").status == "fault"  # type: ignore[union-attr]
    assert emu.take_outcome("other-service", "proj") is None


@pytest.mark.parametrize(
    ("kwargs", "text"),
    [
        ({"status": "exploded"}, "status"),
        ({"status": "failed", "times": -1}, "times"),
        ({"status": "failed", "duration_s": -5}, "duration_s"),
    ],
)
def test_bad_outcomes_name_the_field(kwargs: dict[str, object], text: str) -> None:
    with pytest.raises(ValueError, match=text):
        Outcome(**kwargs)  # type: ignore[arg-type]


# -- faults ---------------------------------------------------------------------------------------


def test_fault_rate_is_seeded_and_scoped() -> None:
    plan = FaultPlan(rate=0.5, kinds=("throttle", "5xx"), services=("aws_codebuild",))
    first = Emulator(EmulatorConfig(seed=11, faults=plan))
    second = Emulator(EmulatorConfig(seed=11, faults=plan))
    decisions = [first.fault_for("aws_codebuild", "StartBuild") for _ in range(200)]
    assert decisions == [second.fault_for("aws_codebuild", "StartBuild") for _ in range(200)]
    assert 60 < sum(d is not None for d in decisions) < 140
    assert {d for d in decisions if d} == {"throttle", "5xx"}
    assert all(first.fault_for("cloudfoundry", "GetBuild") is None for _ in range(50))


def test_forced_faults_come_first_and_run_out() -> None:
    emu = Emulator()
    emu.force_fault("svc", "Op", "drop", times=2)
    assert [emu.fault_for("svc", "Op") for _ in range(3)] == ["drop", "drop", None]


@pytest.mark.parametrize(
    ("kwargs", "text"),
    [
        ({"rate": 1.5}, "faults.rate"),
        ({"kinds": ("melt",)}, "faults.kinds"),
        ({"latency_ms": -1}, "latency_ms"),
    ],
)
def test_bad_fault_plans_name_the_field(kwargs: dict[str, object], text: str) -> None:
    with pytest.raises(ValueError, match=text):
        FaultPlan(**kwargs)  # type: ignore[arg-type]


def test_reset_forgets_counters_and_outcomes_and_restarts_ids() -> None:
    emu = Emulator(EmulatorConfig(seed=5))
    first_id = emu.uuid4()
    emu.count("svc", "builds_created", 3)
    emu.script("svc", "*", Outcome("failed"))
    emu.reset()
    assert emu.counters == {}
    assert emu.take_outcome("svc", "x") is None
    assert emu.uuid4() == first_id  # same seed, same ids


# -- control API ----------------------------------------------------------------------------------


def test_control_api(emulator: EmulatorServer) -> None:
    control = emulator.control
    health = control.get("/health").json()
    assert health["status"] == "ok"
    assert {"aws_codebuild", "aws_codepipeline"} <= set(health["services"])

    config = control.post("/config", json={"time_scale": 60, "faults": {"latency_ms": 5}}).json()
    assert (config["time_scale"], config["faults"]["latency_ms"]) == (60, 5)
    assert config["faults"]["kinds"] == ["throttle", "5xx", "latency", "drop"]  # kept
    assert config["cloudflare_token"] == "***"  # tokens never leave in clear text
    assert emulator.emulator.config.time_scale == 60

    bad = control.post("/config", json={"time_scael": 60})
    assert bad.status_code == 400 and "time_scael" in bad.json()["error"]
    bad = control.post("/config", json={"time_scale": -1})
    assert bad.status_code == 400 and "time_scale" in bad.json()["error"]

    scripted = control.post(
        "/outcomes",
        json={
            "service": "aws_codebuild",
            "selector": "demo",
            "status": "failed",
            "failing_phase": "BUILD",
        },
    )
    assert scripted.status_code == 200
    assert emulator.emulator.take_outcome("aws_codebuild", "demo").failing_phase == "BUILD"  # type: ignore[union-attr]
    assert control.post("/outcomes", json={"service": "x", "status": "nope"}).status_code == 400

    before = emulator.emulator.now()
    assert control.post("/advance", json={"seconds": 3600}).status_code == 200
    assert emulator.emulator.now() - before >= 3600

    emulator.emulator.count("aws_codebuild", "builds_created")
    assert control.get("/counters").json() == {"aws_codebuild.builds_created": 1}
    assert control.post("/reset").json() == {"reset": True}
    assert control.get("/counters").json() == {}
    assert control.get("/violations").json() == {"violations": []}


def test_control_requests_are_not_counted_or_faulted(emulator_factory: object) -> None:
    server = emulator_factory(faults={"rate": 1.0, "kinds": ["5xx"]})  # type: ignore[operator]
    assert server.control.get("/health").status_code == 200
    assert server.control.get("/counters").json() == {}


def test_unknown_paths_are_plain_404(emulator: EmulatorServer) -> None:
    assert httpx.get(f"{emulator.url}/nothing-here").status_code == 404


# -- CLI --------------------------------------------------------------------------------------------


def test_cli_flags_build_the_config() -> None:
    args = parser().parse_args(
        [
            "serve",
            "--port",
            "0",
            "--time-scale",
            "60",
            "--seed",
            "9",
            "--fault-rate",
            "0.2",
            "--faults",
            "throttle,drop",
            "--latency-ms",
            "50",
            "--consistency-window",
            "3",
            "--fault-services",
            "aws_codebuild",
        ]
    )
    config = config_from_args(args)
    assert (config.time_scale, config.seed, config.consistency_window_s) == (60, 9, 3)
    assert config.faults == FaultPlan(
        rate=0.2, kinds=("throttle", "drop"), latency_ms=50, services=("aws_codebuild",)
    )
    with pytest.raises(SystemExit):
        parser().parse_args(["serve", "--faults", "melt"])


def test_cli_serves_until_interrupted() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pulumi_builds.emulators.cli",
            "serve",
            "--port",
            "0",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)", banner)
        assert match, banner
        health = httpx.get(f"{match.group(0)}/_emulator/health", timeout=10).json()
        assert "aws_codebuild" in health["services"]
    finally:
        os.kill(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0  # Ctrl-C is the normal way to stop it
    assert "Traceback" not in stderr
