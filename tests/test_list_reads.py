"""Issue 20: Cloud Foundry and Workers Builds waits read many builds per call (the resource's
list read: ListBuilds by package, ListBuildsByScript by Worker) instead of one GET per build per
poll interval, counted by the emulators; builds without a key are still read one by one."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from pulumi_builds import lifecycle_async, services, tracker
from pulumi_builds.emulators import seed
from pulumi_builds.emulators.core import Outcome
from pulumi_builds.emulators.server import EmulatorServer
from pulumi_builds.engine.emulated import EMULATOR_TOKEN
from pulumi_builds.generated.cloudflare_builds.resources import SPECS as CLOUDFLARE
from pulumi_builds.generated.cloudfoundry.resources import SPECS as CLOUDFOUNDRY

POLL = 0.3
ACCOUNT = "a" * 32


@pytest.fixture
def configured(emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "CF_API_URL": emulator.url,
        "CF_TOKEN": EMULATOR_TOKEN,
        "CLOUDFLARE_API_BASE_URL": f"{emulator.url}/client/v4",
        "CLOUDFLARE_API_TOKEN": EMULATOR_TOKEN,
        "PULUMI_BUILDS_POLL_INTERVAL": str(POLL),
    }.items():
        monkeypatch.setenv(name, value)
    services.reset_transports()
    yield
    services.reset_transports()


def _count(emulator: EmulatorServer, service: str, operation: str) -> int:
    return emulator.emulator.counter(service, f"requests.{operation}")


def _wait_all(spec: Any, waits: list[tuple[str, dict[str, Any]]]) -> tuple[list[Any], int]:
    """Every build waited for at once on the shared tracker: (last reads, poll rounds taken)."""
    transport = services.transport(spec.service)
    shared = tracker.shared(POLL)
    rounds = shared.rounds

    async def wait_all() -> list[Any]:
        return await asyncio.gather(
            *(
                lifecycle_async.wait_for(spec, transport, build_id, props, "pb-test")
                for build_id, props in waits
            )
        )

    return asyncio.run(wait_all()), shared.rounds - rounds


def test_cloud_foundry_builds_are_read_with_one_list_call_per_50_packages(
    emulator: EmulatorServer, configured: None
) -> None:
    count = 60
    emulator.emulator.script("cloudfoundry", "*", Outcome("succeeded", duration_s=1.2, times=0))
    transport = services.transport("cloudfoundry")
    waits = []
    for _ in range(count):  # at most one staging build per app: one app and package each
        _app, package = seed.create_package(emulator.url, EMULATOR_TOKEN)
        build = transport.call("CreateBuild", {"package": {"guid": package}})
        waits.append((build["guid"], {"package_guid": package}))
    builds, rounds = _wait_all(CLOUDFOUNDRY["Build"], waits)

    assert [b["guid"] for b in builds] == [build_id for build_id, _ in waits]
    assert {b["state"] for b in builds} == {"STAGED"}
    assert rounds >= 2
    assert _count(emulator, "cloudfoundry", "GetBuild") == 0
    assert _count(emulator, "cloudfoundry", "ListBuilds") <= rounds * math.ceil(count / 50)


def test_workers_builds_of_one_worker_are_read_with_one_list_call(
    emulator: EmulatorServer, configured: None
) -> None:
    count = 20
    httpx.post(
        f"{emulator.url}/_emulator/cloudflare_builds/accounts/{ACCOUNT}",
        json={"plan": "paid", "max_concurrent_builds": count},
    ).raise_for_status()
    trigger = seed.create_trigger(emulator.url, EMULATOR_TOKEN, ACCOUNT, "site")
    emulator.emulator.script(
        "cloudflare_builds", trigger, Outcome("succeeded", duration_s=1.2, times=0)
    )
    transport = services.transport("cloudflare_builds")
    keyed = {"account_id": ACCOUNT, "script_id": "site"}
    waits = []
    for i in range(count):
        started = transport.call(
            "CreateManualBuild", {"account_id": ACCOUNT, "trigger_uuid": trigger, "branch": "main"}
        )
        # The last build has no script_id: it is read by id, on its own.
        props = keyed if i < count - 1 else {"account_id": ACCOUNT}
        waits.append((started["result"]["build_uuid"], props))
    builds, rounds = _wait_all(CLOUDFLARE["WorkersBuild"], waits)

    assert {b["build_outcome"] for b in builds} == {"success"}
    assert rounds >= 2
    assert _count(emulator, "cloudflare_builds", "ListBuildsByScript") <= rounds
    assert _count(emulator, "cloudflare_builds", "GetBuild") <= rounds
