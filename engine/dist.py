"""`make dist`: everything a release publishes, in dist/, all at the project's version.

- `pulumi_builds-<v>-py3-none-any.whl`: the Python package (models, resources, both providers);
- `pulumi-resource-pulumi-builds-v<v>-<os>-<arch>.tar.gz` for linux and darwin, amd64 and arm64:
  the provider plugin as a *source plugin*: `PulumiPlugin.yaml` (`runtime: python`), its entry
  point `__main__.py`, the wheel, the served `schema.json`, and `requirements.txt` pinning the
  wheel's `provider` extra and its whole dependency closure (the versions this build resolved),
  so the CLI's Python host builds the plugin's own virtualenv on `pulumi plugin install`;
- `schema.json`: the package schema with `pluginDownloadURL` set (`--plugin-download-url`), the
  one every SDK below is generated from, so programs install a missing plugin by themselves;
- `pulumi-builds-pulumi-builds-<v>.tgz`: the Node.js SDK (`@pulumi-builds/pulumi-builds`), compiled, `npm pack`ed;
- `sdk/go/`: the Go SDK module directory (published by tagging `sdk/go/v<v>` in the repository);
- `pulumi_builds_sdk-<v>-py3-none-any.whl`: the Python SDK generated from the schema (a separate
  package from the wheel: it carries `pulumi-plugin.json`, whose `server` lets the CLI install
  the plugin for a Python program; `pulumi_builds.native` in the wheel binds the same types);
- `SHA256SUMS`.

The archives differ by the dependency pins that apply to each platform (environment markers);
everything is written deterministically (sorted entries, fixed times), so a rebuild from the
same checkout and venv gives the same bytes.
"""

from __future__ import annotations

import argparse
import fcntl
import gzip
import hashlib
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from pathlib import Path

from pulumi_builds.engine import dist_pins
from pulumi_builds.engine.install import PULUMI_VERSION

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "pulumi-builds"
PLUGIN = f"pulumi-resource-{PACKAGE}"
PLATFORMS = (("linux", "amd64"), ("linux", "arm64"), ("darwin", "amd64"), ("darwin", "arm64"))
# Where a release publishes the archives by default: the GitHub releases of the repository the
# Go SDK's module path names (the CLI asks api.github.com for the release tagged v<version>).
DEFAULT_PLUGIN_DOWNLOAD_URL = "github://api.github.com/pulumi-builds/pulumi-builds"
FIXED_MTIME = 315532800  # 1980-01-01, the earliest a zip (the wheel) can say: reproducible

# The source plugin's own files, shared with a checkout's `pulumi package add ./provider`.
PLUGIN_SOURCE = ROOT / "provider"
PLUGIN_FILES = ("PulumiPlugin.yaml", "__main__.py")


class DistError(RuntimeError):
    """A step of `make dist` failed: the message names it and carries the tool's words."""


def project_version(root: Path = ROOT) -> str:
    return str(tomllib.loads((root / "pyproject.toml").read_text())["project"]["version"])


def host_platform() -> tuple[str, str]:
    """(os, arch) of this machine in Pulumi's words, e.g. ("linux", "amd64")."""
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)
    return sys.platform, arch


def archive_name(version: str, os_name: str, arch: str) -> str:
    return f"{PLUGIN}-v{version}-{os_name}-{arch}.tar.gz"


def run(command: list[str], cwd: Path, what: str) -> str:
    # SOURCE_DATE_EPOCH: the wheels' entries get fixed times (reproducible builds).
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(FIXED_MTIME)}
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise DistError(
            f"{what}: `{' '.join(command)}` exited with {done.returncode}:\n"
            f"{(done.stderr or done.stdout).strip()[-4000:]}"
        )
    return done.stdout


def build_wheel(source: Path, out: Path) -> Path:
    """`python -m build --wheel` of `source` into `out`; the wheel's path.

    setuptools builds in the source tree (build/, *.egg-info): two builds of one checkout at
    once (two `make dist`, a test run's workers) would write over each other, so they take
    turns on a lock in build/.
    """
    (source / "build").mkdir(exist_ok=True)
    with (
        (source / "build" / ".wheel.lock").open("w") as lock,
        tempfile.TemporaryDirectory(prefix="dist-wheel-") as tmp,
    ):
        fcntl.flock(lock, fcntl.LOCK_EX)
        run(
            [sys.executable, "-m", "build", "--wheel", "--outdir", tmp, str(source)],
            source,
            f"building the wheel of {source}",
        )
        (built,) = Path(tmp).glob("*.whl")
        target = out / built.name
        shutil.move(built, target)
    return target


def dist_schema(schema: dict[str, object], plugin_download_url: str) -> str:
    """The package schema as released: `pluginDownloadURL` set, the rest unchanged."""
    released = dict(schema)
    released["pluginDownloadURL"] = plugin_download_url
    return json.dumps(released, indent=2, sort_keys=False) + "\n"


def _tar_entry(archive: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), mode, FIXED_MTIME
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    archive.addfile(info, io.BytesIO(data))


def write_plugin_archive(target: Path, files: dict[str, bytes]) -> None:
    """A .tar.gz of `files` (name -> bytes) at its root, byte-for-byte reproducible."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name in sorted(files):
            _tar_entry(archive, name, files[name])
    partial = target.with_name(target.name + ".partial")
    with (
        partial.open("wb") as handle,
        gzip.GzipFile(filename="", mode="wb", fileobj=handle, mtime=FIXED_MTIME) as zipped,
    ):
        zipped.write(raw.getvalue())
    partial.replace(target)


def shared_plugin_files(wheel: Path, schema_text: str) -> dict[str, bytes]:
    """The source plugin's files that are the same on every platform (read once)."""
    return {
        **{name: (PLUGIN_SOURCE / name).read_bytes() for name in PLUGIN_FILES},
        "schema.json": schema_text.encode(),
        wheel.name: wheel.read_bytes(),
    }


def plugin_files(
    shared: dict[str, bytes], wheel_name: str, os_name: str, arch: str
) -> dict[str, bytes]:
    """The source plugin's files for one platform: the shared ones and its requirements.txt."""
    pins = dist_pins.provider_closure(os_name, arch)
    requirements = [
        "# The provider and its whole dependency closure, pinned at `make dist` time.",
        f"./{wheel_name}[provider]",
        *(f"{name}=={version}" for name, version in pins),
    ]
    return {**shared, "requirements.txt": ("\n".join(requirements) + "\n").encode()}


def sha256sums(out: Path) -> None:
    lines = [
        f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.name}"
        for path in sorted(out.iterdir())
        if path.is_file() and path.name != "SHA256SUMS"
    ]
    (out / "SHA256SUMS").write_text("\n".join(lines) + "\n")


def make_dist(out: Path, plugin_download_url: str, pulumi: Path, sdks: bool = True) -> list[Path]:
    """Write dist/ (replacing it); the paths written."""
    out = out.resolve()  # the tools below run in other directories
    version = project_version()
    # The versions agree before anything is replaced or built (the wheel is the slow part).
    schema = json.loads((ROOT / "generated" / "schema.json").read_text())
    if schema.get("version") != version:
        raise DistError(
            f"generated/schema.json has version {schema.get('version')!r}, pyproject.toml "
            f"{version!r}: run `builds-codegen generate`"
        )
    from pulumi_builds.native.server import VERSION as served  # the version GetPluginInfo says

    if served != version:
        raise DistError(f"pulumi_builds/native/server.py VERSION is {served!r}, not {version!r}")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    wheel = build_wheel(ROOT, out)
    schema_text = dist_schema(schema, plugin_download_url)
    (out / "schema.json").write_text(schema_text)
    shared = shared_plugin_files(wheel, schema_text)
    for os_name, arch in PLATFORMS:
        files = plugin_files(shared, wheel.name, os_name, arch)
        write_plugin_archive(out / archive_name(version, os_name, arch), files)
    if sdks:
        from pulumi_builds.engine import dist_sdks  # the SDK toolchains only when asked

        dist_sdks.write_sdks(out, out / "schema.json", pulumi)
    sha256sums(out)
    return sorted(out.rglob("*"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pulumi_builds.engine.dist", description=__doc__
    )
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument(
        "--plugin-download-url",
        default=os.environ.get("PLUGIN_DOWNLOAD_URL") or DEFAULT_PLUGIN_DOWNLOAD_URL,
        help="the schema's pluginDownloadURL (default: $PLUGIN_DOWNLOAD_URL, else "
        f"{DEFAULT_PLUGIN_DOWNLOAD_URL}); http(s) URLs may use ${{VERSION}}, ${{OS}}, ${{ARCH}}",
    )
    parser.add_argument("--pulumi", type=Path, default=Path(sys.executable).parent / "pulumi")
    parser.add_argument("--no-sdks", action="store_true", help="wheel, archives and schema only")
    args = parser.parse_args(argv)
    try:
        make_dist(args.out, args.plugin_download_url, args.pulumi, sdks=not args.no_sdks)
    except DistError as error:
        print(f"dist: {error}", file=sys.stderr)
        return 1
    for path in sorted(args.out.iterdir()):
        print(path)
    print(f"dist: pulumi-builds {project_version()} (CLI {PULUMI_VERSION})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
