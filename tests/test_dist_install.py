"""Install the provider as Pulumi users do (issue 17): `make dist`'s plugin archive, by file and
by server, into fresh PULUMI_HOMEs, with nothing of the project on PATH but the CLI's own
directory and ambient plugins ignored; then the README's YAML program starts its build."""

from __future__ import annotations

import http.server
import json
import re
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import pytest
import yaml

from pulumi_builds.emulators.seed import create_projects
from pulumi_builds.emulators.server import EmulatorServer
from pulumi_builds.engine import emulated
from pulumi_builds.engine.dist import archive_name, host_platform, project_version
from pulumi_builds.engine.install import PULUMI_VERSION
from pulumi_builds.engine.local import LocalBackend, PulumiResult, write_yaml_project
from tests.fixtures.dist import SYSTEM_PATH

# Any worker runs these: dist/ is built once for the run (tests/fixtures/shared.py), and wheel
# builds of the checkout take turns (engine/dist.py build_wheel).
pytestmark = pytest.mark.engine
# The `package add` tests share one worker (`--dist loadgroup`), so its checkout copy's
# provider/venv (the plugin's whole dependency closure) is built once, as for a user who adds
# the package to a second program.
SAME_CHECKOUT = pytest.mark.xdist_group("checkout-copy")

README = Path(__file__).resolve().parents[1] / "README.md"
EXAMPLES = README.parent / "examples"
VERSION = project_version()
ARCHIVE = archive_name(VERSION, *host_platform())


def readme_yaml_program() -> str:
    """The YAML program of README's "Install" section, as a user would copy it."""
    found = re.search(r"```yaml\n(name: builds-hello\n.*?)```", README.read_text(), re.DOTALL)
    assert found, "README.md has no `name: builds-hello` YAML program"
    return found.group(1)


def installed_plugins(backend: LocalBackend) -> list[tuple[str, str]]:
    listed = backend.run(["plugin", "ls", "--json"], cwd=backend.root)
    return [(p["name"], p["version"]) for p in json.loads(listed.stdout or "[]")]


def install(backend: LocalBackend, version: str, *source: str) -> PulumiResult:
    command = ["plugin", "install", "resource", "pulumi-builds", version, *source]
    return backend.run(command, cwd=backend.root, check=False)


def assert_nothing_installed(backend: LocalBackend, failed: PulumiResult) -> None:
    assert failed.exit_code != 0, failed.output
    assert installed_plugins(backend) == []
    # The CLI unpacks into the plugin's directory marked `.partial` until its dependencies are
    # installed: a failed install may leave that marked directory (the next install replaces
    # it), never an unmarked one.
    plugins = backend.home / "plugins"
    for entry in plugins.iterdir() if plugins.is_dir() else []:
        if entry.is_dir():
            assert entry.with_name(entry.name + ".partial").exists(), sorted(plugins.iterdir())


def run_readme_program(backend: LocalBackend, work: Path, emulator: EmulatorServer) -> Path:
    """`pulumi up` of the README's YAML program: one build, its outputs (emulated builds take
    a minute of simulated time: a second here)."""
    create_projects(emulator.url, ["api"])
    project = write_yaml_project(work / "program", readme_yaml_program())
    stack = backend.cli_stack(project, "dev")
    emulated.apply(stack, emulated.settings_config(emulator.url, poll_interval=0.2))
    up = stack.up()
    assert up.changes == {"create": 2}, up.output
    outputs = stack.outputs()
    assert outputs["status"] == "SUCCEEDED", outputs
    assert outputs["buildId"].startswith("api:"), outputs
    assert emulator.emulator.counters.get("aws_codebuild.requests.StartBuild") == 1
    return project


def test_nothing_of_the_project_is_reachable_from_the_users_path(tmp_path: Path) -> None:
    """The premise of the tests below: the system's Python cannot import the provider, so the
    plugin can only run from the environment its install created."""
    probe = subprocess.run(
        ["python3", "-c", "import pulumi_builds"],
        cwd=tmp_path,  # not the checkout: `python -c` imports from the working directory
        env={"PATH": SYSTEM_PATH},
        capture_output=True,
        text=True,
        check=False,
    )
    assert probe.returncode != 0 and "No module named 'pulumi_builds'" in probe.stderr


def test_install_by_file_then_the_readme_yaml_program_runs(
    user_backend: LocalBackend,
    dist_dir: Path,
    tmp_path: Path,
    emulator_factory: Callable[..., EmulatorServer],
) -> None:
    corrupted = tmp_path / ARCHIVE
    corrupted.write_bytes((dist_dir / ARCHIVE).read_bytes()[:4096])
    failed = install(user_backend, VERSION, "--file", str(corrupted))
    assert "unexpected EOF" in failed.output or "gzip" in failed.output, failed.output
    assert_nothing_installed(user_backend, failed)

    installed = install(user_backend, VERSION, "--file", str(dist_dir / ARCHIVE))
    assert installed.exit_code == 0, installed.output
    assert installed_plugins(user_backend) == [("pulumi-builds", VERSION)]
    plugin_dir = user_backend.home / "plugins" / f"resource-pulumi-builds-v{VERSION}"
    assert (plugin_dir / "venv" / "bin" / "python").exists()  # its own environment
    # ... with pip, setuptools and wheel in it, as Pulumi's host leaves a plugin's venv.
    tools = subprocess.run(
        [plugin_dir / "venv" / "bin" / "python", "-m", "pip", "list", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert {"pip", "setuptools", "wheel"} <= {tool["name"] for tool in json.loads(tools.stdout)}
    program = run_readme_program(user_backend, tmp_path, emulator_factory(time_scale=60))

    # The installed plugin can be recorded in the program as a package (YAML needs no SDK).
    added = user_backend.run(["package", "add", f"pulumi-builds@{VERSION}"], cwd=program)
    assert "Added package pulumi-builds" in added.output, added.output
    packages = yaml.safe_load((program / "Pulumi.yaml").read_text())["packages"]
    assert packages == {"pulumi-builds": f"pulumi-builds@{VERSION}"}


class _Recorder(http.server.SimpleHTTPRequestHandler):
    requested: list[str]

    def log_message(self, format: str, *args: object) -> None:
        self.requested.append(self.path)


@contextmanager
def serve(directory: Path) -> Iterator[tuple[str, list[str]]]:
    """`directory` served over plain HTTP on a loopback port: (base URL, paths requested)."""
    requested: list[str] = []
    handler = type("Handler", (_Recorder,), {"requested": requested})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(handler, directory=str(directory))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requested
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def release_server(dist_dir: Path) -> Iterator[tuple[str, list[str]]]:
    with serve(dist_dir) as served:
        yield served


def test_install_by_server_then_the_readme_yaml_program_runs(
    user_backend: LocalBackend,
    release_server: tuple[str, list[str]],
    tmp_path: Path,
    emulator_factory: Callable[..., EmulatorServer],
) -> None:
    url, requested = release_server
    missing = install(user_backend, "9.9.9", "--server", url)
    assert "404" in missing.output and "9.9.9" in missing.output, missing.output
    assert_nothing_installed(user_backend, missing)

    installed = install(user_backend, VERSION, "--server", url)
    assert installed.exit_code == 0, installed.output
    assert f"/{ARCHIVE}" in requested  # Pulumi's name for the archive of this OS and arch
    assert installed_plugins(user_backend) == [("pulumi-builds", VERSION)]
    run_readme_program(user_backend, tmp_path, emulator_factory(time_scale=60))


@SAME_CHECKOUT
def test_package_add_from_a_checkout_in_a_yaml_program(
    user_backend: LocalBackend, checkout_copy: Path, tmp_path: Path
) -> None:
    """`pulumi package add <checkout>/provider`: the CLI has the Python host build the source
    plugin's venv from the checkout, runs it for its schema, and records the package."""
    program = write_yaml_project(tmp_path / "program", readme_yaml_program())
    added = user_backend.run(["package", "add", str(checkout_copy / "provider")], cwd=program)
    assert "Added package pulumi-builds" in added.output, added.output
    packages = yaml.safe_load((program / "Pulumi.yaml").read_text())["packages"]
    assert packages == {"pulumi-builds": str(checkout_copy / "provider")}
    assert (checkout_copy / "provider" / "venv" / "bin" / "python").exists()
    assert (program / "sdks" / "pulumi-builds").is_dir()
    # The program now previews against the package (the plugin runs from the checkout's venv).
    stack = user_backend.cli_stack(program, "dev")
    preview = stack.preview()
    assert "pulumi-builds:awsCodebuild:Build" in preview.output, preview.output
    assert installed_plugins(user_backend) == []  # nothing was installed into PULUMI_HOME


TYPESCRIPT_PROGRAM = """\
import * as builds from "@pulumi-builds/pulumi-builds";

const api = new builds.aws_codebuild.Build("api", { projectName: "api", sourceVersion: "main" });
export const buildId = api.buildId;
"""


@SAME_CHECKOUT
def test_package_add_from_a_checkout_in_a_typescript_program(
    user_backend: LocalBackend, checkout_copy: Path, tmp_path: Path
) -> None:
    """`pulumi package add <checkout>/provider` in a TypeScript program: the SDK generated into
    sdks/, linked into package.json, installed (npm), and usable by the program."""
    program = tmp_path / "program"
    program.mkdir()
    (program / "Pulumi.yaml").write_text("name: builds-ts\nruntime: nodejs\n")
    manifest = {
        "name": "builds-ts",
        "private": True,
        "main": "index.ts",
        "dependencies": {"@pulumi/pulumi": PULUMI_VERSION},
        "devDependencies": {"@types/node": "20.19.43", "typescript": "5.9.3"},
    }
    (program / "package.json").write_text(json.dumps(manifest, indent=2))
    (program / "tsconfig.json").write_text((EXAMPLES / "typescript" / "tsconfig.json").read_text())
    (program / "index.ts").write_text(TYPESCRIPT_PROGRAM)

    added = user_backend.run(["package", "add", str(checkout_copy / "provider")], cwd=program)
    assert "Added package pulumi-builds" in added.output, added.output
    dependencies = json.loads((program / "package.json").read_text())["dependencies"]
    assert dependencies["@pulumi-builds/pulumi-builds"] == "file:sdks/pulumi-builds"
    installed = program / "node_modules" / "@pulumi-builds" / "pulumi-builds" / "package.json"
    assert json.loads(installed.read_text())["pulumi"]["name"] == "pulumi-builds"
    packages = yaml.safe_load((program / "Pulumi.yaml").read_text())["packages"]
    assert packages == {"pulumi-builds": str(checkout_copy / "provider")}
    preview = user_backend.cli_stack(program, "dev").preview()
    assert "pulumi-builds:awsCodebuild:Build" in preview.output, preview.output


PYTHON_PROGRAM = """\
import pulumi
import pulumi_builds_sdk as builds

api = builds.aws_codebuild.Build("api", project_name="api", source_version="main")
pulumi.export("buildId", api.build_id)
"""


@SAME_CHECKOUT
def test_package_add_from_a_checkout_in_a_python_program(
    user_backend: LocalBackend, checkout_copy: Path, tmp_path: Path
) -> None:
    """`pulumi package add <checkout>/provider` in a Python program (pip, its own venv): the SDK
    generated into sdks/, linked into requirements.txt and installed into the program's venv."""
    program = tmp_path / "program"
    program.mkdir()
    runtime = {"name": "python", "options": {"toolchain": "pip", "virtualenv": "venv"}}
    (program / "Pulumi.yaml").write_text(yaml.safe_dump({"name": "builds-py", "runtime": runtime}))
    (program / "requirements.txt").write_text(f"pulumi=={PULUMI_VERSION}\n")
    (program / "__main__.py").write_text(PYTHON_PROGRAM)

    added = user_backend.run(["package", "add", str(checkout_copy / "provider")], cwd=program)
    assert "Added package pulumi-builds" in added.output, added.output
    assert "import pulumi_builds_sdk" in added.output  # the host's import instructions
    requirements = (program / "requirements.txt").read_text().splitlines()
    assert requirements == [f"pulumi=={PULUMI_VERSION}", "sdks/pulumi-builds"]
    site = next((program / "venv" / "lib").glob("python3*/site-packages"))
    assert (site / "pulumi_builds_sdk" / "pulumi-plugin.json").is_file()
    preview = user_backend.cli_stack(program, "dev").preview()
    assert "pulumi-builds:awsCodebuild:Build" in preview.output, preview.output
