"""Run Pulumi programs on the real engine against an isolated, offline, local backend.

Used by the tests (tests/fixtures/pulumi_engine.py), the demo and the benchmarks. A
`LocalBackend` owns one directory holding a private PULUMI_HOME and a `file://` state backend;
it runs the `pulumi` CLI with the offline settings (passphrase secrets, no update check, no
plugin downloads, never interactive) and the venv's bin first on PATH, so the CLI finds the
project's `pulumi-resource-pulumi-python` launcher.

Two ways of running a stack, with the same methods (`up`, `preview`, `refresh`, `destroy`,
`export`, `outputs`, `config_set`):
- `CliStack`: the plain CLI on a Pulumi.yaml project directory, what users run. Needs a
  `pulumi-language-python` host (Pulumi's, or the project's stand-in: see language_host.py), or
  for a YAML program (`write_yaml_project`) Pulumi's `pulumi-language-yaml`.
- `InlineStack`: the Automation API with an inline program (a Python function). The CLI talks to
  a language server inside this process, so no language host is needed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pulumi import automation as auto

DEFAULT_PASSPHRASE = "pulumi-builds-local-passphrase"
DEFAULT_TIMEOUT_SECONDS = 600.0


def venv_bin_dir() -> Path:
    """The bin directory of the running interpreter's venv (where `make engine` put pulumi)."""
    return Path(sys.prefix) / "bin"


class PulumiCommandError(RuntimeError):
    """A pulumi command exited non-zero; the message carries its output."""


@dataclass(frozen=True)
class PulumiResult:
    """One finished pulumi command (CLI or Automation API)."""

    command: str
    exit_code: int
    stdout: str
    stderr: str
    # Resource operation counts from the engine's summary, e.g. {"create": 2, "same": 1}.
    changes: dict[str, int] = field(default_factory=dict)

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def check(self) -> PulumiResult:
        if self.exit_code != 0:
            raise PulumiCommandError(
                f"`{self.command}` exited with {self.exit_code}\n"
                f"--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}"
            )
        return self


class Stack(Protocol):
    """What tests, the demo and benchmarks do with a stack, however it is run."""

    name: str

    def up(self, check: bool = True) -> PulumiResult: ...
    def preview(self, check: bool = True) -> PulumiResult: ...
    def refresh(self, check: bool = True) -> PulumiResult: ...
    def destroy(self, check: bool = True) -> PulumiResult: ...
    def export(self) -> dict[str, Any]:
        """The state as stored (secrets encrypted), i.e. `pulumi stack export`'s deployment."""
        ...

    def outputs(self) -> dict[str, Any]: ...
    def config_set(self, key: str, value: str, secret: bool = False) -> None: ...
    def config_set_all(
        self, config: Mapping[str, tuple[str, bool]], public_values: bool = False
    ) -> None:
        """Set each `key: (value, secret)`, in as few pulumi commands as the stack allows.

        `public_values`: every value, secret ones too, is a fixture published with this project
        (the emulators' tokens), so it may appear in a command line: one command for all."""
        ...


class LocalBackend:
    """A private PULUMI_HOME and `file://` state backend under `root`."""

    def __init__(
        self,
        root: Path,
        bin_dir: Path | None = None,
        passphrase: str = DEFAULT_PASSPHRASE,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.root = root.resolve()
        self.bin_dir = (bin_dir or venv_bin_dir()).resolve()
        self.home = self.root / "pulumi-home"
        self.state = self.root / "state"
        self.home.mkdir(parents=True, exist_ok=True)
        self.state.mkdir(parents=True, exist_ok=True)
        self.pulumi = self.bin_dir / "pulumi"
        if not self.pulumi.exists():
            raise FileNotFoundError(f"{self.pulumi} does not exist: run `make engine` first")
        self.backend_url = f"file://{self.state}"
        self.env: dict[str, str] = {
            "PULUMI_HOME": str(self.home),
            "PULUMI_BACKEND_URL": self.backend_url,
            "PULUMI_CONFIG_PASSPHRASE": passphrase,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
            # Enables `--event-log` (engine events as JSON lines: the change summary), as the
            # Automation API does for itself.
            "PULUMI_DEBUG_COMMANDS": "true",
            "PATH": os.pathsep.join([str(self.bin_dir), os.environ.get("PATH", "")]),
            **(extra_env or {}),
        }

    def run(
        self,
        args: Sequence[str],
        cwd: Path,
        check: bool = True,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> PulumiResult:
        """Run `pulumi --non-interactive ARGS` in `cwd` with this backend's environment."""
        command = [str(self.pulumi), "--non-interactive", *args]
        completed = subprocess.run(
            command,
            cwd=cwd,
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        result = PulumiResult(
            "pulumi " + " ".join(args), completed.returncode, completed.stdout, completed.stderr
        )
        return result.check() if check else result

    def cli_stack(self, project_dir: Path, stack: str = "dev") -> CliStack:
        """Select (creating if needed) `stack` of the Pulumi.yaml project in `project_dir`."""
        cli = CliStack(self, project_dir.resolve(), stack)
        self.run(["stack", "select", "--create", stack], cwd=cli.project_dir)
        return cli

    def inline_stack(
        self, project_name: str, program: Callable[[], None], stack: str = "dev"
    ) -> InlineStack:
        """An Automation API stack running `program` in this process."""
        work_dir = self.root / "inline" / project_name
        work_dir.mkdir(parents=True, exist_ok=True)
        workspace = auto.LocalWorkspaceOptions(
            work_dir=str(work_dir),
            pulumi_home=str(self.home),
            pulumi_command=auto.PulumiCommand(root=str(self.bin_dir.parent)),
            env_vars=self.env,
            project_settings=auto.ProjectSettings(
                name=project_name,
                runtime="python",
                backend=auto.ProjectBackend(url=self.backend_url),
            ),
        )
        return InlineStack(
            self,
            work_dir,
            auto.create_or_select_stack(
                stack_name=stack, project_name=project_name, program=program, opts=workspace
            ),
        )

    def export(self, stack: str, cwd: Path) -> dict[str, Any]:
        """The stack's state as stored: secrets stay encrypted (no --show-secrets)."""
        exported = self.run(["stack", "export", "--stack", stack], cwd)
        deployment: dict[str, Any] = json.loads(exported.stdout)["deployment"]
        return deployment


def write_python_project(
    directory: Path, name: str, main_source: str, venv: Path | None = None
) -> Path:
    """A Pulumi.yaml Python project in `directory` whose program is `main_source`.

    The program runs with the given venv (default: the running one) and the pip toolchain, so
    the language host neither creates a virtualenv nor looks for uv/poetry lock files.
    """
    directory.mkdir(parents=True, exist_ok=True)
    venv_dir = (venv or Path(sys.prefix)).resolve()
    settings = {
        "name": name,
        "runtime": {
            "name": "python",
            "options": {"toolchain": "pip", "virtualenv": str(venv_dir)},
        },
    }
    # JSON is valid YAML, and keeps this module free of a YAML dependency.
    (directory / "Pulumi.yaml").write_text(json.dumps(settings, indent=2) + "\n")
    (directory / "__main__.py").write_text(main_source)
    return directory


def write_yaml_project(directory: Path, pulumi_yaml: str) -> Path:
    """A Pulumi YAML project in `directory`: the program is Pulumi.yaml itself (`runtime: yaml`).

    Run by Pulumi's YAML language host (`pulumi-language-yaml`, placed by `make engine`).
    """
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text(pulumi_yaml)
    return directory


def _changes_from_event_log(path: Path) -> dict[str, int]:
    if not path.exists():
        return {}
    changes: dict[str, int] = {}
    for line in path.read_text().splitlines():
        event = json.loads(line) if line.strip() else {}
        summary = event.get("summaryEvent")
        if summary:
            changes = {str(op): int(n) for op, n in summary.get("resourceChanges", {}).items()}
    return changes


@dataclass
class CliStack:
    """A stack of a Pulumi.yaml project, run with the plain CLI."""

    backend: LocalBackend
    project_dir: Path
    name: str
    _operations: int = 0

    def _operation(self, verb: str, extra: Sequence[str], check: bool) -> PulumiResult:
        self._operations += 1
        event_log = self.backend.root / f"events-{self.name}-{verb}-{self._operations}.jsonl"
        result = self.backend.run(
            [verb, "--stack", self.name, "--event-log", str(event_log), *extra],
            cwd=self.project_dir,
            check=False,
        )
        result = PulumiResult(
            result.command,
            result.exit_code,
            result.stdout,
            result.stderr,
            _changes_from_event_log(event_log),
        )
        return result.check() if check else result

    def up(self, check: bool = True) -> PulumiResult:
        return self._operation("up", ["--yes", "--skip-preview"], check)

    def preview(self, check: bool = True) -> PulumiResult:
        return self._operation("preview", [], check)

    def refresh(self, check: bool = True) -> PulumiResult:
        return self._operation("refresh", ["--yes", "--skip-preview"], check)

    def destroy(self, check: bool = True) -> PulumiResult:
        return self._operation("destroy", ["--yes", "--skip-preview"], check)

    def export(self) -> dict[str, Any]:
        return self.backend.export(self.name, self.project_dir)

    def outputs(self) -> dict[str, Any]:
        shown = self.backend.run(
            ["stack", "output", "--stack", self.name, "--json", "--show-secrets"],
            self.project_dir,
        )
        outputs: dict[str, Any] = json.loads(shown.stdout)
        return outputs

    def config_set(self, key: str, value: str, secret: bool = False) -> None:
        # The value goes through stdin, never argv: a secret must not show in `ps`.
        command = [str(self.backend.pulumi), "--non-interactive", "config", "set", key]
        command += ["--stack", self.name, "--secret" if secret else "--plaintext"]
        completed = subprocess.run(
            command,
            cwd=self.project_dir,
            env={**os.environ, **self.backend.env},
            input=value,
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            raise PulumiCommandError(
                f"`pulumi config set {key}` exited with {completed.returncode}: {completed.stderr}"
            )

    def config_set_all(
        self, config: Mapping[str, tuple[str, bool]], public_values: bool = False
    ) -> None:
        # Every pulumi command costs a start of the CLI (about 0.3 s of CPU): the values go in
        # one `config set-all`, except secrets that are not public fixtures, which go one by
        # one through stdin as above (set-all takes its values from argv only).
        in_argv = [
            ("--secret" if secret else "--plaintext", f"{key}={value}")
            for key, (value, secret) in config.items()
            if public_values or not secret
        ]
        if in_argv:
            arguments = [argument for pair in in_argv for argument in pair]
            self.backend.run(
                ["config", "set-all", "--stack", self.name, *arguments], self.project_dir
            )
        for key, (value, secret) in config.items():
            if secret and not public_values:
                self.config_set(key, value, secret=True)


_EXIT_CODE = re.compile(r"\bcode: (-?\d+)")


@dataclass
class InlineStack:
    """An Automation API stack with an inline program."""

    backend: LocalBackend
    work_dir: Path
    stack: auto.Stack

    @property
    def name(self) -> str:
        return self.stack.name

    def _operation(self, verb: str, run: Callable[[], Any], check: bool) -> PulumiResult:
        try:
            done = run()
        except auto.CommandError as error:
            # The Automation API keeps only the text of the failed command; its exit code is in it.
            match = _EXIT_CODE.search(str(error))
            failed = PulumiResult(
                f"pulumi {verb} (inline)", int(match.group(1)) if match else 1, "", str(error)
            )
            return failed.check() if check else failed
        # PreviewResult has change_summary; Up/Refresh/DestroyResult have summary.resource_changes.
        raw = done.change_summary if verb == "preview" else done.summary.resource_changes
        changes = {str(getattr(op, "value", op)): int(n) for op, n in (raw or {}).items()}
        return PulumiResult(f"pulumi {verb} (inline)", 0, done.stdout, done.stderr, changes)

    def up(self, check: bool = True) -> PulumiResult:
        return self._operation("up", self.stack.up, check)

    def preview(self, check: bool = True) -> PulumiResult:
        return self._operation("preview", self.stack.preview, check)

    def refresh(self, check: bool = True) -> PulumiResult:
        return self._operation("refresh", self.stack.refresh, check)

    def destroy(self, check: bool = True) -> PulumiResult:
        return self._operation("destroy", self.stack.destroy, check)

    def export(self) -> dict[str, Any]:
        # Not stack.export_stack(): that one passes --show-secrets.
        return self.backend.export(self.name, self.work_dir)

    def outputs(self) -> dict[str, Any]:
        return {key: output.value for key, output in self.stack.outputs().items()}

    def config_set(self, key: str, value: str, secret: bool = False) -> None:
        self.stack.set_config(key, auto.ConfigValue(value=value, secret=secret))

    def config_set_all(
        self, config: Mapping[str, tuple[str, bool]], public_values: bool = False
    ) -> None:
        # One `config set-all` (the Automation API passes every value, as set_config does, in argv).
        values = {
            key: auto.ConfigValue(value=v, secret=secret) for key, (v, secret) in config.items()
        }
        self.stack.set_all_config(values)
