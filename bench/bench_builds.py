"""Benchmark of issue 5: `pulumi up` of N builds that each take T seconds, on the real engine.

`pulumi up --parallel P` runs (P defaults to N), one after the other, against one in-process
CodeBuild emulator:
- "baseline, 0 s builds" and "baseline": N builds of 0 s, then of T s, with the plain dynamic
  provider that blocks in create (bench/baseline_provider.py) and PULUMI_BUILDS_PROVIDER_WORKERS=4,
  the stock SDK server's pool size: waves of four;
- "ours, 0 s builds" and "ours": the same with `pulumi_builds.aws_codebuild.Build` and the provider
  host's default (wide) pool;
- "ours, engine's default --parallel": "ours" without --parallel, i.e. what a plain `pulumi up`
  gets: the engine then runs at most 4 x CPUs resource operations at once;
- "native, 0 s builds", "native" and "native, engine's default --parallel": the same three with
  `pulumi_builds.native.aws_codebuild.Build`, i.e. the native provider plugin
  `pulumi-resource-pulumi-builds` (asyncio server, blocking calls in a wide thread pool);
- "ours, no look-up" (issue 12): "ours" with the look-up of recent builds turned off
  (PULUMI_BUILDS_FIND_RECENT=false), i.e. the provider as it was before: the cost of the look-up
  is "ours" against this row. Every project starts with --history builds of its own (default
  100) that carry tokens of other resources, so the look-up reads a full window.

An `up` of N builds of 0 s is the fixed overhead of a design (CLI, program, provider process,
imports, N trigger calls); net time = wall time - the overhead of the same design. Each run gets
its own backend, stack, CodeBuild project and journal, so nothing is adopted from another run.
Reads are the emulator's `aws_codebuild.requests.BatchGetBuilds` counter over the run; reads per
interval divide them by the number of poll intervals in the run's net time; lists are its
`ListBuildsForProject` counter (the look-up's list calls). Figures only: nothing here asserts a
timing.

    .venv/bin/python bench/bench_builds.py [--n 40] [--seconds 5] [--poll 1] [--repeat 1]
        [--parallel N] [--history 100] [--skip-baseline] [--skip-engine-default]
        [--skip-native] [--skip-no-lookup]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from pulumi_builds.emulators.server import EmulatorServer
    from pulumi_builds.engine.local import CliStack, InlineStack

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # run as a script: make `bench` and `emulators` importable
    sys.path.insert(0, str(REPO_ROOT))

STOCK_SDK_WORKERS = 4  # futures.ThreadPoolExecutor(max_workers=4) in pulumi/dynamic/__main__.py
GENERATED = REPO_ROOT / "generated" / "aws_codebuild" / "resources.py"
REGION = "us-east-1"
ACCESS_KEY_ID = "AKIDBENCHMARK"
SECRET_ACCESS_KEY = "bench-secret-access-key"  # the emulator accepts any key
ROLE = "arn:aws:iam::123456789012:role/bench"


# -- the Pulumi program (runs in the language host for the CLI, in this process inline) ----------


def declare_builds(kind: str, count: int, project: str, poll: float) -> None:
    """`count` build resources of `kind` ("baseline", "ours" or "native") on CodeBuild project
    `project`."""
    if kind == "baseline":
        from bench.baseline_provider import BlockingBuild

        for i in range(count):
            BlockingBuild(f"build-{i:03d}", project_name=project, poll_interval=poll)
    elif kind == "native":
        from pulumi_builds.native import aws_codebuild as native

        for i in range(count):
            native.Build(f"build-{i:03d}", project_name=project)
    else:
        from pulumi_builds import aws_codebuild

        for i in range(count):
            aws_codebuild.Build(f"build-{i:03d}", project_name=project)


def program_source(kind: str, count: int, project: str, poll: float) -> str:
    return (
        "from bench.bench_builds import declare_builds\n\n"
        f"declare_builds({kind!r}, {count}, {project!r}, {poll!r})\n"
    )


# -- runs ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunSpec:
    name: str  # shown in the table
    kind: str  # "baseline" | "ours" | "native"
    seconds: float  # scripted duration of every build
    workers: int | None  # PULUMI_BUILDS_PROVIDER_WORKERS, None = the provider host's default
    overhead: str | None = None  # name of the 0 s run whose wall time is this run's overhead
    engine_default_parallel: bool = False  # True: no --parallel flag (the engine's 4 x CPUs)
    lookup: bool = True  # False: PULUMI_BUILDS_FIND_RECENT=false (the provider before issue 12)


@dataclass
class RunResult:
    spec: RunSpec
    wall_s: float
    reads: int
    builds_created: int
    created: int  # build resources the engine reported as created (the stack excluded)
    lists: int  # ListBuildsForProject calls: the look-up of recent builds
    error: str | None = None
    log_reads: int = 0  # CloudWatch Logs calls (FilterLogEvents + GetLogEvents): live log lines
    walls: tuple[float, ...] = ()  # every repeat's wall time (this one is the median)
    all_created: tuple[int, ...] = ()  # every repeat's builds created


def median_run(repeats: list[RunResult]) -> RunResult:
    """The repeat with the median wall time (the lower one for an even count), or a failed one."""
    failed = [r for r in repeats if r.error]
    chosen = (
        failed[0] if failed else sorted(repeats, key=lambda r: r.wall_s)[(len(repeats) - 1) // 2]
    )
    return dataclasses.replace(
        chosen,
        walls=tuple(r.wall_s for r in repeats),
        all_created=tuple(r.builds_created for r in repeats),
    )


def counter(server: EmulatorServer, name: str) -> int:
    return int(server.emulator.counters.get(name, 0))


def run_one(
    spec: RunSpec,
    args: argparse.Namespace,
    server: EmulatorServer,
    root: Path,
    use_cli: bool,
    repeat: int = 1,
) -> RunResult:
    from pulumi_builds.engine.local import LocalBackend, write_python_project

    project = f"bench-{re.sub(r'[^a-z0-9]+', '-', spec.name.lower()).strip('-')}-{repeat}"
    make_codebuild_project(server, project, spec.seconds, args.history)
    run_dir = root / project
    env = {
        # The provider process imports bench.baseline_provider and the program imports bench.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
        "PULUMI_PYTHON_CMD": sys.executable,
        "PULUMI_BUILDS_JOURNAL_DIR": str(run_dir / "journal"),
        # The baseline provider reads these through botocore; ours takes the config set below.
        "AWS_ENDPOINT_URL_CODEBUILD": server.url,
        "AWS_DEFAULT_REGION": REGION,  # this botocore ignores AWS_REGION
        "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
    }
    if spec.workers is not None:
        env["PULUMI_BUILDS_PROVIDER_WORKERS"] = str(spec.workers)
    if not spec.lookup:
        env["PULUMI_BUILDS_FIND_RECENT"] = "false"
    backend = LocalBackend(run_dir / "pulumi", extra_env=env)
    stack: CliStack | InlineStack
    if use_cli:
        source = program_source(spec.kind, args.n, project, args.poll)
        directory = write_python_project(run_dir / "program", project, source)
        stack = backend.cli_stack(directory)
    else:
        stack = backend.inline_stack(
            project, lambda: declare_builds(spec.kind, args.n, project, args.poll)
        )
    stack.config_set("pulumi-builds:awsEndpoint", server.url)
    stack.config_set("pulumi-builds:awsRegion", REGION)
    stack.config_set("pulumi-builds:awsAccessKeyId", ACCESS_KEY_ID)
    stack.config_set("pulumi-builds:awsSecretAccessKey", SECRET_ACCESS_KEY, secret=True)
    stack.config_set("pulumi-builds:pollInterval", str(args.poll))

    reads0 = counter(server, "aws_codebuild.requests.BatchGetBuilds")
    built0 = counter(server, "aws_codebuild.builds_created")
    lists0 = counter(server, "aws_codebuild.requests.ListBuildsForProject")
    logs0 = log_reads(server)
    parallel = None if spec.engine_default_parallel else args.parallel
    started = time.monotonic()
    created, error = up(stack, parallel, run_dir)
    wall = time.monotonic() - started
    return RunResult(
        spec,
        wall,
        counter(server, "aws_codebuild.requests.BatchGetBuilds") - reads0,
        counter(server, "aws_codebuild.builds_created") - built0,
        created - 1,  # the first up also creates the stack resource
        counter(server, "aws_codebuild.requests.ListBuildsForProject") - lists0,
        error,
        log_reads(server) - logs0,
    )


def log_reads(server: EmulatorServer) -> int:
    """CloudWatch Logs calls so far: the native provider's live log lines on the rows."""
    return counter(server, "aws_logs.requests.FilterLogEvents") + counter(
        server, "aws_logs.requests.GetLogEvents"
    )


def up(
    stack: CliStack | InlineStack, parallel: int | None, run_dir: Path
) -> tuple[int, str | None]:
    """`pulumi up --parallel P`: (resources created, error text or None).

    The stacks' own `up()` passes no --parallel, so the engine's default (4 x CPUs: 8 on a
    2-core machine) would cap how many creates run at once, whatever the provider allows.
    """
    from pulumi import automation as auto

    from pulumi_builds.engine.local import InlineStack

    parallel_args = [] if parallel is None else ["--parallel", str(parallel)]
    if isinstance(stack, InlineStack):
        try:
            done = stack.stack.up(parallel=parallel)
        except auto.CommandError as exc:
            return 0, f"`pulumi up` (inline) failed:\n{str(exc)[-4000:]}"
        changes = {
            str(getattr(op, "value", op)): n
            for op, n in (done.summary.resource_changes or {}).items()
        }
        return int(changes.get("create", 0)), None
    events = run_dir / "up-events.jsonl"
    args = ["up", "--stack", stack.name, "--yes", "--skip-preview", "--event-log", str(events)]
    result = stack.backend.run([*args, *parallel_args], cwd=stack.project_dir, check=False)
    if result.exit_code != 0:
        return 0, f"`{result.command}` exited with {result.exit_code}:\n{result.output[-4000:]}"
    created = 0
    for line in events.read_text().splitlines():
        summary = json.loads(line).get("summaryEvent") if line.strip() else None
        if summary:
            created = int(summary.get("resourceChanges", {}).get("create", 0))
    return created, None


def make_codebuild_project(
    server: EmulatorServer, name: str, seconds: float, history: int = 0
) -> None:
    """A CodeBuild project whose builds all succeed after `seconds`, with `history` builds of
    other resources already in it (the look-up of recent builds reads them)."""
    import boto3

    from pulumi_builds.emulators.core import Outcome

    client = boto3.client(
        "codebuild",
        endpoint_url=server.url,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
    )
    client.create_project(
        name=name,
        source={"type": "NO_SOURCE", "buildspec": "version: 0.2"},
        artifacts={"type": "NO_ARTIFACTS"},
        environment={
            "type": "LINUX_CONTAINER",
            "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL",
        },
        serviceRole=ROLE,
    )
    server.emulator.script(
        "aws_codebuild", name, Outcome(status="succeeded", duration_s=seconds, times=0)
    )
    for i in range(history):
        marker = [
            {"name": "PULUMI_BUILDS_TOKEN", "value": f"pb-history-{i:035d}", "type": "PLAINTEXT"},
            {"name": "PULUMI_BUILDS_RESOURCE", "value": f"pbr-history-{i:034d}"},
        ]
        client.start_build(projectName=name, environmentVariablesOverride=marker)


# -- report ----------------------------------------------------------------------------------------


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_report(
    results: list[RunResult], args: argparse.Namespace, mode: str, ours_missing: str | None
) -> None:
    from rich.console import Console

    console = Console()
    if console.width < 110:  # not a terminal (or a narrow one): keep the table on one line a row
        console = Console(width=110)
    by_name = {r.spec.name: r for r in results if not r.error}
    console.print(_table(results, args, mode, by_name))
    console.print(
        f"ideal: {args.seconds:g} s; target: ours net <= 1.5 x T = {1.5 * args.seconds:g} s.\n"
        "overhead = wall time of an `up` of N builds of 0 s with the same design; "
        "net = wall - overhead. With --repeat R: the median wall time, every one in brackets.\n"
        f"baseline = plain dynamic provider blocking in create, polling BatchGetBuilds for its own "
        f"build every {args.poll:g} s, run with PULUMI_BUILDS_PROVIDER_WORKERS={STOCK_SDK_WORKERS}: "
        f"exactly the stock SDK dynamic provider server's pool (ThreadPoolExecutor(max_workers="
        f"{STOCK_SDK_WORKERS}) in pulumi/dynamic/__main__.py).\n"
        "ours = pulumi_builds.aws_codebuild.Build with the provider host's wide pool (default) and "
        "the shared batched tracker.\n"
        "ours, engine's default --parallel = the same `up` without --parallel: the engine then runs "
        f"at most 4 x CPUs = {4 * (os.cpu_count() or 1)} resource operations at once here.\n"
        "native = pulumi_builds.native.aws_codebuild.Build: the native provider plugin "
        "(pulumi-resource-pulumi-builds) on the same lifecycle and tracker, no launcher pool "
        "setting.\n"
        "reads = BatchGetBuilds calls counted by the emulator during the run; reads / interval = "
        "reads / (net s / poll).\n"
        "log reads = CloudWatch Logs calls (FilterLogEvents, GetLogEvents) during the run: the "
        "native provider's newest log line on each build's row, one FilterLogEvents per log group "
        "(all N builds of a project share one) and interval; log reads / T interval = log reads / "
        "(T / poll), the intervals in which the N builds run (at once); one call per build and "
        "interval would be N."
    )
    _print_comparisons(console, args, by_name)
    console.print(f"load average (1, 5, 15 min) at the end: {os.getloadavg()}")
    if ours_missing:
        console.print(f"[yellow]ours not measured: {ours_missing}[/yellow]")
    for r in results:
        if r.error:
            console.print(f"[red]{r.spec.name} failed[/red]\n{r.error}")
        elif r.created != args.n:
            console.print(
                f"[red]{r.spec.name}: the engine created {r.created} resources, not {args.n}[/red]"
            )


def _overhead(by_name: dict[str, RunResult], r: RunResult) -> float | None:
    fixed = by_name.get(r.spec.overhead or "")
    return fixed.wall_s if fixed else None


def _net(by_name: dict[str, RunResult], r: RunResult) -> float | None:
    fixed = _overhead(by_name, r)
    return None if fixed is None else r.wall_s - fixed


def _table(
    results: list[RunResult], args: argparse.Namespace, mode: str, by_name: dict[str, RunResult]
) -> Table:
    """One row a run: wall time, its fixed overhead, the net time and the emulator's counts."""
    from rich.table import Table

    baseline = by_name.get("baseline")
    table = Table(
        title=f"pulumi up --parallel {args.parallel} of N={args.n} builds of T={args.seconds:g} s, "
        f"poll {args.poll:g} s ({mode})"
    )
    for column in (
        "run",
        "wall s",
        "overhead s",
        "net s",
        "net / T",
        "net / baseline net",
        "reads",
        "reads / interval",
        "lists",
        "log reads",
        "log reads / T interval",
        "builds created",
    ):
        table.add_column(column, justify="left" if column == "run" else "right")
    for r in results:
        if r.error:
            table.add_row(
                r.spec.name,
                _fmt(r.wall_s),
                "-",
                "failed",
                "-",
                "-",
                str(r.reads),
                "-",
                str(r.lists),
                str(r.log_reads),
                "-",
                str(r.builds_created),
            )
            continue
        n = _net(by_name, r)
        intervals = max(n, args.poll) / args.poll if n is not None else None
        base = _net(by_name, baseline) if baseline else None
        created = "/".join(str(c) for c in r.all_created)
        if any(c != args.n for c in r.all_created):
            created += f" (!= N={args.n})"
        table.add_row(
            r.spec.name,
            _fmt(r.wall_s)
            + (
                ""
                if len(r.walls) < 2
                else " (" + ", ".join(_fmt(w, 1) for w in sorted(r.walls)) + ")"
            ),
            _fmt(_overhead(by_name, r)),
            _fmt(n),
            _fmt(n / args.seconds if n is not None else None),
            _fmt(n / base if base and n is not None and r is not baseline else None),
            str(r.reads),
            _fmt(r.reads / intervals if intervals else None),
            str(r.lists),
            str(r.log_reads),
            _fmt(r.log_reads / (max(r.spec.seconds, args.poll) / args.poll)),
            created,
        )
    return table


def _print_comparisons(
    console: Console, args: argparse.Namespace, by_name: dict[str, RunResult]
) -> None:
    """The fixed cost of ours over the plain provider, and the cost of the look-up (issue 12)."""
    zero_ours, zero_base = by_name.get("ours, 0 s builds"), by_name.get("baseline, 0 s builds")
    if zero_ours and zero_base:
        console.print(
            f"fixed cost of ours over the plain provider (0 s builds): "
            f"{zero_ours.wall_s - zero_base.wall_s:+.2f} s"
        )
        if "ours" in by_name:
            console.print(
                f"ours net against the plain provider's overhead instead: "
                f"{by_name['ours'].wall_s - zero_base.wall_s:.2f} s"
            )
    if "ours" in by_name and "ours, no look-up" in by_name:
        with_lookup, without = by_name["ours"], by_name["ours, no look-up"]
        console.print(
            f"look-up of recent builds (issue 12): ours {with_lookup.wall_s:.2f} s against "
            f"{without.wall_s:.2f} s without it: x{with_lookup.wall_s / without.wall_s:.3f} wall "
            f"time; {with_lookup.lists - without.lists:+d} ListBuildsForProject and "
            f"{with_lookup.reads - without.reads:+d} BatchGetBuilds calls "
            f"(a project of {args.history} earlier builds)"
        )


# -- main --------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=40, help="number of builds (default 40)")
    parser.add_argument(
        "--seconds",
        type=float,
        default=5.0,
        help="duration of each build in seconds, T (default 5)",
    )
    parser.add_argument(
        "--poll", type=float, default=1.0, help="poll interval in seconds, both designs (default 1)"
    )
    parser.add_argument(
        "--skip-baseline", action="store_true", help="do not run the waves-of-four baseline"
    )
    parser.add_argument(
        "--parallel",
        type=int,
        default=None,
        help="`pulumi up --parallel` for every run (default: N, all at once)",
    )
    parser.add_argument(
        "--skip-engine-default",
        action="store_true",
        help="do not run ours once more with the engine's default --parallel",
    )
    parser.add_argument(
        "--skip-native", action="store_true", help="do not run the native provider's rows"
    )
    parser.add_argument(
        "--skip-no-lookup",
        action="store_true",
        help="do not run ours once more without the look-up of recent builds (issue 12)",
    )
    parser.add_argument(
        "--history",
        type=int,
        default=100,
        help="builds already in every project before the up (default 100: a full look-up window)",
    )
    parser.add_argument(
        "--inline",
        action="store_true",
        help="use the Automation API inline stack even where the plain CLI works",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run everything R times, report the median wall time (default 1)",
    )
    args = parser.parse_args(argv)
    if args.parallel is None:
        args.parallel = args.n
    for name in ("n", "seconds", "poll", "parallel", "repeat"):
        value = getattr(args, name)
        if not value > 0:
            parser.error(f"--{name}={value!r}: must be > 0")
    return args


def main(argv: list[str] | None = None) -> int:
    from pulumi_builds.emulators.core import EmulatorConfig
    from pulumi_builds.emulators.server import EmulatorServer
    from pulumi_builds.engine.install import language_host_problem
    from pulumi_builds.engine.local import venv_bin_dir

    args = parse_args(argv)
    pulumi_bin = venv_bin_dir() / "pulumi"
    if not pulumi_bin.exists():
        print(f"bench: no pulumi in {pulumi_bin.parent}: run `make engine` first", file=sys.stderr)
        return 1
    problem = language_host_problem(pulumi_bin.resolve().parent)
    use_cli = problem is None and not args.inline
    mode = (
        "plain CLI stack" if use_cli else f"Automation API inline stack ({problem or '--inline'})"
    )
    ours_missing = (
        None if GENERATED.exists() else f"{GENERATED.relative_to(REPO_ROOT)} does not exist yet"
    )

    runs: list[RunSpec] = []
    if not args.skip_baseline:
        runs += [
            RunSpec("baseline, 0 s builds", "baseline", 0.0, STOCK_SDK_WORKERS),
            RunSpec(
                "baseline", "baseline", args.seconds, STOCK_SDK_WORKERS, "baseline, 0 s builds"
            ),
        ]
    if ours_missing is None:
        runs += [
            RunSpec("ours, 0 s builds", "ours", 0.0, None),
            RunSpec("ours", "ours", args.seconds, None, "ours, 0 s builds"),
        ]
        if not args.skip_no_lookup:
            runs.append(
                RunSpec(
                    "ours, no look-up",
                    "ours",
                    args.seconds,
                    None,
                    "ours, 0 s builds",
                    lookup=False,
                )
            )
        if not args.skip_engine_default:
            runs.append(
                RunSpec(
                    "ours, engine's default --parallel",
                    "ours",
                    args.seconds,
                    None,
                    "ours, 0 s builds",
                    engine_default_parallel=True,
                )
            )
        if not args.skip_native:
            runs += [
                RunSpec("native, 0 s builds", "native", 0.0, None),
                RunSpec("native", "native", args.seconds, None, "native, 0 s builds"),
            ]
            if not args.skip_engine_default:
                runs.append(
                    RunSpec(
                        "native, engine's default --parallel",
                        "native",
                        args.seconds,
                        None,
                        "native, 0 s builds",
                        engine_default_parallel=True,
                    )
                )

    with (
        tempfile.TemporaryDirectory(prefix="bench-builds-") as tmp,
        EmulatorServer(EmulatorConfig()) as server,
    ):
        # Not measured: the first `up` of a session pays for cold caches (bytecode, plugin
        # lookup, the page cache), which would otherwise inflate the first overhead.
        warm_up = argparse.Namespace(**{**vars(args), "n": 1})
        print("bench: warm-up (not measured) ...", file=sys.stderr, flush=True)
        run_one(RunSpec("warm-up", "baseline", 0.0, None), warm_up, server, Path(tmp), use_cli)
        repeats: dict[str, list[RunResult]] = {spec.name: [] for spec in runs}
        # Round robin, so that load from elsewhere on the machine spreads over every design.
        for repeat in range(1, args.repeat + 1):
            for spec in runs:
                print(f"bench: {spec.name} #{repeat} ...", file=sys.stderr, flush=True)
                result = run_one(spec, args, server, Path(tmp), use_cli, repeat)
                print(
                    f"bench: {spec.name} #{repeat}: {result.wall_s:.2f} s",
                    file=sys.stderr,
                    flush=True,
                )
                repeats[spec.name].append(result)
        results = [median_run(repeats[spec.name]) for spec in runs]
    print_report(results, args, mode, ours_missing)
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
