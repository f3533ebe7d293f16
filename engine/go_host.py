"""The project's Go language host: `pulumi up` of a `runtime: go` program.

Placed as `pulumi-language-go` by `make engine` only where Pulumi's own host cannot be built (the
Go module proxy refuses it: engine/ensure-pulumi-hosts.sh). A Go program is a binary: `Run`
builds it from the program directory with `go build` (into the runtime option `buildTarget` if
set; the option `binary` names a prebuilt one instead) and runs it with the engine's settings in the environment variables the Go SDK
reads (`pulumi.Run`: PULUMI_MONITOR, PULUMI_ENGINE, PULUMI_ORGANIZATION, PULUMI_PROJECT,
PULUMI_STACK, PULUMI_ROOT_DIRECTORY, PULUMI_CONFIG, PULUMI_CONFIG_SECRET_KEYS, PULUMI_DRY_RUN,
PULUMI_PARALLEL). `GetRequiredPlugins` / `GetRequiredPackages` read the `pulumi-plugin.json`
of the program's modules (`go list -m -json all`), `GetProgramDependencies` (`pulumi about`)
lists those modules; `InstallDependencies` (`pulumi install`) is `go mod tidy`; `GeneratePackage`
is Pulumi's generator (engine/program_host.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc

from pulumi_builds import engine_watch
from pulumi_builds.engine.program_host import (
    ProgramHost,
    program_directory,
    runtime_options,
    serve,
)
from pulumi_builds.engine.protocol import language_pb2, plugin_pb2

PLUGIN_FILE = "pulumi-plugin.json"  # written by Pulumi's Go SDK generator into the SDK


class GoToolError(RuntimeError):
    """`go` is missing or one of its commands failed; the message has go's own words."""


def go_command() -> str:
    go = shutil.which("go")
    if go is None:
        raise GoToolError("no `go` on PATH: a `runtime: go` program is built with the Go toolchain")
    return go


def program_environment(request: Any, engine_address: str, root_directory: str) -> dict[str, str]:
    """The engine's settings as the Go SDK reads them (sdk/go/pulumi/run.go, getEnvInfo)."""
    return {
        **os.environ,
        "PULUMI_MONITOR": request.monitor_address,
        "PULUMI_ENGINE": engine_address,
        "PULUMI_ORGANIZATION": request.organization,
        "PULUMI_PROJECT": request.project,
        "PULUMI_STACK": request.stack,
        "PULUMI_ROOT_DIRECTORY": root_directory,
        "PULUMI_CONFIG": json.dumps(dict(request.config)),
        "PULUMI_CONFIG_SECRET_KEYS": json.dumps(list(request.configSecretKeys)),
        "PULUMI_DRY_RUN": "true" if request.dryRun else "false",
        "PULUMI_PARALLEL": str(request.parallel),
    }


def build_program(directory: str, output: Path) -> None:
    """`go build -o output .` in the program's directory; go's messages if it fails."""
    built = subprocess.run(
        [go_command(), "build", "-o", str(output), "."],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
    )
    if built.returncode != 0:
        raise GoToolError(
            f"`go build` of the program in {directory} failed:\n{built.stderr.strip()}"
        )


def listed_modules(directory: str) -> list[dict[str, Any]]:
    """`go list -m -json all` in the program's module: the modules it uses, the main one first."""
    listed = subprocess.run(
        [go_command(), "list", "-m", "-json", "all"],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
    )
    if listed.returncode != 0:
        raise GoToolError(
            f"`go list -m all` in {directory} failed (run `pulumi install`):\n"
            f"{listed.stderr.strip()}"
        )
    return list(_json_stream(listed.stdout))


def plugin_modules(directory: str) -> list[tuple[str, str, str]]:
    """(name, version, server) from each `pulumi-plugin.json` (module root or one level down)
    of the modules the program's module uses."""
    found: dict[str, tuple[str, str, str]] = {}
    for module in listed_modules(directory):
        module_dir = module.get("Dir")
        if not module_dir:
            continue
        for plugin_file in _plugin_files(Path(module_dir)):
            described = _describe(plugin_file, str(module.get("Version", "")))
            if described:
                found[described[0]] = described
    return sorted(found.values())


def _json_stream(text: str) -> Iterator[dict[str, Any]]:
    """`go list -json` prints one JSON object after another, not a list."""
    decoder = json.JSONDecoder()
    position = 0
    while (position := _skip_space(text, position)) < len(text):
        value, position = decoder.raw_decode(text, position)
        yield value


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position


def _plugin_files(module_dir: Path) -> list[Path]:
    candidates = [module_dir / PLUGIN_FILE]
    if module_dir.is_dir():
        candidates += [
            child / PLUGIN_FILE for child in sorted(module_dir.iterdir()) if child.is_dir()
        ]
    return [candidate for candidate in candidates if candidate.is_file()]


def _describe(plugin_file: Path, module_version: str) -> tuple[str, str, str] | None:
    try:
        plugin = json.loads(plugin_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(plugin, dict) or not plugin.get("resource") or not plugin.get("name"):
        return None
    version = str(plugin.get("version") or module_version)
    if version and not version.startswith("v"):
        version = f"v{version}"
    return str(plugin["name"]), version, str(plugin.get("server", ""))


class GoLanguageHost(ProgramHost):
    language = "go"

    def Run(self, request: Any, context: Any) -> Any:
        info = request.info
        directory = program_directory(request)
        options = runtime_options(info)
        binary, target = options.get("binary"), options.get("buildTarget")
        env = program_environment(request, self.engine_address, info.root_directory or directory)
        with tempfile.TemporaryDirectory(prefix="pulumi-go-program-") as build_dir:
            program = Path(directory, str(binary or target or Path(build_dir, "program")))
            try:
                if not binary:
                    build_program(directory, program)
            except GoToolError as error:
                return language_pb2.RunResponse(error=str(error))
            return self.run_program([str(program), *request.args], directory, env)

    def GetRequiredPlugins(self, request: Any, context: Any) -> Any:
        try:
            found = plugin_modules(program_directory(request))
        except GoToolError as error:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(error))
        plugins = [
            plugin_pb2.PluginDependency(name=name, kind="resource", version=version, server=server)
            for name, version, server in found
        ]
        return language_pb2.GetRequiredPluginsResponse(plugins=plugins)

    def GetRequiredPackages(self, request: Any, context: Any) -> Any:
        try:
            found = plugin_modules(program_directory(request))
        except GoToolError as error:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(error))
        packages = [
            plugin_pb2.PackageDependency(name=name, kind="resource", version=version, server=server)
            for name, version, server in found
        ]
        return language_pb2.GetRequiredPackagesResponse(packages=packages)

    def InstallDependencies(self, request: Any, context: Any) -> Any:
        directory = request.directory or program_directory(request)
        try:
            go = go_command()
        except GoToolError as error:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(error))
        yield from self.stream_command([go, "mod", "tidy"], directory, dict(os.environ), context)

    def GetProgramDependencies(self, request: Any, context: Any) -> Any:
        """`pulumi about`: the modules the program requires (all of them if transitive)."""
        try:
            modules = listed_modules(program_directory(request))
        except GoToolError as error:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(error))
        dependencies = [
            language_pb2.DependencyInfo(name=module["Path"], version=module.get("Version", ""))
            for module in modules
            if not module.get("Main")
            and (request.transitiveDependencies or not module.get("Indirect"))
        ]
        return language_pb2.GetProgramDependenciesResponse(dependencies=dependencies)

    def About(self, request: Any, context: Any) -> Any:
        go = go_command()
        version = subprocess.run(
            [go, "version"], capture_output=True, text=True, check=False
        ).stdout.split()
        return language_pb2.AboutResponse(
            executable=go, version=version[2].removeprefix("go") if len(version) > 2 else ""
        )


def main(argv: list[str]) -> None:
    serve(GoLanguageHost(engine_address=engine_watch.engine_address(argv)))


if __name__ == "__main__":
    main(sys.argv[1:])
