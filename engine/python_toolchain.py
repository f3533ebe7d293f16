"""The pip toolchain of the stand-in Python language host (engine/language_host.py).

What Pulumi's own host does with the `pip` toolchain (sdk/python/toolchain/pip.go at v3.259.0),
rewritten: a program's or plugin's `virtualenv` option (plugins default to `venv`), the
interpreter that creates it (`$PULUMI_PYTHON_CMD`, else `python3` then `python` on PATH), the
install (`python -m venv`, upgrade pip/setuptools/wheel, `pip install -r requirements.txt` in the
program's directory, with the venv activated), linking a local SDK into requirements.txt, and the
Pulumi packages a venv holds (their `pulumi-plugin.json`). One step differs in how, not in what:
see install_steps.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PLUGIN_VIRTUALENV = "venv"  # Pulumi's default for plugins: never the ambient Python


class ToolchainError(RuntimeError):
    """An option, interpreter or install step that cannot work: the message says which."""


@dataclass(frozen=True)
class PythonOptions:
    root: Path
    program_dir: Path
    virtualenv: str | None

    @classmethod
    def parse(
        cls, root: str, program_dir: str, options: dict[str, Any], is_plugin: bool
    ) -> PythonOptions:
        virtualenv = options.get("virtualenv")
        if virtualenv is not None and not isinstance(virtualenv, str):
            raise ToolchainError(f"runtime option virtualenv={virtualenv!r}: must be a string")
        toolchain = options.get("toolchain", "pip")
        if toolchain != "pip":
            raise ToolchainError(
                f"runtime option toolchain={toolchain!r}: this host supports only 'pip'"
            )
        if is_plugin and not virtualenv:
            virtualenv = PLUGIN_VIRTUALENV
        return cls(Path(root), Path(program_dir or root), virtualenv or None)

    @property
    def venv(self) -> Path | None:
        return (self.root / self.virtualenv).absolute() if self.virtualenv else None

    def python(self) -> str:
        """The interpreter that runs the program or plugin: its venv's, else the base one."""
        if self.venv is None:
            return base_python()
        python = self.venv / "bin" / "python"
        if not python.exists():
            raise ToolchainError(
                f"runtime option virtualenv={self.virtualenv!r}: {python} does not exist "
                "(run `pulumi install`)"
            )
        return str(python)


def base_python() -> str:
    """`$PULUMI_PYTHON_CMD`, else `python3`, else `python`, looked up on PATH (as Pulumi does)."""
    names = [os.environ["PULUMI_PYTHON_CMD"]] if os.environ.get("PULUMI_PYTHON_CMD") else []
    for name in names or ["python3", "python"]:
        found = shutil.which(name)
        if found:
            return found
    raise ToolchainError(
        f"failed to locate any of {names or ['python3', 'python']} on your PATH: "
        "install Python 3.11 or later, or set PULUMI_PYTHON_CMD"
    )


def activated(env: dict[str, str], venv: Path | None) -> dict[str, str]:
    """`env` as an activated virtualenv would have it."""
    if venv is None:
        return env
    env = {key: value for key, value in env.items() if key != "PYTHONHOME"}
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = os.pathsep.join([str(venv / "bin"), env.get("PATH", "")])
    return env


def install_steps(options: PythonOptions) -> list[tuple[str, list[str]]]:
    """What InstallDependencies runs, in order: (what, command)."""
    steps: list[tuple[str, list[str]]] = []
    python = base_python()
    # A new venv ends as Pulumi's does (the newest pip, setuptools and wheel), without first
    # installing and compiling ensurepip's bundled copies only to replace them (about 2 s of
    # CPU): this host's own pip installs the newest into the venv (`pip --python`).
    host_pip = _host_pip() if options.venv is not None else []
    if options.venv is not None:
        create = [python, "-m", "venv", *(["--without-pip"] if host_pip else []), str(options.venv)]
        steps.append(("creating virtual environment", create))
        python = str(options.venv / "bin" / "python")
    pip = [python, "-m", "pip", "install", "--disable-pip-version-check"]
    upgrade = ["install", "--disable-pip-version-check", "--upgrade", "pip", "setuptools", "wheel"]
    updater = [*host_pip, python] if host_pip else [python, "-m", "pip"]
    steps.append(("updating pip, setuptools, and wheel", [*updater, *upgrade]))
    if (options.program_dir / "requirements.txt").is_file():
        steps.append(("installing dependencies", [*pip, "-r", "requirements.txt"]))
    return steps


def _host_pip() -> list[str]:
    """`python -m pip --python` of the interpreter running this host (pip 22.3 or later can
    install into another interpreter's environment), or [] if it has no such pip."""
    try:
        version = importlib.metadata.version("pip")
    except importlib.metadata.PackageNotFoundError:
        return []
    major, minor = (int(part) for part in (version.split(".") + ["0"])[:2])
    return [sys.executable, "-m", "pip", "--python"] if (major, minor) >= (22, 3) else []


def link_packages(program_dir: Path, packages: dict[str, str]) -> None:
    """Point requirements.txt at local SDK directories: one line per package (name -> path),
    replacing any earlier line for the same package, as Pulumi's pip toolchain does."""
    requirements = program_dir / "requirements.txt"
    lines = requirements.read_text().splitlines() if requirements.is_file() else []
    normalized = {_normalize(name) for name in packages}
    paths = set(packages.values())
    kept = [
        line
        for line in lines
        if line.strip() not in paths and _normalize(_requirement_name(line)) not in normalized
    ]
    kept.extend(packages.values())
    requirements.write_text("\n".join(kept) + "\n")


def _requirement_name(line: str) -> str:
    for separator in ("==", ">=", "<=", "~=", "!=", ">", "<", "[", ";", " ", "@"):
        line = line.split(separator, 1)[0]
    return line.strip()


def _normalize(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


# Run by the program's interpreter: every installed distribution that ships a
# pulumi-plugin.json (Pulumi's SDKs do, next to their __init__.py). A RECORD that does not name
# the file is passed over unparsed: parsing every distribution's file list (hundreds in a
# project's venv) was most of the cost, paid on every `pulumi up`.
_LIST_PLUGIN_JSON = """
import importlib.metadata, json, sys
found = []
for dist in importlib.metadata.distributions():
    record = dist.read_text("RECORD")
    if record is not None and "pulumi-plugin.json" not in record:
        continue
    for file in dist.files or ():
        if file.name == "pulumi-plugin.json":
            try:
                entry = json.loads(file.locate().read_text())
            except (OSError, ValueError):
                continue
            entry.setdefault("version", dist.version)
            found.append(entry)
json.dump(found, sys.stdout)
"""


def plugin_packages(python: str) -> list[dict[str, Any]]:
    """The `pulumi-plugin.json` contents of the resource packages installed for `python`."""
    done = subprocess.run(
        [python, "-c", _LIST_PLUGIN_JSON], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise ToolchainError(f"listing packages with {python}: {done.stderr.strip()}")
    entries: list[dict[str, Any]] = json.loads(done.stdout)
    return [entry for entry in entries if entry.get("resource") and entry.get("name")]
