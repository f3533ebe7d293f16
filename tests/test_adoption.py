"""Adopt or start, for Cloud Foundry, against its emulator with no journal (a fresh runner each
time): a build labelled with the resource's token is adopted (and said to be), whether it runs or
succeeded; a destroy rewrites the label, so the same inputs afterwards start a new build."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pulumi_builds import lifecycle, services, settings
from pulumi_builds.emulators.seed import create_package
from pulumi_builds.emulators.server import EmulatorServer
from pulumi_builds.engine.emulated import EMULATOR_TOKEN
from pulumi_builds.generated.cloudfoundry.resources import SPECS
from pulumi_builds.tokens import IDENTITY

BUILD = SPECS["Build"]


@pytest.fixture
def package(
    emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[str]:
    monkeypatch.setenv("CF_API_URL", emulator.url)
    monkeypatch.setenv("CF_TOKEN", EMULATOR_TOKEN)
    monkeypatch.setenv("PULUMI_BUILDS_POLL_INTERVAL", "0.1")
    settings.configure(lambda _key: None)
    services.reset_transports()
    emulator.emulator.configure(time_scale=600)
    yield create_package(emulator.url, EMULATOR_TOKEN)[1]
    services.reset_transports()


def _fresh_runner(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setenv("PULUMI_BUILDS_JOURNAL_DIR", str(path))


def _created(emulator: EmulatorServer) -> int:
    return int(emulator.emulator.counters.get("cloudfoundry.builds_created", 0))


def test_a_labelled_build_is_adopted_until_a_destroy_unlabels_it(
    emulator: EmulatorServer, package: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    props = {IDENTITY: "proj/dev/cloudfoundry.Build/droplet", "package_guid": package}
    told: list[str] = []
    _fresh_runner(monkeypatch, tmp_path / "runner1")
    first, _ = lifecycle.create(BUILD, {**props, "wait": False}, told.append)
    assert told == [f"started build {first}"]

    # An interrupted create rerun elsewhere: the labelled build is adopted, and said to be.
    told.clear()
    _fresh_runner(monkeypatch, tmp_path / "runner2")
    again, outs = lifecycle.create(BUILD, props, told.append)
    assert again == first and outs["succeeded"] is True
    assert told[0] == f"adopted build {first} (found on the service by its label)"
    assert _created(emulator) == 1

    # Destroyed (on yet another runner), then up with the same inputs: a new build.
    _fresh_runner(monkeypatch, tmp_path / "runner3")
    lifecycle.delete(BUILD, first, props)
    answer = httpx.get(
        f"{emulator.url}/v3/builds/{first}", headers={"Authorization": f"bearer {EMULATOR_TOKEN}"}
    ).json()
    assert answer["metadata"]["labels"]["pulumi-builds-token"].startswith("deleted-")
    told.clear()
    _fresh_runner(monkeypatch, tmp_path / "runner4")
    second, _ = lifecycle.create(BUILD, props, told.append)
    assert second != first and told[0] == f"started build {second}"
    assert _created(emulator) == 2
