"""`make dist` (engine/dist.py): what the plugin archives hold, and the entry point's checks.

Builds the wheel (`python -m build`, setuptools from the package index), no engine."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

from pulumi_builds.engine.dist import (
    PLATFORMS,
    archive_name,
    make_dist,
    project_version,
)
from pulumi_builds.engine.install import PULUMI_VERSION

# One worker runs this module (`--dist loadgroup`), so its release is built once.
pytestmark = [pytest.mark.install, pytest.mark.xdist_group("dist")]

ROOT = Path(__file__).resolve().parents[1]
VERSION = project_version()
URL = "https://downloads.example.test/pulumi-builds"


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist") / "dist"
    make_dist(out, URL, Path("pulumi-not-needed"), sdks=False)
    return out


def archive_members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive) as opened:
        return {
            member.name: opened.extractfile(member).read()  # type: ignore[union-attr]
            for member in opened.getmembers()
        }


def test_one_source_plugin_archive_per_os_and_arch(dist: Path) -> None:
    wheel = f"pulumi_builds-{VERSION}-py3-none-any.whl"
    for os_name, arch in PLATFORMS:
        members = archive_members(dist / archive_name(VERSION, os_name, arch))
        # Everything at the root, where the CLI looks for PulumiPlugin.yaml.
        assert sorted(members) == sorted(
            ["PulumiPlugin.yaml", "__main__.py", "requirements.txt", "schema.json", wheel]
        )
        plugin = yaml.safe_load(members["PulumiPlugin.yaml"])
        assert plugin["runtime"]["name"] == "python"
        assert members[wheel] == (dist / wheel).read_bytes()
        lines = [
            line
            for line in members["requirements.txt"].decode().splitlines()
            if line and not line.startswith("#")
        ]
        assert lines[0] == f"./{wheel}[provider]"
        pins = dict(line.split("==") for line in lines[1:])
        assert len(pins) == len(lines) - 1, "every other line is an exact pin"
        assert pins["pulumi"] == PULUMI_VERSION and "grpcio" in pins and "pydantic-core" in pins
        assert json.loads(members["schema.json"])["pluginDownloadURL"] == URL


def test_the_released_schema_differs_from_the_generated_one_by_its_download_url(
    dist: Path,
) -> None:
    released = json.loads((dist / "schema.json").read_text())
    generated = json.loads((ROOT / "generated" / "schema.json").read_text())
    assert released.pop("pluginDownloadURL") == URL
    assert released == generated and released["version"] == VERSION


def test_sha256sums_name_every_file(dist: Path) -> None:
    listed = {line.split("  ")[1] for line in (dist / "SHA256SUMS").read_text().splitlines()}
    assert listed == {p.name for p in dist.iterdir() if p.is_file()} - {"SHA256SUMS"}


def test_archives_are_byte_for_byte_reproducible(dist: Path, tmp_path: Path) -> None:
    again = tmp_path / "dist"
    make_dist(again, URL, Path("pulumi-not-needed"), sdks=False)
    for os_name, arch in PLATFORMS:
        name = archive_name(VERSION, os_name, arch)
        assert (again / name).read_bytes() == (dist / name).read_bytes(), name


def _run_entry_point(plugin_dir: Path) -> subprocess.CompletedProcess[str]:
    plugin_dir.mkdir(parents=True)
    shutil.copy(ROOT / "provider" / "__main__.py", plugin_dir / "__main__.py")
    env = {k: v for k, v in os.environ.items() if k != "PULUMI_BUILDS_SCHEMA"}
    return subprocess.run(
        [sys.executable, str(plugin_dir), "127.0.0.1:1", "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_the_plugin_refuses_to_run_when_installed_as_another_version(tmp_path: Path) -> None:
    # `pulumi plugin install resource pulumi-builds 0.0.9 --file <the 0.1.0 archive>` succeeds
    # (the CLI takes any archive): the plugin says what is wrong at its first start.
    done = _run_entry_point(tmp_path / "plugins" / "resource-pulumi-builds-v0.0.9")
    assert done.returncode != 0
    assert f"this plugin is version {VERSION} but was installed as version 0.0.9" in done.stderr
    assert "pulumi plugin rm resource pulumi-builds 0.0.9" in done.stderr


def test_the_plugin_starts_when_installed_as_its_version(tmp_path: Path) -> None:
    done = _run_entry_point(tmp_path / "plugins" / f"resource-pulumi-builds-v{VERSION}")
    assert done.returncode == 0, done.stderr  # --help: the server's usage, nothing served
    assert "pulumi-builds native provider" in done.stdout
