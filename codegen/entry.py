"""The `builds-codegen` console script. The code generator is an extra: a base install of
pulumi-builds has the models and pydantic only, so say what to install instead of a traceback."""

from __future__ import annotations

import sys


def main() -> int:
    try:
        from pulumi_builds.codegen.cli import main as run
    except ModuleNotFoundError as exc:
        sys.exit(f"builds-codegen: needs {exc.name}: pip install 'pulumi-builds[codegen]'")
    return run()
