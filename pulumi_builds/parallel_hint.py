"""One line per `up` when the engine's parallelism will make builds queue (issue 20).

The engine runs at most `--parallel` resource operations at once (default `PULUMI_PARALLEL`, else
4 x CPUs: 8 on a 2-core machine), and a build resource's create lasts as long as its build. A
program of 200 builds of 20 s therefore takes 25 waves of 20 s at the default, and nothing tells
the user why: the provider cannot lift that limit (only the CLI sets it), and it cannot see the
creates the engine holds back. The program can: it knows the engine's parallelism (the language
host passes it) and counts the build resources it declares. Once a program declares more build
resources than the engine runs at once, it warns once, in the update itself (not the preview),
with the fix. Builds that need no create in this update (no change) do not queue; the line says
"may".
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

import pulumi
from pulumi.runtime import settings as runtime_settings

_lock = threading.Lock()
# Per deployment (the engine's monitor connection): an Automation API process runs many `up`s.
_counts: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()


def engine_parallelism() -> int | None:
    """The engine's `--parallel` as the language host passed it; None when unknown or unbounded."""
    parallel = runtime_settings.SETTINGS.parallel
    if isinstance(parallel, bool) or not isinstance(parallel, int) or parallel < 1:
        return None
    return parallel


def message(parallel: int) -> str:
    return (
        f"pulumi-builds: this program declares more build resources than the {parallel} resource "
        f"operations the engine runs at once (`pulumi up --parallel`, default 4 x CPUs): builds "
        f"started by this update beyond {parallel} may wait for others to finish. To run them "
        f"all at once, use `pulumi up --parallel N` or set PULUMI_PARALLEL=N, with N at least "
        f"the number of builds."
    )


def count_build() -> None:
    """Called for every build resource the program declares; warns once per deployment."""
    parallel = engine_parallelism()
    monitor = runtime_settings.SETTINGS.monitor
    if parallel is None or monitor is None or runtime_settings.is_dry_run():
        return
    with _lock:
        try:
            count = _counts.get(monitor, 0) + 1
            _counts[monitor] = count
        except TypeError:  # a monitor that cannot be weakly referenced: no hint, no harm
            return
    if count == parallel + 1:
        pulumi.log.warn(message(parallel))
