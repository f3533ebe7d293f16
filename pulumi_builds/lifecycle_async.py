"""The waiting lifecycle calls (`create`, `update`) for an event loop: the native provider's.

The same steps as lifecycle.create / lifecycle.update, but the wait parks the caller's task on
the shared tracker (`Tracker.wait_async`) instead of a thread: the calls before and after the
wait (trigger, journal, failure details) run in threads, a few milliseconds each, so a provider
waits for any number of builds at once with a handful of threads.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from pulumi_builds import cancellation, lifecycle, services, tracker
from pulumi_builds.spec import ResourceSpec
from pulumi_builds.tokens import trigger_token
from pulumi_builds.transport.base import Transport
from pulumi_builds.wire import inputs_of


async def create(
    spec: ResourceSpec, props: Mapping[str, Any], progress: lifecycle.Progress | None = None
) -> tuple[str, dict[str, Any]]:
    """lifecycle.create, waiting on the event loop."""
    with cancellation.operation():
        props = inputs_of(spec, props)  # the wire form, made once (as lifecycle.create)
        started = await asyncio.to_thread(lifecycle.start, spec, props, progress)
        if not lifecycle.waits(props):
            return await asyncio.to_thread(lifecycle.not_waited, spec, props, started)
        try:
            obj = await wait_for(
                spec,
                started.transport,
                started.build_id,
                props,
                started.token,
                progress,
                started.obj,
            )
        except cancellation.Interrupted:
            raise lifecycle.interrupted(spec, props, started) from None
        except tracker.BuildNotFound:
            await asyncio.to_thread(lifecycle.lost, spec, props, started)
            raise
        return await asyncio.to_thread(lifecycle.finished, spec, props, started, obj)


async def update(
    spec: ResourceSpec,
    id_: str,
    olds: Mapping[str, Any],
    news: Mapping[str, Any],
    progress: lifecycle.Progress | None = None,
) -> dict[str, Any]:
    """lifecycle.update, waiting on the event loop."""
    outs = lifecycle.updated_inputs(spec, olds, news)
    if not lifecycle.must_wait_after_update(olds, news):
        return outs
    with cancellation.operation():
        transport = await asyncio.to_thread(services.transport, spec.service)  # may import boto3
        token = trigger_token(spec, olds, transport.endpoint)
        if progress is not None:
            progress(f"waiting for build {id_} (running when it was last recorded)")
        try:
            obj = await wait_for(spec, transport, id_, outs, token, progress)
        except cancellation.Interrupted:
            raise cancellation.Interrupted(id_, outs) from None
        return await asyncio.to_thread(
            lifecycle.updated_after_wait, spec, transport, id_, outs, obj
        )


async def wait_for(
    spec: ResourceSpec,
    transport: Transport,
    build_id: str,
    props: Mapping[str, Any],
    token: str,
    progress: lifecycle.Progress | None = None,
    known: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """lifecycle.wait_for, on the event loop (a retry's call runs in a thread)."""
    waiting = lifecycle.Waiting.of(spec, transport, build_id, props, token, progress)
    obj = waiting.finished_already(known) or await waiting.tracker.wait_async(*waiting.arguments)
    while await asyncio.to_thread(waiting.retried, obj):
        obj = await waiting.tracker.wait_async(*waiting.arguments)
    return obj
