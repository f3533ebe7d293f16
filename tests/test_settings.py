"""The provider's settings: declared once in schemas/mapping.json (`provider.config`), read by
pulumi_builds/settings.py through the generated table, the same for both providers and the
program's functions."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pulumi.dynamic import Config, ConfigureRequest
from pulumi.provider.experimental import provider as p
from pulumi.provider.experimental.property_value import PropertyValue

from pulumi_builds import lifecycle, settings
from pulumi_builds.native.provider import BuildsProvider

ROOT = Path(__file__).resolve().parents[1]
DECLARED: dict[str, dict[str, Any]] = json.loads((ROOT / "schemas" / "mapping.json").read_text())[
    "provider"
]["config"]


@pytest.fixture(autouse=True)
def clean(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for entry in DECLARED.values():
        for variable in entry["environment"]:
            monkeypatch.delenv(variable, raising=False)
    settings.configure(lambda key: None)
    yield
    settings.configure(lambda key: None)


@pytest.mark.parametrize("key", sorted(DECLARED))
def test_each_declared_key_reads_its_variables_then_its_default(
    key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = DECLARED[key]
    assert settings.get(key) == entry.get("default")
    for variable in reversed(entry["environment"]):  # the first one named wins
        monkeypatch.setenv(variable, f"from-{variable}")
    if entry["environment"]:
        assert settings.get(key) == f"from-{entry['environment'][0]}"
    settings.configure(lambda k: "from-config" if k == key else None)
    assert settings.get(key) == "from-config"  # stack config wins over the environment
    assert (key in settings.SECRET_KEYS) == bool(entry.get("secret"))


def test_a_missing_secret_setting_says_how_to_set_it_as_a_secret() -> None:
    with pytest.raises(
        settings.MissingSetting, match="--secret pulumi-builds:cloudfoundryToken .* CF_TOKEN"
    ):
        settings.require("cloudfoundryToken", "Cloud Foundry")
    with pytest.raises(KeyError):
        settings.get("notDeclared")


def test_both_providers_take_the_same_stack_config() -> None:
    raw = {"pulumi-builds:pollInterval": "7", "pulumi-builds:cloudfoundryApiUrl": "http://cf"}
    lifecycle.BuildProvider("cloudfoundry.Build").configure(
        ConfigureRequest(Config(raw_config=raw, project_name="proj"))
    )
    dynamic = {k: settings.get(k) for k in ("pollInterval", "cloudfoundryApiUrl")}
    settings.configure(lambda key: None)
    request = p.ConfigureRequest(
        variables={"pulumi-builds:config:cloudfoundryApiUrl": "http://cf"},
        args={"pollInterval": PropertyValue(7.0)},
        accept_secrets=True,
        accept_resources=False,
    )
    asyncio.run(BuildsProvider().configure(request))
    native = {k: settings.get(k) for k in ("pollInterval", "cloudfoundryApiUrl")}
    assert dynamic == native == {"pollInterval": "7", "cloudfoundryApiUrl": "http://cf"}
