"""Stack config that points pulumi-builds at the local emulators (`builds-emulator serve`).

Used by `make demo`, the end-to-end tests and the benchmarks; a user does the same with
`pulumi config set` (README, "The emulators"). Credentials are set as secrets, as a user would.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

EMULATOR_TOKEN = "emulator-token"
EMULATOR_REGION = "us-east-1"
EMULATOR_KEYS = ("AKIDEMULATOR", "emulator-secret-key")


class QuickstartIds(Protocol):
    """What the quickstart program reads from its config (pulumi_builds.emulators.seed.Seeded has it)."""

    cloudflare_account_id: str
    cloudflare_trigger_uuid: str
    cloudflare_script_id: str
    cloudflare_version_ids: list[str]
    cloudfoundry_package_guid: str
    codepipeline_job_id: str


def settings_config(url: str, poll_interval: float) -> dict[str, tuple[str, bool]]:
    """`pulumi-builds:` keys -> (value, secret) for an emulator at `url`."""
    return {
        "pulumi-builds:awsEndpoint": (url, False),
        "pulumi-builds:awsRegion": (EMULATOR_REGION, False),
        "pulumi-builds:awsAccessKeyId": (EMULATOR_KEYS[0], False),
        "pulumi-builds:awsSecretAccessKey": (EMULATOR_KEYS[1], True),
        "pulumi-builds:cloudflareEndpoint": (f"{url}/client/v4", False),
        "pulumi-builds:cloudflareApiToken": (EMULATOR_TOKEN, True),
        "pulumi-builds:cloudfoundryApiUrl": (url, False),
        "pulumi-builds:cloudfoundryToken": (EMULATOR_TOKEN, True),
        "pulumi-builds:pollInterval": (str(poll_interval), False),
    }


def quickstart_config(ids: QuickstartIds) -> dict[str, tuple[str, bool]]:
    """The examples/quickstart program's own config keys."""
    return {
        "cloudflareAccountId": (ids.cloudflare_account_id, False),
        "cloudflareTriggerUuid": (ids.cloudflare_trigger_uuid, False),
        "cloudflareScriptId": (ids.cloudflare_script_id, False),
        "cloudflareVersionIds": (json.dumps(ids.cloudflare_version_ids), False),
        "cloudfoundryPackageGuid": (ids.cloudfoundry_package_guid, False),
        "codepipelineJobId": (ids.codepipeline_job_id, False),
    }


def apply(stack: Any, config: dict[str, tuple[str, bool]]) -> None:
    """Set each key on a stack (pulumi_builds.engine.local CliStack or InlineStack) in one
    command. Only for values published with this project (the emulators' tokens and keys, a
    test's fixtures): they may show in a command line. A real secret goes through
    `config_set(key, value, secret=True)`, which passes it on stdin."""
    stack.config_set_all(config, public_values=True)
