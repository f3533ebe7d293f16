"""Where credentials and endpoints come from: Pulumi config first, then the usual environment.

Credentials are read at call time in the provider process (from the `configure` request or the
environment) and kept in this module's registry, never on the provider object: the provider object
is pickled into the state, so anything on `self` would end up there.

The keys (namespace `pulumi-builds:`), their environment variables, defaults and which are secret
are declared once, in schemas/mapping.json (`provider.config`); the code generator writes them
into generated/_config.py, read here. README.md, "Configuration", lists them.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_builds.generated._config import CONFIG
from pulumi_builds.generated._resource_spec import ConfigSpec

NAMESPACE = "pulumi-builds"

_KEYS: dict[str, ConfigSpec] = {c.key: c for c in CONFIG}
SECRET_KEYS = frozenset(c.key for c in CONFIG if c.secret)

_lock = threading.Lock()
_config: dict[str, str] = {}


def configure(lookup: Callable[[str], Any]) -> None:
    """Take the provider's settings from one configuration: `lookup(key)` is the value of
    `pulumi-builds:<key>` (None: not set). Every provider and the program's functions call this
    with their own view of the stack config; keys are the declared ones only."""
    taken = {key: _text(v) for key in _KEYS if (v := lookup(key)) is not None}
    with _lock:  # one swap: a concurrent `get` sees the old settings or the new, never none
        _config.clear()
        _config.update(taken)


def config_keys() -> tuple[str, ...]:
    return tuple(_KEYS)


def _text(value: Any) -> str:
    """Settings are text, as stack config is; a number the engine sent as 5.0 reads `5`."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def get(key: str) -> str | None:
    """A setting: stack config, else its environment variables, else the default."""
    spec = _KEYS.get(key)
    if spec is None:
        raise KeyError(f"unknown pulumi-builds setting {key!r}")
    with _lock:
        if key in _config:
            return _config[key]
    for var in spec.environment:
        if os.environ.get(var):
            return os.environ[var]
    return spec.default


def require(key: str, what: str) -> str:
    value = get(key)
    if not value:
        envs = " or ".join(_KEYS[key].environment) or "(no environment variable)"
        raise MissingSetting(
            f"{what} needs `pulumi config set {'--secret ' if key in SECRET_KEYS else ''}"
            f"{NAMESPACE}:{key} ...` or the environment variable {envs}"
        )
    return value


WORKERS_VARIABLE = "PULUMI_BUILDS_PROVIDER_WORKERS"


def worker_count(default: int | None, environ: Mapping[str, str] = os.environ) -> int | None:
    """A provider process's thread pool size: PULUMI_BUILDS_PROVIDER_WORKERS (a positive
    integer), else the provider's own `default` (None: no bound). Both providers read it here."""
    raw = environ.get(WORKERS_VARIABLE, "").strip()
    if not raw:
        return default
    try:
        workers = int(raw)
    except ValueError:
        workers = 0
    if workers < 1:
        raise ValueError(f"{WORKERS_VARIABLE}={raw!r}: must be a positive integer")
    return workers


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


def redactor(extra: tuple[str, ...] = ()) -> Redactor:
    """Hides the configured secrets, and `extra` (e.g. the values of a resource's secret inputs)."""
    values = [get(k) for k in SECRET_KEYS]
    env = [os.environ.get(v) for v in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")]
    # Longest first: a secret that contains another is hidden whole.
    found = sorted({v for v in [*values, *env, *extra] if v}, key=len, reverse=True)
    return Redactor(tuple(found))


def enabled(key: str) -> bool:
    """A boolean setting: false, 0, no and off (any case) turn it off."""
    return (get(key) or "").strip().lower() not in ("false", "0", "no", "off")
