"""Hundreds of builds waiting at once (issue 20): the native provider's waits hold no thread each,
the dynamic provider's pool has no bound of its own, and reads stay batched (ceil(N/100) per poll
interval), against the CodeBuild emulator."""

from __future__ import annotations

import asyncio
import math
import threading
from pathlib import Path
from typing import Any

import pytest

from pulumi_builds import cancellation, lifecycle, provider_host, tracker
from pulumi_builds.emulators.core import Outcome
from pulumi_builds.emulators.server import EmulatorServer
from pulumi_builds.generated.aws_codebuild.resources import SPECS as CODEBUILD
from pulumi_builds.tokens import IDENTITY

BUILD = CODEBUILD["Build"]


def _reads(emulator: EmulatorServer) -> int:
    return emulator.emulator.counter("aws_codebuild", "requests.BatchGetBuilds")


def test_async_waits_for_250_builds_share_batched_reads_and_hold_no_thread_each(
    emulator: EmulatorServer, codebuild: Any
) -> None:
    count = 250
    emulator.emulator.script("aws_codebuild", "api", Outcome("succeeded", duration_s=1.5, times=0))
    ids = [
        codebuild.call("StartBuild", {"projectName": "api"})["build"]["id"] for _ in range(count)
    ]
    waits = tracker.Tracker(poll_interval=0.3)
    threads_before = threading.active_count()
    peak_threads = 0

    async def wait_all() -> list[dict[str, Any]]:
        nonlocal peak_threads
        tasks = [
            asyncio.ensure_future(waits.wait_async(BUILD, codebuild, i, {}, timeout=120))
            for i in ids
        ]
        while not all(t.done() for t in tasks):
            peak_threads = max(peak_threads, threading.active_count())
            await asyncio.sleep(0.05)
        return [t.result() for t in tasks]

    reads_before = _reads(emulator)
    builds = asyncio.run(wait_all())
    reads = _reads(emulator) - reads_before

    assert [b["id"] for b in builds] == ids
    assert {b["buildStatus"] for b in builds} == {"SUCCEEDED"}
    # One poll thread for every waiting build (plus, at most, asyncio's own helper).
    assert peak_threads - threads_before <= 2
    assert waits.rounds >= 2
    assert reads <= waits.rounds * math.ceil(count / 100)


def test_a_cancelled_async_wait_stops_being_read(emulator: EmulatorServer, codebuild: Any) -> None:
    emulator.emulator.script("aws_codebuild", "api", Outcome("succeeded", duration_s=600, times=0))
    build_id = codebuild.call("StartBuild", {"projectName": "api"})["build"]["id"]
    waits = tracker.Tracker(poll_interval=0.05)

    async def cancel_after_a_few_reads() -> None:
        task = asyncio.ensure_future(waits.wait_async(BUILD, codebuild, build_id, {}, timeout=600))
        while waits.rounds < 3:
            await asyncio.sleep(0.02)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel_after_a_few_reads())
    rounds = waits.rounds
    threading.Event().wait(0.3)
    assert waits.rounds <= rounds + 1  # nothing left to read: the poll thread idles


class _CancelBeforeFirstAcquire:
    """The tracker's lock, with a Ctrl-C arriving (on another thread) just before the first
    wait takes it: the moment between a wait's check of the cancel and its registration."""

    def __init__(self, lock: Any) -> None:
        self.lock = lock
        self.first = True

    def __enter__(self) -> None:
        if self.first:
            self.first = False
            canceller = threading.Thread(target=cancellation.cancel)
            canceller.start()
            canceller.join()
        self.lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self.lock.release()


def test_a_cancel_while_a_wait_is_being_added_ends_that_wait(
    emulator: EmulatorServer, codebuild: Any
) -> None:
    emulator.emulator.script("aws_codebuild", "api", Outcome("succeeded", duration_s=600))
    build_id = codebuild.call("StartBuild", {"projectName": "api"})["build"]["id"]
    waits = tracker.Tracker(poll_interval=0.05)
    cancellation.on_cancel(waits.cancel_all)
    waits._lock = _CancelBeforeFirstAcquire(waits._lock)  # type: ignore[assignment]
    try:
        with pytest.raises(cancellation.Interrupted) as interrupted:
            waits.wait(BUILD, codebuild, build_id, {}, timeout=3)  # not _no_answer after 3 s
    finally:
        cancellation.reset()
    assert interrupted.value.build_id == build_id


def test_the_dynamic_provider_pool_has_no_bound_of_its_own() -> None:
    """300 calls that each wait for all the others all run at once (the old pool had 64)."""
    count = 300
    everyone = threading.Barrier(count, timeout=30)
    workers = provider_host.worker_count({})
    pool = provider_host.WidePoolFutures(workers).ThreadPoolExecutor(max_workers=4)
    try:
        calls = [pool.submit(everyone.wait) for _ in range(count)]
        assert sorted(call.result(timeout=60) for call in calls) == list(range(count))
    finally:
        pool.shutdown()


def test_the_dynamic_provider_pool_keeps_a_size_that_was_asked_for() -> None:
    workers = provider_host.worker_count({provider_host.WORKERS_VARIABLE: "4"})
    pool = provider_host.WidePoolFutures(workers).ThreadPoolExecutor()
    try:
        assert pool._max_workers == 4
    finally:
        pool.shutdown()


def test_a_build_the_trigger_reports_finished_is_not_polled_for(
    emulator: EmulatorServer, codebuild: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULUMI_BUILDS_JOURNAL_DIR", str(tmp_path))
    emulator.emulator.script("aws_codebuild", "api", Outcome("succeeded", duration_s=0, times=0))
    props = {IDENTITY: "proj/dev/aws_codebuild.Build/zero", "project_name": "api"}
    build_id, outs = lifecycle.create(BUILD, props)
    assert (
        build_id.startswith("api:")
        and outs["succeeded"] is True
        and outs["build_status"] == "SUCCEEDED"
    )
    # The look-up reads nothing in an empty project, and the wait has nothing to wait for.
    assert _reads(emulator) == 0
    assert emulator.emulator.counter("aws_codebuild", "requests.StartBuild") == 1
