"""Upgrading pulumi-builds under an existing stack: a stack written by the release before issue
18's contract changes (the runtime and generated code of OLD_RELEASE, checked out of git) sees no
diff with the current code, and `up` starts no build, for dynamic and native resources alike."""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from pulumi_builds.emulators.server import EmulatorServer
from tests.builds_harness import BuildsStack, make_stack

ROOT = Path(__file__).resolve().parents[1]
# main before the first of issue 18's changes (the shared-input table, 033e4a0)
OLD_RELEASE = "e4770ff8a1e49d87789fbf90e2372489b279fa8a"

PROGRAM = """
    import pulumi
    from pulumi_builds import aws_codebuild, cloudflare_builds, cloudfoundry
    from pulumi_builds.native import aws_codebuild as native_codebuild
    from pulumi_builds.native import cloudfoundry as native_cloudfoundry

    config = pulumi.Config()
    aws_codebuild.Build(
        "api",
        project_name="api",
        source_version="main",
        environment_variables={"STAGE": "prod"},
        logs_config_override=aws_codebuild.LogsConfigArgs(
            cloud_watch_logs=aws_codebuild.CloudWatchLogsConfigArgs(status="ENABLED", group_name="ci"),
        ),
        triggers={"release": "1"},
        wait_timeout=600,
    )
    aws_codebuild.BuildBatch("matrix", project_name="matrix", retry_failed_builds=True)
    cloudflare_builds.WorkersBuild(
        "site",
        account_id=config.require("cloudflareAccountId"),
        trigger_uuid=config.require("cloudflareTriggerUuid"),
        branch="main",
        script_id=config.get("cloudflareScriptId"),
    )
    # Cloud Foundry stages one build of an app at a time (CF-StagingInProgress): the two builds of
    # the one seeded package go one after the other, as a user's program must order them.
    droplet = cloudfoundry.Build("droplet", package_guid=config.require("cloudfoundryPackageGuid"))
    native_codebuild.Build(
        "native-api",
        project_name="api",
        environment_variables={"STAGE": "native"},
        artifacts_override={"type": "NO_ARTIFACTS"},
        stop_on_delete=False,
    )
    native_cloudfoundry.Build(
        "native-droplet",
        package_guid=config.require("cloudfoundryPackageGuid"),
        metadata={"labels": {"team": "ci"}},
        opts=pulumi.ResourceOptions(depends_on=[droplet]),
    )
"""


def _old_release(tmp_path: Path) -> Path:
    """OLD_RELEASE's pulumi_builds package as the wheel lays it out (generated/ inside it)."""
    archive = subprocess.run(
        [
            "git",
            "-C",
            str(ROOT),
            "archive",
            "--format=tar",
            OLD_RELEASE,
            "pulumi_builds",
            "generated",
        ],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        pytest.skip(f"{OLD_RELEASE[:7]} is not in this clone's history: {archive.stderr!r}")
    source = tmp_path / "old-source"
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(source, filter="data")
    tree = tmp_path / "old-release"
    shutil.move(source / "pulumi_builds", tree / "pulumi_builds")
    shutil.move(source / "generated", tree / "pulumi_builds" / "generated")
    # One addition: each process that imports it says so (which module it runs), so the test
    # knows the program and both providers ran the previous release.
    with (tree / "pulumi_builds" / "__init__.py").open("a") as init:
        init.write(_MARKER)
    return tree


_MARKER = """
import os as _os
import sys as _sys

if _os.environ.get("OLD_RELEASE_MARKERS"):
    with open(_os.path.join(_os.environ["OLD_RELEASE_MARKERS"], str(_os.getpid())), "w") as _f:
        _f.write(" ".join(_sys.orig_argv))
"""


def _created(builds: BuildsStack) -> dict[str, int]:
    return {
        key: builds.counter(key)
        for key in (
            "aws_codebuild.requests.StartBuild",
            "aws_codebuild.requests.StartBuildBatch",
            "cloudflare_builds.builds_created",
            "cloudfoundry.builds_created",
        )
    }


@pytest.mark.engine
def test_a_stack_written_by_the_previous_release_sees_no_diff_and_starts_no_build(
    tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    old = _old_release(tmp_path)
    server = emulator_factory(time_scale=240)
    builds = make_stack(tmp_path, server, PROGRAM, name="upgrade")
    # The previous release writes the state: its modules come first on the program's and the
    # providers' import path.
    markers = tmp_path / "markers"
    markers.mkdir()
    before = _created(builds)  # seeding made some
    builds.stack.backend.env.update(PYTHONPATH=str(old), OLD_RELEASE_MARKERS=str(markers))
    builds.stack.up()
    started = _created(builds)
    assert {k: started[k] - before[k] for k in started} == {
        "aws_codebuild.requests.StartBuild": 2,
        "aws_codebuild.requests.StartBuildBatch": 1,
        "cloudflare_builds.builds_created": 1,
        "cloudfoundry.builds_created": 2,
    }
    ran = " ".join(p.read_text() for p in markers.iterdir())
    for module in ("-m pulumi_builds.provider_host", "-m pulumi_builds.native"):
        assert module in ran, ran  # both providers ran the old release (the marker is its own)
    del builds.stack.backend.env["PYTHONPATH"]
    preview = builds.stack.preview()
    assert set(preview.changes) == {"same"}, preview.output
    up = builds.stack.up()
    assert set(up.changes) == {"same"}, up.output
    assert _created(builds) == started
    assert " ".join(p.read_text() for p in markers.iterdir()) == ran  # the new code ran
