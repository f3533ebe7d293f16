"""The change report of a `generate` run: what is on disk now against what is about to be written.

`generate` calls `changes_for_write` before it writes, with the bytes it will write and the
paths it will delete; only those files are compared, so the report covers exactly what this run
changed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from pulumi_builds.codegen.changes.documents import diff_services
from pulumi_builds.codegen.changes.model import Change, sorted_changes
from pulumi_builds.codegen.changes.package_schema import diff_package_schema
from pulumi_builds.codegen.changes.surfaces import diff_surfaces
from pulumi_builds.codegen.manifest import PULUMI_SCHEMA_FILE

_SERVICE_DOCUMENT = '"x-format": "pulumi-builds/service/'


def changes_for_write(
    root: Path, new_files: Mapping[str, bytes], removed: Iterable[str] = ()
) -> list[Change]:
    """Changes from the files on disk to `new_files` (`{path relative to root: bytes}`, the
    files about to be written) with `removed` deleted: service documents (`schemas/*.json`)
    and the Python surface (`generated/**/*.py`)."""
    removed = set(removed)
    paths = sorted(set(new_files) | removed)
    old_docs: dict[str, dict[str, Any]] = {}
    new_docs: dict[str, dict[str, Any]] = {}
    old_py: dict[str, str] = {}
    new_py: dict[str, str] = {}
    package_schemas: list[Any] = [None, None]
    for path in paths:
        before = _read(root / path)
        after = None if path in removed else new_files[path].decode("utf-8")
        parts = PurePosixPath(path).parts
        if path == PULUMI_SCHEMA_FILE:
            package_schemas = [json.loads(t) if t is not None else None for t in (before, after)]
        elif len(parts) == 2 and parts[0] == "schemas" and path.endswith(".json"):
            for text, into in ((before, old_docs), (after, new_docs)):
                if text is not None and _SERVICE_DOCUMENT in text[:400]:
                    document = json.loads(text)
                    into[document["service"]["id"]] = document
        elif parts[0] == "generated" and path.endswith(".py"):
            if before is not None:
                old_py[path] = before
            if after is not None:
                new_py[path] = after
    return sorted_changes(
        diff_services(old_docs, new_docs)
        + diff_surfaces(old_py, new_py)
        + diff_package_schema(*package_schemas)
    )


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.is_file() else None
