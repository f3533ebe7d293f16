"""What the chaos soak (bench/chaos.py) knows about the builds: only what the services' own APIs
say (CodeBuild ListBuildsForProject / ListBuildBatchesForProject and their batched reads, Workers
Builds ListBuildsByScript, Cloud Foundry ListBuilds), never the emulators' internals.

`Observer.builds()` gives every build of each soaked resource, with whether it still runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from pulumi_builds.emulators.seed import Seeded, aws_client
from pulumi_builds.engine.emulated import EMULATOR_TOKEN

# The soaked resources: (name in the program, service) and whether the service can stop a build.
RESOURCES = {
    "api": "codebuild",
    "matrix": "codebuild",
    "site": "workers",
    "droplet": "cloudfoundry",
}
STOPPABLE = {"api", "matrix", "site"}  # Cloud Foundry has no operation that stops a build


@dataclass(frozen=True)
class Build:
    id: str
    running: bool


class Observer:
    def __init__(self, url: str, seeded: Seeded) -> None:
        self.url = url
        self.seeded = seeded
        self.codebuild = aws_client("codebuild", url)
        self.http = httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {EMULATOR_TOKEN}"}, timeout=30
        )

    def builds(self) -> dict[str, dict[str, Build]]:
        """Resource name -> build id -> Build, for every soaked resource."""
        return {
            "api": self._codebuild_builds("api"),
            "matrix": self._codebuild_batches("matrix"),
            "site": self._workers_builds(),
            "droplet": self._cloudfoundry_builds(),
        }

    def _codebuild_builds(self, project: str) -> dict[str, Build]:
        return self._codebuild_objects(
            lambda t: self.codebuild.list_builds_for_project(projectName=project, **t),
            lambda ids: self.codebuild.batch_get_builds(ids=ids)["builds"],
            "buildStatus",
        )

    def _codebuild_batches(self, project: str) -> dict[str, Build]:
        return self._codebuild_objects(
            lambda t: self.codebuild.list_build_batches_for_project(projectName=project, **t),
            lambda ids: self.codebuild.batch_get_build_batches(ids=ids)["buildBatches"],
            "buildBatchStatus",
        )

    @staticmethod
    def _codebuild_objects(
        list_page: Callable[[dict[str, str]], dict[str, Any]],
        get: Callable[[list[str]], list[dict[str, Any]]],
        status: str,
    ) -> dict[str, Build]:
        """A project's builds (or batches), read 100 at a time, the batched reads' limit."""
        ids = _pages(list_page)
        found: dict[str, Build] = {}
        for start in range(0, len(ids), 100):
            for b in get(ids[start : start + 100]):
                found[b["id"]] = Build(b["id"], b[status] == "IN_PROGRESS")
        return found

    def _workers_builds(self) -> dict[str, Build]:
        s = self.seeded
        path = (
            f"/client/v4/accounts/{s.cloudflare_account_id}/builds/workers/"
            f"{s.cloudflare_script_id}/builds"
        )
        found: dict[str, Build] = {}
        page = 1
        while True:
            answer = self._get(path, {"page": page, "per_page": 50})
            for b in answer["result"]:
                if b.get("trigger", {}).get("trigger_uuid") == s.cloudflare_trigger_uuid:
                    found[b["build_uuid"]] = Build(b["build_uuid"], b["status"] != "stopped")
            if len(answer["result"]) < 50:
                return found
            page += 1

    def _cloudfoundry_builds(self) -> dict[str, Build]:
        package = self.seeded.cloudfoundry_package_guid
        found: dict[str, Build] = {}
        page = 1
        while True:
            answer = self._get("/v3/builds", {"page": page, "per_page": 500})
            for b in answer["resources"]:
                if b.get("package", {}).get("guid") == package:
                    found[b["guid"]] = Build(b["guid"], b["state"] == "STAGING")
            if not (answer.get("pagination") or {}).get("next"):
                return found
            page += 1

    def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        response = self.http.get(path, params=params)
        response.raise_for_status()
        answer: dict[str, Any] = response.json()
        return answer


def _pages(call: Any) -> list[str]:
    ids: list[str] = []
    token: dict[str, str] = {}
    while True:
        answer = call(token)
        ids.extend(answer.get("ids", []))
        if not answer.get("nextToken"):
            return ids
        token = {"nextToken": answer["nextToken"]}
