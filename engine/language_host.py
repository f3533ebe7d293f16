"""A Python language host for the plain CLI path and Python source plugins.

Pulumi's own host, `pulumi-language-python`, is a Go module the module proxy here refuses (403,
see engine/ensure-pulumi.sh). The CLI only needs a plugin of that name that serves the
LanguageRuntime gRPC service and prints its port, so this project serves it from Python with the
SDK's generated stubs: `make engine` writes the launcher engine/launchers/pulumi-language-python
next to pulumi, running `<venv>/bin/python -u -m pulumi_builds.engine.language_host` (that
interpreter written in, so nothing of the project need be on PATH). It is used only when no real
host was built.

What it does, as Pulumi's host does with its `pip` toolchain (engine/python_toolchain.py):
- `Run` starts the program in a child process through this project's
  `pulumi-language-python-exec` (settings as arguments, config in PULUMI_CONFIG /
  PULUMI_CONFIG_SECRET_KEYS, exit code 32 meaning "error already shown"), with the interpreter
  of the project's `virtualenv` runtime option;
- `InstallDependencies` (`pulumi install`, `pulumi plugin install` of a source plugin,
  `pulumi package add`): creates the `virtualenv` (plugins: `venv` by default) and pip-installs
  requirements.txt, streaming pip's output;
- `RunPlugin`: runs a source plugin (`python <plugin dir> ARGS` with its venv's interpreter),
  streaming its output (the CLI reads the plugin's port from it);
- `GetRequiredPackages`: the Pulumi packages installed for the program (`pulumi-plugin.json`),
  so a missing plugin is installed from the package's `server`;
- `GeneratePackage` (Pulumi's Python SDK generator, run by `pulumi-builds-sdkgen`) and `Link`
  (the local SDK's directory into requirements.txt).
Left out: toolchains other than pip, typecheckers, program code generation, templates, debugging.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import json_format

from pulumi_builds import engine_watch
from pulumi_builds.engine import python_toolchain
from pulumi_builds.engine.install import SDKGEN
from pulumi_builds.engine.program_host import ProgramHost, serve
from pulumi_builds.engine.protocol import language_pb2, plugin_pb2
from pulumi_builds.engine.python_toolchain import PythonOptions, ToolchainError

PROGRAM_LAUNCHER = "pulumi-language-python-exec"


def program_interpreter(options: dict[str, Any], root_directory: str) -> str:
    """The program's Python: the `virtualenv` option (relative to Pulumi.yaml), else the env's."""
    virtualenv = options.get("virtualenv")
    if virtualenv:
        venv = Path(root_directory, virtualenv)
        python = venv / "bin" / "python"
        if not python.exists():
            raise FileNotFoundError(
                f"runtime option virtualenv={virtualenv!r}: {python} does not exist"
            )
        return str(python)
    return os.environ.get("PULUMI_PYTHON_CMD") or "python3"


def program_launcher() -> str:
    """pulumi-language-python-exec from PATH (installed into the venv by `make engine`)."""
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        candidate = Path(directory, PROGRAM_LAUNCHER)
        if candidate.is_file():
            return str(candidate)
    return str(Path(__file__).resolve().parent / "launchers" / PROGRAM_LAUNCHER)


class PythonLanguageHost(ProgramHost):
    """The handshake, engine watch and program runs are the Node.js and Go hosts' (ProgramHost);
    the Python specifics (pip toolchain, plugins, SDK generation and linking) are here."""

    language = "python"

    def GetRequiredPlugins(self, request: Any, context: Any) -> Any:
        return language_pb2.GetRequiredPluginsResponse()

    def GetRequiredPackages(self, request: Any, context: Any) -> Any:
        """The resource packages installed for the program: their `pulumi-plugin.json`."""
        try:
            options = _options(request.info, is_plugin=False)
            python = options.python()
        except ToolchainError:
            return language_pb2.GetRequiredPackagesResponse()  # nothing installed yet
        try:
            entries = python_toolchain.plugin_packages(python)
        except ToolchainError as error:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(error))
        packages = [
            plugin_pb2.PackageDependency(
                name=entry["name"],
                kind="resource",
                version=str(entry.get("version", "")),
                server=str(entry.get("server", "")),
            )
            for entry in entries
        ]
        return language_pb2.GetRequiredPackagesResponse(packages=packages)

    def About(self, request: Any, context: Any) -> Any:
        version = ".".join(str(part) for part in sys.version_info[:3])
        return language_pb2.AboutResponse(executable=sys.executable, version=version)

    def InstallDependencies(self, request: Any, context: Any) -> Any:
        """Create the virtualenv and pip-install requirements.txt, streaming the output."""
        try:
            options = _options(request.info, is_plugin=request.is_plugin)
            steps = python_toolchain.install_steps(options)
        except ToolchainError as error:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(error))
        env = python_toolchain.activated(dict(os.environ), options.venv)
        yield language_pb2.InstallDependenciesResponse(stdout=b"Installing dependencies...\n\n")
        for what, command in steps:
            stderr = bytearray()
            for name, chunk in self.stream_apart(command, options.program_dir, env):
                if name == "exit":
                    if chunk != b"0":
                        tail = stderr.decode(errors="replace").strip()[-2000:]
                        context.abort(
                            grpc.StatusCode.UNKNOWN,
                            f"{what} via '{' '.join(command)}': exit status {chunk.decode()}"
                            + (f": {tail}" if tail else ""),
                        )
                elif name == "stderr":
                    stderr.extend(chunk)
                    yield language_pb2.InstallDependenciesResponse(stderr=chunk)
                else:
                    yield language_pb2.InstallDependenciesResponse(stdout=chunk)
        yield language_pb2.InstallDependenciesResponse(
            stdout=b"Finished installing dependencies\n\n"
        )

    def RunPlugin(self, request: Any, context: Any) -> Any:
        """Run a source plugin as `python <plugin dir> ARGS` with its venv's interpreter."""
        try:
            options = _options(request.info, is_plugin=True)
            python = options.python()
        except ToolchainError as error:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(error))
        if not (options.root / "__main__.py").is_file():
            context.abort(
                grpc.StatusCode.FAILED_PRECONDITION,
                f"plugin {request.name or options.root} is not runnable: no __main__.py in "
                f"{options.root}",
            )
        env = python_toolchain.activated(dict(os.environ), options.venv)
        env.update(variable.split("=", 1) for variable in request.env if "=" in variable)
        command = [python, str(request.info.program_directory or options.root), *request.args]
        cwd = Path(request.pwd or options.root)
        for name, chunk in self.stream_apart(command, cwd, env):
            if name == "exit":
                if chunk != b"0":
                    yield language_pb2.RunPluginResponse(exitcode=int(chunk))
            elif name == "stderr":
                yield language_pb2.RunPluginResponse(stderr=chunk)
            else:
                yield language_pb2.RunPluginResponse(stdout=chunk)

    def Link(self, request: Any, context: Any) -> Any:
        """Point the program's requirements.txt at the local SDKs `pulumi package add` made."""
        root = Path(request.info.root_directory)
        packages: dict[str, str] = {}
        imports: list[str] = []
        for dependency in request.packages:
            name = dependency.package.name
            if name == "pulumi":
                packages["pulumi"] = dependency.path
                continue
            distribution, module = _python_package_names(root / dependency.path, name)
            packages[distribution] = dependency.path
            imports.append(f"  import {module} as {name.replace('-', '_')}")
        python_toolchain.link_packages(Path(request.info.program_directory or root), packages)
        return language_pb2.LinkResponse(
            import_instructions="You can import the SDK in your Python code with:\n\n"
            + "\n".join(imports)
            + "\n"
        )

    def GeneratePackage(self, request: Any, context: Any) -> Any:
        """`pulumi package gen-sdk --language python`: Pulumi's own Python SDK generator, run by
        `pulumi-builds-sdkgen` (engine/sdkgen, built by `make engine`), as Pulumi's host would."""
        sdkgen = shutil.which(SDKGEN) or str(Path(sys.executable).parent / SDKGEN)
        with tempfile.TemporaryDirectory(prefix="gen-sdk-") as tmp:
            schema = Path(tmp) / "schema.json"
            schema.write_text(request.schema, encoding="utf-8")
            try:
                done = subprocess.run(
                    [sdkgen, str(schema), "python", request.directory],
                    capture_output=True,
                    text=True,
                    check=False,
                )
            except OSError as exc:
                context.abort(
                    grpc.StatusCode.FAILED_PRECONDITION, f"{sdkgen}: {exc}: run `make engine`"
                )
            if done.returncode != 0:
                context.abort(grpc.StatusCode.INTERNAL, done.stderr.strip() or done.stdout.strip())
        for path, content in request.extra_files.items():
            target = Path(request.directory) / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        return language_pb2.GeneratePackageResponse()

    def Run(self, request: Any, context: Any) -> Any:
        info = request.info
        options = json_format.MessageToDict(info.options) if info.HasField("options") else {}
        root = info.root_directory or request.pwd
        try:
            python = program_interpreter(options, root)
        except FileNotFoundError as error:
            return language_pb2.RunResponse(error=str(error))
        command = [
            python,
            "-u",
            program_launcher(),
            f"--monitor={request.monitor_address}",
            f"--engine={self.engine_address}",
            f"--project={request.project}",
            f"--stack={request.stack}",
            f"--pwd={request.pwd}",
            f"--dry_run={'true' if request.dryRun else 'false'}",
            f"--parallel={request.parallel}",
            f"--organization={request.organization}",
            f"--root_directory={root}",
            info.program_directory or request.program,
            *request.args,
        ]
        env = {
            **os.environ,
            "PULUMI_CONFIG": json.dumps(dict(request.config)),
            "PULUMI_CONFIG_SECRET_KEYS": json.dumps(list(request.configSecretKeys)),
        }
        if options.get("virtualenv"):
            env["PULUMI_RUNTIME_VIRTUALENV"] = str(Path(root, options["virtualenv"]))
        # The program's output goes to ours, which the CLI shows.
        return self.run_program(command, request.pwd, env)


def _options(info: Any, is_plugin: bool) -> PythonOptions:
    options = json_format.MessageToDict(info.options) if info.HasField("options") else {}
    return PythonOptions.parse(info.root_directory, info.program_directory, options, is_plugin)


def _python_package_names(sdk: Path, package: str) -> tuple[str, str]:
    """(distribution, import name) of a generated Python SDK: from its pyproject.toml, else
    Pulumi's default `pulumi_<package>`."""
    default = "pulumi_" + package.replace("-", "_")
    pyproject = sdk / "pyproject.toml"
    if not pyproject.is_file():
        return default, default
    name = str(tomllib.loads(pyproject.read_text()).get("project", {}).get("name", default))
    return name, name.replace("-", "_")


def main(argv: list[str]) -> None:
    serve(PythonLanguageHost(engine_watch.engine_address(argv)))


if __name__ == "__main__":
    main(sys.argv[1:])
