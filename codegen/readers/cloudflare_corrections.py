"""Applies codegen/corrections/cloudflare_*.json: facts the Cloudflare markdown does not print.

The tables are data only; this module knows how to match and apply their rules, nothing about
particular operations or fields.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

Schema = dict[str, Any]
_TABLES = Path(__file__).resolve().parent.parent / "corrections"


@cache
def _table(name: str) -> Any:
    return json.loads((_TABLES / name).read_text(encoding="utf-8"))


def operation_name(heading: str) -> str:
    """PascalCase of the heading; all-capitals words are acronyms (IDs -> Ids, UUID -> Uuid)."""
    words = re.findall(r"[A-Za-z0-9]+", heading)
    parts = []
    for word in words:
        if re.fullmatch(r"[A-Z0-9]{2,}s?", word):
            parts.append(word[0] + word[1:].lower())
        else:
            parts.append(word[0].upper() + word[1:])
    name = "".join(parts)
    renames: dict[str, str] = _table("cloudflare_operations.json")["renames"]
    return renames.get(name, name)


def errors_for(path: str) -> list[dict[str, Any]]:
    table = _table("cloudflare_operations.json")
    scope = set(table["scope_path_parameters"])
    names_resource = any(p not in scope for p in re.findall(r"\{([^}]+)\}", path))
    errors = []
    for entry in table["errors"]:
        if entry.get("only_with_resource_path") and not names_resource:
            continue
        errors.append({k: v for k, v in entry.items() if k != "only_with_resource_path"})
    return errors


def apply_rules(schema: Schema, root: str, operation: str) -> Schema:
    """A copy of `schema` (rooted at `request` or `response`) with the matching rules applied."""
    result = copy.deepcopy(schema)
    rules = [
        r
        for r in _table("cloudflare_types.json")["rules"]
        if r["match"].get("operation", operation) == operation
    ]
    _walk(result, root, None, rules)
    return result


def _walk(schema: Schema, path: str, name: str | None, rules: list[dict[str, Any]]) -> None:
    for key, child in schema.get("properties", {}).items():
        _walk(child, f"{path}.{key}", key, rules)
    if isinstance(schema.get("items"), dict):
        _walk(schema["items"], f"{path}[]", None, rules)
    if isinstance(schema.get("additionalProperties"), dict):
        _walk(schema["additionalProperties"], path + "{}", None, rules)
    for variant in schema.get("anyOf", []):
        _walk(variant, path, name, rules)
    if path in ("request", "response"):
        return
    for rule in rules:
        if _matches(rule["match"], schema, path, name):
            _apply(schema, rule)


def _matches(match: dict[str, Any], schema: Schema, path: str, name: str | None) -> bool:
    if "path" in match and not fnmatch.fnmatchcase(path, match["path"]):
        return False
    if "name_suffix" in match and (name is None or not name.endswith(match["name_suffix"])):
        return False
    return "type" not in match or match["type"] in _types(schema)


def _apply(schema: Schema, rule: dict[str, Any]) -> None:
    for key, value in rule.get("set", {}).items():
        if key == "type":
            schema["type"] = [value, "null"] if "null" in _types(schema) else value
        else:
            schema[key] = value
    if rule.get("nullable") and "null" not in _types(schema) and "anyOf" not in schema:
        kind = schema.get("type")
        if isinstance(kind, str):
            schema["type"] = [kind, "null"]
        elif isinstance(kind, list):
            schema["type"] = [*kind, "null"]
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]


def _types(schema: Schema) -> list[str]:
    kind = schema.get("type")
    return kind if isinstance(kind, list) else [kind] if isinstance(kind, str) else []
