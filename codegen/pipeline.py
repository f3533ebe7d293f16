"""pages -> service documents -> generated code, as pure functions returning {path: bytes}.

Paths are relative to the repository root and use '/'. Nothing here writes files; the CLI (and
later incremental regeneration) decides what to do with the bytes. Everything is deterministic:
the same pages and the same pinned generator versions give the same bytes on every machine.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi_builds.codegen import ir, normalize, readers
from pulumi_builds.codegen.emit import package, pulumi_schema, service_files
from pulumi_builds.codegen.mapping import MappingFile, parse_mapping

PAGES_DIR = "schemas/pages"
MAPPING_FILE = "schemas/mapping.json"


@dataclass(frozen=True)
class Page:
    """One API reference page: `source` is its path relative to schemas/ ('pages/<svc>/<f>')."""

    source: str
    text: str


def find_root(start: Path | None = None) -> Path:
    """The repository root: the nearest directory above `start` (default: cwd, then this
    package) holding pyproject.toml and schemas/."""
    candidates = [start or Path.cwd(), Path(__file__).resolve().parent]
    for candidate in candidates:
        for directory in (candidate.resolve(), *candidate.resolve().parents):
            if (directory / "pyproject.toml").is_file() and (directory / "schemas").is_dir():
                return directory
    return Path(__file__).resolve().parent.parent


def service_ids(root: Path) -> list[str]:
    """Services with pages: the directories of schemas/pages/, sorted."""
    pages = root / PAGES_DIR
    if not pages.is_dir():
        return []
    return sorted(p.name for p in pages.iterdir() if p.is_dir() and any(_page_files(p)))


def _page_files(directory: Path) -> Iterable[Path]:
    return sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith("."))


def read_pages(root: Path, service_id: str) -> list[Page]:
    directory = root / PAGES_DIR / service_id
    return [
        Page(f"pages/{service_id}/{p.name}", p.read_text(encoding="utf-8"))
        for p in _page_files(directory)
    ]


def build_document(service_id: str, pages: Sequence[Page]) -> dict[str, Any]:
    """The service document of one service from its pages (readers + normalizer)."""
    drafts = [(page.source, readers.read_page(page.text, page.source)) for page in pages]
    return normalize.normalize(service_id, drafts)


def load_mapping(root: Path) -> MappingFile | None:
    """schemas/mapping.json, parsed and validated once (None when the repository has none)."""
    path = root / MAPPING_FILE
    if not path.is_file():
        return None
    return parse_mapping(json.loads(path.read_text(encoding="utf-8")))


def render_service(
    doc: Mapping[str, Any], mapping: MappingFile | None = None, root: Path | None = None
) -> dict[str, bytes]:
    """Every file generated for one service document: schemas/<svc>.json and generated/<svc>/.

    Pure apart from running the pinned formatter; `root` only locates the ruff configuration.
    """
    service_id = doc["service"]["id"]
    files = {f"schemas/{service_id}.json": ir.dumps(doc).encode("utf-8")}
    files.update(service_files.render_service_files(doc, mapping, root or find_root()))
    return files


def render_shared(root: Path | None = None) -> dict[str, bytes]:
    """Files of the generated/ package that do not belong to one service."""
    root = root or find_root()
    return package.render_package(root, load_mapping(root))


def render_package_schema(
    docs: Sequence[Mapping[str, Any]], mapping: MappingFile | None
) -> dict[str, bytes]:
    """generated/schema.json, the Pulumi package schema of the native provider (all services)."""
    return pulumi_schema.render_pulumi_schema(docs, mapping)


def render_all(root: Path) -> dict[str, bytes]:
    """Everything `builds-codegen generate` writes, from the pages under `root`."""
    mapping = load_mapping(root)
    files = render_shared(root)
    docs = []
    for service_id in service_ids(root):
        doc = build_document(service_id, read_pages(root, service_id))
        docs.append(doc)
        files.update(render_service(doc, mapping, root))
    files.update(render_package_schema(docs, mapping))
    return dict(sorted(files.items()))


def owned_files(root: Path) -> list[str]:
    """Files on disk that generation manages (and may remove when it no longer writes them):
    everything under generated/ (caches aside) and schemas/*.json service documents."""
    owned = []
    generated = root / "generated"
    if generated.is_dir():
        for path in generated.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                owned.append(path.relative_to(root).as_posix())
    schemas = root / "schemas"
    if schemas.is_dir():
        for path in schemas.glob("*.json"):
            if _is_service_document(path):
                owned.append(path.relative_to(root).as_posix())
    return sorted(owned)


def _is_service_document(path: Path) -> bool:
    try:
        head = path.read_text(encoding="utf-8")[:400]
    except (OSError, UnicodeDecodeError):
        return False
    return f'"x-format": "{ir.FORMAT.rsplit("/", 1)[0]}/' in head
