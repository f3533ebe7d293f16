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

Issue 20: `--n 40 200 500` runs every row for each N (one table each, then the rows side by
side); `--service cloudfoundry|cloudflare_builds` runs ours and native on Cloud Foundry or Workers
Builds (bench_services.py). Every row also reports the CPU seconds of the whole `up` (the CLI and
every process it started: comparable under any load) and the provider's peak memory.

    .venv/bin/python bench/bench_builds.py [--n 40 [200 ...]] [--seconds 5] [--poll 1]
        [--service aws_codebuild] [--repeat 1] [--parallel N] [--history 100] [--skip-baseline]
        [--skip-engine-default] [--skip-native] [--skip-no-lookup]
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
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from pulumi_builds.emulators.server import EmulatorServer
    from pulumi_builds.engine.local import CliStack, InlineStack

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # run as a script: make `bench` and `emulators` importable
    sys.path.insert(0, str(REPO_ROOT))

from bench.bench_services import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, SERVICES

STOCK_SDK_WORKERS = 4  # futures.ThreadPoolExecutor(max_workers=4) in pulumi/dynamic/__main__.py
GENERATED = REPO_ROOT / "generated" / "aws_codebuild" / "resources.py"


# -- the Pulumi program (runs in the language host for the CLI, in this process inline) ----------


def declare_builds(kind: str, service: str, inputs: list[dict[str, Any]], poll: float) -> None:
    """One build resource of `kind` ("baseline", "ours" or "native") of `service` per item of
    `inputs` (its keyword arguments; bench_services.prepare made them)."""
    import importlib

    if kind == "baseline":  # CodeBuild only
        from bench.baseline_provider import BlockingBuild

        for i, item in enumerate(inputs):
            BlockingBuild(f"build-{i:03d}", project_name=item["project_name"], poll_interval=poll)
        return
    package = "pulumi_builds.native" if kind == "native" else "pulumi_builds"
    resource = getattr(importlib.import_module(f"{package}.{service}"), SERVICES[service].resource)
    for i, item in enumerate(inputs):
        resource(f"build-{i:03d}", **item)


def program_source(kind: str, service: str, inputs: list[dict[str, Any]], poll: float) -> str:
    return (
        "import json\n\nfrom bench.bench_builds import declare_builds\n\n"
        f"declare_builds({kind!r}, {service!r}, json.loads({json.dumps(inputs)!r}), {poll!r})\n"
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
    cpu_s: float = 0.0  # CPU of the CLI and every process it started (process_probe)
    provider_mb: float = 0.0  # peak resident memory of the provider process
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
    from bench import bench_services, process_probe
    from pulumi_builds.engine.local import LocalBackend, write_python_project

    service = SERVICES[args.service]
    project = f"bench-{re.sub(r'[^a-z0-9]+', '-', spec.name.lower()).strip('-')}-{args.n}-{repeat}"
    inputs = bench_services.prepare(
        server, args.service, project, spec.seconds, args.n, args.history
    )
    run_dir = root / project
    journal = str(run_dir / "journal")
    env = {
        # The provider process imports bench.baseline_provider and the program imports bench.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
        "PULUMI_PYTHON_CMD": sys.executable,
        "PULUMI_BUILDS_JOURNAL_DIR": journal,
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
        source = program_source(spec.kind, args.service, inputs, args.poll)
        directory = write_python_project(run_dir / "program", project, source)
        stack = backend.cli_stack(directory)
    else:
        stack = backend.inline_stack(
            project, lambda: declare_builds(spec.kind, args.service, inputs, args.poll)
        )
    for key, (value, secret) in bench_services.stack_config(
        args.service, server.url, args.poll
    ).items():
        stack.config_set(key, value, secret=secret)

    reads0, built0 = service.read_count(server), service.created(server)
    lists0, cpu0 = service.list_count(server), process_probe.children_cpu_s()
    logs0 = log_reads(server)
    parallel = None if spec.engine_default_parallel else args.parallel
    started = time.monotonic()
    with process_probe.ProviderMemory(f"PULUMI_BUILDS_JOURNAL_DIR={journal}\0") as memory:
        created, error = up(stack, parallel, run_dir)
    wall = time.monotonic() - started
    return RunResult(
        spec,
        wall,
        service.read_count(server) - reads0,
        service.created(server) - built0,
        created - 1,  # the first up also creates the stack resource
        service.list_count(server) - lists0,
        error,
        log_reads(server) - logs0,
        cpu_s=process_probe.children_cpu_s() - cpu0,
        provider_mb=memory.peak_mb,
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


# -- report ----------------------------------------------------------------------------------------


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_report(
    results: list[RunResult], args: argparse.Namespace, mode: str, ours_missing: str | None
) -> None:
    from rich.console import Console

    console = Console()
    if console.width < 170:  # not a terminal (or a narrow one): keep the table on one line a row
        console = Console(width=170)
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
        f"ours = pulumi_builds.{args.service}.{SERVICES[args.service].resource} on the dynamic "
        "provider (the provider host's unbounded pool) and the shared batched tracker.\n"
        "ours, engine's default --parallel = the same `up` without --parallel: the engine then runs "
        f"at most 4 x CPUs = {4 * (os.cpu_count() or 1)} resource operations at once here.\n"
        f"native = pulumi_builds.native.{args.service}.{SERVICES[args.service].resource}: the "
        "native provider plugin "
        "(pulumi-resource-pulumi-builds) on the same lifecycle and tracker, no launcher pool "
        "setting.\n"
        f"reads = {' + '.join(SERVICES[args.service].reads)} calls counted by the emulator during "
        "the run; reads / interval = (reads - the 0 s run's reads, i.e. the look-ups before the "
        "triggers) / (net s / poll).\n"
        "CPU s = user + system CPU of the CLI and every process it started (language host, "
        "program, providers); provider MB = the provider process's peak resident memory.\n"
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


def _waiting_reads(by_name: dict[str, RunResult], r: RunResult) -> int:
    """The reads of waiting builds: the run's, less those of the 0 s run of the same design (the
    look-ups before the triggers, which do not depend on how long builds take)."""
    fixed = by_name.get(r.spec.overhead or "")
    return r.reads - (fixed.reads if fixed else 0)


def _table(
    results: list[RunResult], args: argparse.Namespace, mode: str, by_name: dict[str, RunResult]
) -> Table:
    """One row a run: wall time, its fixed overhead, the net time and the emulator's counts."""
    from rich.table import Table

    baseline = by_name.get("baseline")
    table = Table(
        title=f"pulumi up --parallel {args.parallel} of N={args.n} {args.service} builds of "
        f"T={args.seconds:g} s, poll {args.poll:g} s ({mode})"
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
        "CPU s",
        "provider MB",
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
                _fmt(r.cpu_s),
                _fmt(r.provider_mb, 0),
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
            _fmt(_waiting_reads(by_name, r) / intervals if intervals else None),
            str(r.lists),
            str(r.log_reads),
            _fmt(r.log_reads / (max(r.spec.seconds, args.poll) / args.poll)),
            created,
            _fmt(r.cpu_s),
            _fmt(r.provider_mb, 0),
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
    parser.add_argument(
        "--n",
        type=int,
        nargs="+",
        default=[40],
        help="number of builds; several (--n 40 200 500): every row for each, one table each",
    )
    parser.add_argument(
        "--service",
        choices=sorted(SERVICES),
        default="aws_codebuild",
        help="the service of ours and native (default aws_codebuild); the baseline and the "
        "no-look-up rows are CodeBuild's only",
    )
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
    for name in ("seconds", "poll", "repeat", *(["parallel"] if args.parallel else [])):
        value = getattr(args, name)
        if not value > 0:
            parser.error(f"--{name}={value!r}: must be > 0")
    if not all(n > 0 for n in args.n):
        parser.error(f"--n={args.n!r}: every count must be > 0")
    if args.service != "aws_codebuild":
        args.skip_baseline = args.skip_no_lookup = True
    return args


def for_count(args: argparse.Namespace, n: int) -> argparse.Namespace:
    """The arguments of the runs with N=n (--parallel defaults to n: all at once)."""
    return argparse.Namespace(**{**vars(args), "n": n, "parallel": args.parallel or n})


def plan_runs(args: argparse.Namespace) -> list[RunSpec]:
    """The rows to run, in order (the 0 s runs first: the others' overheads)."""
    runs: list[RunSpec] = []
    if not args.skip_baseline:
        runs += [
            RunSpec("baseline, 0 s builds", "baseline", 0.0, STOCK_SDK_WORKERS),
            RunSpec(
                "baseline", "baseline", args.seconds, STOCK_SDK_WORKERS, "baseline, 0 s builds"
            ),
        ]
    if GENERATED.exists():
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

    return runs


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
    runs = plan_runs(args)
    by_count: dict[int, list[RunResult]] = {}
    with (
        tempfile.TemporaryDirectory(prefix="bench-builds-") as tmp,
        EmulatorServer(EmulatorConfig()) as server,
    ):
        # Not measured: the first `up` of a session pays for cold caches (bytecode, plugin
        # lookup, the page cache), which would otherwise inflate the first overhead.
        warm_up = for_count(args, 1)
        kind = "baseline" if args.service == "aws_codebuild" else "ours"
        print("bench: warm-up (not measured) ...", file=sys.stderr, flush=True)
        run_one(RunSpec("warm-up", kind, 0.0, None), warm_up, server, Path(tmp), use_cli)
        for n in args.n:
            counted = for_count(args, n)
            by_count[n] = run_rows(runs, counted, server, Path(tmp), use_cli)
            print_report(by_count[n], counted, mode, ours_missing)
    if len(by_count) > 1:
        print_scale(by_count, args)
    return 1 if any(r.error for results in by_count.values() for r in results) else 0


def print_scale(by_count: dict[int, list[RunResult]], args: argparse.Namespace) -> None:
    """The rows of every N side by side, and the provider's memory per 100 more builds."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{args.service}: builds of T={args.seconds:g} s as N grows")
    for column in ("run", "N", "net / T", "reads / interval", "CPU s", "provider MB"):
        table.add_column(column, justify="left" if column == "run" else "right")
    counts = sorted(by_count)
    for name in [r.spec.name for r in by_count[counts[0]] if r.spec.overhead]:
        for n in counts:
            by_name = {r.spec.name: r for r in by_count[n] if not r.error}
            r = by_name.get(name)
            net = _net(by_name, r) if r else None
            if r is None or net is None:
                table.add_row(name, str(n), "-", "-", "-", "-")
                continue
            intervals = max(net, args.poll) / args.poll
            table.add_row(
                name,
                str(n),
                _fmt(net / args.seconds),
                _fmt(_waiting_reads(by_name, r) / intervals),
                _fmt(r.cpu_s),
                _fmt(r.provider_mb, 0),
            )
        first, last = (
            next((r for r in by_count[n] if r.spec.name == name and not r.error), None)
            for n in (counts[0], counts[-1])
        )
        if first and last and last.provider_mb and first.provider_mb:
            per_100 = (last.provider_mb - first.provider_mb) / ((counts[-1] - counts[0]) / 100)
            table.add_row(
                f"{name}: provider MB per 100 more builds", "", "", "", "", _fmt(per_100, 1)
            )
    Console(width=150).print(table)


def run_rows(
    runs: list[RunSpec], args: argparse.Namespace, server: EmulatorServer, root: Path, use_cli: bool
) -> list[RunResult]:
    """Every row `args.repeat` times, round robin (so that load from elsewhere on the machine
    spreads over every design); the median repeat of each."""
    repeats: dict[str, list[RunResult]] = {spec.name: [] for spec in runs}
    for repeat in range(1, args.repeat + 1):
        for spec in runs:
            print(f"bench: N={args.n} {spec.name} #{repeat} ...", file=sys.stderr, flush=True)
            result = run_one(spec, args, server, root, use_cli, repeat)
            print(
                f"bench: N={args.n} {spec.name} #{repeat}: {result.wall_s:.2f} s, "
                f"CPU {result.cpu_s:.2f} s, provider {result.provider_mb:.0f} MB",
                file=sys.stderr,
                flush=True,
            )
            repeats[spec.name].append(result)
    return [median_run(repeats[spec.name]) for spec in runs]


if __name__ == "__main__":
    sys.exit(main())
