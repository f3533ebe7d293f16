"""The project's Node.js language host: `pulumi up` of a `runtime: nodejs` program (TypeScript).

Placed as `pulumi-language-nodejs` by `make engine` only where Pulumi's own host cannot be built
(the Go module proxy refuses it: engine/ensure-pulumi-hosts.sh). It does what Pulumi's host does
for a program, with the Node.js 22 that `make engine` fetched from the npm registry
(engine/ensure-node.sh; `@pulumi/pulumi` 3.259.0 needs Node >= 22, whatever `node` is on PATH):

- `Run`: `node [nodeargs] <@pulumi/pulumi/cmd/run, resolved from the program> --monitor ...
  --engine ... --organization ... --project ... --root-directory ... --stack ... --pwd ...
  [--dry-run] --parallel N <entry point>`, with the config in PULUMI_CONFIG /
  PULUMI_CONFIG_SECRET_KEYS and TypeScript through ts-node (runtime options `typescript` and
  `nodeargs` as Pulumi's host reads them; PULUMI_NODEJS_TSCONFIG_PATH passes through);
- `GetRequiredPlugins` / `GetRequiredPackages`: the `"pulumi": {"resource": true}` packages
  under node_modules;
- `InstallDependencies` (`pulumi install`): `npm install` (or the `packagemanager` option),
  run on the same Node.js;
- `About` / `GetProgramDependencies` (update metadata, `pulumi about`): that Node.js, the
  installed versions of package.json's dependencies;
- `Link` (`pulumi package add`): the local SDK as a `file:` dependency of package.json;
- `GeneratePackage` (`pulumi package gen-sdk --language nodejs`): Pulumi's generator
  (engine/program_host.py).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc

from pulumi_builds import engine_watch
from pulumi_builds.engine.install import NODE_VERSION, cache_root
from pulumi_builds.engine.program_host import (
    ProgramHost,
    program_directory,
    runtime_options,
    serve,
)
from pulumi_builds.engine.protocol import language_pb2, plugin_pb2

RUN_MODULE = "@pulumi/pulumi/cmd/run"
PACKAGE_MANAGERS = ("npm", "yarn", "pnpm", "bun")


class NodeSetupError(RuntimeError):
    """Node.js or @pulumi/pulumi is missing; the message says what to run."""


def node_binary() -> Path:
    """`$PULUMI_BUILDS_NODE`, else the Node.js that `make engine` put in the per-user cache."""
    explicit = os.environ.get("PULUMI_BUILDS_NODE")
    node = Path(explicit) if explicit else cache_root() / f"node-v{NODE_VERSION}" / "bin" / "node"
    if not os.access(node, os.X_OK):
        raise NodeSetupError(f"no Node.js v{NODE_VERSION} at {node}: run `make engine`")
    return node


def node_env(node: Path, **extra: str) -> dict[str, str]:
    """Our environment with `node`'s directory first on PATH, so npm and anything the program
    spawns (`#!/usr/bin/env node`) run on the same Node.js."""
    path = os.pathsep.join([str(node.parent), os.environ.get("PATH", "")])
    return {**os.environ, "PATH": path, **extra}


def resolve_run_module(node: Path, directory: str) -> str:
    """@pulumi/pulumi's program runner as Node resolves it from the program's directory."""
    if override := os.environ.get("PULUMI_LANGUAGE_NODEJS_RUN_PATH"):
        return override
    found = subprocess.run(
        [str(node), "-e", f"process.stdout.write(require.resolve({json.dumps(RUN_MODULE)}))"],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
    )
    if found.returncode != 0:
        raise NodeSetupError(
            f"@pulumi/pulumi is not installed in {directory}: run `pulumi install` "
            "(npm install) there"
        )
    return found.stdout.strip()


def run_flags(request: Any, engine_address: str, root_directory: str, directory: str) -> list[str]:
    """cmd/run's flags for the engine's settings (empty ones left out, as Pulumi's host does).
    The program runs in its own directory (Pulumi.yaml's `main`, else the project's), where
    the entry point is resolved."""
    settings = {
        "monitor": request.monitor_address,
        "engine": engine_address,
        "organization": request.organization,
        "project": request.project,
        "root-directory": root_directory,
        "stack": request.stack,
        "pwd": directory,
    }
    flags = [f"--{name}={value}" for name, value in settings.items() if value]
    if request.dryRun:
        flags.append("--dry-run")
    return [*flags, f"--parallel={request.parallel}"]


def plugin_packages(directory: str) -> list[tuple[str, str, str]]:
    """(name, version, server) of every package under `directory`/node_modules whose
    package.json says `"pulumi": {"resource": true}`: the providers the program uses."""
    found: dict[str, tuple[str, str, str]] = {}
    seen: set[Path] = set()
    pending = [Path(directory) / "node_modules"]
    while pending:
        modules = pending.pop()
        if not modules.is_dir() or modules.resolve() in seen:
            continue
        seen.add(modules.resolve())
        for package in _package_dirs(modules):
            described = _pulumi_plugin(package / "package.json")
            if described:
                found[described[0]] = described
            pending.append(package / "node_modules")
    return sorted(found.values())


def _package_dirs(node_modules: Path) -> Iterator[Path]:
    for entry in sorted(node_modules.iterdir()):
        if entry.name.startswith("@") and entry.is_dir():
            yield from (scoped for scoped in sorted(entry.iterdir()) if scoped.is_dir())
        elif entry.is_dir() and not entry.name.startswith("."):
            yield entry


def _pulumi_plugin(package_json: Path) -> tuple[str, str, str] | None:
    try:
        package = json.loads(package_json.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    section = package.get("pulumi") if isinstance(package, dict) else None
    if not isinstance(section, dict) or not section.get("resource"):
        return None
    name = str(section.get("name") or package.get("name", ""))
    name = name.removeprefix("@pulumi/").removeprefix("@")
    version = str(section.get("version") or package.get("version", ""))
    if not name or not version:
        return None
    return (
        name,
        version if version.startswith("v") else f"v{version}",
        str(section.get("server", "")),
    )


def program_dependencies(directory: str) -> list[tuple[str, str]]:
    """(name, installed version) of the program's package.json dependencies (`pulumi about`)."""
    try:
        package = json.loads((Path(directory) / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    wanted = {**package.get("dependencies", {}), **package.get("devDependencies", {})}
    found = []
    for name, declared in sorted(wanted.items()):
        installed = Path(directory, "node_modules", name, "package.json")
        try:
            version = str(json.loads(installed.read_text(encoding="utf-8"))["version"])
        except (OSError, ValueError, KeyError):
            version = str(declared)  # not installed: what package.json asks for
        found.append((name, version))
    return found


class NodejsLanguageHost(ProgramHost):
    language = "nodejs"

    def Run(self, request: Any, context: Any) -> Any:
        info = request.info
        options = runtime_options(info)
        directory = program_directory(request)
        try:
            node = node_binary()
            run_module = resolve_run_module(node, directory)
        except NodeSetupError as error:
            return language_pb2.RunResponse(error=str(error))
        nodeargs = shlex.split(str(options.get("nodeargs", "")))
        root = info.root_directory or directory
        entry_point = info.entry_point or request.program or "."
        command = [
            str(node),
            *nodeargs,
            run_module,
            *run_flags(request, self.engine_address, root, directory),
            entry_point,
            *request.args,
        ]
        env = node_env(
            node,
            PULUMI_CONFIG=json.dumps(dict(request.config)),
            PULUMI_CONFIG_SECRET_KEYS=json.dumps(list(request.configSecretKeys)),
            PULUMI_NODEJS_TYPESCRIPT="false" if options.get("typescript") is False else "true",
        )
        return self.run_program(command, directory, env)

    def GetRequiredPlugins(self, request: Any, context: Any) -> Any:
        plugins = [
            plugin_pb2.PluginDependency(name=name, kind="resource", version=version, server=server)
            for name, version, server in plugin_packages(program_directory(request))
        ]
        return language_pb2.GetRequiredPluginsResponse(plugins=plugins)

    def GetRequiredPackages(self, request: Any, context: Any) -> Any:
        packages = [
            plugin_pb2.PackageDependency(name=name, kind="resource", version=version, server=server)
            for name, version, server in plugin_packages(program_directory(request))
        ]
        return language_pb2.GetRequiredPackagesResponse(packages=packages)

    def InstallDependencies(self, request: Any, context: Any) -> Any:
        directory = request.directory or program_directory(request)
        manager = str(runtime_options(request.info).get("packagemanager") or "npm")
        if manager not in PACKAGE_MANAGERS:
            context.abort(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"runtime option packagemanager={manager!r}: one of {', '.join(PACKAGE_MANAGERS)}",
            )
        try:
            node = node_binary()
        except NodeSetupError as error:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(error))
        env = node_env(node)
        executable = shutil.which(manager, path=env["PATH"]) or manager
        yield from self.stream_command([executable, "install"], directory, env, context)

    def Link(self, request: Any, context: Any) -> Any:
        """`pulumi package add`: each local SDK becomes a `file:` dependency of package.json
        under its package name (as Pulumi's host does with npm); InstallDependencies follows."""
        root = Path(request.info.root_directory)
        manifest = Path(request.info.program_directory or root) / "package.json"
        try:
            package = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, f"{manifest}: {error}")
        imports = []
        for dependency in request.packages:
            sdk_manifest = root / dependency.path / "package.json"
            name = str(json.loads(sdk_manifest.read_text(encoding="utf-8"))["name"])
            package.setdefault("dependencies", {})[name] = f"file:{dependency.path}"
            alias = "".join(part.title() for part in dependency.package.name.split("-"))
            imports.append(f'  import * as {alias[:1].lower()}{alias[1:]} from "{name}";')
        manifest.write_text(json.dumps(package, indent=4) + "\n", encoding="utf-8")
        return language_pb2.LinkResponse(
            import_instructions="You can import the SDK in your TypeScript code with:\n\n"
            + "\n".join(imports)
            + "\n"
        )

    def GetProgramDependencies(self, request: Any, context: Any) -> Any:
        dependencies = [
            language_pb2.DependencyInfo(name=name, version=version)
            for name, version in program_dependencies(program_directory(request))
        ]
        return language_pb2.GetProgramDependenciesResponse(dependencies=dependencies)

    def About(self, request: Any, context: Any) -> Any:
        node = node_binary()
        version = subprocess.run(
            [str(node), "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
        return language_pb2.AboutResponse(executable=str(node), version=version.lstrip("v"))


def main(argv: list[str]) -> None:
    serve(NodejsLanguageHost(engine_watch.engine_address(argv)))


if __name__ == "__main__":
    main(sys.argv[1:])
