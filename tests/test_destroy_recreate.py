"""The user's intent wins: `pulumi destroy` then `pulumi up` with the same inputs starts a new
build, also on a fresh CI runner (no journal), on the dynamic and the native provider, for
CodeBuild and Cloud Foundry; the real engine against the emulators.

Cloud Foundry: the destroy rewrites the build's token label, so the look-up tells a destroyed
resource's build from an interrupted create's exactly. CodeBuild: a finished build cannot say
whether its resource was destroyed; it is not adopted, and the `up` names it and how to adopt it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pulumi_builds.emulators.seed import aws_client
from pulumi_builds.emulators.server import EmulatorServer
from tests.builds_harness import make_stack, resources_of

pytestmark = pytest.mark.engine

PROGRAM = """
    import pulumi
    from {package} import aws_codebuild, cloudfoundry
    aws_codebuild.Build("api", project_name="api", source_version="main")
    cloudfoundry.Build("droplet", package_guid=pulumi.Config().require("cloudfoundryPackageGuid"))
"""


@pytest.mark.parametrize("package", ["pulumi_builds", "pulumi_builds.native"])
def test_destroy_then_up_on_a_fresh_runner_starts_new_builds(
    package: str, tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    server = emulator_factory(time_scale=120)
    program = PROGRAM.format(package=package)
    builds = make_stack(tmp_path, server, program, projects=("api",), name="recreate")
    env = builds.stack.backend.env

    def on_runner(name: str) -> None:
        env["PULUMI_BUILDS_JOURNAL_DIR"] = str(tmp_path / name)

    def ids() -> dict[str, str]:
        state = resources_of(builds.stack.export(), "")
        return {r["urn"].rsplit("::", 1)[-1]: r["id"] for r in state if r.get("id")}

    on_runner("runner1")
    builds.stack.up()
    first = ids()
    on_runner("runner2")
    builds.stack.destroy()
    on_runner("runner3")
    up = builds.stack.up()
    second = ids()
    assert builds.counter("aws_codebuild.requests.StartBuild") == 2, up.output
    assert builds.counter("cloudfoundry.builds_created") == 2, up.output
    assert second["api"] != first["api"] and second["droplet"] != first["droplet"]
    # The CodeBuild build that was passed over is named, with the way to adopt it instead.
    assert f"build {first['api']} of these same inputs finished" in up.output
    assert "--import-pending-creates" in up.output and "pulumi import" in up.output
    # Both builds ran to the end on the service: none is left half-adopted.
    codebuild = aws_client("codebuild", server.url)
    found = codebuild.batch_get_builds(ids=[first["api"], second["api"]])["builds"]
    assert [b["buildStatus"] for b in found] == ["SUCCEEDED", "SUCCEEDED"]

    # An `up` with nothing destroyed on yet another runner changes nothing and starts nothing.
    on_runner("runner4")
    builds.stack.up()
    assert ids() == second
    assert builds.counter("aws_codebuild.requests.StartBuild") == 2
    assert builds.counter("cloudfoundry.builds_created") == 2
