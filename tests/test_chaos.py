"""A short run of the chaos soak (bench/chaos.py) on the real engine against the emulators:
random Ctrl-C, kill -9, machine changes, faults, input changes, refresh and destroy, on the
dynamic and the native provider; it exits 1 on any duplicate, lost or orphaned build. The long
run (>= 50 rounds per provider) and its figures are in bench/README.md."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.engine

CHAOS = Path(__file__).resolve().parents[1] / "bench" / "chaos.py"


def test_a_short_chaos_soak_finds_no_violation() -> None:
    run = subprocess.run(
        [sys.executable, str(CHAOS), "--rounds", "2", "--seed", "19"],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    output = run.stdout + run.stderr
    assert "chaos soak: seed 19" in output
    assert run.returncode == 0, output[-6000:]
    for provider in ("dynamic", "native"):
        assert f"{provider} round 2: 0 violations" in output, output[-6000:]
