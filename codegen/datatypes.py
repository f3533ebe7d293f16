"""Facts of data-type pages merged into the operations' nested members (AWS `API_<Shape>` pages).

An operation page states types, enums and constraints only for its top-level members; deeper
members come from its syntax block (`"string"`, `number`, nesting). A data-type page states them
for one shape. Wherever an operation's schema holds a shape the pages name (a member typed
`Build object`, then, through the Build page, `phases: Array of BuildPhase objects`, ...), each
member the syntax block draws gets what the shape's page says:

- numbers: Integer/Long -> integer, Double/Float -> float, Timestamp -> epoch seconds (the page
  replaces the naming rules of codegen/corrections/aws_numbers.json);
- enums ("Valid Values"), lengths, item counts, ranges, patterns, and the description when the
  operation page gives none;
- `required` (request side only, as on operation pages: responses are read tolerantly).

Only what the syntax block draws is refined: members a data-type page lists beyond it (a newer
page) are not added, and members it does not list keep what the operation page says. A fact that
contradicts the operation page (another type, other enum values or bounds) is an error naming
both pages, unless codegen/corrections/aws_datatypes.json records which page is right and why.
A member typed `X object` names its shape X, as the operation pages name their top-level members'
shapes: the copies of X met under different parents are then one class (docs/design.md, Naming).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from pulumi_builds.codegen.errors import SchemaError

Schema = dict[str, Any]
# Facts copied onto a member that lacks them (and compared when it has them).
_FACTS = ("enum", "minLength", "maxLength", "minItems", "maxItems", "minimum", "maximum", "pattern")
_NUMBERS = ("integer", "number")


@dataclass(frozen=True)
class DataType:
    """One data-type page: the shape's schema and the page it was read from."""

    source: str
    schema: Schema


@cache
def _corrections() -> dict[str, Any]:
    text = (
        resources.files("pulumi_builds.codegen")
        .joinpath("corrections/aws_datatypes.json")
        .read_text("utf-8")
    )
    table: dict[str, Any] = json.loads(text)
    table.pop("$comment", None)
    return table


def collect(drafts: Iterable[tuple[str, Mapping[str, Any]]]) -> dict[str, DataType]:
    """The data types of a service's page drafts, by shape name; a shape on two pages is an error."""
    found: dict[str, DataType] = {}
    for source, draft in drafts:
        for name, schema in draft.get("shapes", {}).items():
            if name in found:
                raise SchemaError(
                    f"data type {name} is defined by both {found[name].source} and {source}"
                )
            found[name] = DataType(source, schema)
    return found


@dataclass(frozen=True)
class _Merge:
    service_id: str
    shapes: Mapping[str, DataType]
    request: bool
    where: str  # "<source> <Operation> <side>", for errors
    corrections: Mapping[str, Any]  # this service's entries of aws_datatypes.json

    def value(self, target: Schema, declared: Schema | None, owner: str, path: str) -> None:
        """Refines `target` (the operation's schema of one value) with `declared` (what the data
        type page of its owner says about it, None when no page does), then its children."""
        if declared is not None:
            declared = self._corrected(owner, path, declared)
            self._kind(target, declared, owner, path)
            for key in _FACTS:
                if key not in declared:
                    continue
                if key not in target:
                    target[key] = copy.deepcopy(declared[key])
                elif not _same(key, target[key], declared[key]):
                    self._conflict(owner, path, key, target[key], declared[key])
            if "description" in declared and "description" not in target:
                target["description"] = declared["description"]
            # The shape's own name (`auth: SourceAuth object`): its copies under Build,
            # BuildBatch, ... are one class, as a name the page gives always is.
            if (
                "title" in declared
                and target.get("type") == "object"
                and target.setdefault("title", declared["title"]) != declared["title"]
            ):
                self._conflict(owner, path, "shape", target["title"], declared["title"])
        kind = target.get("type")
        if kind == "array" and isinstance(target.get("items"), dict):
            inner = declared.get("items") if declared else None
            self.value(target["items"], inner, owner, path + "[]")
        elif kind == "object":
            title = (declared or {}).get("title") or target.get("title")
            shape = self.shapes.get(title) if isinstance(title, str) else None
            if shape is not None and isinstance(title, str):
                self.shape(target, title, shape)
            if isinstance(target.get("additionalProperties"), dict):
                inner = declared.get("additionalProperties") if declared else None
                self.value(target["additionalProperties"], inner, owner, path + "{}")
            elif shape is None:
                for prop, sub in target.get("properties", {}).items():
                    self.value(sub, None, owner, f"{path}.{prop}")

    def shape(self, target: Schema, name: str, shape: DataType) -> None:
        members = shape.schema.get("properties", {})
        for prop, sub in target.get("properties", {}).items():
            self.value(sub, members.get(prop), name, prop)
        if self.request:
            drawn = target.get("properties", {})
            wanted = [m for m in shape.schema.get("required", []) if m in drawn]
            required = list(target.get("required", []))
            required += [m for m in wanted if m not in required]
            if required:
                target["required"] = required

    def _corrected(self, owner: str, path: str, declared: Schema) -> Schema:
        fix = self.corrections.get(f"{owner}.{path}")
        if fix is None:
            return declared
        patched = {k: v for k, v in declared.items() if k not in fix.get("drop", [])}
        patched.update(fix.get("set", {}))
        return patched

    def _kind(self, target: Schema, declared: Schema, owner: str, path: str) -> None:
        theirs, ours = declared.get("type"), target.get("type")
        if theirs is None or ours is None:
            return  # "JSON value": any type
        if theirs in _NUMBERS and ours in _NUMBERS:
            # The syntax block draws every number alike; the page says which kind it is.
            target["type"] = theirs
            target.pop("x-timestamp", None)
            if "x-timestamp" in declared:
                target["x-timestamp"] = declared["x-timestamp"]
        elif theirs != ours:
            self._conflict(owner, path, "type", ours, theirs)

    def _conflict(self, owner: str, path: str, what: str, ours: Any, theirs: Any) -> None:
        page = self.shapes[owner].source if owner in self.shapes else "its data-type page"
        raise SchemaError(
            f"{page}: {owner}.{path} has {what} {theirs!r}, but {self.where} has {ours!r}; "
            f"correct the page or record which is right in codegen/corrections/aws_datatypes.json "
            f"under {self.service_id!r} as '{owner}.{path}'"
        )


def _same(key: str, ours: Any, theirs: Any) -> bool:
    if key == "enum":
        return set(ours) == set(theirs)
    return bool(ours == theirs)


def merge(
    service_id: str,
    shapes: Mapping[str, DataType],
    schema: Schema,
    *,
    request: bool,
    where: str,
    corrections: Mapping[str, Any] | None = None,
) -> None:
    """Refines one operation side (an inline object schema) in place with the data types.

    `corrections`: the service's entries of codegen/corrections/aws_datatypes.json (default:
    that table)."""
    if not shapes:
        return
    fixes = _corrections().get(service_id, {}) if corrections is None else corrections
    _Merge(service_id, shapes, request, where, fixes).value(schema, None, "", "")
