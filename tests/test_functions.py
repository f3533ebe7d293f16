"""The generated functions against the emulators: batches split to the services' limits and
merged back, pages followed to the end, typed models returned, settings from the environment."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from pulumi_builds import aws_codebuild, cloudflare_builds, cloudfoundry, services
from pulumi_builds.emulators import seed
from pulumi_builds.emulators.server import EmulatorServer
from pulumi_builds.engine.emulated import EMULATOR_KEYS, EMULATOR_REGION, EMULATOR_TOKEN


@pytest.fixture
def env(emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorServer]:
    """Point pulumi-builds at the emulator through the documented environment variables."""
    url = emulator.url
    for name, value in {
        "PULUMI_BUILDS_AWS_ENDPOINT": url,
        "AWS_REGION": EMULATOR_REGION,
        "AWS_ACCESS_KEY_ID": EMULATOR_KEYS[0],
        "AWS_SECRET_ACCESS_KEY": EMULATOR_KEYS[1],
        "CLOUDFLARE_API_BASE_URL": f"{url}/client/v4",
        "CLOUDFLARE_API_TOKEN": EMULATOR_TOKEN,
        "CF_API_URL": url,
        "CF_TOKEN": EMULATOR_TOKEN,
    }.items():
        monkeypatch.setenv(name, value)
    services.reset_transports()
    yield emulator
    services.reset_transports()


def test_get_builds_takes_any_number_of_ids(env: EmulatorServer) -> None:
    seed.create_projects(env.url, ["api"])
    codebuild = seed.aws_client("codebuild", env.url)
    started = [codebuild.start_build(projectName="api")["build"]["id"] for _ in range(3)]
    unknown = [f"api:{i:08d}-0000-0000-0000-000000000000" for i in range(147)]

    found = aws_codebuild.get_builds(ids=started + unknown)

    assert sorted(b.id for b in found.builds or []) == sorted(started)
    assert sorted(found.builds_not_found or []) == sorted(unknown)
    # 150 ids: two calls, each within BatchGetBuilds' limit of 100.
    assert env.emulator.counters["aws_codebuild.requests.BatchGetBuilds"] == 2


def test_an_empty_id_list_is_refused_naming_the_field_without_a_call(env: EmulatorServer) -> None:
    with pytest.raises(ValueError, match="`ids` = \\[\\] breaks the rule"):
        aws_codebuild.get_builds(ids=[])
    with pytest.raises(ValueError, match="`version_ids` = \\[\\] breaks the rule"):
        cloudflare_builds.get_builds_by_version_ids(account_id="a" * 32, version_ids=[])
    assert not [k for k in env.emulator.counters if ".requests." in k]


def test_get_builds_by_version_ids_splits_into_calls_of_twenty(env: EmulatorServer) -> None:
    account, script = "a" * 32, "site"
    trigger = seed.create_trigger(env.url, EMULATOR_TOKEN, account, script)
    versions = seed.deployed_version(env.url, EMULATOR_TOKEN, account, script, trigger, 3600)
    others = [f"00000000-0000-4000-8000-{i:012d}" for i in range(24)]

    found = cloudflare_builds.get_builds_by_version_ids(
        account_id=account, version_ids=versions + others
    )

    assert found.result is not None and sorted(found.result.builds or {}) == versions
    assert env.emulator.counters["cloudflare_builds.requests.GetBuildsByVersionIds"] == 2


def test_list_builds_follows_every_page(env: EmulatorServer) -> None:
    client = httpx.Client(base_url=env.url, headers={"Authorization": f"bearer {EMULATOR_TOKEN}"})
    created = []
    with client:
        for _ in range(5):
            _, package = seed.create_package(env.url, EMULATOR_TOKEN)
            build = client.post("/v3/builds", json={"package": {"guid": package}})
            build.raise_for_status()
            created.append(build.json()["guid"])

    listed = cloudfoundry.list_builds(per_page=2, order_by="-created_at")

    assert [b.guid for b in listed.resources or []] == list(reversed(created))
    assert env.emulator.counters["cloudfoundry.requests.ListBuilds"] == 3
