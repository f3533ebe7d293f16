"""Where credentials and endpoints come from: Pulumi config first, then the usual environment.

Credentials are read at call time in the provider process (from the `configure` request or the
environment) and kept in this module's registry, never on the provider object: the provider object
is pickled into the state, so anything on `self` would end up there.

| config key (namespace `pulumi-builds:`) | environment variable | used for |
|---|---|---|
| `awsRegion` | `AWS_REGION` / `AWS_DEFAULT_REGION` | CodeBuild, CodePipeline |
| `awsProfile` | `AWS_PROFILE` | botocore's credential chain |
| `awsAccessKeyId`, `awsSecretAccessKey` (secret), `awsSessionToken` (secret) | the botocore chain (`AWS_ACCESS_KEY_ID`, ...) | explicit keys |
| `awsEndpoint` | `PULUMI_BUILDS_AWS_ENDPOINT`; botocore also reads `AWS_ENDPOINT_URL`(`_CODEBUILD`) itself | emulator / VPC endpoint |
| `cloudflareApiToken` (secret) | `CLOUDFLARE_API_TOKEN` | Workers Builds |
| `cloudflareEndpoint` | `CLOUDFLARE_API_BASE_URL` | default `https://api.cloudflare.com/client/v4` |
| `cloudfoundryApiUrl` | `CF_API_URL` | Cloud Foundry API root, e.g. `https://api.sys.example.com` |
| `cloudfoundryToken` (secret) | `CF_TOKEN` | UAA bearer token |
| `pollInterval` | `PULUMI_BUILDS_POLL_INTERVAL` | seconds between batched status reads (default 2) |
| `findRecentBuilds` | `PULUMI_BUILDS_FIND_RECENT` | look for a build another machine started before triggering (default true) |
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any

NAMESPACE = "pulumi-builds"

# config key -> environment variables tried in order when the key is not set.
_ENV_FALLBACKS: dict[str, tuple[str, ...]] = {
    "awsRegion": ("AWS_REGION", "AWS_DEFAULT_REGION"),
    "awsProfile": ("AWS_PROFILE",),
    "awsAccessKeyId": (),
    "awsSecretAccessKey": (),
    "awsSessionToken": (),
    "awsEndpoint": ("PULUMI_BUILDS_AWS_ENDPOINT",),
    "cloudflareApiToken": ("CLOUDFLARE_API_TOKEN",),
    "cloudflareEndpoint": ("CLOUDFLARE_API_BASE_URL",),
    "cloudfoundryApiUrl": ("CF_API_URL",),
    "cloudfoundryToken": ("CF_TOKEN",),
    "pollInterval": ("PULUMI_BUILDS_POLL_INTERVAL",),
    "findRecentBuilds": ("PULUMI_BUILDS_FIND_RECENT",),
}
SECRET_KEYS = frozenset(
    {"awsSecretAccessKey", "awsSessionToken", "cloudflareApiToken", "cloudfoundryToken"}
)

_DEFAULTS = {
    "cloudflareEndpoint": "https://api.cloudflare.com/client/v4",
    "pollInterval": "2",
    "findRecentBuilds": "true",
}

_lock = threading.Lock()
_config: dict[str, str] = {}


def configure_from(raw: dict[str, Any]) -> None:
    """Take the `pulumi-builds:` keys of a stack's config (the provider's configure request)."""
    prefix = NAMESPACE + ":"
    taken = {
        k[len(prefix) :]: str(v) for k, v in raw.items() if k.startswith(prefix) and v is not None
    }
    with _lock:  # one swap: a concurrent `get` sees the old settings or the new, never none
        _config.clear()
        _config.update(taken)


def config_keys() -> tuple[str, ...]:
    return tuple(_ENV_FALLBACKS)


def get(key: str) -> str | None:
    """A setting: stack config, else its environment variables, else the default."""
    if key not in _ENV_FALLBACKS:
        raise KeyError(f"unknown pulumi-builds setting {key!r}")
    with _lock:
        if key in _config:
            return _config[key]
    for var in _ENV_FALLBACKS[key]:
        if os.environ.get(var):
            return os.environ[var]
    return _DEFAULTS.get(key)


def require(key: str, what: str) -> str:
    value = get(key)
    if not value:
        envs = " or ".join(_ENV_FALLBACKS[key]) or "(no environment variable)"
        raise MissingSetting(
            f"{what} needs `pulumi config set {'--secret ' if key in SECRET_KEYS else ''}"
            f"{NAMESPACE}:{key} ...` or the environment variable {envs}"
        )
    return value


class MissingSetting(RuntimeError):
    """A credential or endpoint a service needs is not configured."""


@dataclass(frozen=True)
class Redactor:
    """Removes every configured secret from text before it reaches a log, error or state."""

    secrets: tuple[str, ...]

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            if secret and len(secret) >= 4:
                text = text.replace(secret, "[secret]")
        return text


def redactor() -> Redactor:
    values = [get(k) for k in SECRET_KEYS]
    env = [os.environ.get(v) for v in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")]
    return Redactor(tuple(v for v in [*values, *env] if v))


def enabled(key: str) -> bool:
    """A boolean setting: false, 0, no and off (any case) turn it off."""
    return (get(key) or "").strip().lower() not in ("false", "0", "no", "off")
