"""Apply codegen/corrections/cloudfoundry_*.json: API facts the portal pages do not state."""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

_TABLES = Path(__file__).resolve().parent.parent / "corrections"
_PARAMETER = re.compile(r"^\{.*\}$")


@cache
def table(name: str) -> dict[str, Any]:
    with (_TABLES / f"cloudfoundry_{name}.json").open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = json.load(handle)
    return loaded


def resource_of(path: str) -> str:
    """The resource a path names: its last literal segment (/v3/apps/{guid}/builds -> builds).

    CF actions act on the resource before them and return it:
    /v3/deployments/{guid}/actions/cancel -> deployments.
    """
    literal = [s for s in path.split("/") if s and not _PARAMETER.match(s)]
    if "actions" in literal[:-1]:
        literal = literal[: literal.index("actions")]
    return literal[-1] if literal else ""


def facts(resource: str, scope: str) -> dict[str, dict[str, Any]]:
    """Entries for one scope, the resource's own after (and over) the ones for every resource."""
    resources = table("facts")["resources"]
    merged: dict[str, dict[str, Any]] = {}
    for key in ("*", resource):
        for path, entry in resources.get(key, {}).get(scope, {}).items():
            merged[path] = {**merged.get(path, {}), **entry}
    return merged


def apply(root: dict[str, Any], entries: dict[str, dict[str, Any]]) -> None:
    """Merge each entry into the property its dotted path names under `root`, if present."""
    for dotted, entry in entries.items():
        *parents, name = dotted.split(".")
        node: dict[str, Any] | None = root
        for part in parents:
            parent = _object(node)
            node = parent.get("properties", {}).get(part) if parent else None
        holder = _object(node)
        if holder is None or name not in holder.get("properties", {}):
            continue
        patch(holder, name, entry)


def patch(holder: dict[str, Any], name: str, entry: dict[str, Any]) -> None:
    """Merge one entry into holder.properties[name]."""
    schema = holder["properties"][name]
    for key, value in entry.items():
        if key == "required":
            required = holder.setdefault("required", [])
            if value and name not in required:
                order = list(holder["properties"])
                required.append(name)
                holder["required"] = sorted(required, key=order.index)
        elif key == "nullable":
            kind = schema.get("type")
            if value and isinstance(kind, str):
                schema["type"] = [kind, "null"]
        elif key == "items" and isinstance(schema.get("items"), dict):
            schema["items"].update(copy.deepcopy(value))
        else:
            schema[key] = copy.deepcopy(value)


def _object(schema: dict[str, Any] | None) -> dict[str, Any] | None:
    """The object schema to descend into: itself, or an array's items."""
    if schema is None:
        return None
    if schema.get("type") == "array" or schema.get("type") == ["array", "null"]:
        items = schema.get("items")
        return items if isinstance(items, dict) else None
    return schema
