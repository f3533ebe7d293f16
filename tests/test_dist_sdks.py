"""The SDKs of `make dist` carry the schema's pluginDownloadURL (issue 17): a Python program on
the released Python SDK installs the missing plugin by itself on `pulumi up`, from a release
served on a loopback port; the Node.js tarball and the Go module name the same server."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import textwrap
import venv
import zipfile
from collections.abc import Callable, Iterator
from contextlib import chdir
from dataclasses import dataclass
from pathlib import Path

import pytest

from pulumi_builds.emulators.seed import create_projects
from pulumi_builds.emulators.server import EmulatorServer
from pulumi_builds.engine import emulated
from pulumi_builds.engine.dist import archive_name, host_platform, make_dist, project_version
from pulumi_builds.engine.install import PULUMI_VERSION
from pulumi_builds.engine.local import LocalBackend, write_python_project
from tests.fixtures.dist import user_env
from tests.test_dist_install import installed_plugins, serve

# One worker runs both tests (`--dist loadgroup`), so the release is built and served once.
pytestmark = [pytest.mark.engine, pytest.mark.xdist_group("released-sdks")]

VERSION = project_version()
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "typescript"
PROGRAM = textwrap.dedent(
    """\
    import pulumi
    import pulumi_builds_sdk as builds

    api = builds.aws_codebuild.Build("api", project_name="api", source_version="main")
    pulumi.export("status", api.build_status)
    """
)


def sdk_files(release: Path) -> dict[str, bytes]:
    """The `pulumi` section / plugin JSON each SDK carries, by language."""
    with tarfile.open(release / "pulumi-builds-pulumi-builds-0.1.0.tgz") as tgz:
        package = json.load(tgz.extractfile("package/package.json"))  # type: ignore[arg-type]
        compiled = {"package/index.js", "package/index.d.ts"} <= set(tgz.getnames())
    wheel = release / f"pulumi_builds_sdk-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as opened:
        python = json.loads(opened.read("pulumi_builds_sdk/pulumi-plugin.json"))
    go = json.loads((release / "sdk" / "go" / "pulumibuilds" / "pulumi-plugin.json").read_text())
    assert compiled and (release / "sdk" / "go" / "go.mod").is_file()
    return {"nodejs": package["pulumi"], "python": python, "go": go}


@dataclass
class Release:
    """`make dist` with SDKs, served on a loopback port: its folder, URL and the paths asked."""

    folder: Path
    url: str
    requested: list[str]


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory, pulumi_bin_dir: Path) -> Iterator[Release]:
    root = tmp_path_factory.mktemp("released")
    folder = root / "release"
    folder.mkdir()
    with serve(folder) as (url, requested):
        with chdir(root):  # a relative output folder, as `make dist` names it from the checkout
            make_dist(Path("release"), url, pulumi_bin_dir / "pulumi", sdks=True)
        yield Release(folder, url, requested)


def test_a_python_program_on_the_released_sdk_installs_the_plugin_by_itself(
    release: Release,
    tmp_path: Path,
    user_cli_dir: Path,
    emulator_factory: Callable[..., EmulatorServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, requested = release.url, release.requested
    requested.clear()
    for sdk in sdk_files(release.folder).values():
        assert sdk["name"] == "pulumi-builds" and sdk["server"] == url, sdk

    # The program's own venv: the Pulumi SDK and the released Python SDK, nothing else.
    program_venv = tmp_path / "venv"
    venv.create(program_venv, with_pip=False)
    wheel = release.folder / f"pulumi_builds_sdk-{VERSION}-py3-none-any.whl"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(program_venv / "bin" / "python"),
            "install",
            "--quiet",
            "--no-compile",
            str(wheel),
        ],
        check=True,
        env={**user_env(user_cli_dir, tmp_path)},
    )
    for variable in ("VIRTUAL_ENV", "PYTHONPATH", "PULUMI_PYTHON_CMD"):
        monkeypatch.delenv(variable, raising=False)
    env = user_env(user_cli_dir, tmp_path)
    env["PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION"] = "false"
    backend = LocalBackend(tmp_path / "pulumi", bin_dir=user_cli_dir, extra_env=env)
    emulator = emulator_factory(time_scale=60)
    create_projects(emulator.url, ["api"])
    project = write_python_project(tmp_path / "program", "builds-py", PROGRAM, program_venv)
    stack = backend.cli_stack(project, "dev")
    emulated.apply(stack, emulated.settings_config(emulator.url, poll_interval=0.2))
    assert installed_plugins(backend) == []
    up = stack.up()
    assert up.changes == {"create": 2}, up.output
    assert stack.outputs() == {"status": "SUCCEEDED"}
    # The CLI asked the release for this platform's archive, and installed it.
    assert f"/{archive_name(VERSION, *host_platform())}" in requested
    assert installed_plugins(backend) == [("pulumi-builds", VERSION)]


TYPESCRIPT_PROGRAM = """\
import * as builds from "@pulumi-builds/pulumi-builds";

const api = new builds.aws_codebuild.Build("api", { projectName: "api", sourceVersion: "main" });
export const status = api.buildStatus;
"""


def test_a_typescript_program_on_the_released_tarball_installs_the_plugin_by_itself(
    release: Release,
    tmp_path: Path,
    user_cli_dir: Path,
    emulator_factory: Callable[..., EmulatorServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    requested = release.requested
    requested.clear()
    program = tmp_path / "program"
    program.mkdir()
    (program / "Pulumi.yaml").write_text("name: builds-ts\nruntime: nodejs\n")
    tarball = release.folder / f"pulumi-builds-pulumi-builds-{VERSION}.tgz"
    manifest = {
        "name": "builds-ts",
        "private": True,
        "main": "index.ts",
        "dependencies": {
            "@pulumi/pulumi": PULUMI_VERSION,
            "@pulumi-builds/pulumi-builds": f"file:{tarball}",
        },
        "devDependencies": {"@types/node": "20.19.43", "typescript": "5.9.3"},
    }
    (program / "package.json").write_text(json.dumps(manifest, indent=2))
    (program / "tsconfig.json").write_text((EXAMPLES / "tsconfig.json").read_text())
    (program / "index.ts").write_text(TYPESCRIPT_PROGRAM)
    for variable in ("VIRTUAL_ENV", "PYTHONPATH", "PULUMI_PYTHON_CMD"):
        monkeypatch.delenv(variable, raising=False)
    env = user_env(user_cli_dir, tmp_path)
    env["PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION"] = "false"
    backend = LocalBackend(tmp_path / "pulumi", bin_dir=user_cli_dir, extra_env=env)
    # npm install through the program's language host; the plugin is left to `pulumi up`.
    backend.run(["install", "--no-plugins"], cwd=program, timeout=900)
    assert installed_plugins(backend) == []
    emulator = emulator_factory(time_scale=60)
    create_projects(emulator.url, ["api"])
    stack = backend.cli_stack(program, "dev")
    emulated.apply(stack, emulated.settings_config(emulator.url, poll_interval=0.2))
    up = stack.up()
    assert up.changes == {"create": 2}, up.output
    assert stack.outputs() == {"status": "SUCCEEDED"}
    assert f"/{archive_name(VERSION, *host_platform())}" in requested
    assert installed_plugins(backend) == [("pulumi-builds", VERSION)]
