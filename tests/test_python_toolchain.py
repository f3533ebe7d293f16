"""The stand-in Python host's pip toolchain (engine/python_toolchain.py): options as Pulumi's
host reads them, and linking a local SDK into requirements.txt."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulumi_builds.engine.python_toolchain import PythonOptions, ToolchainError, link_packages


def test_a_plugin_gets_its_own_venv_by_default(tmp_path: Path) -> None:
    plugin = PythonOptions.parse(str(tmp_path), "", {}, is_plugin=True)
    assert plugin.venv == tmp_path / "venv"
    program = PythonOptions.parse(str(tmp_path), "", {}, is_plugin=False)
    assert program.venv is None  # a program may run on the ambient Python


def test_a_missing_venv_names_the_option_and_the_fix(tmp_path: Path) -> None:
    options = PythonOptions.parse(str(tmp_path), "", {"virtualenv": "env"}, is_plugin=False)
    with pytest.raises(ToolchainError, match=r"virtualenv='env'.*run `pulumi install`"):
        options.python()


def test_other_toolchains_are_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ToolchainError, match="toolchain='uv'"):
        PythonOptions.parse(str(tmp_path), "", {"toolchain": "uv"}, is_plugin=False)


def test_link_replaces_the_packages_line_and_keeps_the_others(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("pulumi==3.259.0\npulumi-builds-sdk==0.0.1\nboto3>=1\n")
    link_packages(tmp_path, {"pulumi_builds_sdk": "sdks/pulumi-builds"})
    assert requirements.read_text() == "pulumi==3.259.0\nboto3>=1\nsdks/pulumi-builds\n"
    link_packages(tmp_path, {"pulumi_builds_sdk": "sdks/pulumi-builds"})  # again: no duplicate
    assert requirements.read_text().count("sdks/pulumi-builds") == 1
