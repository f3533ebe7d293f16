"""The engine setup (`make engine`), the provider launcher and the wide-pool provider host."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from pulumi_builds import provider_host
from pulumi_builds.engine.install import (
    HOST_LAUNCHERS,
    LANGUAGE_HOST,
    LAUNCHERS_DIR,
    PROVIDER_LAUNCHER,
    PULUMI_VERSION,
    cached_pulumi,
    has_go_language_host,
)

pytestmark = pytest.mark.engine

VENV = Path(sys.prefix)


def test_second_engine_install_is_cached_and_fast(pulumi_bin_dir: Path) -> None:
    pulumi_binary = (pulumi_bin_dir / "pulumi").resolve()
    built_at = pulumi_binary.stat().st_mtime
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pulumi_builds.engine", "install", "--venv", str(VENV)],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.monotonic() - started
    print(f"cached engine install: {elapsed:.2f} s")
    assert result.returncode == 0, result.stderr
    assert "building" not in result.stderr, result.stderr
    assert (pulumi_bin_dir / "pulumi").resolve().stat().st_mtime == built_at
    assert elapsed < 30  # a rebuild takes minutes even with warm Go caches


def test_venv_pulumi_reports_the_pinned_version(pulumi_bin_dir: Path) -> None:
    version = subprocess.run(
        [str(pulumi_bin_dir / "pulumi"), "version"], capture_output=True, text=True, check=True
    )
    assert version.stdout.strip() == f"v{PULUMI_VERSION}"


def test_provider_launcher_in_venv_is_the_projects(pulumi_bin_dir: Path) -> None:
    installed = pulumi_bin_dir / PROVIDER_LAUNCHER
    assert os.access(installed, os.X_OK)
    assert installed.read_bytes() == (LAUNCHERS_DIR / PROVIDER_LAUNCHER).read_bytes()


def test_venv_has_a_language_host_for_the_plain_cli(pulumi_bin_dir: Path) -> None:
    host = pulumi_bin_dir / LANGUAGE_HOST
    assert os.access(host, os.X_OK)
    engine_dir = (pulumi_bin_dir / "pulumi").resolve().parent
    if not has_go_language_host(engine_dir):
        # The stand-in is this project's launcher, placed next to pulumi (no PATH warning).
        assert host.resolve() == engine_dir / LANGUAGE_HOST
        # The template with this venv's interpreter written in, so the host runs whatever PATH
        # holds.
        assert _interpreter_of(host) == VENV.resolve() / "bin" / "python"


def _interpreter_of(launcher: Path) -> Path:
    """The interpreter written into one of the project's language-host launchers."""
    before, after = (LAUNCHERS_DIR / launcher.name).read_text().split("@HOST_PYTHON@")
    text = launcher.read_text()
    assert text.startswith(before) and text.endswith(after), text
    return Path(text[len(before) : len(text) - len(after)])


def test_two_venvs_engines_do_not_undo_each_other(pulumi_bin_dir: Path, tmp_path: Path) -> None:
    """`make engine` in a second checkout leaves this venv's hosts naming this venv's Python:
    what is bound to a venv lives in its own bin/, beside a hard link of the cached pulumi."""
    if cached_pulumi(pulumi_bin_dir) is None:
        pytest.skip(f"pulumi in {pulumi_bin_dir} is not built by make engine")
    other = tmp_path / "other-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", other], check=True)
    installed = subprocess.run(
        [sys.executable, "-m", "pulumi_builds.engine", "install", "--venv", str(other)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr
    for bin_dir, venv in ((pulumi_bin_dir, VENV), (other / "bin", other)):
        pulumi = bin_dir / "pulumi"
        assert not pulumi.is_symlink() and pulumi.samefile(cached_pulumi(pulumi_bin_dir) or "")
        for host in HOST_LAUNCHERS:
            launcher = bin_dir / host
            if launcher.read_bytes()[:2] == b"#!":  # ours (Pulumi's own host is a binary)
                assert not launcher.is_symlink()
                assert _interpreter_of(launcher) == venv.resolve() / "bin" / "python", host


@contextmanager
def started_provider(env: dict[str, str], cwd: Path) -> Iterator[subprocess.Popen[str]]:
    """Start the launcher like the CLI does; yields once it has printed its gRPC port."""
    process = subprocess.Popen(
        [str(LAUNCHERS_DIR / PROVIDER_LAUNCHER)],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = process.stdout.readline().strip()
        assert port.isdigit(), f"no port from the provider: {port!r} {process.stderr}"
        yield process
    finally:
        process.kill()
        process.wait(timeout=10)


def command_line(process: subprocess.Popen[str]) -> list[str]:
    return Path(f"/proc/{process.pid}/cmdline").read_text().rstrip("\0").split("\0")


def launcher_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "PYTHON"))}
    return {**env, "PATH": f"{VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}", **extra}


def test_launcher_runs_the_wide_pool_host_from_a_relative_virtualenv(tmp_path: Path) -> None:
    relative = os.path.relpath(VENV, tmp_path)
    env = launcher_env(PULUMI_RUNTIME_VIRTUALENV=relative)
    with started_provider(env, tmp_path) as process:
        python, *arguments = command_line(process)[:4]
        assert os.path.normpath(python) == str(VENV / "bin" / "python")
        assert arguments == ["-u", "-m", "pulumi_builds.provider_host"]


def test_launcher_rejects_a_virtualenv_without_python(tmp_path: Path) -> None:
    env = launcher_env(PULUMI_RUNTIME_VIRTUALENV="no-such-venv")
    result = subprocess.run(
        [str(LAUNCHERS_DIR / PROVIDER_LAUNCHER)],
        cwd=tmp_path,
        check=False,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert f"PULUMI_RUNTIME_VIRTUALENV='{tmp_path}/no-such-venv' has no bin/python" in result.stderr


def test_launcher_falls_back_to_the_stock_server_without_this_project(tmp_path: Path) -> None:
    # An interpreter that has the Pulumi SDK but not this project: other projects' dynamic
    # providers must keep working. -S skips the .pth files, and with them our editable install.
    site_packages = next(VENV.glob("lib/python3*/site-packages"))
    python = tmp_path / "python-without-project"
    python.write_text(f'#!/bin/sh\nPYTHONPATH={site_packages} exec {VENV}/bin/python -S "$@"\n')
    python.chmod(0o755)
    env = launcher_env(PULUMI_PYTHON_CMD=str(python))
    with started_provider(env, tmp_path) as process:
        assert command_line(process)[-3:] == ["-u", "-m", "pulumi.dynamic"]


def test_wide_pool_shim_overrides_only_the_pool_size() -> None:
    shim = provider_host.WidePoolFutures(64)
    pool = shim.ThreadPoolExecutor(max_workers=4)
    try:
        assert pool._max_workers == 64
    finally:
        pool.shutdown()
    assert shim.Future is provider_host.concurrent.futures.Future


def test_sdk_server_loads_without_starting_and_uses_the_futures_module() -> None:
    server = provider_host.load_sdk_server()
    assert server is not None, "pulumi/dynamic/__main__.py no longer has the expected shape"
    assert server.futures is provider_host.concurrent.futures
    assert callable(server.main)


def test_language_hosts_load_the_protocol_without_the_sdk_and_leave_the_sdk_importable() -> None:
    # In a fresh interpreter: this worker has imported the whole SDK already.
    probe = """
import sys
from pulumi_builds.engine import language_host, protocol
assert not [name for name in sys.modules if name.startswith("pulumi.") or name == "pulumi"]
assert protocol.language_pb2.RunRequest(program="p").program == "p"
import pulumi.provider.experimental.server  # uses pulumi.runtime.proto as an attribute
from pulumi.runtime.proto import language_pb2
assert language_pb2.RunRequest is protocol.language_pb2.RunRequest
assert pulumi.Output and pulumi.runtime.proto.PluginInfo is protocol.plugin_pb2.PluginInfo
print("ok")
"""
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.stdout.strip() == "ok", result.stderr


@pytest.mark.parametrize(
    ("raw", "expected"), [("", provider_host.DEFAULT_WORKERS), ("16", 16), (" 8 ", 8)]
)
def test_worker_count_setting(raw: str, expected: int) -> None:
    assert provider_host.worker_count({provider_host.WORKERS_VARIABLE: raw}) == expected


@pytest.mark.parametrize("raw", ["0", "-3", "many"])
def test_worker_count_rejects_non_positive_values(raw: str) -> None:
    with pytest.raises(ValueError, match=f"PULUMI_BUILDS_PROVIDER_WORKERS='{raw}'"):
        provider_host.worker_count({provider_host.WORKERS_VARIABLE: raw})
