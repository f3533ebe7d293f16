"""Final formatting of generated Python: ruff (pinned in pyproject.toml), fed on stdin.

ruff is deterministic for a given version and configuration, so the bytes depend only on the
input. The repository's own ruff settings apply (found from --stdin-filename's location).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from pulumi_builds.codegen.errors import CodegenError

# Import sorting must not depend on which directories exist when generate runs (generated/ is
# absent on a fresh clone): the project's own packages are named.
_FIRST_PARTY = 'lint.isort.known-first-party = ["pulumi_builds"]'


def _ruff() -> str:
    beside_python = Path(sys.executable).with_name("ruff")
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("ruff")
    if found is None:
        raise CodegenError("ruff is needed to format generated code: pip install -e '.[dev]'")
    return found


def format_python(text: str, filename: str, root: Path) -> str:
    """`text` after `ruff check --fix` (safe fixes: unused imports, import order, ...) and
    `ruff format`, with the repository's ruff settings."""
    ruff = _ruff()
    fixed = _run(
        [
            ruff,
            "check",
            "--fix",
            "--exit-zero",
            "--quiet",
            "--config",
            _FIRST_PARTY,
            "--stdin-filename",
            filename,
            "-",
        ],
        text,
        root,
    )
    return _run([ruff, "format", "--quiet", "--stdin-filename", filename, "-"], fixed, root)


def _run(command: list[str], text: str, root: Path) -> str:
    # ruff reads and writes UTF-8 whatever the locale: never let the locale encode page text.
    result = subprocess.run(
        command, input=text.encode("utf-8"), capture_output=True, cwd=root, check=False
    )
    if result.returncode != 0:
        errors = result.stderr.decode("utf-8", "replace")
        raise CodegenError(f"{' '.join(command[1:3])} failed on generated code:\n{errors}")
    return result.stdout.decode("utf-8")
