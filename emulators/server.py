"""Run the emulator app with uvicorn in a background thread (tests, the demo, notebooks).

with EmulatorServer(EmulatorConfig(time_scale=60)) as server:
    boto3.client("codebuild", endpoint_url=server.url, ...)
    server.emulator.script("aws_codebuild", "demo", Outcome("failed"))
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import Self

import uvicorn

from pulumi_builds.emulators import clients
from pulumi_builds.emulators.app import EmulatorApp
from pulumi_builds.emulators.core import Emulator, EmulatorConfig


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket for uvicorn (port 0 = a free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # uvicorn writes headers and body separately; without TCP_NODELAY (inherited by the accepted
    # connections on Linux) Nagle's algorithm and delayed ACKs add 40 ms to every response.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    return sock


class EmulatorServer:
    """uvicorn serving the emulator on `host:port` (port 0 = a free port) in a daemon thread."""

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        strict: bool = False,
        log_level: str = "warning",
    ) -> None:
        self.emulator = Emulator(config)
        self.app = EmulatorApp(self.emulator, strict=strict)
        self.host = host
        self._requested_port = port
        self._log_level = log_level
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.port = 0
        # An httpx.Client on the control API (`<url>/_emulator`), open while the server runs.
        self.control = clients.client()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def violations(self) -> list[str]:
        """Responses that broke schemas/ since the last reset."""
        return self.app.validator.violations

    @property
    def checked_operations(self) -> dict[str, set[str]]:
        """service -> operations whose responses were checked against schemas/."""
        return self.app.validator.checked

    def start(self, timeout: float = 10.0) -> Self:
        # Bind the socket ourselves so the port is known (and free) before uvicorn starts.
        sock = bind_socket(self.host, self._requested_port)
        self.port = sock.getsockname()[1]
        self._socket = sock
        config = uvicorn.Config(
            self.app, log_level=self._log_level, access_log=False, lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="emulator", daemon=True
        )
        self._thread.start()
        self.control = clients.client(base_url=f"{self.url}/_emulator", timeout=10)
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"emulator did not start on {self.url}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.control.close()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
