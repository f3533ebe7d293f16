"""Provide the real Pulumi engine inside a virtualenv: `python -m pulumi_builds.engine install`.

`ensure-pulumi.sh` (beside this module) finds or builds `pulumi` (and `pulumi-language-python`
when the Go module proxy serves it) into a per-user cache, `ensure-pulumi-yaml.sh` the YAML
language host `pulumi-language-yaml`; this module then places them, and the project's own
launchers, in `<venv>/bin`, which the tests and the demo put first on PATH. The CLI looks for its
bundled language hosts next to its own binary, so `pulumi` is hard-linked into `<venv>/bin` and
the launchers, written with the venv's interpreter, sit beside it: the per-user cache holds
nothing bound to one venv, and two checkouts' `make engine` do not undo each other.

`ensure-sdkgen.sh` builds the SDK generator (`pulumi package gen-sdk`), `ensure-pulumi-hosts.sh`
Pulumi's Node.js and Go hosts where the proxy serves them (else the project's own stand in) and
`ensure-node.sh` Node.js 22 from the npm registry. A second run finds everything in place and
costs about one `pulumi version` call.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PULUMI_VERSION = "3.259.0"
ENSURE_SCRIPT = Path(__file__).resolve().parent / "ensure-pulumi.sh"
PULUMI_YAML_VERSION = "1.25.0"
ENSURE_YAML_SCRIPT = Path(__file__).resolve().parent / "ensure-pulumi-yaml.sh"
YAML_LANGUAGE_HOST = "pulumi-language-yaml"
ENSURE_SDKGEN_SCRIPT = Path(__file__).resolve().parent / "ensure-sdkgen.sh"
SDKGEN = "pulumi-builds-sdkgen"  # Pulumi's SDK generators (engine/sdkgen), see ensure-sdkgen.sh
# Pulumi's Node.js and Go hosts (programs and `pulumi package gen-sdk`): built from the proxy by
# ensure-pulumi-hosts.sh when it serves them (today it refuses them, 403); else the project's own,
# engine/nodejs_host.py and go_host.py (launchers/), which hand SDK generation to SDKGEN.
PROGRAM_HOSTS = ("pulumi-language-nodejs", "pulumi-language-go")
ENSURE_HOSTS_SCRIPT = Path(__file__).resolve().parent / "ensure-pulumi-hosts.sh"
# Node.js for TypeScript programs (`@pulumi/pulumi` 3.259.0 needs >= 22), from the npm registry.
NODE_VERSION = "22.23.5"
ENSURE_NODE_SCRIPT = Path(__file__).resolve().parent / "ensure-node.sh"
LAUNCHERS_DIR = Path(__file__).resolve().parent / "launchers"
PROVIDER_LAUNCHER = "pulumi-resource-pulumi-python"
NATIVE_PROVIDER_LAUNCHER = "pulumi-resource-pulumi-builds"  # pulumi_builds.native
PROGRAM_LAUNCHER = "pulumi-language-python-exec"
LANGUAGE_HOST = "pulumi-language-python"  # Pulumi's Go host if built, else launchers/ own
# The project's language hosts: launchers written from templates with the venv's interpreter.
HOST_LAUNCHERS = (LANGUAGE_HOST, *PROGRAM_HOSTS)


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
    # Set when Pulumi's YAML language host could not be provided, saying why (YAML programs fail).
    yaml_host_note: str | None = None
    # Set when engine/sdkgen could not be built, saying why (only SDK generation needs it).
    sdkgen_note: str | None = None
    # One line per Node.js / Go host that is the project's own (saying why), or cannot run.
    program_host_notes: tuple[str, ...] = ()


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


def _run_ensure_script(script: Path, venv_bin: Path, what: str, **env: str) -> Path:
    """Run one ensure-*.sh script (progress on our stderr); the directory it names last."""
    result = subprocess.run(
        ["bash", str(script)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PATH": _path_without(venv_bin), **env},
        check=False,
    )
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        raise EngineSetupError(
            f"{script} exited with {result.returncode}: no {what} (its progress and errors are above)"
        )
    return Path(lines[-1])


def ensure_engine_dir(venv_bin: Path) -> Path:
    """Run ensure-pulumi.sh (progress on our stderr); the directory holding `pulumi`."""
    engine_dir = _run_ensure_script(
        ENSURE_SCRIPT, venv_bin, f"pulumi v{PULUMI_VERSION}", PULUMI_VERSION=PULUMI_VERSION
    )
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


def hard_link(source: Path, target: Path) -> None:
    """Make `target` the very file `source` (a hard link: no copy of a 100 MB binary), or a copy
    across file systems; replaces whatever was there, unless it already is that file."""
    if target.is_file() and not target.is_symlink() and target.samefile(source):
        return
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        os.link(source, partial)
    except OSError:
        shutil.copy2(source, partial)
    partial.replace(target)


def has_go_language_host(engine_dir: Path) -> bool:
    """True if Pulumi's own host sits next to pulumi (not a copy of this project's launcher)."""
    host = engine_dir / LANGUAGE_HOST
    ours = LAUNCHERS_DIR / LANGUAGE_HOST
    return host.is_file() and host.read_bytes()[:64] != ours.read_bytes()[:64]


def _place_launchers(engine_dir: Path, venv_bin: Path, launchers: list[str]) -> None:
    """Put the launchers where the CLI looks, without its "using ... from $PATH" warning.

    The CLI prefers a plugin on PATH (our venv/bin) but warns unless that path is the copy
    "bundled" next to the pulumi binary. With our own pulumi, hard-linked into venv/bin, the
    launchers are files there. A pulumi from elsewhere (found on PATH) is left untouched: the
    venv links then point into this repository.
    """
    bundled = engine_dir == venv_bin
    for launcher in launchers:
        source = LAUNCHERS_DIR / launcher
        if launcher in HOST_LAUNCHERS:  # a template: written with the venv's interpreter
            write_language_host(venv_bin / launcher, venv_bin / "python", launcher)
        elif bundled:
            _copy_if_changed(source, venv_bin / launcher)
        else:
            _link(source, venv_bin / launcher)


def write_language_host(target: Path, python: Path, launcher: str = LANGUAGE_HOST) -> None:
    """Write the launcher of one of the project's language hosts (Python, Node.js, Go) to
    `target`, running the host with `python`.

    The interpreter is written in, not looked up on PATH: the CLI starts its bundled hosts
    whatever PATH holds (a user's PATH need not hold the project's venv, and a plugin install
    must not depend on it).
    """
    template = (LAUNCHERS_DIR / launcher).read_text()
    text = template.replace("@HOST_PYTHON@", shlex.quote(str(python)))
    if target.is_file() and not target.is_symlink() and target.read_text() == text:
        return
    if target.is_symlink():
        target.unlink()
    partial = target.with_name(target.name + ".partial")
    partial.write_text(text)
    partial.chmod(0o755)
    partial.replace(target)


def ensure_yaml_host(venv_bin: Path) -> Path:
    """Run ensure-pulumi-yaml.sh; the path of the cached `pulumi-language-yaml`."""
    host_dir = _run_ensure_script(
        ENSURE_YAML_SCRIPT,
        venv_bin,
        f"{YAML_LANGUAGE_HOST} v{PULUMI_YAML_VERSION}",
        PULUMI_YAML_VERSION=PULUMI_YAML_VERSION,
    )
    if not (host_dir / YAML_LANGUAGE_HOST).is_file():
        raise EngineSetupError(f"{ENSURE_YAML_SCRIPT} named {host_dir}, which holds no host")
    return host_dir / YAML_LANGUAGE_HOST


def ensure_sdkgen(venv_bin: Path) -> Path:
    """Run ensure-sdkgen.sh; the path of the cached SDK generator."""
    tool_dir = _run_ensure_script(
        ENSURE_SDKGEN_SCRIPT, venv_bin, SDKGEN, PULUMI_VERSION=PULUMI_VERSION
    )
    if not (tool_dir / SDKGEN).is_file():
        raise EngineSetupError(f"{ENSURE_SDKGEN_SCRIPT} named {tool_dir}, which holds no {SDKGEN}")
    return tool_dir / SDKGEN


def _place_bundled_binary(
    source: Path, engine_dir: Path, venv_bin: Path, name: str | None = None
) -> None:
    """Put a language host built apart from the CLI next to `pulumi` (as `name`), as the CLI
    bundles it.

    The CLI accepts a host on PATH silently only if that path is the very file next to the
    pulumi binary, so a symlink there would still warn: the file is hard-linked into venv/bin,
    beside the venv's hard link of pulumi. A pulumi from elsewhere is left untouched: its own
    hosts, if any, come first there.
    """
    name = name or source.name
    if engine_dir != venv_bin:
        if not (engine_dir / name).exists():
            _link(source, venv_bin / name)
        return
    hard_link(source, venv_bin / name)


def ensure_node(venv_bin: Path) -> Path:
    """Run ensure-node.sh; the directory of the cached Node.js (for TypeScript programs)."""
    node_dir = _run_ensure_script(
        ENSURE_NODE_SCRIPT, venv_bin, f"Node.js v{NODE_VERSION}", NODE_VERSION=NODE_VERSION
    )
    if not (node_dir / "node").is_file():
        raise EngineSetupError(f"{ENSURE_NODE_SCRIPT} named {node_dir}, which holds no node")
    return node_dir


def _host_build_error(hosts_dir: Path, host: str) -> str:
    """Why ensure-pulumi-hosts.sh could not build Pulumi's `host` (the end of go's message)."""
    log = hosts_dir.parent / f"{host.removeprefix('pulumi-language-')}-build.log"
    lines = log.read_text(errors="replace").splitlines() if log.is_file() else []
    errors = [line.strip() for line in lines if line.strip() and "go: downloading" not in line]
    return " ".join(errors[-2:]) or "not built"


def place_program_hosts(engine_dir: Path, venv_bin: Path) -> list[str]:
    """Put a Node.js and a Go language host where the CLI finds them; notes saying whose.

    A Pulumi installation found on PATH bundles its own hosts next to `pulumi`: those are used,
    nothing of ours is placed. Otherwise Pulumi's hosts built by ensure-pulumi-hosts.sh are
    bundled next to our cached `pulumi`, and where they could not be built (the proxy refuses
    them) the project's own launchers stand in. TypeScript also needs Node.js 22 (ensure-node.sh).
    """
    notes: list[str] = []
    hosts_dir = cache_root() / f"pulumi-hosts-v{PULUMI_VERSION}" / "bin"  # the script's, by rule
    try:
        hosts_dir = _run_ensure_script(
            ENSURE_HOSTS_SCRIPT, venv_bin, "language hosts", PULUMI_VERSION=PULUMI_VERSION
        )
    except EngineSetupError as error:
        notes.append(str(error))
    ours = []
    for host in PROGRAM_HOSTS:
        if engine_dir != venv_bin and (engine_dir / host).exists():
            if (venv_bin / host).is_symlink():  # ours, from an earlier install: it would shadow
                (venv_bin / host).unlink()
        elif (hosts_dir / host).is_file():
            _place_bundled_binary(hosts_dir / host, engine_dir, venv_bin)
        else:
            ours.append(host)
            why = _host_build_error(hosts_dir, host)
            notes.append(f"Pulumi's {host} is unavailable ({why}); using the project's own host")
    _place_launchers(engine_dir, venv_bin, ours)
    if "pulumi-language-nodejs" in ours:
        try:
            ensure_node(venv_bin)
        except EngineSetupError as error:
            notes.append(f"no Node.js v{NODE_VERSION}, TypeScript programs cannot run: {error}")
    return notes


def cached_pulumi(found: Path) -> Path | None:
    """The per-user cache's `pulumi` if the one in `found` is it (the cache itself, or another
    venv's hard link found on PATH), else None: a Pulumi installation of the user's."""
    cached = cache_root() / f"pulumi-v{PULUMI_VERSION}" / "bin" / "pulumi"
    pulumi = found / "pulumi"
    if cached.is_file() and pulumi.is_file() and pulumi.resolve().samefile(cached):
        return cached
    return None


def install(venv: Path) -> EngineInstall:
    """Put pulumi, a language host and the project's launchers into <venv>/bin."""
    venv_bin = venv.resolve() / "bin"
    if not (venv_bin / "python").exists():
        raise EngineSetupError(f"--venv {venv}: {venv_bin / 'python'} does not exist")
    found = ensure_engine_dir(venv_bin)
    cached = cached_pulumi(found)
    if cached is not None:
        # Ours: venv/bin becomes the directory of the CLI's binary, where it finds bundled hosts.
        hard_link(cached, venv_bin / "pulumi")
        found, engine_dir = cached.parent, venv_bin
    else:  # a Pulumi installation found on PATH, with its own hosts next to it
        _link(found / "pulumi", venv_bin / "pulumi")
        engine_dir = found
    launchers = [PROVIDER_LAUNCHER, NATIVE_PROVIDER_LAUNCHER, PROGRAM_LAUNCHER]
    note = None
    if has_go_language_host(found):
        # Pulumi's host finds pulumi-language-python-exec next to its own binary (placed below).
        place = hard_link if engine_dir == venv_bin else _link
        place(found / LANGUAGE_HOST, venv_bin / LANGUAGE_HOST)
    else:
        launchers.append(LANGUAGE_HOST)
        why = go_language_host_error(found) or "not built"
        note = f"Pulumi's Go {LANGUAGE_HOST} is unavailable ({why}); using the project's own host"
    _place_launchers(engine_dir, venv_bin, launchers)
    # YAML programs need Pulumi's own host; without it everything else still works, so a build
    # failure (e.g. the proxy refusing the module) is reported, and YAML tests fail on it.
    yaml_note = None
    try:
        _place_bundled_binary(ensure_yaml_host(venv_bin), engine_dir, venv_bin)
    except EngineSetupError as error:
        yaml_note = f"no {YAML_LANGUAGE_HOST}, YAML programs cannot run: {error}"
    sdkgen_note = None
    try:
        _link(ensure_sdkgen(venv_bin), venv_bin / SDKGEN)
    except EngineSetupError as error:
        sdkgen_note = f"no {SDKGEN}, so no SDK generation (nodejs, go, python): {error}"
    program_host_notes = place_program_hosts(engine_dir, venv_bin)
    return EngineInstall(
        bin_dir=venv_bin,
        pulumi=venv_bin / "pulumi",
        language_host=venv_bin / LANGUAGE_HOST,
        language_host_note=note,
        yaml_host_note=yaml_note,
        sdkgen_note=sdkgen_note,
        program_host_notes=tuple(program_host_notes),
    )


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
    for note in (result.yaml_host_note, result.sdkgen_note, *result.program_host_notes):
        if note:
            print(f"engine: {note}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
