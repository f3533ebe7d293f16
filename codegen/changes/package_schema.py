"""Changes between two versions of the Pulumi package schema (generated/schema.json), as a user
of the native provider or of an SDK generated from it sees them: a resource, function, property
or config key removed, a property's type changed, a new required input (breaking); new things
(info)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pulumi_builds.codegen.changes.model import Change, Level

SERVICE = "pulumi-schema"


def diff_package_schema(
    old: Mapping[str, Any] | None, new: Mapping[str, Any] | None
) -> list[Change]:
    old, new = old or {}, new or {}
    changes: list[Change] = []

    def add(level: Level, subject: str, location: str, kind: str, message: str) -> None:
        changes.append(Change(level, SERVICE, "schema", subject, location, kind, message))

    for section, what in (("resources", "resource"), ("functions", "function")):
        before, after = old.get(section, {}), new.get(section, {})
        for token in sorted(set(before) - set(after)):
            add("breaking", token, f"/{section}", f"{what}-removed", f"{what} {token} removed")
        for token in sorted(set(after) - set(before)):
            add("info", token, f"/{section}", f"{what}-added", f"{what} {token} added")
        for token in sorted(set(before) & set(after)):
            pairs = (
                ("inputProperties", "requiredInputs", "input")
                if section == "resources"
                else ("inputs", "inputs", "input"),
                ("properties", "required", "output")
                if section == "resources"
                else ("outputs", "outputs", "output"),
            )
            for key, required_key, side in pairs:
                changes_in = _properties(before[token], after[token], key, required_key, section)
                for level, name, kind, message in changes_in:
                    add(
                        level,
                        token,
                        f"/{section}/{token}/{key}/{name}",
                        f"{side}-{kind}",
                        f"{side} `{name}` {message}",
                    )
    config_before = old.get("config", {}).get("variables", {})
    config_after = new.get("config", {}).get("variables", {})
    for key in sorted(set(config_before) - set(config_after)):
        add(
            "breaking",
            "config",
            "/config/variables",
            "config-removed",
            f"config key `{key}` removed",
        )
    for key in sorted(set(config_after) - set(config_before)):
        add("info", "config", "/config/variables", "config-added", f"config key `{key}` added")
    for token in sorted(set(old.get("types", {})) - set(new.get("types", {}))):
        add("warning", token, "/types", "type-removed", f"type {token} removed")
    return changes


def _properties(
    before: Mapping[str, Any], after: Mapping[str, Any], key: str, required_key: str, section: str
) -> list[tuple[Level, str, str, str]]:
    def props(spec: Mapping[str, Any]) -> dict[str, Any]:
        found = spec.get(key, {})
        return dict(found.get("properties", {}) if section == "functions" else found)

    def required(spec: Mapping[str, Any]) -> set[str]:
        found = spec.get(required_key, [])
        return set(found.get("required", []) if section == "functions" else found)

    old, new = props(before), props(after)
    old_required, new_required = required(before), required(after)
    found: list[tuple[Level, str, str, str]] = []
    for name in sorted(set(old) - set(new)):
        found.append(("breaking", name, "removed", "removed"))
    for name in sorted(set(new) - set(old)):
        if name in new_required and key in ("inputProperties", "inputs"):
            found.append(("breaking", name, "added-required", "added, required"))
        else:
            found.append(("info", name, "added", "added"))
    for name in sorted(set(old) & set(new)):
        if _type(old[name]) != _type(new[name]):
            found.append(
                ("breaking", name, "type-changed", f"type {_type(old[name])} -> {_type(new[name])}")
            )
        elif name in new_required - old_required and key in ("inputProperties", "inputs"):
            found.append(("breaking", name, "now-required", "is now required"))
    return found


def _type(spec: Mapping[str, Any]) -> str:
    return json.dumps(
        {k: v for k, v in spec.items() if k in ("type", "$ref", "items", "additionalProperties")},
        sort_keys=True,
    )
