"""`builds-codegen diff [OLD] [NEW] [--rev REV] [--format text|json] [--fail-on LEVEL]`.

Each side is a service document file, a directory (a checkout holding `schemas/`, or a
`schemas/` directory itself), or a git revision. With no OLD, the working tree is compared with
`--rev` (default HEAD); with OLD only, OLD is compared with the working tree.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi_builds.codegen import gitrev
from pulumi_builds.codegen.changes.documents import diff_documents, diff_services
from pulumi_builds.codegen.changes.model import Change, sorted_changes
from pulumi_builds.codegen.changes.render import (
    FAIL_ON,
    exit_code,
    render_json,
    render_text,
    report,
)
from pulumi_builds.codegen.changes.surfaces import diff_surfaces
from pulumi_builds.codegen.errors import CodegenError
from pulumi_builds.codegen.surface import python_sources


@dataclass
class Side:
    """One version of the services: documents by service id, and the generated Python sources
    when this version has them (a lone document file has none)."""

    label: str
    documents: dict[str, dict[str, Any]]
    python: dict[str, str] | None
    partial: bool = False  # a single document file, not a whole set of services


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="builds-codegen diff",
        description="Classify the changes between two versions of the service documents "
        "(and of the generated Python surface): breaking, warning or info.",
    )
    p.add_argument(
        "old",
        nargs="?",
        metavar="OLD",
        help="service document, directory or git revision (default: --rev)",
    )
    p.add_argument(
        "new",
        nargs="?",
        metavar="NEW",
        help="service document, directory or git revision (default: working tree)",
    )
    p.add_argument(
        "--rev", default=None, help="git revision to compare the working tree with (default HEAD)"
    )
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default=None,
        help="exit 1 when a change at this level or worse is found",
    )
    return p


def run_diff(argv: list[str], root: Path) -> int:
    args = parser().parse_args(argv)
    try:
        if args.rev is not None and args.old is not None:
            raise CodegenError("--rev: give either --rev or OLD, not both")
        old = load_side(args.old or args.rev or "HEAD", root)
        new = load_side(args.new, root) if args.new else working_tree(root)
        changes = compare(old, new)
    except CodegenError as exc:
        print(f"builds-codegen diff: error: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        sys.stdout.write(render_json(changes))
    elif sys.stdout.isatty():
        from rich.console import Console

        Console(soft_wrap=True, highlight=False).print(report(changes))
    else:
        sys.stdout.write(render_text(changes))
    return exit_code(changes, args.fail_on)


def compare(old: Side, new: Side) -> list[Change]:
    """The documents' changes, plus the Python surface's when both sides have generated code.
    A lone document file speaks for its own service only: the other side's other services are
    left out rather than reported as added or removed."""
    old_docs, new_docs = old.documents, new.documents
    if old.partial and new.partial:
        (old_doc,), (new_doc,) = old_docs.values(), new_docs.values()
        return diff_documents(old_doc, new_doc)  # names both ids if they differ
    if old.partial:
        new_docs = {k: v for k, v in new_docs.items() if k in old_docs}
    if new.partial:
        old_docs = {k: v for k, v in old_docs.items() if k in new_docs}
    changes = diff_services(old_docs, new_docs)
    if old.python is not None and new.python is not None:
        changes += diff_surfaces(old.python, new.python)
    return sorted_changes(changes)


def working_tree(root: Path) -> Side:
    return Side("working tree", documents_in(root / "schemas"), python_sources(root))


def load_side(spec: str, root: Path) -> Side:
    path = Path(spec)
    if path.is_file():
        document = read_document(spec, path.read_text(encoding="utf-8"))
        return Side(spec, {_service_of(document, path.name): document}, None, partial=True)
    if path.is_dir():
        if (path / "schemas").is_dir():
            return Side(spec, documents_in(path / "schemas"), python_sources(path))
        return Side(spec, documents_in(path), None)
    if gitrev.resolve(root, spec) is None:
        raise CodegenError(f"{spec!r}: not a file, a directory or a git revision")
    texts = gitrev.files_at(root, spec, "schemas", ".json")
    documents: dict[str, dict[str, Any]] = {}
    for name, text in sorted(texts.items()):
        if Path(name).parent.as_posix() == "schemas" and _is_service_document(text):
            document = read_document(f"{spec}:{name}", text)
            documents[_service_of(document, name)] = document
    return Side(spec, documents, gitrev.files_at(root, spec, "generated", ".py"))


def documents_in(directory: Path) -> dict[str, dict[str, Any]]:
    """The service documents among the `*.json` files directly in `directory` (other JSON
    there, such as schemas/mapping.json or the manifest, is not a service document)."""
    documents: dict[str, dict[str, Any]] = {}
    for path in sorted(directory.glob("*.json")):
        text = path.read_text(encoding="utf-8")
        if _is_service_document(text):
            document = read_document(str(path), text)
            documents[_service_of(document, path.name)] = document
    return documents


def _is_service_document(text: str) -> bool:
    """Recognised by its format marker near the top (docs/schema-format.md), like the
    generator recognises the files it owns; a broken document still counts, to be reported."""
    return '"x-format": "pulumi-builds/service/' in text[:400]


def read_document(name: str, text: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CodegenError(
            f"{name}:{exc.lineno}:{exc.colno}: expected a JSON service document ({exc.msg})"
        ) from exc
    if not isinstance(document, dict) or not isinstance(document.get("operations"), dict):
        raise CodegenError(f"{name}: expected a service document with an 'operations' object")
    return document


def _service_of(document: dict[str, Any], name: str) -> str:
    service = document.get("service")
    sid = service.get("id") if isinstance(service, dict) else None
    return sid if isinstance(sid, str) and sid else Path(name).stem
