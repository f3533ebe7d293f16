"""Wall time of `builds-codegen generate` (cold, no-op, one page edited) and `check`.

Runs the real CLI, each command in a fresh process as a user would, in a scratch copy of the
repository's inputs (pages, mapping, pyproject.toml), so the working tree is never touched.

    .venv/bin/python bench/bench_codegen.py [--repeat N] [--json]

Prints the minimum and median of N runs of each step, and the ratios to a cold generate.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
INPUTS = ("schemas/pages", "schemas/mapping.json", "pyproject.toml")


def cli() -> list[str]:
    script = Path(sys.executable).parent / "builds-codegen"
    return [str(script)] if script.exists() else [sys.executable, "-m", "pulumi_builds.codegen.cli"]


def scratch_copy(into: Path) -> Path:
    """The inputs generation reads, and nothing it writes."""
    for name in INPUTS:
        source, target = REPO / name, into / name
        if source.is_dir():
            shutil.copytree(source, target)
        elif source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return into


def run(root: Path, *args: str, expect: tuple[int, ...] = (0,)) -> float:
    start = time.perf_counter()
    result = subprocess.run([*cli(), *args], cwd=root, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode not in expect:
        raise SystemExit(
            f"builds-codegen {' '.join(args)} exited {result.returncode} in "
            f"{root}:\n{result.stdout}{result.stderr}"
        )
    return elapsed


def edit_one_page(root: Path) -> None:
    """A byte appended to one page: a change for the manifest, not for the readers."""
    page = min((root / "schemas" / "pages").glob("*/*"))
    page.write_bytes(page.read_bytes() + b"\n")


def generate_after_edit(root: Path) -> float:
    edit_one_page(root)
    return run(root, "generate")


def measure(repeat: int) -> dict[str, list[float]]:
    steps: dict[str, Callable[[Path], float]] = {
        "generate (cold)": lambda root: run(root, "generate"),
        "generate (no-op)": lambda root: run(root, "generate"),
        "check (no-op)": lambda root: run(root, "check"),
        "generate (one page edited)": generate_after_edit,
        "check (after that)": lambda root: run(root, "check"),
    }
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="bench-codegen-") as scratch:
            root = scratch_copy(Path(scratch))
            for name, step in steps.items():  # in order: each step starts where the last ended
                times[name].append(step(root))
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    times = measure(args.repeat)
    cold = statistics.median(times["generate (cold)"])
    figures = {
        name: {
            "min_s": round(min(values), 3),
            "median_s": round(statistics.median(values), 3),
            "ratio_to_cold": round(statistics.median(values) / cold, 3),
        }
        for name, values in times.items()
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"builds-codegen on the bundled pages, {args.repeat} run(s), fresh process each")
    print(f"{'step':<30}{'min':>9}{'median':>9}{'x cold':>9}")
    for name, figure in figures.items():
        print(
            f"{name:<30}{figure['min_s']:>8.3f}s{figure['median_s']:>8.3f}s"
            f"{figure['ratio_to_cold']:>9.3f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
