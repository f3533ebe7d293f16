"""Read files as they were at a git revision, without touching the working tree or the index."""

from __future__ import annotations

import subprocess
from pathlib import Path, PurePosixPath

from pulumi_builds.codegen.errors import CodegenError


def _git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        result = subprocess.run(
            ["git", "-C", str(root), *args], input=stdin, capture_output=True, check=False
        )
    except FileNotFoundError as exc:
        raise CodegenError("git: command not found; reading a revision needs git") from exc
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip()
        raise CodegenError(f"git {' '.join(args)}: {message}")
    return result.stdout


def resolve(root: Path, rev: str) -> str | None:
    """The commit id `rev` names in the repository holding `root`, or None if it names none."""
    if rev.startswith("-"):
        return None  # never let a revision be read as an option
    try:
        out = _git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    except CodegenError:
        return None
    return out.decode().strip() or None


def _prefix(root: Path) -> PurePosixPath:
    """`root` relative to the repository's top level (paths in a tree are from the top)."""
    top = Path(_git(root, "rev-parse", "--show-toplevel").decode().strip())
    return PurePosixPath(root.resolve().relative_to(top.resolve()).as_posix())


def files_at(root: Path, rev: str, under: str, suffix: str) -> dict[str, str]:
    """`{path relative to root: text}` of the files under `root/under` ending in `suffix`, as
    they are at `rev`. One `git cat-file --batch` for all of them, so it stays fast."""
    commit = resolve(root, rev)
    if commit is None:
        raise CodegenError(f"revision {rev!r}: not a commit in the repository at {root}")
    prefix = _prefix(root)
    top_under = (prefix / under).as_posix()
    pathspec = ":/" if top_under == "." else f":/{top_under}"
    listing = _git(
        root, "ls-tree", "-r", "--full-name", "--name-only", "-z", commit, "--", pathspec
    )
    names = sorted(n for n in listing.decode("utf-8").split("\0") if n and n.endswith(suffix))
    if not names:
        return {}
    batch = "".join(f"{commit}:{name}\n" for name in names).encode("utf-8")
    out = _git(root, "cat-file", "--batch", stdin=batch)
    files: dict[str, str] = {}
    position = 0
    for name in names:
        header_end = out.index(b"\n", position)
        header = out[position:header_end].split()
        size = int(header[2])
        body = out[header_end + 1 : header_end + 1 + size]
        position = header_end + 1 + size + 1  # the body is followed by a newline
        relative = PurePosixPath(name).relative_to(prefix) if str(prefix) != "." else name
        files[str(relative)] = body.decode("utf-8")
    return files


def read_at(root: Path, rev: str, path: str) -> str | None:
    """The text of `root/path` at `rev`, or None when the file did not exist there."""
    parent = str(PurePosixPath(path).parent)
    return files_at(root, rev, parent, "").get(str(PurePosixPath(path)))
