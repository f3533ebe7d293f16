"""Prove that a generated SDK builds: TypeScript with `tsc`, Go with `go build`.

The toolchains are pinned and cached per user like the CLI (engine/install.py's cache root):
- TypeScript: `typescript`, `@pulumi/pulumi` (the CLI's version) and `@types/node` from the npm
  registry, exactly as engine/node/package-lock.json locks them (`npm ci`), in
  `<cache>/node/<lock digest>/node_modules`;
- Go: the Pulumi Go SDK github.com/pulumi/pulumi/sdk/v3 at the CLI's version from the Go module
  proxy, with the module and build caches of engine/ensure-pulumi.sh.

Each check compiles the SDK together with a small program that uses it, the way a user would
(TypeScript: the SDK's sources through a path mapping; Go: a module that `replace`s the SDK's).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pulumi_builds.engine.install import PULUMI_VERSION, cache_root

NODE_PROJECT = Path(__file__).resolve().parent / "node"
GO_SDK_MODULE = "github.com/pulumi/pulumi/sdk/v3"
COMMAND_TIMEOUT_SECONDS = 900


class ToolchainError(RuntimeError):
    """npm or Go could not provide the pinned toolchain (the tool's own words are included)."""


@dataclass(frozen=True)
class CompileResult:
    """One compile: its command line, exit code and output (compiler diagnostics)."""

    command: str
    exit_code: int
    output: str

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> CompileResult:
    completed = subprocess.run(
        command,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
    )
    return CompileResult(
        " ".join(command), completed.returncode, completed.stdout + completed.stderr
    )


def node_toolchain() -> Path:
    """`node_modules` of the pinned TypeScript toolchain, installed once with `npm ci`."""
    lock = (NODE_PROJECT / "package-lock.json").read_bytes()
    home = cache_root() / "node" / hashlib.sha256(lock).hexdigest()[:12]
    installed = home / ".installed"
    if installed.is_file() and (home / "node_modules" / ".bin" / "tsc").exists():
        return home / "node_modules"
    npm = shutil.which("npm")
    if npm is None:
        raise ToolchainError("no `npm` on PATH: install Node.js to type-check the TypeScript SDK")
    home.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(NODE_PROJECT / name, home / name)
    result = _run(
        [npm, "ci", "--no-audit", "--no-fund", "--cache", str(cache_root() / "node" / "npm-cache")],
        cwd=home,
    )
    if not result.ok:
        raise ToolchainError(f"`{result.command}` exited with {result.exit_code}:\n{result.output}")
    installed.touch()
    return home / "node_modules"


def _link_node_modules(directory: Path, node_modules: Path) -> None:
    link = directory / "node_modules"
    if link.is_symlink() or link.exists():
        return
    link.symlink_to(node_modules, target_is_directory=True)


def typecheck_nodejs(sdk_dir: Path, program: str, work_dir: Path) -> CompileResult:
    """`tsc --noEmit` over the SDK (its own tsconfig) and then `program` (index.ts) using it.

    The program imports the SDK by its package name (from the SDK's package.json), mapped to
    the SDK's sources. The first failing compile is returned.
    """
    node_modules = node_toolchain()
    tsc = str(node_modules / ".bin" / "tsc")
    _link_node_modules(sdk_dir, node_modules)
    # --skipLibCheck: the SDK's own sources are checked; the declarations of its dependencies
    # (@pulumi/pulumi, @types/node) are theirs to check, as the program's tsconfig says too.
    sdk = _run([tsc, "--noEmit", "--skipLibCheck", "-p", str(sdk_dir)], cwd=sdk_dir)
    if not sdk.ok:
        return sdk
    package_name = _json_field(sdk_dir / "package.json", "name")
    work_dir.mkdir(parents=True, exist_ok=True)
    _link_node_modules(work_dir, node_modules)
    (work_dir / "index.ts").write_text(program)
    tsconfig = {
        "compilerOptions": {
            "strict": True,
            "noEmit": True,
            "target": "ES2022",
            "module": "nodenext",
            "moduleResolution": "nodenext",
            "types": ["node"],
            "skipLibCheck": True,
            "paths": {package_name: [str(sdk_dir / "index.ts")]},
        },
        "files": ["index.ts"],
    }
    _write_json(work_dir / "tsconfig.json", tsconfig)
    return _run([tsc, "-p", str(work_dir)], cwd=work_dir)


def go_env() -> dict[str, str]:
    """The module and build caches of engine/ensure-pulumi.sh, offline-friendly settings."""
    root = cache_root()
    return {
        "GOMODCACHE": str(root / "go" / "mod"),
        "GOCACHE": str(root / "go" / "build"),
        "GOTOOLCHAIN": "local",
        "GOFLAGS": "-mod=mod",
    }


def build_go(sdk_dir: Path, program: str, work_dir: Path) -> CompileResult:
    """`go build` of every package of the SDK module and of `program` (main.go) using it.

    The program's module requires the Pulumi Go SDK at the CLI's version and replaces the SDK's
    module path (from its go.mod) with `sdk_dir`.
    """
    go = shutil.which("go")
    if go is None:
        raise ToolchainError("no `go` on PATH: install Go to build the Go SDK")
    module = _go_module_path(sdk_dir / "go.mod")
    work_dir.mkdir(parents=True, exist_ok=True)
    (work_dir / "go.mod").write_text(
        "module pulumibuilds.local/sdkcheck\n\ngo 1.25\n\n"
        f"require (\n\t{GO_SDK_MODULE} v{PULUMI_VERSION}\n\t{module} v0.0.0\n)\n\n"
        f"replace {module} => {sdk_dir.resolve()}\n"
    )
    (work_dir / "main.go").write_text(program)
    # -trimpath: the SDK's packages are compiled once for the build cache, not once per folder
    # they are written to (without it, a package's directory is part of its cache key).
    command = [go, "build", "-trimpath", "-o", os.devnull, ".", f"{module}/..."]
    return _run(command, cwd=work_dir, env=go_env())


def _go_module_path(go_mod: Path) -> str:
    if not go_mod.is_file():
        raise ToolchainError(f"{go_mod} does not exist: the schema must set meta.supportPack")
    for line in go_mod.read_text().splitlines():
        if line.startswith("module "):
            return line.split()[1]
    raise ToolchainError(f"{go_mod} has no module line")


def _json_field(path: Path, key: str) -> str:
    value = json.loads(path.read_text())[key]
    return str(value)


def _write_json(path: Path, value: object) -> None:
    path.write_text(json.dumps(value, indent=2) + "\n")
