"""Provide the real Pulumi engine inside a virtualenv: `python -m pulumi_builds.engine install`.

`ensure-pulumi.sh` (beside this module) finds or builds `pulumi` (and `pulumi-language-python` when the Go
module proxy serves it) into a per-user cache; this module then links them, and the project's own
launchers, into `<venv>/bin`, which the tests and the demo put first on PATH. A second run finds
everything in place and costs about one `pulumi version` call.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PULUMI_VERSION = "3.259.0"
ENSURE_SCRIPT = Path(__file__).resolve().parent / "ensure-pulumi.sh"
LAUNCHERS_DIR = Path(__file__).resolve().parent / "launchers"
PROVIDER_LAUNCHER = "pulumi-resource-pulumi-python"
NATIVE_PROVIDER_LAUNCHER = "pulumi-resource-pulumi-builds"  # pulumi_builds.native
SDKGEN_SCRIPT = Path(__file__).resolve().parent / "build-sdkgen.sh"
SDKGEN = "pulumi-builds-sdkgen"  # Pulumi's SDK generators (engine/sdkgen), see build-sdkgen.sh
PROGRAM_LAUNCHER = "pulumi-language-python-exec"
LANGUAGE_HOST = "pulumi-language-python"  # Pulumi's Go host if built, else launchers/ own


class EngineSetupError(RuntimeError):
    """The engine could not be found or built."""


@dataclass(frozen=True)
class EngineInstall:
    """What `install` put into the venv."""

    bin_dir: Path
    pulumi: Path
    language_host: Path
    # Set when the project's Python language host stands in for Pulumi's Go one, saying why.
    language_host_note: str | None
    # Set when engine/sdkgen could not be built, saying why (only SDK generation needs it).
    sdkgen_note: str | None = None


def cache_root() -> Path:
    """Where ensure-pulumi.sh keeps binaries and Go caches (same rule as the script)."""
    if explicit := os.environ.get("PULUMI_BUILDS_CACHE"):
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pulumi-builds"


def _path_without(directory: Path) -> str:
    """PATH minus `directory`, so the script never mistakes our own links for a system pulumi."""
    kept = [
        entry
        for entry in os.environ.get("PATH", "").split(os.pathsep)
        if entry and Path(entry).resolve() != directory.resolve()
    ]
    return os.pathsep.join(kept)


def ensure_engine_dir(venv_bin: Path) -> Path:
    """Run ensure-pulumi.sh (progress on our stderr); the directory holding `pulumi`."""
    result = subprocess.run(
        ["bash", str(ENSURE_SCRIPT)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PATH": _path_without(venv_bin), "PULUMI_VERSION": PULUMI_VERSION},
        check=False,
    )
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        raise EngineSetupError(
            f"{ENSURE_SCRIPT} exited with {result.returncode}: no pulumi v{PULUMI_VERSION} "
            "(its progress and errors are above)"
        )
    engine_dir = Path(lines[-1])
    if not (engine_dir / "pulumi").is_file():
        raise EngineSetupError(f"{ENSURE_SCRIPT} named {engine_dir}, which holds no pulumi")
    return engine_dir


def _link(target: Path, link: Path) -> None:
    """Make `link` a symlink to `target`, replacing whatever was there, unless it already is."""
    if link.is_symlink() and Path(os.readlink(link)) == target:
        return
    if link.exists() or link.is_symlink():
        link.unlink()
    link.symlink_to(target)


def go_language_host_error(engine_dir: Path) -> str | None:
    """The error that kept Pulumi's Go language host from being built (from its log), if any."""
    log = engine_dir.parent / "language-host-build.log"
    if not log.is_file():
        return None
    errors = [
        line.strip()
        for line in log.read_text(errors="replace").splitlines()
        if line.strip() and not line.startswith("go: downloading")
    ]
    return " ".join(errors[-3:]) or None


def language_host_problem(venv_bin: Path) -> str | None:
    """Why the plain-CLI path cannot run with this venv (no language host), or None."""
    if (venv_bin / LANGUAGE_HOST).exists():
        return None
    return f"no {LANGUAGE_HOST} in {venv_bin}: run `make engine`"


def _copy_if_changed(source: Path, target: Path) -> None:
    if target.is_file() and not target.is_symlink() and target.read_bytes() == source.read_bytes():
        return
    partial = target.with_name(target.name + ".partial")
    shutil.copy2(source, partial)
    partial.replace(target)


def has_go_language_host(engine_dir: Path) -> bool:
    """True if Pulumi's own host sits next to pulumi (not a copy of this project's launcher)."""
    host = engine_dir / LANGUAGE_HOST
    ours = LAUNCHERS_DIR / LANGUAGE_HOST
    return host.is_file() and host.read_bytes()[:64] != ours.read_bytes()[:64]


def _place_launchers(engine_dir: Path, venv_bin: Path, launchers: list[str]) -> None:
    """Put the launchers where the CLI looks, without its "using ... from $PATH" warning.

    The CLI prefers a plugin on PATH (our venv/bin) but warns unless that path resolves to the
    copy "bundled" next to the real pulumi binary. So in our own build cache the launchers are
    copied next to pulumi and the venv links point there. A pulumi from elsewhere (found on PATH)
    is left untouched: the venv links then point into this repository.
    """
    ours = engine_dir.resolve().is_relative_to(cache_root().resolve())
    for launcher in launchers:
        source = LAUNCHERS_DIR / launcher
        if ours:
            _copy_if_changed(source, engine_dir / launcher)
            source = engine_dir / launcher
        _link(source, venv_bin / launcher)


def install(venv: Path) -> EngineInstall:
    """Put pulumi, a language host and the project's launchers into <venv>/bin."""
    venv_bin = venv.resolve() / "bin"
    if not (venv_bin / "python").exists():
        raise EngineSetupError(f"--venv {venv}: {venv_bin / 'python'} does not exist")
    engine_dir = ensure_engine_dir(venv_bin)
    _link(engine_dir / "pulumi", venv_bin / "pulumi")
    launchers = [PROVIDER_LAUNCHER, NATIVE_PROVIDER_LAUNCHER, PROGRAM_LAUNCHER]
    note = None
    if has_go_language_host(engine_dir):
        # Pulumi's host finds pulumi-language-python-exec next to its own binary (placed below).
        _link(engine_dir / LANGUAGE_HOST, venv_bin / LANGUAGE_HOST)
    else:
        launchers.append(LANGUAGE_HOST)
        why = go_language_host_error(engine_dir) or "not built"
        note = f"Pulumi's Go {LANGUAGE_HOST} is unavailable ({why}); using the project's own host"
    _place_launchers(engine_dir, venv_bin, launchers)
    return EngineInstall(
        bin_dir=venv_bin,
        pulumi=venv_bin / "pulumi",
        language_host=venv_bin / LANGUAGE_HOST,
        language_host_note=note,
        sdkgen_note=_install_sdkgen(venv_bin),
    )


def _install_sdkgen(venv_bin: Path) -> str | None:
    """Build engine/sdkgen (cached) and link it into the venv; why not, if it failed."""
    result = subprocess.run(
        ["bash", str(SDKGEN_SCRIPT)],
        capture_output=True,
        text=True,
        env={**os.environ, "PULUMI_VERSION": PULUMI_VERSION},
        check=False,
    )
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines or not Path(lines[-1]).is_file():
        return f"{SDKGEN} not built: {' '.join(result.stderr.strip().splitlines()[-3:])}"
    _link(Path(lines[-1]), venv_bin / SDKGEN)
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pulumi_builds.engine", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    install_command = commands.add_parser("install", help="provide pulumi in <venv>/bin")
    install_command.add_argument("--venv", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        result = install(args.venv)
    except EngineSetupError as error:
        print(f"engine: {error}", file=sys.stderr)
        return 1
    print(f"engine: pulumi v{PULUMI_VERSION} and launchers in {result.bin_dir}", file=sys.stderr)
    if result.language_host_note:
        print(f"engine: {result.language_host_note}", file=sys.stderr)
    if result.sdkgen_note:
        print(f"engine: {result.sdkgen_note}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
