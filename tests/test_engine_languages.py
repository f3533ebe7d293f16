"""TypeScript and Go programs on the real engine (issue 16).

examples/typescript and examples/go, each with its SDK generated from generated/schema.json
(`builds-codegen sdk`), go through what a user runs: `pulumi install` (the language host's
InstallDependencies: npm install / go mod tidy), `pulumi up`, a second `up`, `refresh`, `destroy`,
against the emulators, on the Node.js and Go language hosts `make engine` placed (the project's
own where the proxy refuses Pulumi's). npm and Go downloads go to the per-user cache; each
example is installed once per session (the first Go build of the SDK takes minutes cold).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
from pulumi.runtime.proto import language_pb2, language_pb2_grpc

from pulumi_builds.codegen.sdk import generate_sdk
from pulumi_builds.emulators.core import Outcome
from pulumi_builds.emulators.seed import Seeded, aws_client, seed_quickstart
from pulumi_builds.emulators.server import EmulatorServer
from pulumi_builds.engine import emulated
from pulumi_builds.engine.install import (
    LAUNCHERS_DIR,
    NODE_VERSION,
    PROGRAM_HOSTS,
    PULUMI_VERSION,
    cache_root,
    cached_pulumi,
    place_program_hosts,
)
from pulumi_builds.engine.local import CliStack, LocalBackend, PulumiResult
from tests.fixtures.dist import NPM_QUIET

pytestmark = pytest.mark.engine

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = {"typescript": "nodejs", "go": "go"}  # example directory -> SDK language
# Under -n, one worker per language runs its tests: each example is installed once (`installed`).
EACH_EXAMPLE = [
    pytest.param(example, marks=pytest.mark.xdist_group(f"languages-{example}"))
    for example in sorted(EXAMPLES)
]
SECRET = "deploy-token-3f9c1a"
FAILURE = "make: *** [all] Error 2"


def cache_env() -> dict[str, str]:
    """npm's and Go's downloads and builds in the per-user cache, shared by every run."""
    root = cache_root()
    return {
        "npm_config_cache": str(root / "node" / "npm-cache"),
        **NPM_QUIET,
        "GOMODCACHE": str(root / "go" / "mod"),
        "GOCACHE": str(root / "go" / "build"),
        "GOTOOLCHAIN": "local",
        # Builds keyed by content, not by the temporary folder the program and its SDK are in:
        # the SDK is compiled once for the cache, not again in every run. The program binaries
        # are linked without a symbol table and debug information (-s): half the linker's work,
        # and nothing here debugs them.
        "GOFLAGS": "-trimpath -ldflags=-s",
    }


class Installed(dict[str, Path]):
    """Each example copied with its SDK (in `sdk/`, as the README says) and `pulumi install`ed,
    when a test first asks for it: a worker that runs only the Go tests installs only Go."""

    def __init__(self, root: Path, pulumi_bin_dir: Path) -> None:
        super().__init__()
        self.root = root
        self.pulumi_bin_dir = pulumi_bin_dir
        self.backend = LocalBackend(root / "pulumi", bin_dir=pulumi_bin_dir, extra_env=cache_env())

    def __missing__(self, example: str) -> Path:
        project = self.root / example
        shutil.copytree(ROOT / "examples" / example, project)
        sdk = project / "sdk"
        generate_sdk(ROOT, EXAMPLES[example], sdk, pulumi=self.pulumi_bin_dir / "pulumi")
        # --no-plugins: the provider is pulumi-resource-pulumi-builds on PATH, nothing to download.
        self.backend.run(["install", "--no-plugins"], cwd=project, timeout=1500)
        self[example] = project
        return project


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory, pulumi_bin_dir: Path) -> Installed:
    return Installed(tmp_path_factory.mktemp("programs"), pulumi_bin_dir)


@dataclass
class Run:
    server: EmulatorServer
    seeded: Seeded
    backend: LocalBackend
    project: Path

    def stack(self, name: str) -> CliStack:
        stack = self.backend.cli_stack(self.project, name)
        emulated.apply(stack, emulated.settings_config(self.server.url, poll_interval=0.3))
        emulated.apply(
            stack,
            {
                "cloudflareAccountId": (self.seeded.cloudflare_account_id, False),
                "cloudflareTriggerUuid": (self.seeded.cloudflare_trigger_uuid, False),
                "cloudflareScriptId": (self.seeded.cloudflare_script_id, False),
                "cloudfoundryPackageGuid": (self.seeded.cloudfoundry_package_guid, False),
                "deployToken": (SECRET, True),
            },
        )
        return stack

    def builds_started(self) -> dict[str, int]:
        counters = self.server.emulator.counters
        return {
            "codebuild": int(counters.get("aws_codebuild.requests.StartBuild", 0)),
            "cloudflare": int(counters.get("cloudflare_builds.builds_created", 0)),
            "cloudfoundry": int(counters.get("cloudfoundry.builds_created", 0)),
        }


def _on_services(run: Run, outputs: dict[str, Any]) -> dict[str, Any]:
    """What the services say about the builds the outputs name, in the outputs' terms."""
    codebuild = aws_client("codebuild", run.server.url)
    [api] = codebuild.batch_get_builds(ids=[outputs["apiBuildId"]])["builds"]
    headers = {"Authorization": f"Bearer {emulated.EMULATOR_TOKEN}"}
    account = run.seeded.cloudflare_account_id
    site = httpx.get(
        f"{run.server.url}/client/v4/accounts/{account}/builds/builds/{outputs['siteBuildId']}",
        headers=headers,
    ).json()["result"]
    droplet = httpx.get(
        f"{run.server.url}/v3/builds/{outputs['dropletBuildId']}", headers=headers
    ).json()
    return {
        "apiBuildId": api["id"],
        "apiStatus": api["buildStatus"],
        "siteBuildId": site["build_uuid"],
        "siteOutcome": site["build_outcome"],
        "dropletBuildId": droplet["guid"],
        "dropletState": droplet["state"],
        "foundBuilds": codebuild.list_builds_for_project(projectName="api")["ids"],
    }


def _assert_no_plain_secret(stack: CliStack, *outputs: PulumiResult) -> None:
    state = json.dumps(stack.export())
    state_files = "".join(p.read_text() for p in stack.backend.state.rglob("*.json"))
    for secret in (SECRET, emulated.EMULATOR_TOKEN, emulated.EMULATOR_KEYS[1]):
        assert secret not in state and secret not in state_files, secret
        for result in outputs:
            assert secret not in result.output, (secret, result.command)
    api = next(r for r in stack.export()["resources"] if r["urn"].endswith("::api"))
    assert "ciphertext" in json.dumps(api["inputs"]["environmentVariables"])


@pytest.mark.parametrize("example", EACH_EXAMPLE)
def test_example_runs_up_refresh_destroy(
    example: str,
    installed: dict[str, Path],
    tmp_path: Path,
    emulator_factory: Callable[..., EmulatorServer],
) -> None:
    server = emulator_factory(time_scale=60)
    seeded = seed_quickstart(server.url, emulated.EMULATOR_TOKEN, emulated.EMULATOR_TOKEN)
    extra_env = {**cache_env(), "PULUMI_BUILDS_JOURNAL_DIR": str(tmp_path / "journal")}
    run = Run(
        server, seeded, LocalBackend(tmp_path / "pulumi", extra_env=extra_env), installed[example]
    )
    before = run.builds_started()  # seeding runs one Cloudflare build of its own
    stack = run.stack("dev")

    up = stack.up()
    assert up.changes == {"create": 4}, up.output  # the stack and one build per resource
    started = run.builds_started()
    assert {k: started[k] - before[k] for k in started} == dict.fromkeys(started, 1)
    outputs = stack.outputs()
    # The outputs are the services' values; the function (getBuilds) found the build.
    assert {k: v for k, v in outputs.items()} == _on_services(run, outputs)
    assert outputs["apiStatus"] == "SUCCEEDED" and outputs["dropletState"] == "STAGED"
    assert outputs["siteOutcome"] == "success"

    again = stack.up()
    assert again.changes == {"same": 4}, again.output
    refresh = stack.refresh()
    assert set(refresh.changes) <= {"same"}, refresh.changes
    assert run.builds_started() == started  # a second up and a refresh start nothing
    _assert_no_plain_secret(stack, up, again, refresh)

    # A build that fails fails the update, with the provider's message.
    server.emulator.script(
        "aws_codebuild", "api", Outcome("failed", failing_phase="BUILD", message=FAILURE, times=1)
    )
    failing = run.stack("failing").up(check=False)
    assert failing.exit_code != 0
    message = " ".join(failing.output.split())
    assert f"failing phase BUILD (FAILED): {FAILURE}" in message, failing.output

    destroy = stack.destroy()
    assert destroy.changes == {"delete": 4}, destroy.output
    assert stack.outputs() == {}


# A program that reports what its SDK got from the engine, or fails when told to.
PROBES = {
    "typescript": (
        "index.ts",
        """\
import * as pulumi from "@pulumi/pulumi";
const config = new pulumi.Config();
if (config.getBoolean("fail")) {
    throw new Error("the probe refuses: 7c1d");
}
export const runtime = process.version;
export const dryRun = pulumi.runtime.isDryRun();
export const parallel = Number(process.env.PULUMI_NODEJS_PARALLEL);
export const organization = pulumi.getOrganization();
export const project = pulumi.getProject();
export const stack = pulumi.getStack();
export const rootDirectory = pulumi.getRootDirectory();
export const greeting = config.require("greeting");
export const token = config.requireSecret("token");
""",
    ),
    "go": (
        "main.go",
        """\
package main

import (
	"errors"
	"runtime"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		conf := config.New(ctx, "")
		if conf.GetBool("fail") {
			return errors.New("the probe refuses: 7c1d")
		}
		ctx.Export("runtime", pulumi.String(runtime.Version()))
		ctx.Export("dryRun", pulumi.Bool(ctx.DryRun()))
		ctx.Export("parallel", pulumi.Int(int(ctx.Parallel())))
		ctx.Export("organization", pulumi.String(ctx.Organization()))
		ctx.Export("project", pulumi.String(ctx.Project()))
		ctx.Export("stack", pulumi.String(ctx.Stack()))
		ctx.Export("rootDirectory", pulumi.String(ctx.RootDirectory()))
		ctx.Export("greeting", pulumi.String(conf.Require("greeting")))
		ctx.Export("token", conf.RequireSecret("token"))
		return nil
	})
}
""",
    ),
}


def _probe(example: str, installed: dict[str, Path]) -> Path:
    """The probe as a project that uses the installed example's dependencies (Node.js: its
    node_modules; Go: a package inside its module), its program in `app/` (Pulumi.yaml's
    `main`), so the root and program directories differ."""
    name, source = PROBES[example]
    project = installed[example]
    probe = project / "probe" if example == "go" else project.parent / "probe-typescript"
    app = probe / "app"
    app.mkdir(parents=True, exist_ok=True)
    runtime = "go" if example == "go" else "nodejs"
    (probe / "Pulumi.yaml").write_text(f"name: probe-{example}\nruntime: {runtime}\nmain: app/\n")
    (app / name).write_text(source)
    if example == "typescript":
        (app / "package.json").write_text('{"name": "probe", "main": "index.ts"}\n')
        if not (app / "node_modules").exists():
            (app / "node_modules").symlink_to(project / "node_modules")
    return probe


@pytest.mark.parametrize("example", EACH_EXAMPLE)
def test_the_program_gets_the_engines_settings_and_its_errors_fail_the_update(
    example: str, installed: dict[str, Path], tmp_path: Path
) -> None:
    probe = _probe(example, installed)
    # PULUMI_PARALLEL is `pulumi up --parallel`'s default: the engine passes it to the host.
    backend = LocalBackend(tmp_path / "pulumi", extra_env={**cache_env(), "PULUMI_PARALLEL": "3"})
    stack = backend.cli_stack(probe, "probe")
    stack.config_set("greeting", "hello")
    stack.config_set("token", SECRET, secret=True)
    preview = stack.preview()
    assert re.search(r"dryRun\s*:\s*true", preview.stdout), preview.stdout
    up = stack.up()
    outputs = stack.outputs()
    runtime = outputs.pop("runtime")
    if example == "typescript":  # the Node.js `make engine` fetched, not the one on PATH
        assert runtime == f"v{NODE_VERSION}"
    assert outputs == {
        "dryRun": False,
        "parallel": 3,
        "organization": "organization",  # a file:// backend's
        "project": f"probe-{example}",
        "stack": "probe",
        "rootDirectory": str(probe),
        "greeting": "hello",
        "token": SECRET,
    }
    assert SECRET not in up.output and SECRET not in json.dumps(stack.export())

    broken = backend.cli_stack(probe, "broken")
    broken.config_set("fail", "true")
    failed = broken.up(check=False)
    assert failed.exit_code != 0
    assert "the probe refuses: 7c1d" in failed.output, failed.output


def assert_written_from_template(placed: Path, host: str, python: Path | None = None) -> None:
    """The launcher template with an interpreter written in (the venv that ran `make engine`),
    so the host runs whatever PATH holds."""
    before, after = (LAUNCHERS_DIR / host).read_text().split("@HOST_PYTHON@")
    text = placed.read_text()
    assert text.startswith(before) and text.endswith(after), text
    interpreter = text[len(before) : len(text) - len(after)]
    if python is not None:
        assert interpreter == str(python)
    else:
        assert Path(interpreter).is_absolute() and os.access(interpreter, os.X_OK), interpreter


def test_the_hosts_are_the_projects_where_pulumis_cannot_be_built(pulumi_bin_dir: Path) -> None:
    if cached_pulumi(pulumi_bin_dir) is None:
        pytest.skip(
            f"pulumi in {pulumi_bin_dir} is not built by make engine: its hosts are its own"
        )
    engine_dir = (pulumi_bin_dir / "pulumi").resolve().parent  # the venv's: pulumi is a hard link
    built = cache_root() / f"pulumi-hosts-v{PULUMI_VERSION}"
    for host in PROGRAM_HOSTS:
        placed = pulumi_bin_dir / host
        if (built / "bin" / host).is_file():  # the proxy served Pulumi's: bundled next to pulumi
            assert placed.resolve().samefile(built / "bin" / host)
            continue
        # Ours, next to pulumi (the CLI warns about hosts found elsewhere on PATH), and why.
        assert placed.resolve() == engine_dir / host
        assert_written_from_template(placed, host, Path(sys.prefix).resolve() / "bin" / "python")
        language = host.removeprefix("pulumi-language-")
        assert (built / f"{language}-build.log").read_text().strip()


def test_a_pulumi_installation_keeps_its_own_hosts(tmp_path: Path) -> None:
    installation = tmp_path / "pulumi-installation"  # e.g. ~/.pulumi/bin, found on PATH
    venv_bin = tmp_path / "venv-bin"
    installation.mkdir()
    venv_bin.mkdir()
    for host in PROGRAM_HOSTS:
        (installation / host).write_text("#!/bin/sh\n# Pulumi's own\n")
        (venv_bin / host).symlink_to(LAUNCHERS_DIR / host)  # ours, from an earlier install
    place_program_hosts(installation, venv_bin)
    for host in PROGRAM_HOSTS:
        assert not (venv_bin / host).is_symlink()  # the CLI finds Pulumi's next to pulumi
        assert (installation / host).read_text() == "#!/bin/sh\n# Pulumi's own\n"

    bare = tmp_path / "bare-installation"  # a pulumi without the Node.js and Go hosts
    bare.mkdir()
    notes = place_program_hosts(bare, venv_bin)
    for host in PROGRAM_HOSTS:
        assert_written_from_template(venv_bin / host, host, venv_bin.resolve() / "python")
        assert not (bare / host).exists()  # nothing written into someone else's installation
    assert any("using the project's own host" in note for note in notes), notes


@pytest.mark.parametrize("example", EACH_EXAMPLE)
def test_the_host_reports_the_provider_the_program_uses(
    example: str, installed: dict[str, Path], pulumi_bin_dir: Path
) -> None:
    # The host as the CLI starts it (no engine address: nothing to watch), asked what it asks.
    project = str(installed[example])
    path = os.pathsep.join([str(pulumi_bin_dir), os.environ.get("PATH", "")])
    host = subprocess.Popen(
        [str(pulumi_bin_dir / f"pulumi-language-{EXAMPLES[example]}")],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **cache_env(), "PATH": path},
    )
    try:
        assert host.stdout is not None
        port = host.stdout.readline().strip()
        info = language_pb2.ProgramInfo(
            root_directory=project, program_directory=project, entry_point="."
        )
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = language_pb2_grpc.LanguageRuntimeStub(channel)
            packages = stub.GetRequiredPackages(
                language_pb2.GetRequiredPackagesRequest(info=info), timeout=300
            ).packages
            plugins = stub.GetRequiredPlugins(
                language_pb2.GetRequiredPluginsRequest(info=info, program=project, pwd=project),
                timeout=300,
            ).plugins
            dependencies = stub.GetProgramDependencies(  # `pulumi about`
                language_pb2.GetProgramDependenciesRequest(info=info, program=project, pwd=project),
                timeout=300,
            ).dependencies
    finally:
        host.terminate()
        host.wait(timeout=30)
    schema = json.loads((ROOT / "generated" / "schema.json").read_text())
    expected = [(schema["name"], "resource", f"v{schema['version']}")]
    assert [(p.name, p.kind, p.version) for p in packages] == expected
    assert [(p.name, p.kind, p.version) for p in plugins] == expected
    sdk = {"typescript": "@pulumi/pulumi", "go": "github.com/pulumi/pulumi/sdk/v3"}[example]
    versions = {d.name: d.version for d in dependencies}
    assert versions[sdk].removeprefix("v") == PULUMI_VERSION, versions
