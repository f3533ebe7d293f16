"""What one `pulumi up` of the benchmark costs besides time (issue 20): the CPU seconds of the
CLI and every process it started (language host, program, providers: all reaped, so they count
in this process's RUSAGE_CHILDREN), and the peak resident memory of the run's provider process,
sampled from /proc (Linux) every 0.2 s. The provider is told apart from other runs' (the machine
is shared) by the run's own journal directory in its environment."""

from __future__ import annotations

import resource
import threading
from pathlib import Path
from types import TracebackType
from typing import Self

# The provider servers as they show in a command line: run as modules by the launchers, or the
# installed console script of the native plugin.
PROVIDERS = (
    b"pulumi_builds.provider_host",
    b"pulumi_builds.native",
    b"pulumi-resource-pulumi-builds",
)


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class ProviderMemory:
    """Peak RSS (MB) of the provider processes whose environment names `marker`."""

    def __init__(self, marker: str, interval: float = 0.2) -> None:
        self.marker = marker.encode()
        self.interval = interval
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="provider-memory", daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            for proc in Path("/proc").glob("[0-9]*"):
                rss = _provider_rss_mb(proc, self.marker)
                if rss is not None:
                    self.peak_mb = max(self.peak_mb, rss)


def _provider_rss_mb(proc: Path, marker: bytes) -> float | None:
    try:
        if not any(p in (proc / "cmdline").read_bytes() for p in PROVIDERS):
            return None
        if marker not in (proc / "environ").read_bytes():
            return None
        for line in (proc / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:  # gone meanwhile, or not ours to read
        return None
    return None
