"""`make demo`: the quickstart end to end on the local emulators and the real Pulumi engine.

1. starts the four emulators in this process (one port, simulated time running 60x faster);
2. seeds them through the services' own APIs (CodeBuild projects, a Workers build trigger, a
   Cloud Foundry package, a CodePipeline job);
3. `pulumi up` on examples/quickstart with a local `file://` backend (credentials as secret
   config), then prints the builds in a table;
4. `pulumi refresh`, then `pulumi destroy`.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from pulumi_builds.emulators.core import EmulatorConfig
from pulumi_builds.emulators.seed import seed_quickstart
from pulumi_builds.emulators.server import EmulatorServer
from pulumi_builds.engine import emulated
from pulumi_builds.engine.local import LocalBackend

QUICKSTART = Path(__file__).resolve().parent / "quickstart"
TOKEN = emulated.EMULATOR_TOKEN

console = Console()


def builds_table(outputs: dict[str, Any]) -> Table:
    table = Table(title="Builds started by `pulumi up`")
    for column in ("resource", "build id", "status", "detail"):
        table.add_column(column)
    for name, build in sorted((outputs.get("builds") or {}).items()):
        detail = build.get("phase") or build.get("outcome") or build.get("droplet") or ""
        table.add_row(name, str(build.get("id")), str(build.get("status")), str(detail))
    return table


def run(work: Path, time_scale: float, poll_interval: float) -> int:
    config = EmulatorConfig(time_scale=time_scale, seed=7)
    with EmulatorServer(config) as server:
        console.print(f"[bold]emulators[/] on {server.url} (simulated time x{time_scale:g})")
        seeded = seed_quickstart(server.url, TOKEN, TOKEN)
        project = work / "quickstart"
        shutil.copytree(QUICKSTART, project, ignore=shutil.ignore_patterns("__pycache__"))
        backend = LocalBackend(
            work / "pulumi", extra_env={"PULUMI_BUILDS_JOURNAL_DIR": str(work / "journal")}
        )
        stack = backend.cli_stack(project, "demo")
        settings = emulated.settings_config(server.url, poll_interval)
        emulated.apply(stack, {**settings, **emulated.quickstart_config(seeded)})
        started = time.monotonic()
        console.rule("pulumi up")
        up = stack.up(check=False)
        console.print(up.stdout[-4000:])
        if up.exit_code != 0:
            console.print(up.stderr[-4000:], style="red")
            return up.exit_code
        console.print(f"pulumi up took {time.monotonic() - started:.1f}s")
        outputs = stack.outputs()
        console.print(builds_table(outputs))
        console.print({k: v for k, v in outputs.items() if k != "builds"})
        counters = server.emulator.counters
        created = {k: v for k, v in sorted(counters.items()) if k.endswith("builds_created")}
        console.print(f"builds created on the emulators: {created}")
        console.rule("pulumi refresh")
        stack.refresh()
        console.rule("pulumi destroy")
        destroyed = stack.destroy()
        console.print(destroyed.stdout[-1500:])
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--work-dir", type=Path, help="keep the stack and state here (default: a temp dir)"
    )
    parser.add_argument(
        "--time-scale", type=float, default=60.0, help="simulated seconds per real second"
    )
    parser.add_argument(
        "--poll-interval", type=float, default=0.5, help="seconds between status reads"
    )
    args = parser.parse_args(argv)
    if args.work_dir:
        args.work_dir.mkdir(parents=True, exist_ok=True)
        return run(args.work_dir.resolve(), args.time_scale, args.poll_interval)
    with tempfile.TemporaryDirectory(prefix="pulumi-builds-demo-") as tmp:
        return run(Path(tmp), args.time_scale, args.poll_interval)


if __name__ == "__main__":
    sys.exit(main())
