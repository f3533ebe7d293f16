"""What the project's language hosts share (engine/nodejs_host.py, go_host.py, language_host.py).

The Go module proxy refuses Pulumi's own `pulumi-language-nodejs` and `pulumi-language-go` (403,
see engine/ensure-pulumi-hosts.sh), so `make engine` places these Python gRPC servers under those
names instead. A language host is a plugin the CLI starts with the engine's address as argument;
it prints its port on the first line of stdout and serves the LanguageRuntime service. This
module holds the parts that do not depend on the language: the handshake, the engine watch,
running a program child process and mapping its exit code, streaming a dependency install, and
handing `GeneratePackage` (`pulumi package gen-sdk`) to Pulumi's own generators in
`pulumi-builds-sdkgen` (engine/sdkgen), started as a language host of the same language.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import json_format

from pulumi_builds import engine_watch
from pulumi_builds.engine.install import PULUMI_VERSION, SDKGEN
from pulumi_builds.engine.protocol import language_pb2, language_pb2_grpc, plugin_pb2

# A program that already reported its error through the engine exits with this code (all SDKs).
ERROR_ALREADY_SHOWN = 32


def runtime_options(info: Any) -> dict[str, Any]:
    """The `runtime.options` of Pulumi.yaml, as the CLI passes them in ProgramInfo."""
    return json_format.MessageToDict(info.options) if info.HasField("options") else {}


def program_directory(request: Any) -> str:
    """Where the program's sources are: ProgramInfo's directory, else the working directory."""
    info = request.info
    return str(info.program_directory or getattr(request, "pwd", "") or os.getcwd())


def find_sdkgen() -> str:
    """pulumi-builds-sdkgen: on PATH (the venv's bin after `make engine`), else beside Python."""
    return shutil.which(SDKGEN) or str(Path(sys.executable).parent / SDKGEN)


class ProgramHost(language_pb2_grpc.LanguageRuntimeServicer):
    """The calls every program host answers the same way; subclasses add Run and friends."""

    language = ""

    def __init__(self, engine_address: str) -> None:
        self.engine_address = engine_address
        self._lock = threading.Lock()
        self._children: set[subprocess.Popen[bytes]] = set()
        self._watching = False

    def watch_engine(self) -> None:
        """Exit, with the programs this host runs, once the engine is gone (a killed CLI)."""
        if not self._watching and engine_watch.watch(
            self.engine_address, self.stop_children_and_exit
        ):
            self._watching = True

    def stop_children_and_exit(self) -> None:
        with self._lock:
            children = list(self._children)
        for child in children:
            child.terminate()
        os._exit(0)

    def Handshake(self, request: Any, context: Any) -> Any:  # gRPC method names are CamelCase
        if request.engine_address:
            self.engine_address = request.engine_address
            self.watch_engine()
        return language_pb2.LanguageHandshakeResponse()

    def GetPluginInfo(self, request: Any, context: Any) -> Any:
        return plugin_pb2.PluginInfo(version=PULUMI_VERSION)

    @contextlib.contextmanager
    def tracked(self, child: subprocess.Popen[bytes]) -> Iterator[subprocess.Popen[bytes]]:
        """`child`, terminated with this host if the engine goes away while it runs."""
        with self._lock:
            self._children.add(child)
        try:
            yield child
        finally:
            with self._lock:
                self._children.discard(child)

    def wait_for(self, command: Sequence[str], cwd: str, env: dict[str, str]) -> int:
        """Run a child with our stdout/stderr (which the CLI shows) and return its exit code."""
        with self.tracked(subprocess.Popen(list(command), cwd=cwd or None, env=env)) as child:
            return child.wait()

    def stream_apart(
        self, command: Sequence[str], cwd: Path, env: dict[str, str]
    ) -> Iterator[tuple[str, bytes]]:
        """Run `command`, yielding ("stdout"|"stderr", chunk) as they come, then ("exit", code):
        the two streams kept apart, as Pulumi's Python host streams an install or a plugin."""
        process = subprocess.Popen(
            list(command), cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        chunks: queue.Queue[tuple[str, bytes]] = queue.Queue()

        def pump(name: str, pipe: Any) -> None:
            # os.read returns what is there: a plugin's port line must reach the CLI at once.
            while chunk := os.read(pipe.fileno(), 65536):
                chunks.put((name, chunk))
            chunks.put((name, b""))

        with self.tracked(process):
            for name, pipe in (("stdout", process.stdout), ("stderr", process.stderr)):
                threading.Thread(target=pump, args=(name, pipe), daemon=True).start()
            open_pipes = 2
            while open_pipes:
                name, chunk = chunks.get()
                if chunk:
                    yield name, chunk
                else:
                    open_pipes -= 1
            yield "exit", str(process.wait()).encode()

    def run_program(self, command: Sequence[str], cwd: str, env: dict[str, str]) -> Any:
        """Run the program to its end: a RunResponse as Pulumi's hosts give it."""
        try:
            exit_code = self.wait_for(command, cwd, env)
        except OSError as error:
            return language_pb2.RunResponse(error=f"could not start {command[0]}: {error}")
        if exit_code == 0:
            return language_pb2.RunResponse()
        if exit_code == ERROR_ALREADY_SHOWN:
            return language_pb2.RunResponse(bail=True)
        return language_pb2.RunResponse(
            error=f"Program exited with non-zero exit code: {exit_code}"
        )

    def stream_command(
        self, command: Sequence[str], cwd: str, env: dict[str, str], context: Any
    ) -> Iterator[Any]:
        """Run a dependency install, its output streamed to the CLI as it comes."""
        try:
            child = subprocess.Popen(
                list(command), cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
            )
        except OSError as error:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, f"{command[0]}: {error}")
        assert child.stdout is not None
        with self.tracked(child):
            while chunk := os.read(child.stdout.fileno(), 8192):
                yield language_pb2.InstallDependenciesResponse(stdout=chunk)
            exit_code = child.wait()
        if exit_code != 0:
            context.abort(
                grpc.StatusCode.INTERNAL,
                f"`{' '.join(command)}` in {cwd} exited with {exit_code} (its output is above)",
            )

    def GeneratePackage(self, request: Any, context: Any) -> Any:
        """`pulumi package gen-sdk --language <ours>`: Pulumi's generator for this language, in
        pulumi-builds-sdkgen started as a host of the same name, answers the same request (so
        the engine's schema loader, local dependencies and extra files reach it unchanged)."""
        sdkgen = find_sdkgen()
        try:
            server = subprocess.Popen(
                [f"pulumi-language-{self.language}"],
                executable=sdkgen,  # sdkgen serves as the host its argv[0] names
                stdout=subprocess.PIPE,
                text=True,
            )
        except OSError as error:
            context.abort(
                grpc.StatusCode.FAILED_PRECONDITION, f"{sdkgen}: {error}: run `make engine`"
            )
        try:
            assert server.stdout is not None
            port = server.stdout.readline().strip()
            with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                stub = language_pb2_grpc.LanguageRuntimeStub(channel)
                return stub.GeneratePackage(request, timeout=600)
        except grpc.RpcError as error:
            context.abort(error.code(), error.details())
        finally:
            server.terminate()
            server.wait()


def serve(host: ProgramHost) -> None:
    """A language host's main: serve on a free loopback port, print it, run until stopped."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(host, server)
    host.watch_engine()
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    try:
        server.wait_for_termination()
    except KeyboardInterrupt:  # the CLI stops its plugins with SIGINT: a normal end
        server.stop(0)
