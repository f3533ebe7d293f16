"""The first Ctrl-C, honoured: the engine's Cancel RPC (or a SIGTERM of the provider process)
ends every wait of this process within a second, while the builds keep running on the services.

Why a process-wide flag: the engine sends one Cancel per provider process, not per call, and
after it no operation of this process may block any longer (the engine waits for every call in
flight before it ends the update). What each call does when it sees the flag:
- before a build is started: nothing is started (`check`);
- waiting for a build: the wait ends at once with `Interrupted`, which names the build, so the
  native provider records it (partial state) and the dynamic one leaves it findable (journal,
  service look-up) for the next `up` to adopt and track;
- sleeping between retries of a call: the sleep ends and the call fails with its last error.

Also counts the calls in flight, so a SIGTERM handler can let their answers reach the engine
before the process exits (`drain`).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator

_cancelled = threading.Event()
_listeners: list[Callable[[], None]] = []
_lock = threading.Lock()
_in_flight = 0
_idle = threading.Condition(_lock)


class Cancelled(Exception):
    """The update was cancelled before this call started a build: nothing was started."""


class Interrupted(Exception):
    """The update was cancelled while this call waited for `build_id`; the build keeps running.

    `outputs` are the build's last known outputs (the native provider records them)."""

    def __init__(self, build_id: str, outputs: dict[str, object] | None = None) -> None:
        super().__init__(
            f"cancelled: build {build_id} keeps running on the service; the next `pulumi up` "
            "adopts it and waits for it (no new build is started)"
        )
        self.build_id = build_id
        self.outputs = outputs or {}


def cancel() -> None:
    """Cancel every wait of this process, now and from now on (idempotent, thread-safe)."""
    if _cancelled.is_set():
        return
    _cancelled.set()
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        listener()


def cancelled() -> bool:
    return _cancelled.is_set()


def check(what: str) -> None:
    """Raise `Cancelled` if the update was cancelled (`what`: the step not taken)."""
    if _cancelled.is_set():
        raise Cancelled(f"cancelled before {what}: nothing was started")


def on_cancel(listener: Callable[[], None]) -> None:
    """Call `listener` (quick, thread-safe) when `cancel` is called."""
    with _lock:
        _listeners.append(listener)


def sleep(seconds: float) -> None:
    """`time.sleep` that ends early on cancel (for retry back-offs)."""
    _cancelled.wait(max(0.0, seconds))


def reset() -> None:
    """Forget a cancel (tests that run several updates in one process)."""
    _cancelled.clear()


@contextlib.contextmanager
def operation() -> Iterator[None]:
    """Counts a provider call in flight for `drain`."""
    global _in_flight
    with _lock:
        _in_flight += 1
    try:
        yield
    finally:
        with _lock:
            _in_flight -= 1
            _idle.notify_all()


def drain(timeout: float) -> bool:
    """Wait until no call is in flight (at most `timeout` s); True when none is."""
    deadline = time.monotonic() + timeout
    with _lock:
        while _in_flight > 0:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            _idle.wait(left)
    return True
