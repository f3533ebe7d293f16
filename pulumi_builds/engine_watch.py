"""Exit when the Pulumi engine that started this plugin is gone.

The CLI's own (Go) plugins health-check the engine's gRPC address and exit when it stops
answering; without that, a killed `pulumi up` leaves its language host, program and provider
processes running forever. The Python servers of this project (provider_host, language_host) do
the same with this watcher.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable

INTERVAL_S = 1.0
MISSES = 3  # consecutive failed connections before the engine counts as gone


def engine_alive(address: str, timeout: float = 1.0) -> bool:
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout):
            return True
    except (OSError, ValueError):
        return False


def watch(address: str, on_gone: Callable[[], None] | None = None) -> threading.Thread | None:
    """Start a daemon thread that calls `on_gone` (default: exit now) once the engine is gone."""
    if not address or ":" not in address:
        return None

    def run() -> None:
        misses = 0
        while True:
            time.sleep(INTERVAL_S)
            misses = 0 if engine_alive(address) else misses + 1
            if misses >= MISSES:
                (on_gone or _exit)()
                return

    thread = threading.Thread(target=run, name="engine-watch", daemon=True)
    thread.start()
    return thread


def _exit() -> None:
    os._exit(0)


def engine_address(argv: list[str]) -> str:
    """The CLI passes the engine address as the first argument that is not a flag."""
    return next((arg for arg in argv if not arg.startswith("-")), "")
