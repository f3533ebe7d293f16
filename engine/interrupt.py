"""Interrupt a running `pulumi` command as a user or a CI runner does: one Ctrl-C (SIGINT to the
CLI: "cancelling"), or kill -9 of the CLI and every process it started (a cancelled CI job).
Used by the cancellation tests and the chaos soak (bench/chaos.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pulumi_builds.engine.local import CliStack


@dataclass
class Interrupted:
    exit_code: int | None  # None: the command had ended before the signal
    signalled: bool
    seconds_to_end: float  # from the signal to the CLI's exit (0 when not signalled)
    output: str


def run_interrupted(
    stack: CliStack,
    verb_args: Sequence[str],
    ready: Callable[[], bool],
    how: str = "ctrl-c",
    log: Path | None = None,
    ready_timeout: float = 120.0,
    end_timeout: float = 120.0,
) -> Interrupted:
    """Run `pulumi <verb_args>` and, once `ready()` holds, interrupt it (`how`: "ctrl-c",
    "kill", or "watch": `ready` itself interrupted something, only the time to the end counts). Raises TimeoutError when the CLI outlives `end_timeout` after a Ctrl-C (it is then
    killed, so no process is left behind)."""
    backend = stack.backend
    log = log or backend.root / f"interrupted-{stack.name}-{time.monotonic_ns()}.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [str(backend.pulumi), "--non-interactive", *verb_args, "--stack", stack.name],
            cwd=stack.project_dir,
            env={**os.environ, **backend.env},
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a group of its own: kill -9 reaches every plugin
        )
        deadline = time.monotonic() + ready_timeout
        while process.poll() is None and not ready() and time.monotonic() < deadline:
            time.sleep(0.05)
        if process.poll() is not None:
            return Interrupted(process.returncode, False, 0.0, log.read_text())
        signalled_at = time.monotonic()
        if how == "kill":
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        else:
            if how == "ctrl-c":
                process.send_signal(signal.SIGINT)  # the CLI only, as the engine relays it
            try:
                process.wait(end_timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                raise TimeoutError(
                    f"`pulumi {' '.join(verb_args)}` still running {end_timeout:.0f} s after "
                    f"Ctrl-C: {log.read_text()[-3000:]}"
                ) from None
        ended = time.monotonic() - signalled_at
    return Interrupted(process.returncode, True, ended, log.read_text())
