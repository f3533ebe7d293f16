"""The stand-in Python host's pip toolchain (engine/python_toolchain.py): options as Pulumi's
host reads them, linking a local SDK into requirements.txt, and an install step that ends with
the host when the engine goes away."""

from __future__ import annotations

import subprocess
import sys
import time
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


PROBE = """
import os, socket, sys, time
import subprocess
import sys
import time
from pathlib import Path
from pulumi_builds import engine_watch
from pulumi_builds.engine.language_host import PythonLanguageHost

engine_watch.INTERVAL_S = 0.05
engine = socket.socket()
engine.bind(("127.0.0.1", 0))
engine.listen()
host = PythonLanguageHost(f"127.0.0.1:{engine.getsockname()[1]}")
host.watch_engine()
child = "import os, time; print(os.getpid(), flush=True); time.sleep(60)"
output = host.stream_apart([sys.executable, "-c", child], Path("."), dict(os.environ))
print(next(output)[1].decode().strip(), flush=True)  # the install step's pid
engine.close()  # the CLI is killed
time.sleep(30)  # the host ends before this does
"""


def test_an_install_step_ends_with_the_host_when_the_engine_goes_away(tmp_path: Path) -> None:
    # In its own process: the host ends itself (os._exit) once the engine stops answering.
    probe = subprocess.Popen(
        [sys.executable, "-c", PROBE], cwd=tmp_path, stdout=subprocess.PIPE, text=True
    )
    assert probe.stdout is not None
    step = int(probe.stdout.readline())
    assert probe.wait(timeout=20) == 0
    deadline = time.monotonic() + 10
    while _running(step) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(step), "the install step outlived its host"


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False
