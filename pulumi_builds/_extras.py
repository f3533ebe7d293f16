"""The Pulumi resources need the `provider` extra; a base install has the models only."""

from __future__ import annotations

from importlib.util import find_spec

PROVIDER_MODULES = ("pulumi", "httpx", "tenacity", "boto3", "botocore")


def require_provider() -> None:
    """Fail on import of a resource module with what to install, not a bare ModuleNotFoundError
    from deep inside (boto3 is imported only when AWS is first called: too late to learn it)."""
    missing = [module for module in PROVIDER_MODULES if find_spec(module) is None]
    if missing:
        raise ModuleNotFoundError(
            f"pulumi_builds' resources need {', '.join(missing)}: "
            "pip install 'pulumi-builds[provider]'",
            name=missing[0],
        )
