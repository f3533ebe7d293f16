"""`builds-codegen`: generate, check, diff and parse (docs/design.md, "Command line").

  builds-codegen generate          pages -> schemas/*.json -> generated/, only the services whose
                                   inputs changed (schemas/.manifest.json), then the change report
  builds-codegen check             exit 1 with a unified diff when the tree is not up to date
  builds-codegen diff [OLD] [NEW]  classify changes between two versions (docs/regenerate.md)
  builds-codegen parse PAGE...     print the service document of pages from anywhere on disk
  builds-codegen sdk --language nodejs|go --out DIR
                                   the TypeScript or Go SDK of generated/schema.json in DIR/<lang>

`--root` points at the repository (default: found from the current directory, then from the
installed package), so tests can run the command on a copy of the repository.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import shutil
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from pulumi_builds.codegen import ir, manifest, normalize, pipeline, readers, sdk
from pulumi_builds.codegen.changes import changes_for_write, render_text, run_diff
from pulumi_builds.codegen.errors import CodegenError


def _root(value: str | None) -> Path:
    return Path(value).resolve() if value else pipeline.find_root()


def _disk(root: Path, paths: Sequence[str]) -> dict[str, bytes]:
    return {path: (root / path).read_bytes() for path in paths if (root / path).is_file()}


@dataclass(frozen=True)
class Work:
    """What generate or check has to look at: the manifest before, the plan, the files the
    stale units render (`outputs` by unit, `wanted` flat) and the files on disk they replace."""

    before: manifest.Manifest | None
    todo: manifest.Plan
    orphans: tuple[str, ...]  # generated-looking files no unit of the manifest accounts for
    outputs: dict[str, dict[str, bytes]]
    wanted: dict[str, bytes]
    on_disk: dict[str, bytes]

    @property
    def up_to_date(self) -> bool:
        return self.todo.up_to_date and not self.orphans


def _orphans(root: Path, before: manifest.Manifest | None, todo: manifest.Plan) -> list[str]:
    """Files generation owns (everything under generated/, schemas/*.json service documents)
    that no fresh unit recorded: a stray module in a new directory, the document of a service
    whose pages are gone. Stale units are re-rendered anyway and settle their own files."""
    recorded: set[str] = set()
    if before is not None:
        for unit in todo.fresh:
            recorded |= set(before.units[unit].outputs)
    fresh_dirs = tuple(f"generated/{unit}/" for unit in todo.fresh if unit != manifest.PACKAGE)
    stale_owned: set[str] = set()
    for unit in (*todo.stale, *todo.removed):
        stale_owned |= manifest.owned_files(root, unit)
    return [
        path
        for path in pipeline.owned_files(root)
        if path not in recorded and path not in stale_owned and not path.startswith(fresh_dirs)
    ]


def render_units(root: Path, units: Sequence[str]) -> dict[str, dict[str, bytes]]:
    """`{unit: {path: bytes}}` for the given units (services, or manifest.PACKAGE)."""
    mapping = pipeline.load_mapping(root)
    outputs: dict[str, dict[str, bytes]] = {}
    docs: dict[str, dict[str, Any]] = {}

    def document(service: str) -> dict[str, Any]:
        if service not in docs:
            docs[service] = pipeline.build_document(service, pipeline.read_pages(root, service))
        return docs[service]

    def fresh_document(service: str) -> dict[str, Any]:
        # A service not rendered in this run is fresh: its document on disk is the one its
        # pages give (the manifest checked its hash), so the package schema reads it there.
        if service in docs or service in units:
            return document(service)
        return json.loads((root / "schemas" / f"{service}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]

    # The package schema last: it reuses the documents of the services rendered before it.
    for unit in sorted(units, key=lambda u: u == manifest.PULUMI_SCHEMA):
        if unit == manifest.PACKAGE:
            outputs[unit] = pipeline.render_shared(root)
        elif unit == manifest.PULUMI_SCHEMA:
            all_docs = [fresh_document(s) for s in pipeline.service_ids(root)]
            outputs[unit] = pipeline.render_package_schema(all_docs, mapping)
        else:
            outputs[unit] = pipeline.render_service(document(unit), mapping, root)
    return outputs


def plan(root: Path) -> Work:
    """Render only what the manifest (schemas/.manifest.json) says is stale, and read from disk
    the files those units own or produced last time, plus orphans."""
    before = manifest.load(root)
    todo = manifest.plan(root, before)
    orphans = _orphans(root, before, todo)
    if todo.up_to_date and not orphans:
        return Work(before, todo, (), {}, {}, {})
    outputs = render_units(root, todo.stale)
    wanted = dict(
        sorted((path, data) for files in outputs.values() for path, data in files.items())
    )
    owned: set[str] = set(orphans)
    for unit in (*todo.stale, *todo.removed):
        owned |= manifest.owned_files(root, unit)
        if before is not None and unit in before.units:
            owned |= set(before.units[unit].outputs)
    on_disk = _disk(root, sorted(owned | set(wanted)))
    return Work(before, todo, tuple(orphans), outputs, wanted, on_disk)


def _remove_empty_parents(root: Path, path: str) -> None:
    """A removed service leaves no empty directory behind under generated/ (bytecode caches
    of the removed modules go with it)."""
    directory = (root / path).parent
    generated = root / "generated"
    while directory != generated and generated in directory.parents:
        leftovers = [p for p in directory.iterdir() if p.name != "__pycache__"]
        if leftovers:
            return
        shutil.rmtree(directory)
        directory = directory.parent


def _why(work: Work) -> str:
    reasons = [f"{unit} ({work.todo.reasons[unit]})" for unit in work.todo.stale]
    reasons += [f"{unit} (its pages are gone)" for unit in work.todo.removed]
    if work.orphans:
        reasons.append(f"{len(work.orphans)} stray file(s), e.g. {work.orphans[0]}")
    return "; ".join(reasons)


def generate(root: Path, out: TextIO) -> int:
    started = time.perf_counter()
    work = plan(root)
    services = manifest.service_ids(root)
    if work.up_to_date:
        out.write(
            f"builds-codegen generate: up to date, nothing written ({len(services)} "
            f"services; {time.perf_counter() - started:.2f} s)\n"
        )
        return 0
    wanted, on_disk = work.wanted, work.on_disk
    written = [path for path, data in wanted.items() if on_disk.get(path) != data]
    removed = sorted(set(on_disk) - set(wanted))
    # Before writing: the report compares the files on disk with what replaces them.
    report = changes_for_write(root, {path: wanted[path] for path in written}, removed)
    for path in written:
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(wanted[path])
    for path in removed:
        (root / path).unlink()
        _remove_empty_parents(root, path)
    manifest.save(root, manifest.updated(root, work.before, work.todo, work.outputs))
    elapsed = time.perf_counter() - started
    out.write(f"builds-codegen generate: regenerated {_why(work)}\n")
    out.write(
        f"  {len(wanted)} files rendered: {len(written)} written, {len(removed)} removed, "
        f"{len(wanted) - len(written)} unchanged ({elapsed:.2f} s)\n"
    )
    for path in written:
        out.write(f"  {'new' if path not in on_disk else 'updated'} {path}\n")
    for path in removed:
        out.write(f"  removed {path}\n")
    if written or removed:
        out.write("Changes:\n")
        out.write(render_text(report))
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
        lines.extend(
            difflib.unified_diff(
                old,
                new,
                fromfile=f"a/{path}" if before is not None else "/dev/null",
                tofile=f"b/{path}" if after is not None else "/dev/null",
            )
        )
    return lines


def _text(data: bytes | None) -> list[str]:
    if data is None:
        return []
    text = data.decode("utf-8", errors="replace")
    return [
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
        for line in text.splitlines(keepends=True)
    ]


def check(root: Path, out: TextIO) -> int:
    started = time.perf_counter()
    work = plan(root)
    if work.up_to_date:
        out.write(
            f"builds-codegen check: up to date ({len(work.todo.fresh)} units match "
            f"{manifest.MANIFEST_PATH}; {time.perf_counter() - started:.2f} s)\n"
        )
        return 0
    wanted, on_disk = work.wanted, work.on_disk
    lines = diff(wanted, on_disk)
    elapsed = time.perf_counter() - started
    if lines:
        out.writelines(lines)
        stale = sorted(p for p in set(wanted) | set(on_disk) if wanted.get(p) != on_disk.get(p))
        noun = "file" if len(stale) == 1 else "files"
        out.write(
            f"builds-codegen check: {len(stale)} {noun} out of date "
            f"({elapsed:.2f} s); run `builds-codegen generate`\n"
        )
        return 1
    # The files are right; only the manifest (a cache of hashes) is behind, e.g. after a change
    # to the generator that does not change its output. Not a failure: check is just slower.
    out.write(
        f"builds-codegen check: {len(wanted)} files up to date, re-rendered because "
        f"{_why(work)} ({elapsed:.2f} s); `builds-codegen generate` refreshes "
        f"{manifest.MANIFEST_PATH}\n"
    )
    return 0


def _documented(root: Path) -> dict[str, set[str]]:
    """Per service, the operations and data types its service document (schemas/<id>.json)
    already holds: a page of one of them belongs to that service."""
    known: dict[str, set[str]] = {}
    for service_id in normalize.services():
        path = root / "schemas" / f"{service_id}.json"
        if not path.is_file():
            continue
        doc = json.loads(path.read_text(encoding="utf-8"))
        names = set(doc.get("operations", {}))
        names |= {Path(source).stem.removeprefix("API_") for source in doc.get("sources", [])}
        known[service_id] = names
    return known


def _aws_links(text: str) -> set[str]:
    """Endpoint prefixes AWS pages name in their links ('.../goto/boto3/codebuild-2016-10-06/X',
    'source_url: .../codebuild/latest/APIReference/...')."""
    found = set(re.findall(r"/goto/[^/\s]+/([a-z0-9-]+?)-\d{4}-\d{2}-\d{2}/", text))
    found |= set(re.findall(r"amazon[a-z.]*/([A-Za-z0-9-]+)/latest/APIReference/", text))
    return {prefix.lower() for prefix in found}


def guess_service(
    paths: Sequence[Path],
    texts: Sequence[str],
    drafts: Sequence[Mapping[str, object]],
    root: Path | None = None,
) -> str:
    """The service of pages parsed from outside the repository, from their content: the AWS
    target of the operations, else the directory name, else the service whose document already
    holds the page's operation (or data type), else the service an AWS page's links name, else
    the only service of the dialect, else the only service of the dialect whose title the page
    mentions."""
    services = normalize.services()
    by_prefix = {
        facts["aws"]["targetPrefix"]: sid for sid, facts in services.items() if "aws" in facts
    }
    by_endpoint = {
        facts["aws"]["endpointPrefix"]: sid for sid, facts in services.items() if "aws" in facts
    }
    documented = _documented(root or pipeline.find_root())
    found: set[str] = set()
    for path, text, draft in zip(paths, texts, drafts, strict=True):
        operations = draft.get("operations", {})
        shapes = draft.get("shapes", {})
        assert isinstance(operations, Mapping) and isinstance(shapes, Mapping)
        targets = {str(op.get("awsTarget", "")).split(".")[0] for op in operations.values()}
        by_target = {by_prefix[t] for t in targets if t in by_prefix}
        by_dialect = {
            sid for sid, facts in services.items() if facts.get("dialect") == draft.get("dialect")
        }
        names = set(operations) | set(shapes)
        by_name = {sid for sid in by_dialect if names & documented.get(sid, set())}
        linked = {by_endpoint[p] for p in _aws_links(text) if p in by_endpoint} & by_dialect
        if len(by_target) == 1:
            found |= by_target
        elif path.parent.name in services:
            found.add(path.parent.name)
        elif len(by_name) == 1:
            found |= by_name
        elif len(linked) == 1:
            found |= linked
        elif len(by_dialect) == 1:
            found |= by_dialect
        elif len(named := {s for s in by_dialect if services[s]["title"] in text}) == 1:
            found |= named
        else:
            raise CodegenError(
                f"{path}: cannot tell which service this page belongs to "
                f"(one of {', '.join(sorted(by_dialect))}); use --service"
            )
    if len(found) != 1:
        raise CodegenError(
            f"the pages belong to several services ({', '.join(sorted(found))}); "
            "parse them separately or use --service"
        )
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
    parser = argparse.ArgumentParser(
        prog="builds-codegen",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--root",
        help="repository root (default: found from the current directory or the installed package)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("generate", help="regenerate schemas/*.json and generated/ from pages")
    commands.add_parser("check", help="exit 1 with a diff when schemas/ or generated/ is stale")
    # Its own parser (pulumi_builds.codegen.changes.command) reads the rest of the command line.
    commands.add_parser(
        "diff",
        add_help=False,
        help="classify the changes between two versions (breaking / warning / "
        "info); `builds-codegen diff --help` for its options",
    )
    parse_command = commands.add_parser("parse", help="print the service document of pages")
    parse_command.add_argument("pages", nargs="+", metavar="PAGE")
    parse_command.add_argument(
        "--service",
        choices=sorted(normalize.services()),
        help="the service the pages document (default: from content)",
    )
    sdk_command = commands.add_parser(
        "sdk", help="generate the TypeScript or Go SDK of the package schema (not committed)"
    )
    sdk_command.add_argument("--language", required=True, choices=sdk.LANGUAGES)
    sdk_command.add_argument(
        "--out", required=True, type=Path, help="the SDK is written to OUT/<language>"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if args.command == "diff":
        return run_diff(rest, _root(args.root))
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    try:
        if args.command == "parse":
            return parse(args.pages, args.service, sys.stdout)
        root = _root(args.root)
        if args.command == "sdk":
            written = sdk.generate_sdk(root, args.language, args.out)
            print(f"{args.language} SDK of {root / sdk.SCHEMA} written to {written}")
            return 0
        if args.command == "generate":
            return generate(root, sys.stdout)
        return check(root, sys.stdout)
    except CodegenError as exc:
        print(f"builds-codegen: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
