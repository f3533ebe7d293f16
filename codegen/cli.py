"""`builds-codegen`: generate, check and parse (docs/design.md, "Command line").

  builds-codegen generate          pages -> schemas/*.json -> generated/, then what changed
  builds-codegen check             exit 1 with a unified diff when the tree is not up to date
  builds-codegen parse PAGE...     print the service document of pages from anywhere on disk

`--root` points at the repository (default: found from the current directory, then from the
installed package), so tests can run the command on a copy of the repository.
"""
from __future__ import annotations

import argparse
import difflib
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from codegen import ir, normalize, pipeline, readers
from codegen.errors import CodegenError


def _root(value: str | None) -> Path:
    return Path(value).resolve() if value else pipeline.find_root()


def _disk(root: Path, paths: Sequence[str]) -> dict[str, bytes]:
    return {path: (root / path).read_bytes() for path in paths if (root / path).is_file()}


def plan(root: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """(what generate would write, what is on disk now for those and for owned files)."""
    wanted = pipeline.render_all(root)
    on_disk = _disk(root, sorted(set(wanted) | set(pipeline.owned_files(root))))
    return wanted, on_disk


def generate(root: Path, out: TextIO) -> int:
    started = time.perf_counter()
    wanted, on_disk = plan(root)
    written = [path for path, data in wanted.items() if on_disk.get(path) != data]
    removed = sorted(set(on_disk) - set(wanted))
    for path in written:
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(wanted[path])
    for path in removed:
        (root / path).unlink()
    services = pipeline.service_ids(root)
    elapsed = time.perf_counter() - started
    out.write(f"builds-codegen generate: {len(services)} services ({', '.join(services)}), "
              f"{len(wanted)} files: {len(written)} written, {len(removed)} removed, "
              f"{len(wanted) - len(written)} unchanged ({elapsed:.2f} s)\n")
    for path in written:
        out.write(f"  {'new' if path not in on_disk else 'updated'} {path}\n")
    for path in removed:
        out.write(f"  removed {path}\n")
    return 0


def diff(wanted: Mapping[str, bytes], on_disk: Mapping[str, bytes]) -> list[str]:
    """Unified diffs (disk -> generated) of every file that differs, missing or extra."""
    lines: list[str] = []
    for path in sorted(set(wanted) | set(on_disk)):
        before, after = on_disk.get(path), wanted.get(path)
        if before == after:
            continue
        old = _text(before)
        new = _text(after)
        lines.extend(difflib.unified_diff(
            old, new, fromfile=f"a/{path}" if before is not None else "/dev/null",
            tofile=f"b/{path}" if after is not None else "/dev/null"))
    return lines


def _text(data: bytes | None) -> list[str]:
    if data is None:
        return []
    text = data.decode("utf-8", errors="replace")
    return [line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
            for line in text.splitlines(keepends=True)]


def check(root: Path, out: TextIO) -> int:
    started = time.perf_counter()
    wanted, on_disk = plan(root)
    lines = diff(wanted, on_disk)
    elapsed = time.perf_counter() - started
    if lines:
        out.writelines(lines)
        stale = sorted(p for p in set(wanted) | set(on_disk) if wanted.get(p) != on_disk.get(p))
        out.write(f"builds-codegen check: {len(stale)} files out of date "
                  f"({elapsed:.2f} s); run `builds-codegen generate`\n")
        return 1
    out.write(f"builds-codegen check: {len(wanted)} files up to date ({elapsed:.2f} s)\n")
    return 0


def guess_service(paths: Sequence[Path], texts: Sequence[str],
                  drafts: Sequence[Mapping[str, object]]) -> str:
    """The service of pages parsed from outside the repository, from their content: the AWS
    target of the operations, else the directory name, else the only service of the dialect,
    else the only service of the dialect whose title the page mentions."""
    services = normalize.services()
    by_prefix = {facts["aws"]["targetPrefix"]: sid for sid, facts in services.items()
                 if "aws" in facts}
    found: set[str] = set()
    for path, text, draft in zip(paths, texts, drafts, strict=True):
        operations = draft["operations"]
        assert isinstance(operations, Mapping)
        targets = {str(op.get("awsTarget", "")).split(".")[0] for op in operations.values()}
        by_target = {by_prefix[t] for t in targets if t in by_prefix}
        by_dialect = {sid for sid, facts in services.items()
                      if facts.get("dialect") == draft.get("dialect")}
        if len(by_target) == 1:
            found |= by_target
        elif path.parent.name in services:
            found.add(path.parent.name)
        elif len(by_dialect) == 1:
            found |= by_dialect
        elif len(named := {s for s in by_dialect if services[s]["title"] in text}) == 1:
            found |= named
        else:
            raise CodegenError(f"{path}: cannot tell which service this page belongs to "
                               f"(one of {', '.join(sorted(by_dialect))}); use --service")
    if len(found) != 1:
        raise CodegenError(f"the pages belong to several services ({', '.join(sorted(found))}); "
                           "parse them separately or use --service")
    return found.pop()


def parse(paths: Sequence[str], service: str | None, out: TextIO) -> int:
    files = [Path(p) for p in paths]
    texts, drafts = [], []
    for path in files:
        try:
            texts.append(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise CodegenError(f"{path}: cannot read: {exc}") from None
        drafts.append(readers.read_page(texts[-1], str(path)))
    service_id = service or guess_service(files, texts, drafts)
    sources = [f"pages/{service_id}/{path.name}" for path in files]
    if len(set(sources)) != len(sources):
        raise CodegenError("two pages have the same file name; parse them separately")
    doc = normalize.normalize(service_id, list(zip(sources, drafts, strict=True)))
    out.write(ir.dumps(doc))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="builds-codegen", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", help="repository root (default: found from the current "
                        "directory or the installed package)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("generate", help="regenerate schemas/*.json and generated/ from pages")
    commands.add_parser("check", help="exit 1 with a diff when schemas/ or generated/ is stale")
    parse_command = commands.add_parser("parse", help="print the service document of pages")
    parse_command.add_argument("pages", nargs="+", metavar="PAGE")
    parse_command.add_argument("--service", choices=sorted(normalize.services()),
                               help="the service the pages document (default: from content)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "parse":
            return parse(args.pages, args.service, sys.stdout)
        root = _root(args.root)
        if args.command == "generate":
            return generate(root, sys.stdout)
        return check(root, sys.stdout)
    except CodegenError as exc:
        print(f"builds-codegen: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
