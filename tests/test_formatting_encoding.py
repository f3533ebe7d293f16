"""Generated code is formatted the same whatever the machine's locale: page text may hold any
character (a published page's `•`, `é`), and ruff speaks UTF-8 only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = """
from pathlib import Path
from pulumi_builds.codegen.emit.formatting import format_python
source = 'class A:\\n    \\"\\"\\"Lists \\u2022 projects \\u00e9t\\u00e9.\\"\\"\\"\\n'
out = format_python(source, "generated/x/models.py", Path({root!r}))
print(out.encode("utf-8").hex())
"""


def test_formatting_keeps_non_ascii_text_under_an_ascii_locale() -> None:
    env = {
        **os.environ,
        "LC_ALL": "C",
        "LANG": "C",
        "PYTHONUTF8": "0",
        "PYTHONCOERCECLOCALE": "0",
        "PYTHONIOENCODING": "ascii",
    }
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(root=str(ROOT))],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    formatted = bytes.fromhex(run.stdout.strip()).decode("utf-8")
    assert "Lists \u2022 projects \u00e9t\u00e9." in formatted
