"""Chaos soak: exactly one build per resource and input generation, whatever users do, in any order.

Seeded (the seed is printed; `--seed N` replays a run), K rounds per provider (dynamic and native)
of a program with one build on each service that has build resources (CodeBuild build and batch,
Workers Builds, Cloud Foundry), on the real engine against the emulators. Each round, at random:
an input change (a new generation: a new build is legitimate), injected faults (throttling, 5xx,
dropped connections and lost answers), a `pulumi up` that runs through, gets one Ctrl-C, or is
killed with kill -9 (the CLI and its plugins) at a random moment, a machine change (the journal
wiped, and half the time the emulators' clock advanced 400 s: past CodeBuild's idempotency window,
every build finished meanwhile), then the `up` a user reruns until it succeeds, sometimes a
`refresh`, sometimes a `destroy` (each given one Ctrl-C half the time, then rerun to the end; the
next round re-creates with the same inputs: a new build).

After every round, through the services' own APIs (bench/chaos_services.py), for each resource:
- duplicates: an "epoch" (an input generation, or a re-create after a destroy) with more than one
  build. Counted apart, as the README documents: a Workers build after an interrupted `up` and a
  machine change (no API ties a Workers build to its resource), and a CodeBuild build that finished
  while no `up` watched it, before a machine change (nothing tells it from a destroyed resource's
  build; the rerun starts a new one and names the old one);
- lost: the state does not hold the epoch's build;
- orphans: a build still running after `destroy` (services that can stop a build).
Also the time from each Ctrl-C to the end of the CLI. Prints a table; exit 1 on any violation.

    .venv/bin/python bench/chaos.py --rounds 50 --seed 7
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script: make `bench` importable
    sys.path.insert(0, str(REPO_ROOT))

from bench.chaos_services import RESOURCES, STOPPABLE, Observer
from pulumi_builds.emulators.core import FaultPlan
from pulumi_builds.emulators.seed import seed_quickstart
from pulumi_builds.emulators.server import EmulatorServer
from pulumi_builds.engine import emulated
from pulumi_builds.engine.interrupt import run_interrupted
from pulumi_builds.engine.local import CliStack, LocalBackend, write_python_project

PROGRAM = """
    import pulumi
    from {package} import aws_codebuild, cloudflare_builds, cloudfoundry
    c = pulumi.Config()
    g = c.get("gen") or "0"
    aws_codebuild.Build("api", project_name="api", source_version=f"g{{g}}")
    aws_codebuild.BuildBatch("matrix", project_name="matrix", source_version=f"g{{g}}")
    cloudflare_builds.WorkersBuild(
        "site",
        account_id=c.require("cloudflareAccountId"),
        trigger_uuid=c.require("cloudflareTriggerUuid"),
        branch=f"g{{g}}",
        script_id=c.require("cloudflareScriptId"),
    )
    cloudfoundry.Build(
        "droplet", package_guid=c.require("cloudfoundryPackageGuid"), triggers={{"gen": g}}
    )
"""
PACKAGES = {"dynamic": "pulumi_builds", "native": "pulumi_builds.native"}
FAULTS = FaultPlan(rate=0.08, kinds=("throttle", "5xx", "drop", "lose"))
WINDOW_OVER_S = 400.0  # simulated: CodeBuild's idempotency tokens last five minutes
RERUNS = 5  # a user reruns a failed `up` (faults) this many times at most


@dataclass
class Epoch:
    """One input generation or re-create of the stack: at most one build per resource."""

    before: dict[str, set[str]]  # build ids each resource had when the epoch began
    interrupted: bool = False
    moved_after_interrupt: bool = False  # a machine change after an interrupted `up`


@dataclass
class Tally:
    rounds: int = 0
    ups: int = 0
    ctrl_c: int = 0
    kills: int = 0
    machine_changes: int = 0
    refreshes: int = 0
    destroys: int = 0
    duplicates: int = 0
    limits: dict[str, int] = field(default_factory=lambda: {"workers": 0, "codebuild": 0})
    lost: int = 0
    orphans: int = 0
    ctrl_c_seconds: list[float] = field(default_factory=list)  # of `up`
    # Ctrl-C of `refresh` and `destroy` (then rerun to the end): seconds to the CLI's end.
    other_ctrl_c_seconds: list[float] = field(default_factory=list)
    builds: int = 0
    faults: int = 0
    violations: list[str] = field(default_factory=list)


class Soak:
    def __init__(self, provider: str, seed: int, root: Path) -> None:
        self.provider = provider
        self.rng = random.Random(f"{seed}-{provider}")
        self.root = root
        self.server = EmulatorServer().start()
        self.emu = self.server.emulator
        self.emu.configure(time_scale=10, build_seconds=60, seed=seed)
        self.seeded = seed_quickstart(
            self.server.url, emulated.EMULATOR_TOKEN, emulated.EMULATOR_TOKEN
        )
        self.observer = Observer(self.server.url, self.seeded)
        project = root / provider / "project"
        write_python_project(
            project, "chaos", textwrap.dedent(PROGRAM.format(package=PACKAGES[provider]))
        )
        self.runner = 0
        self.backend = LocalBackend(root / provider / "pulumi", extra_env=self._journal_env())
        self.backend.env["PULUMI_PARALLEL"] = "16"
        self.stack: CliStack = self.backend.cli_stack(project, "chaos")
        config = {
            **emulated.settings_config(self.server.url, poll_interval=0.3),
            **emulated.quickstart_config(self.seeded),
            "gen": ("0", False),
        }
        emulated.apply(self.stack, config)
        self.gen = 0
        self.tally = Tally()
        self.epoch = Epoch(self._ids())

    def _journal_env(self) -> dict[str, str]:
        return {
            "PULUMI_BUILDS_JOURNAL_DIR": str(self.root / self.provider / f"runner{self.runner}")
        }

    def _ids(self) -> dict[str, set[str]]:
        return {name: set(builds) for name, builds in self.observer.builds().items()}

    # -- one round ------------------------------------------------------------------------------

    def round(self, number: int) -> None:
        rng = self.rng
        if rng.random() < 0.3:
            self._close_epoch(f"round {number}: inputs changed")
            self.gen += 1
            self.stack.config_set("gen", str(self.gen))
        self.emu.configure(faults=FAULTS if rng.random() < 0.5 else FaultPlan())
        how = rng.choices(["none", "ctrl-c", "kill"], weights=[0.2, 0.4, 0.4])[0]
        self._interrupted_up(how, rng.uniform(1.0, 9.0))
        if rng.random() < 0.35:
            self._machine_change(advance=rng.random() < 0.5)
        self._rerun_until_done(number)
        self.emu.configure(faults=FaultPlan())
        self._check_round(number)
        if rng.random() < 0.2:
            self.tally.refreshes += 1
            self._maybe_ctrl_c(["refresh", "--yes", "--skip-preview"])
            self._run_until_done(["refresh", "--yes", "--skip-preview"], number)
            self._check_round(number)
        if rng.random() < 0.2:
            self._destroy(number)
        self.tally.rounds += 1

    def _interrupted_up(self, how: str, after_s: float) -> None:
        started = time.monotonic()
        ready = (lambda: False) if how == "none" else (lambda: time.monotonic() - started > after_s)
        self.tally.ups += 1
        run = run_interrupted(
            self.stack, ["up", "--yes", "--skip-preview"], ready, how=how, ready_timeout=300
        )
        if not run.signalled:
            return
        self.epoch.interrupted = True
        if how == "kill":
            self.tally.kills += 1
            self._wait_for_plugins()
            self.backend.run(
                ["cancel", "--yes", "--stack", self.stack.name], self.stack.project_dir
            )
        else:
            self.tally.ctrl_c += 1
            self.tally.ctrl_c_seconds.append(run.seconds_to_end)

    def _maybe_ctrl_c(self, args: list[str]) -> None:
        """Half the time, one Ctrl-C at a random moment of `args` (the caller reruns it)."""
        if self.rng.random() < 0.5:
            return
        started, after_s = time.monotonic(), self.rng.uniform(0.5, 4.0)
        run = run_interrupted(
            self.stack, args, lambda: time.monotonic() - started > after_s, ready_timeout=300
        )
        if run.signalled:
            self.tally.ctrl_c += 1
            self.tally.other_ctrl_c_seconds.append(run.seconds_to_end)

    def _machine_change(self, advance: bool) -> None:
        self.tally.machine_changes += 1
        if self.epoch.interrupted:
            self.epoch.moved_after_interrupt = True
        self.runner += 1
        self.backend.env.update(self._journal_env())
        if advance:
            self.server.control.post("/advance", json={"seconds": WINDOW_OVER_S}).raise_for_status()

    def _rerun_until_done(self, number: int) -> None:
        self.tally.ups += 1
        self._run_until_done(["up", "--yes", "--skip-preview"], number)

    def _run_until_done(self, args: list[str], number: int) -> None:
        output = ""
        for _ in range(RERUNS):
            result = self.backend.run(
                [*args, "--stack", self.stack.name], self.stack.project_dir, check=False
            )
            if result.exit_code == 0:
                return
            output = result.output
            if "pending" in output:  # a killed `up` left pending creates: the documented step
                self.backend.run(
                    ["refresh", "--yes", "--clear-pending-creates", "--stack", self.stack.name],
                    self.stack.project_dir,
                    check=False,
                )
        self.tally.violations.append(
            f"round {number}: `pulumi {args[0]}` kept failing: {output[-2000:]}"
        )

    def _destroy(self, number: int) -> None:
        self.tally.destroys += 1
        self._maybe_ctrl_c(["destroy", "--yes", "--skip-preview"])
        self._run_until_done(["destroy", "--yes", "--skip-preview"], number)
        builds = self.observer.builds()
        for name in STOPPABLE:
            running = [b.id for b in builds[name].values() if b.running]
            if running:
                self.tally.orphans += len(running)
                self.tally.violations.append(f"round {number}: {name} left running: {running}")
        self._close_epoch(f"round {number}: destroyed")

    def _wait_for_plugins(self) -> None:
        """A killed CLI's plugins end on their own (engine_watch) within seconds."""
        deadline = time.monotonic() + 20
        while _processes_in(self.stack.project_dir) and time.monotonic() < deadline:
            time.sleep(0.2)

    # -- checks ---------------------------------------------------------------------------------

    def _check_round(self, number: int) -> None:
        builds = self.observer.builds()
        state = {
            r["urn"].rsplit("::", 1)[-1]: r.get("id")
            for r in self.stack.export().get("resources", [])
            if r["urn"].rsplit("::", 1)[-1] in RESOURCES
        }
        for name in RESOURCES:
            new = set(builds[name]) - self.epoch.before[name]
            if state.get(name) not in new:
                self.tally.lost += 1
                self.tally.violations.append(
                    f"round {number}: {name} state holds {state.get(name)}, epoch builds {sorted(new)}"
                )

    def _close_epoch(self, why: str) -> None:
        builds = self._ids()
        for name, service in RESOURCES.items():
            extra = len(builds[name] - self.epoch.before[name]) - 1
            if extra <= 0:
                continue
            if self.epoch.moved_after_interrupt and service in self.tally.limits:
                self.tally.limits[service] += extra
            else:
                self.tally.duplicates += extra
                self.tally.violations.append(f"{why}: {name} has {extra + 1} builds in one epoch")
        self.epoch = Epoch(builds)

    def finish(self) -> Tally:
        self._close_epoch("end")
        self.tally.builds = sum(len(b) for b in self._ids().values())
        self.tally.faults = sum(v for k, v in self.emu.counters.items() if ".faults." in k)
        self.server.stop()
        return self.tally


def _processes_in(directory: Path) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and Path(proc / "cwd").readlink() == directory.resolve():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def _spread(seconds: list[float]) -> str:
    return f"{statistics.median(seconds):.1f} / {max(seconds):.1f}" if seconds else "-"


def report(results: dict[str, Tally], seed: int) -> int:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"chaos soak, seed {seed}")
    columns = [
        "provider",
        "rounds",
        "ups",
        "ctrl-c",
        "kills",
        "machine changes",
        "refreshes",
        "destroys",
        "faults",
        "builds",
        "duplicates",
        "lost",
        "orphans",
        "limit: workers",
        "limit: codebuild",
        "ctrl-c -> end: up (median / max s)",
        "refresh, destroy",
    ]
    for column in columns:
        table.add_column(column, justify="right")
    for provider, t in results.items():
        table.add_row(
            provider,
            str(t.rounds),
            str(t.ups),
            str(t.ctrl_c),
            str(t.kills),
            str(t.machine_changes),
            str(t.refreshes),
            str(t.destroys),
            str(t.faults),
            str(t.builds),
            str(t.duplicates),
            str(t.lost),
            str(t.orphans),
            str(t.limits["workers"]),
            str(t.limits["codebuild"]),
            _spread(t.ctrl_c_seconds),
            _spread(t.other_ctrl_c_seconds),
        )
    Console(width=220).print(table)
    for provider, t in results.items():
        every = sorted(round(x, 1) for x in t.ctrl_c_seconds + t.other_ctrl_c_seconds)
        print(f"{provider}: seconds from each Ctrl-C to the end: {every}")
    failed = [v for t in results.values() for v in t.violations]
    for violation in failed:
        print(f"VIOLATION {violation}")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--providers", default="dynamic,native")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    print(f"chaos soak: seed {seed} (replay: bench/chaos.py --rounds {args.rounds} --seed {seed})")
    results: dict[str, Tally] = {}
    with tempfile.TemporaryDirectory(prefix="chaos-") as tmp:
        for provider in args.providers.split(","):
            soak = Soak(provider, seed, Path(tmp))
            for number in range(1, args.rounds + 1):
                soak.round(number)
                print(
                    f"{provider} round {number}: {len(soak.tally.violations)} violations",
                    flush=True,
                )
            results[provider] = soak.finish()
    return report(results, seed)


if __name__ == "__main__":
    sys.exit(main())
