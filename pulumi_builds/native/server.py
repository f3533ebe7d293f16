"""Serves the native provider with the SDK's experimental asyncio server, plus what it lacks.

`pulumi.provider.experimental.server.main()` (SDK 3.259.0) hard-codes its servicer, so its ~10
lines of `serve()` are repeated here with `BuildsServicer`, which adds:
- partial state: a `ResourceInitFailed` from create/update/read aborts the call with the engine's
  `ErrorResourceInitFailed` detail (id, properties, reasons), so a failed build is recorded;
- DiffConfig: the SDK's reads a missing attribute; answered here ("no change");
- a thread pool for the short blocking calls (triggers, reads, journal: `asyncio.to_thread`);
  a waiting build holds no thread (it awaits the shared tracker on the loop), so the pool's size
  bounds only how many of those calls overlap, never how many builds run;
- the engine's Log RPC, for progress on a resource's row (ephemeral, by URN);
- SIGTERM handled as the engine's Cancel (cancellation.py), then the server stops.

Pinned to the SDK: tests/test_native_server.py fails when the SDK's server code that this
mirrors changes (new release), so the copy is reviewed rather than silently wrong.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import grpc
import grpc.aio
from google.protobuf import any_pb2
from pulumi.provider.experimental import provider as p
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.server import ProviderServicer
from pulumi.runtime import proto
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2_grpc, status_pb2

from pulumi_builds import cancellation, engine_watch, settings
from pulumi_builds.native.provider import BuildsProvider, ResourceInitFailed

VERSION = "0.1.0"
WORKERS_VARIABLE = settings.WORKERS_VARIABLE
DEFAULT_WORKERS = 64

log = logging.getLogger(__name__)


class BuildsServicer(ProviderServicer):
    async def Create(self, request: Any, context: Any) -> Any:
        return await _with_partial_state(super().Create, request, context)

    async def Update(self, request: Any, context: Any) -> Any:
        return await _with_partial_state(super().Update, request, context)

    async def Read(self, request: Any, context: Any) -> Any:
        return await _with_partial_state(super().Read, request, context)

    async def DiffConfig(self, request: Any, context: Any) -> Any:
        return proto.DiffResponse(changes=proto.DiffResponse.DIFF_NONE)


async def _with_partial_state(
    call: Callable[[Any, Any], Awaitable[Any]], request: Any, context: Any
) -> Any:
    """The SDK servicer's `call`, with a `ResourceInitFailed` recorded as partial state."""
    try:
        return await call(request, context)
    except ResourceInitFailed as failed:
        await _abort_init_failed(context, failed)
        raise


async def _abort_init_failed(context: Any, failed: ResourceInitFailed) -> None:
    """Fail the call the way Go providers do for "created, but failed to initialise"."""
    detail = proto.ErrorResourceInitFailed(
        id=failed.build_id,
        properties=PropertyValue.marshal_map(failed.properties),
        inputs=PropertyValue.marshal_map(failed.inputs),
        reasons=[failed.reason],
    )
    packed = any_pb2.Any()
    packed.Pack(detail)
    status = status_pb2.Status(
        code=grpc.StatusCode.UNKNOWN.value[0], message=failed.reason, details=[packed]
    )
    # grpc.Status is an abstract class with settable fields (as the SDK's own servicer uses it).
    grpc_status = grpc.Status()
    grpc_status.code = grpc.StatusCode.UNKNOWN
    grpc_status.details = failed.reason
    grpc_status.trailing_metadata = (("grpc-status-details-bin", status.SerializeToString()),)
    await context.abort_with_status(grpc_status)


class EngineLog:
    """Ephemeral messages on a resource's row, through the engine's Log RPC."""

    def __init__(self, address: str) -> None:
        self._address = address
        self._stub: engine_pb2_grpc.EngineStub | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: set[asyncio.Future[Any]] = set()

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        channel = grpc.aio.insecure_channel(self._address, options=_GRPC_CHANNEL_OPTIONS)
        self._stub = engine_pb2_grpc.EngineStub(channel)
        self._loop = loop

    def __call__(self, urn: str, message: str) -> None:
        """Thread-safe: called from the tracker's poll thread and from worker threads."""
        if self._loop is None or self._stub is None:
            return
        request = engine_pb2.LogRequest(
            severity=engine_pb2.INFO, message=message, urn=urn, ephemeral=True
        )
        future = asyncio.run_coroutine_threadsafe(self._send(request), self._loop)
        future.add_done_callback(lambda f: f.exception())  # never an unretrieved error

    async def _send(self, request: engine_pb2.LogRequest) -> None:
        assert self._stub is not None
        try:
            await self._stub.Log(request)
        except grpc.RpcError as exc:
            log.debug("engine log failed: %s", exc)


DRAIN_S = 4.0  # a SIGTERM lets the calls in flight answer for this long at most


async def _terminate(server: grpc.aio.Server) -> None:
    """SIGTERM behaves as the engine's Cancel, then ends the server once the calls in flight
    have answered (each started build recorded as partial state)."""
    cancellation.cancel()
    await asyncio.to_thread(cancellation.drain, DRAIN_S)
    await server.stop(grace=1.0)


def worker_count(environ: Mapping[str, str] = os.environ) -> int:
    """The pool size for the short blocking calls (settings.worker_count, default 64)."""
    return settings.worker_count(DEFAULT_WORKERS, environ) or DEFAULT_WORKERS


async def serve(args: list[str], engine_address: str) -> None:
    """The SDK's `main().serve()`, with BuildsServicer, a wide pool and the engine log."""
    loop = asyncio.get_running_loop()
    loop.set_default_executor(concurrent.futures.ThreadPoolExecutor(worker_count()))
    engine_log = EngineLog(engine_address)
    engine_log.start(loop)
    server = grpc.aio.server(options=_GRPC_CHANNEL_OPTIONS)
    servicer = BuildsServicer(
        args, VERSION, BuildsProvider(log=engine_log), engine_address=engine_address
    )
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
    port = server.add_insecure_port(address="127.0.0.1:0")
    await server.start()
    stopping: list[asyncio.Task[None]] = []
    loop.add_signal_handler(
        signal.SIGTERM, lambda: stopping.append(loop.create_task(_terminate(server)))
    )
    sys.stdout.buffer.write(f"{port}\n".encode())
    sys.stdout.buffer.flush()
    await server.wait_for_termination()


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description="pulumi-builds native provider (gRPC server)")
    parser.add_argument("engine", help="Pulumi engine address")
    parser.add_argument("--logflow", action="store_true", help="ignored")
    parser.add_argument("--logtostderr", action="store_true", help="ignored")
    known, _ = parser.parse_known_args(args)
    # Like the CLI's Go plugins, end with the engine: a killed `pulumi up` must not leave a
    # provider waiting on builds forever (the journal lets the next `up` adopt them).
    engine_watch.watch(engine_watch.engine_address(args))
    try:
        asyncio.run(serve(args, known.engine))
    except KeyboardInterrupt:
        pass


__all__ = ["BuildsServicer", "main", "p", "serve"]
