"""The development install (`make install`) is visible to type checkers, from any directory.

A user program in a folder of its own, checked by the project venv's mypy: the resources, the
generated models and the folders the package maps onto its namespace (pulumi_builds.codegen is
codegen/) are found with their types, so a wrong type is reported and a right program passes.
Under setuptools' default editable mode mypy finds none of them (its import hook is invisible).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

PROGRAM = """\
    from pulumi_builds import aws_codebuild
    from pulumi_builds.codegen.ir import FORMAT
    from pulumi_builds.generated.aws_codebuild.models import Build, StatusType

    build = aws_codebuild.Build("api", project_name="api", environment_variables={"A": "b"})
    status: StatusType | None = Build(id="api:1").build_status
    version: str = FORMAT
    """


def mypy(folder: Path, source: str) -> subprocess.CompletedProcess[str]:
    (folder / "program.py").write_text(textwrap.dedent(source))
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "program.py"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )


def test_mypy_checks_a_user_program_against_the_installed_package(tmp_path: Path) -> None:
    checked = mypy(tmp_path, PROGRAM)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    wrong = mypy(tmp_path, PROGRAM.replace('project_name="api"', "project_name=3"))
    assert wrong.returncode == 1, wrong.stdout + wrong.stderr
    assert 'Argument "project_name" to "Build" has incompatible type "int"' in wrong.stdout
