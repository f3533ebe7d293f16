"""The one table that knows which transport and which generated modules each service uses.

Adding a service: its pages, a mapping entry in schemas/mapping.json, and a line here.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Mapping
from typing import Any

from pulumi_builds import settings
from pulumi_builds.generated._base import RequestModel
from pulumi_builds.generated._spec import Operation
from pulumi_builds.spec import ResourceSpec
from pulumi_builds.transport.base import Transport


def operations(service: str) -> Mapping[str, Operation]:
    """The generated operation table of a service (method, path, parameter locations...)."""
    module = importlib.import_module(f"pulumi_builds.generated.{service}.operations")
    return module.OPERATIONS  # type: ignore[no-any-return]


# The transports import their SDKs (boto3 alone is ~150 ms) only when a service is first used:
# a program or provider process pays for the services it talks to, not for all four.


def _aws(service: str, boto_service: str, max_attempts: int = 8) -> Transport:
    from pulumi_builds.transport.aws import AwsTransport

    return AwsTransport(service, boto_service, max_attempts)


def _cloudflare() -> Transport:
    from pulumi_builds.transport.rest import RestTransport

    return RestTransport(
        "cloudflare_builds",
        settings.require("cloudflareEndpoint", "Cloudflare Workers Builds"),
        settings.require("cloudflareApiToken", "Cloudflare Workers Builds"),
        operations("cloudflare_builds"),
    )


def _cloudfoundry() -> Transport:
    from pulumi_builds.transport.rest import RestTransport

    return RestTransport(
        "cloudfoundry",
        settings.require("cloudfoundryApiUrl", "Cloud Foundry"),
        settings.require("cloudfoundryToken", "Cloud Foundry"),
        operations("cloudfoundry"),
        auth_scheme="bearer",
    )


TRANSPORTS: dict[str, Callable[[], Transport]] = {
    "aws_codebuild": lambda: _aws("aws_codebuild", "codebuild"),
    "aws_codepipeline": lambda: _aws("aws_codepipeline", "codepipeline"),
    # The CodeBuild builds' logs: read when a build failed, or for a row; a throttled read gives
    # up after 3 attempts (a few seconds) rather than hold the failure back for a minute.
    "aws_logs": lambda: _aws("aws_logs", "logs", max_attempts=3),
    "cloudflare_builds": _cloudflare,
    "cloudfoundry": _cloudfoundry,
}

# The services with build resources and functions (schemas/mapping.json; generated resources.py).
# CloudWatch Logs has a transport but no resources: the build logs are read through it.
RESOURCE_SERVICES = tuple(s for s in TRANSPORTS if s != "aws_logs")

_lock = threading.Lock()
_transports: dict[str, Transport] = {}


def transport(service: str) -> Transport:
    """One transport per service and process, made on first use (after `configure`)."""
    with _lock:
        if service not in _transports:
            _transports[service] = TRANSPORTS[service]()
        return _transports[service]


def reset_transports() -> None:
    """Forget transports, e.g. after the configuration changed."""
    with _lock:
        _transports.clear()


def resources_module(service: str) -> Any:
    """generated/<service>/resources.py: SPECS, the resource classes and the functions."""
    return importlib.import_module(f"pulumi_builds.generated.{service}.resources")


def resource_spec(key: str) -> ResourceSpec:
    """`aws_codebuild.Build` -> the ResourceSpec generated into generated/aws_codebuild/resources.py."""
    service, _, name = key.partition(".")
    return resources_module(service).SPECS[name]  # type: ignore[no-any-return]


def request_model(service: str, operation: str) -> type[RequestModel]:
    """The strict request model of an operation, as its generated operation table names it."""
    return operations(service)[operation].request
