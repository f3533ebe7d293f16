"""The dynamic provider server, with a gRPC thread pool that caps nothing the engine allows.

The Pulumi CLI starts `pulumi-resource-pulumi-python` (see pulumi_builds/launchers/), which runs
`python -u -m pulumi_builds.provider_host`. This module runs the SDK's own server,
`pulumi/dynamic/__main__.py`, unchanged except for one thing: the size of its gRPC thread pool.

Why: the stock server builds its gRPC server on `futures.ThreadPoolExecutor(max_workers=4)`, and
every provider call holds one of those threads until it returns. Our `create` waits for a build
to finish, so with four threads a stack of twenty builds runs in waves of four. The engine itself
runs resource operations in parallel too (`--parallel` or `PULUMI_PARALLEL`, default 4 x CPUs),
and the provider must not cap it below that: we hand the module a `futures` shim whose
ThreadPoolExecutor has no bound of its own (threads are started as calls arrive and reused when
idle, so there are never more than the engine's parallelism), or `PULUMI_BUILDS_PROVIDER_WORKERS`
workers when that is set (the benchmark's stock-server baseline sets 4).

The SDK module starts its server at import time (a bare `main()` call at the bottom), so it cannot
be imported and then patched. Instead its source is compiled without that top-level call, run as
the module `pulumi.dynamic.__main__`, patched, and then its own `main()` is called. If the SDK's
module ever stops matching that shape, the stock server is run as is (4 workers) with a warning
on stderr, rather than failing.
"""

from __future__ import annotations

import ast
import concurrent.futures
import importlib.util
import os
import runpy
import signal
import sys
import threading
import time
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from pulumi_builds import cancellation, engine_watch, settings

SDK_SERVER_MODULE = "pulumi.dynamic.__main__"
WORKERS_VARIABLE = settings.WORKERS_VARIABLE
# No cap: the engine's --parallel (or PULUMI_PARALLEL) decides how many calls run at once.
DEFAULT_WORKERS: int | None = None


class WidePoolFutures:
    """Stands in for `concurrent.futures` inside the SDK server module.

    Only `ThreadPoolExecutor` differs: its `max_workers` is ours, whatever the caller asked for.
    Every other attribute is the real module's.
    """

    def __init__(self, workers: int | None) -> None:
        self.workers = workers  # None: no bound

    def ThreadPoolExecutor(  # same name as the attribute it replaces
        self, max_workers: int | None = None, *args: Any, **kwargs: Any
    ) -> concurrent.futures.ThreadPoolExecutor:
        # The executor starts a thread only when no idle one is left, so "no bound" means as
        # many threads as calls in flight, which the engine's parallelism bounds.
        workers = sys.maxsize if self.workers is None else self.workers
        return concurrent.futures.ThreadPoolExecutor(workers, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(concurrent.futures, name)


def worker_count(environ: Mapping[str, str] = os.environ) -> int | None:
    """The pool size (settings.worker_count); None: no bound."""
    return settings.worker_count(DEFAULT_WORKERS, environ)


def _is_top_level_main_call(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Call)
        and isinstance(statement.value.func, ast.Name)
        and statement.value.func.id == "main"
    )


def load_sdk_server() -> ModuleType | None:
    """The SDK server module, executed without starting the server; None if its shape changed."""
    spec = importlib.util.find_spec(SDK_SERVER_MODULE)
    if spec is None or spec.loader is None or spec.origin is None:
        return None
    source = spec.loader.get_source(SDK_SERVER_MODULE)  # type: ignore[attr-defined]
    if source is None:
        return None
    tree = ast.parse(source, spec.origin)
    kept = [statement for statement in tree.body if not _is_top_level_main_call(statement)]
    if len(kept) != len(tree.body) - 1:
        return None
    tree.body = kept
    module = importlib.util.module_from_spec(spec)
    sys.modules[SDK_SERVER_MODULE] = module
    exec(compile(tree, spec.origin, "exec"), module.__dict__)  # noqa: S102 - the SDK's own code
    if getattr(module, "futures", None) is not concurrent.futures or not callable(
        getattr(module, "main", None)
    ):
        return None
    return module


DRAIN_S = 4.0  # a SIGTERM lets the calls in flight answer for this long at most


def honour_cancel(server: ModuleType) -> None:
    """The SDK's servicer answers Cancel and does nothing (3.259.0): here Cancel, and SIGTERM,
    end every wait of the process at once (cancellation.py), the builds left running findable."""
    servicer = getattr(server, "DynamicResourceProviderServicer", None)
    if servicer is not None:
        empty = server.empty_pb2.Empty

        def cancel(_self: Any, _request: Any, _context: Any) -> Any:
            cancellation.cancel()
            return empty()

        setattr(servicer, "Cancel", cancel)  # noqa: B010 - a method of the SDK's class
    signal.signal(signal.SIGTERM, _on_sigterm)


def _on_sigterm(_signum: int, _frame: Any) -> None:
    def finish() -> None:
        cancellation.cancel()
        cancellation.drain(DRAIN_S)
        time.sleep(0.5)  # the answers of the calls that just returned reach the engine
        os._exit(0)

    threading.Thread(target=finish, name="sigterm", daemon=True).start()


def main() -> None:
    workers = worker_count()
    server = load_sdk_server()
    if server is None:
        print(
            f"pulumi_builds.provider_host: {SDK_SERVER_MODULE} no longer has the expected shape; "
            "running the stock dynamic provider server (4 concurrent operations)",
            file=sys.stderr,
        )
        sys.modules.pop(SDK_SERVER_MODULE, None)
        runpy.run_module("pulumi.dynamic", run_name="__main__", alter_sys=True)
        return
    setattr(server, "futures", WidePoolFutures(workers))  # noqa: B010 - a module attribute
    honour_cancel(server)
    # Like the CLI's Go plugins, end with the engine: a killed `pulumi up` must not leave
    # providers waiting on builds forever (the journal lets the next `up` adopt them).
    engine_watch.watch(engine_watch.engine_address(sys.argv[1:]))
    server.main()


if __name__ == "__main__":
    main()
