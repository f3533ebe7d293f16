"""The build services bench_builds.py runs its rows on (issue 20): how each is prepared in the
emulator for one run, the inputs of each of the N build resources, and which of the emulator's
request counters are the provider's status reads.

- aws_codebuild: one CodeBuild project whose builds all succeed after T s, with `history`
  earlier builds of other resources in it (the look-up of issue 12 reads a full window);
  reads are BatchGetBuilds (100 ids a call), lists are ListBuildsForProject (the look-up).
- cloudfoundry: one app and package per build (Cloud Foundry stages at most one build per app
  at once), each build staged after T s; reads are GetBuild and ListBuilds (the list read by
  package, 50 packages a call).
- cloudflare_builds: one account (its concurrent build limit raised to N, or builds would wait
  queued: 6 at once on a paid plan) and one Worker with one trigger, every build succeeding after
  T s; the resources set `script_id`, so reads are ListBuildsByScript (one call for the Worker)
  and GetBuild (none, unless a build is missing from the list).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pulumi_builds.emulators.server import EmulatorServer

REGION = "us-east-1"
ACCESS_KEY_ID = "AKIDBENCHMARK"
SECRET_ACCESS_KEY = "bench-secret-access-key"  # the emulator accepts any key
TOKEN = "emulator-token"  # the emulators' Cloudflare and Cloud Foundry token


@dataclass(frozen=True)
class ServiceBench:
    name: str  # the service id: pulumi_builds.<name> and pulumi_builds.native.<name>
    resource: str  # the resource class
    reads: tuple[str, ...]  # operations whose emulator counters are the provider's status reads
    lists: str | None  # the look-up's list operation (CodeBuild), counted apart

    def counter(self, server: EmulatorServer, operation: str) -> int:
        return int(server.emulator.counters.get(f"{self.name}.requests.{operation}", 0))

    def read_count(self, server: EmulatorServer) -> int:
        return sum(self.counter(server, operation) for operation in self.reads)

    def list_count(self, server: EmulatorServer) -> int:
        return self.counter(server, self.lists) if self.lists else 0

    def created(self, server: EmulatorServer) -> int:
        return int(server.emulator.counters.get(f"{self.name}.builds_created", 0))


SERVICES = {
    "aws_codebuild": ServiceBench(
        "aws_codebuild", "Build", ("BatchGetBuilds",), "ListBuildsForProject"
    ),
    "cloudfoundry": ServiceBench("cloudfoundry", "Build", ("GetBuild", "ListBuilds"), None),
    "cloudflare_builds": ServiceBench(
        "cloudflare_builds", "WorkersBuild", ("GetBuild", "ListBuildsByScript"), None
    ),
}


def prepare(
    server: EmulatorServer, service: str, name: str, seconds: float, count: int, history: int
) -> list[dict[str, Any]]:
    """Prepare the emulator for one run named `name`: the inputs of each of the `count` builds."""
    if service == "cloudfoundry":
        return _cloudfoundry(server, seconds, count)
    if service == "cloudflare_builds":
        return _cloudflare(server, name, seconds, count)
    make_codebuild_project(server, name, seconds, history)
    return [{"project_name": name}] * count


def make_codebuild_project(
    server: EmulatorServer, name: str, seconds: float, history: int = 0
) -> None:
    """A CodeBuild project whose builds all succeed after `seconds`, with `history` builds of
    other resources already in it (the look-up of recent builds reads them)."""
    from pulumi_builds.emulators.core import Outcome
    from pulumi_builds.emulators.seed import aws_client, create_projects

    create_projects(server.url, [name])
    client = aws_client("codebuild", server.url)
    server.emulator.script(
        "aws_codebuild", name, Outcome(status="succeeded", duration_s=seconds, times=0)
    )
    for i in range(history):
        marker = [
            {"name": "PULUMI_BUILDS_TOKEN", "value": f"pb-history-{i:035d}", "type": "PLAINTEXT"},
            {"name": "PULUMI_BUILDS_RESOURCE", "value": f"pbr-history-{i:034d}"},
        ]
        client.start_build(projectName=name, environmentVariablesOverride=marker)


def _cloudfoundry(server: EmulatorServer, seconds: float, count: int) -> list[dict[str, Any]]:
    from pulumi_builds.emulators.core import Outcome
    from pulumi_builds.emulators.seed import create_package

    inputs = []
    for _ in range(count):
        app, package = create_package(server.url, TOKEN)
        server.emulator.script("cloudfoundry", app, Outcome("succeeded", duration_s=seconds))
        inputs.append({"package_guid": package})
    return inputs


def _cloudflare(
    server: EmulatorServer, name: str, seconds: float, count: int
) -> list[dict[str, Any]]:
    import httpx

    from pulumi_builds.emulators.core import Outcome
    from pulumi_builds.emulators.seed import create_trigger

    account = hashlib.sha256(name.encode()).hexdigest()[:32]
    httpx.post(
        f"{server.url}/_emulator/cloudflare_builds/accounts/{account}",
        json={"plan": "paid", "max_concurrent_builds": max(count, 1)},
        timeout=10,
    ).raise_for_status()
    trigger = create_trigger(server.url, TOKEN, account, name)
    server.emulator.script(
        "cloudflare_builds", trigger, Outcome("succeeded", duration_s=seconds, times=0)
    )
    build = {"account_id": account, "trigger_uuid": trigger, "branch": "main", "script_id": name}
    return [build] * count


def stack_config(service: str, url: str, poll: float) -> dict[str, tuple[str, bool]]:
    """`pulumi-builds:` config for the service (key -> (value, secret))."""
    config = {"pulumi-builds:pollInterval": (str(poll), False)}
    if service == "cloudfoundry":
        config["pulumi-builds:cloudfoundryApiUrl"] = (url, False)
        config["pulumi-builds:cloudfoundryToken"] = (TOKEN, True)
    elif service == "cloudflare_builds":
        config["pulumi-builds:cloudflareEndpoint"] = (f"{url}/client/v4", False)
        config["pulumi-builds:cloudflareApiToken"] = (TOKEN, True)
    else:
        config["pulumi-builds:awsEndpoint"] = (url, False)
        config["pulumi-builds:awsRegion"] = (REGION, False)
        config["pulumi-builds:awsAccessKeyId"] = (ACCESS_KEY_ID, False)
        config["pulumi-builds:awsSecretAccessKey"] = (SECRET_ACCESS_KEY, True)
    return config
