"""The SDKs of `make dist` (engine/dist.py), generated from the released schema (the one with
`pluginDownloadURL`) by Pulumi's own generators through `pulumi package gen-sdk`, and packaged
the way Pulumi's providers publish theirs:

- Node.js: compiled with the pinned TypeScript toolchain (engine/sdk_compile.py) into the
  generated `bin/`, then `npm pack`ed with the package.json (whose `pulumi` section names the
  plugin, its version and `server`);
- Go: the module directory, copied to `dist/sdk/go`;
- Python: a wheel of the generated package (its `pulumi-plugin.json` names the `server`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from pulumi_builds.engine.dist import DistError, run
from pulumi_builds.engine.sdk_compile import ToolchainError, node_toolchain


def gen_sdk(pulumi: Path, schema: Path, language: str, out: Path) -> Path:
    """`pulumi package gen-sdk` (release mode, not --local); the language's directory."""
    command = [str(pulumi), "package", "gen-sdk", str(schema), "--language", language]
    done = subprocess.run(
        [*command, "--out", str(out)],
        capture_output=True,
        text=True,
        env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"},
        check=False,
    )
    if done.returncode != 0:
        raise DistError(
            f"`{' '.join(command)}` exited with {done.returncode}: "
            f"{(done.stderr or done.stdout).strip()}"
        )
    return out / language


def pack_nodejs(sdk: Path, out: Path) -> Path:
    """Compile the Node.js SDK into its bin/ and `npm pack` it into `out`; the tarball."""
    try:
        node_modules = node_toolchain()
    except ToolchainError as error:
        raise DistError(f"the Node.js SDK needs the TypeScript toolchain: {error}") from error
    (sdk / "node_modules").symlink_to(node_modules, target_is_directory=True)
    run([str(node_modules / ".bin" / "tsc"), "-p", str(sdk)], sdk, "compiling the Node.js SDK")
    (sdk / "node_modules").unlink()
    package = json.loads((sdk / "package.json").read_text())
    package.pop("scripts", None)  # the build already ran; nothing runs on the user's install
    package.pop("devDependencies", None)
    bin_dir = sdk / "bin"
    (bin_dir / "package.json").write_text(json.dumps(package, indent=4) + "\n")
    for extra in ("README.md", "LICENSE"):
        if (sdk / extra).is_file():
            shutil.copy2(sdk / extra, bin_dir / extra)
    npm = shutil.which("npm")
    if npm is None:
        raise DistError("no `npm` on PATH: install Node.js to pack the Node.js SDK")
    packed = run(
        [npm, "pack", str(bin_dir), "--pack-destination", str(out), "--ignore-scripts", "--json"],
        sdk,
        "packing the Node.js SDK",
    )
    return out / str(json.loads(packed)[0]["filename"])


def build_python(sdk: Path, out: Path) -> Path:
    """A wheel of the generated Python SDK into `out`."""
    with tempfile.TemporaryDirectory(prefix="dist-python-sdk-") as tmp:
        run(
            [sys.executable, "-m", "build", "--wheel", "--outdir", tmp, str(sdk)],
            sdk,
            "building the Python SDK's wheel",
        )
        (built,) = Path(tmp).glob("*.whl")
        target = out / built.name
        shutil.move(built, target)
    return target


def write_sdks(out: Path, schema: Path, pulumi: Path) -> list[Path]:
    """The Node.js tarball, the Go module directory and the Python SDK wheel, into `out`."""
    with tempfile.TemporaryDirectory(prefix="dist-sdks-") as tmp:
        work = Path(tmp)
        tarball = pack_nodejs(gen_sdk(pulumi, schema, "nodejs", work), out)
        go_module = out / "sdk" / "go"
        shutil.copytree(gen_sdk(pulumi, schema, "go", work), go_module)
        python_wheel = build_python(gen_sdk(pulumi, schema, "python", work), out)
    return [tarball, go_module, python_wheel]
