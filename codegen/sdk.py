"""`builds-codegen sdk`: the TypeScript or Go SDK of the package schema, produced on demand.

The SDKs are not committed: they are a pure function of `generated/schema.json` (checked by
`builds-codegen check`) and the Pulumi CLI's code generators, so this runs
`pulumi package gen-sdk SCHEMA --language L --out DIR --local` with the CLI that `make engine`
provides (v3.259.0; where Pulumi's Node.js and Go hosts are not available, the project's own,
engine/nodejs_host.py and go_host.py, hand generation to Pulumi's generators in engine/sdkgen).
`--local` makes an SDK meant to be used from a directory: the Node.js one compiles itself on
`npm install` (README, "TypeScript"), the Go one is a module to `replace` (README, "Go").
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from pulumi_builds.codegen.errors import CodegenError

SCHEMA = Path("generated") / "schema.json"
LANGUAGES = ("nodejs", "go")


def find_pulumi() -> Path:
    """The `pulumi` CLI: on PATH, else next to this interpreter (`make engine` links it there)."""
    found = shutil.which("pulumi")
    if found:
        return Path(found)
    beside = Path(sys.executable).parent / "pulumi"
    if beside.exists():
        return beside
    raise CodegenError("no `pulumi` CLI on PATH or next to this Python: run `make engine`")


def _path_with_this_python() -> str:
    """PATH with this interpreter's bin first: the CLI hands generation to the language host,
    which `make engine` may have made the project's own (a Python module run by `python3`)."""
    return os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


def generate_sdk(root: Path, language: str, out: Path, pulumi: Path | None = None) -> Path:
    """Write the SDK for `language` to `out/<language>` (replacing it); its directory."""
    if language not in LANGUAGES:
        raise CodegenError(f"--language {language!r}: one of {', '.join(LANGUAGES)}")
    schema = root / SCHEMA
    if not schema.is_file():
        raise CodegenError(f"no package schema at {schema}: run `builds-codegen generate`")
    command = [str(pulumi or find_pulumi()), "package", "gen-sdk", str(schema)]
    command += ["--language", language, "--out", str(out), "--local"]
    completed = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true", "PATH": _path_with_this_python()},
        check=False,
    )
    if completed.returncode != 0:
        raise CodegenError(
            f"`pulumi package gen-sdk --language {language}` exited with "
            f"{completed.returncode}: {(completed.stderr or completed.stdout).strip()}"
        )
    return out / language
