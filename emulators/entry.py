"""The `builds-emulator` console script. The emulators are an extra: a base install of
pulumi-builds has the models and pydantic only, so say what to install instead of a traceback."""

from __future__ import annotations

import sys


def main() -> int:
    try:
        from pulumi_builds.emulators.cli import main as run
    except ModuleNotFoundError as exc:
        sys.exit(f"builds-emulator: needs {exc.name}: pip install 'pulumi-builds[emulator]'")
    return run()
