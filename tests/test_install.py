"""Install as users do: the wheel, not the checkout, in fresh virtual environments.

(a) the base install is the typed models with pydantic alone: no Pulumi, no AWS SDK;
(b) with the `provider` extra, a Pulumi program using the installed package runs `pulumi up`
    against the emulators on the real engine;
(c) with the `emulator` extra, the emulator validates requests against the service documents it
    ships, and a missing document stops it with a clear error instead of checking nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from pulumi_builds.emulators.seed import seed_quickstart
from pulumi_builds.emulators.server import EmulatorServer
from pulumi_builds.engine import emulated
from pulumi_builds.engine.dist import build_wheel
from pulumi_builds.engine.local import LocalBackend, write_python_project

ROOT = Path(__file__).resolve().parents[1]
# One xdist worker runs this module (`--dist loadgroup`), so its wheel and venvs are built once.
pytestmark = [pytest.mark.xdist_group("install"), pytest.mark.install]
# Every generated service: the wheel must ship each one (pyproject lists its packages).
SERVICES = tuple(sorted(p.parent.name for p in (ROOT / "generated").glob("*/models.py")))


def run(*command: str | Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(c) for c in command], capture_output=True, text=True, check=False, **kwargs
    )  # type: ignore[call-overload]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(ROOT, tmp_path_factory.mktemp("dist"))


def pip(python: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """This environment's pip acting on the environment of `python` (pip --python): a fresh
    venv then needs no pip of its own, whose bootstrap (ensurepip) is the slowest step."""
    return run(sys.executable, "-m", "pip", "--python", python, "--disable-pip-version-check",
               *args)  # fmt: skip


def fresh_venv(where: Path, requirement: str, with_pip: bool = False) -> Path:
    """A new virtualenv with `requirement` installed from the wheel; returns its python.
    `with_pip` for a venv that tools other than these tests install into (the language host)."""
    created = run(sys.executable, "-m", "venv", *([] if with_pip else ["--without-pip"]), where)
    assert created.returncode == 0, created.stderr
    python = where / "bin" / "python"
    # --no-compile: no .pyc for every module of every dependency, only for those imported.
    installed = pip(python, "install", "--quiet", "--no-compile", requirement)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return python


def test_models_alone_need_only_pydantic(wheel: Path, tmp_path: Path) -> None:
    python = fresh_venv(tmp_path / "models", str(wheel))
    # Run from an empty directory so the checkout cannot be imported by accident.
    probe = textwrap.dedent(
        f"""
        import importlib, importlib.util, json
        for service in {SERVICES!r}:
            importlib.import_module(f"pulumi_builds.generated.{{service}}.models")
        from pulumi_builds.generated.aws_codebuild.models import Build
        build = Build.model_validate({{"id": "api:1", "buildStatus": "SUCCEEDED"}})
        present = {{m: importlib.util.find_spec(m) is not None
                   for m in ("pulumi", "boto3", "botocore", "httpx", "grpc", "rich")}}
        try:
            import pulumi_builds.aws_codebuild
            resources_error = None
        except ModuleNotFoundError as exc:
            resources_error = str(exc)
        print(json.dumps({{"build_id": build.id, "present": present,
                          "resources_error": resources_error}}))
        """
    )
    result = run(python, "-c", probe, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["build_id"] == "api:1"
    assert not any(seen["present"].values()), seen["present"]
    # The resources say which extra they need instead of failing deep inside.
    assert "pip install 'pulumi-builds[provider]'" in seen["resources_error"]
    installed = pip(python, "list", "--format", "json")
    assert installed.returncode == 0, installed.stderr
    names = {p["name"].lower().replace("_", "-") for p in json.loads(installed.stdout)}
    assert names == {
        "pulumi-builds",
        "pydantic",
        "pydantic-core",
        "annotated-types",
        "typing-extensions",
        "typing-inspection",
    }
    # The console scripts of the extras exist and say what to install.
    codegen = run(tmp_path / "models" / "bin" / "builds-codegen", "check")
    assert codegen.returncode != 0
    assert "pip install 'pulumi-builds[codegen]'" in codegen.stderr


@pytest.fixture(scope="module")
def emulator_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One emulator install for the tests of this module (a test that alters it restores it)."""
    return fresh_venv(tmp_path_factory.mktemp("emulator"), f"{wheel}[emulator]")


def serve(python: Path, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(python.parent / "builds-emulator"), "serve", "--port", "0", "--log-level", "warning"],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def served(emulator_venv: Path, tmp_path: Path) -> Iterator[str]:
    process = serve(emulator_venv, tmp_path)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "serving" in line, line + (process.stderr.read() if process.stderr else "")
        yield line.split(" on ")[1].split()[0]
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_emulator_from_the_wheel_validates_requests(served: str) -> None:
    client = boto3.client(
        "codebuild",
        endpoint_url=served,
        region_name=emulated.EMULATOR_REGION,
        aws_access_key_id=emulated.EMULATOR_KEYS[0],
        aws_secret_access_key=emulated.EMULATOR_KEYS[1],
    )
    # botocore checks the minimum of `ids` but not the maximum: the service must (api-facts).
    with pytest.raises(ClientError) as caught:
        client.batch_get_builds(ids=[f"api:{n}" for n in range(101)])
    error = caught.value.response["Error"]
    assert error["Code"] == "InvalidInputException"
    assert "at 'ids' failed to satisfy constraint" in error["Message"]
    assert "100" in error["Message"]


def test_emulator_without_its_documents_refuses_to_start(
    emulator_venv: Path, tmp_path: Path
) -> None:
    probe = "import pulumi_builds.schemas as s, pathlib; print(pathlib.Path(s.__file__).parent)"
    shipped = Path(run(emulator_venv, "-c", probe, cwd=tmp_path).stdout.strip())
    assert {p.name for p in shipped.glob("*.json")} >= {f"{s}.json" for s in SERVICES}
    document = shipped / "cloudfoundry.json"
    kept = document.read_bytes()
    document.unlink()
    try:
        process = serve(emulator_venv, tmp_path)
        _, stderr = process.communicate(timeout=60)
    finally:
        document.write_bytes(kept)
    assert process.returncode == 1
    assert "cloudfoundry.json: the service document of cloudfoundry is missing" in stderr


PROGRAM = """
import pulumi
from pulumi_builds import aws_codebuild, cloudfoundry

config = pulumi.Config()
build = aws_codebuild.Build("api", project_name="api", source_version="main")
staged = cloudfoundry.Build("droplet", package_guid=config.require("cloudfoundryPackageGuid"))
pulumi.export("where", pulumi.Output.from_input(aws_codebuild.__file__))
pulumi.export("status", build.build_status)
pulumi.export("state", staged.state)
"""


@pytest.mark.engine
def test_a_program_runs_on_the_installed_provider(
    wheel: Path, tmp_path: Path, emulator: EmulatorServer
) -> None:
    venv = tmp_path / "provider"
    fresh_venv(venv, f"{wheel}[provider]", with_pip=True)
    server = emulator
    server.emulator.configure(time_scale=60)  # a build's simulated minute in one second
    seeded = seed_quickstart(server.url, emulated.EMULATOR_TOKEN, emulated.EMULATOR_TOKEN)
    project = write_python_project(tmp_path / "program", "installed", PROGRAM, venv=venv)
    backend = LocalBackend(
        tmp_path / "pulumi",
        extra_env={
            "PULUMI_BUILDS_JOURNAL_DIR": str(tmp_path / "journal"),
            # The provider plugin runs with the program's virtualenv, not the checkout's.
            "PULUMI_PYTHON_CMD": str(venv / "bin" / "python"),
            "PYTHONPATH": "",
        },
    )
    stack = backend.cli_stack(project, "test")
    settings = emulated.settings_config(server.url, poll_interval=0.3)
    emulated.apply(stack, {**settings, **emulated.quickstart_config(seeded)})
    up = stack.up()
    assert up.changes == {"create": 3}, up.output
    outputs = stack.outputs()
    assert outputs["status"] == "SUCCEEDED"
    assert outputs["state"] == "STAGED"
    assert Path(outputs["where"]).is_relative_to(venv), outputs["where"]
    assert server.emulator.counter("aws_codebuild", "builds_created") == 1
    stack.destroy()
    # The provider extra also puts the native provider plugin into the venv's bin (on PATH when
    # the venv is active, where the CLI looks for pulumi-resource-pulumi-builds).
    plugin = venv / "bin" / "pulumi-resource-pulumi-builds"
    shown = subprocess.run([str(plugin), "--help"], capture_output=True, text=True, check=False)
    assert shown.returncode == 0, shown.stderr
    assert "pulumi-builds native provider" in shown.stdout


def test_the_wheel_ships_no_checkout_paths(wheel: Path, tmp_path: Path) -> None:
    shutil.unpack_archive(wheel, tmp_path / "unpacked", format="zip")
    top = {p.name for p in (tmp_path / "unpacked").iterdir()}
    assert {t for t in top if not t.endswith(".dist-info")} == {"pulumi_builds"}
    assert (tmp_path / "unpacked" / "pulumi_builds" / "schemas" / "aws_codebuild.json").is_file()
    assert not any((tmp_path / "unpacked").rglob("pages"))
    assert os.access(
        tmp_path / "unpacked" / "pulumi_builds" / "engine" / "ensure-pulumi.sh", os.R_OK
    )
