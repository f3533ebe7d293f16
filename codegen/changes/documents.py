"""Classify the changes between two versions of a service document (docs/schema-format.md).

Direction-aware, in the manner of oasdiff: what breaks a caller depends on whether a shape is
something the caller *sends* (request: anything the server used to accept must still be
accepted) or *receives* (response: anything the caller's code relies on must still arrive).
Shapes are compared by following each operation's request and response through `$ref`s, so a
shape reached from both directions gets both rules, and a renamed `$defs` entry is compared
with its old self rather than reported as removed + added.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_builds.codegen.changes.model import Change, Direction, Level, sorted_changes
from pulumi_builds.codegen.errors import SchemaError

Schema = Mapping[str, Any]
Doc = Mapping[str, Any]

# keyword -> True when a larger value is looser (max*), False when a larger value is tighter.
_BOUNDS: dict[str, bool] = {
    "minItems": False,
    "maxItems": True,
    "minLength": False,
    "maxLength": True,
    "minimum": False,
    "maximum": True,
    "minProperties": False,
    "maxProperties": True,
}
# Markers that change the Python type of a field in the generated models.
_TYPE_MARKERS = ("format", "x-timestamp")


def diff_documents(old: Doc, new: Doc) -> list[Change]:
    """Every change from `old` to `new` (two versions of one service document), sorted."""
    service = _service_id(old, "old")
    if (new_id := _service_id(new, "new")) != service:
        raise SchemaError(
            f"service.id: old document is {service!r}, new one is {new_id!r}; "
            "diff compares two versions of the same service"
        )
    differ = _DocumentDiffer(service, old, new)
    differ.run()
    return differ.changes()


def diff_services(old: Mapping[str, Doc], new: Mapping[str, Doc]) -> list[Change]:
    """Changes across a set of services keyed by id (a service added or removed included)."""
    changes: list[Change] = []
    for service in sorted(old.keys() | new.keys()):
        if service not in new:
            changes.append(
                Change(
                    "breaking",
                    service,
                    "service",
                    service,
                    "/",
                    "service-removed",
                    f"service {service} removed (every operation and model is gone)",
                    tuple(sorted(old[service].get("operations", {}))),
                )
            )
        elif service not in old:
            changes.append(
                Change(
                    "info",
                    service,
                    "service",
                    service,
                    "/",
                    "service-added",
                    f"service {service} added",
                    tuple(sorted(new[service].get("operations", {}))),
                )
            )
        else:
            changes.extend(diff_documents(old[service], new[service]))
    return sorted_changes(changes)


def _service_id(doc: Doc, side: str) -> str:
    service = doc.get("service")
    sid = service.get("id") if isinstance(service, Mapping) else None
    if not isinstance(sid, str) or not sid:
        raise SchemaError(f"{side} document: service.id is missing; expected a service id string")
    return sid


def _pointer_token(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def _show(value: object) -> str:
    return "none" if value is None else repr(value) if isinstance(value, str) else str(value)


@dataclass(frozen=True)
class _At:
    """Where the walk is: the operation it started from, the nearest named shape, a dotted
    label for messages (`Build.phases[].contexts`) and a JSON pointer for tools."""

    direction: Direction
    operation: str
    shape: str
    label: str
    pointer: str

    def child(self, label_suffix: str, pointer_suffix: str) -> _At:
        return _At(
            self.direction,
            self.operation,
            self.shape,
            self.label + label_suffix,
            self.pointer + pointer_suffix,
        )

    def prop(self, name: str) -> _At:
        return self.child(f".{name}", f"/properties/{_pointer_token(name)}")

    def named(self, shape: str) -> _At:
        return _At(self.direction, self.operation, shape, shape, f"/$defs/{_pointer_token(shape)}")


class _DocumentDiffer:
    def __init__(self, service: str, old: Doc, new: Doc) -> None:
        self.service, self.old, self.new = service, old, new
        # One entry per distinct change; the set collects every operation reaching it.
        self._found: dict[tuple[Level, Direction, str, str, str, str], set[str]] = {}

    # -- collection -------------------------------------------------------------------------

    def add(
        self,
        level: Level,
        direction: Direction,
        subject: str,
        location: str,
        kind: str,
        message: str,
        operation: str | None,
    ) -> None:
        ops = self._found.setdefault((level, direction, subject, location, kind, message), set())
        if operation:
            ops.add(operation)

    def at(
        self, level: Level, where: _At, kind: str, detail: str, pointer_suffix: str = ""
    ) -> None:
        self.add(
            level,
            where.direction,
            where.shape,
            where.pointer + pointer_suffix,
            kind,
            f"{where.direction} {where.label}: {detail}",
            where.operation,
        )

    def by_direction(
        self,
        where: _At,
        kind: str,
        detail: str,
        *,
        request: Level,
        response: Level,
        pointer_suffix: str = "",
    ) -> None:
        level = request if where.direction == "request" else response
        self.at(level, where, kind, detail, pointer_suffix)

    def changes(self) -> list[Change]:
        return sorted_changes(
            [
                Change(
                    level,
                    self.service,
                    direction,
                    subject,
                    location,
                    kind,
                    message,
                    tuple(sorted(ops)),
                )
                for (level, direction, subject, location, kind, message), ops in self._found.items()
            ]
        )

    # -- service and operations -------------------------------------------------------------

    def run(self) -> None:
        self.diff_service()
        old_ops: Mapping[str, Any] = self.old.get("operations", {})
        new_ops: Mapping[str, Any] = self.new.get("operations", {})
        for name in sorted(old_ops.keys() - new_ops.keys()):
            self.add(
                "breaking",
                "operation",
                name,
                f"/operations/{_pointer_token(name)}",
                "operation-removed",
                f"operation {name} removed",
                name,
            )
        for name in sorted(new_ops.keys() - old_ops.keys()):
            self.add(
                "info",
                "operation",
                name,
                f"/operations/{_pointer_token(name)}",
                "operation-added",
                f"operation {name} added",
                name,
            )
        for name in sorted(old_ops.keys() & new_ops.keys()):
            self.diff_operation(name, old_ops[name], new_ops[name])

    def diff_service(self) -> None:
        old_s, new_s = self.old.get("service", {}), self.new.get("service", {})
        for key in sorted((old_s.keys() | new_s.keys()) - {"id", "title"}):
            if old_s.get(key) != new_s.get(key):
                self.add(
                    "breaking",
                    "service",
                    self.service,
                    f"/service/{key}",
                    "service-changed",
                    f"service {key}: {_show(old_s.get(key))} -> {_show(new_s.get(key))}",
                    None,
                )

    def diff_operation(self, name: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        base = f"/operations/{_pointer_token(name)}"

        def op_change(level: Level, key: str, kind: str, detail: str) -> None:
            self.add(
                level, "operation", name, f"{base}/{key}", kind, f"operation {name}: {detail}", name
            )

        for key in ("http", "awsTarget"):
            if old.get(key) != new.get(key):
                op_change(
                    "breaking",
                    key,
                    "endpoint-changed",
                    f"{key} {_endpoint(old.get(key))} -> {_endpoint(new.get(key))}",
                )
        old_params = {p["name"]: p for p in old.get("parameters", [])}
        for param in new.get("parameters", []):
            before = old_params.get(param["name"])
            if before is None:
                continue  # a new input is classified from the request schema
            for key in ("in", "style", "explode"):
                if before.get(key) != param.get(key):
                    op_change(
                        "breaking",
                        "parameters",
                        "parameter-location-changed",
                        f"parameter {param['name']} {key} {_show(before.get(key))} -> "
                        f"{_show(param.get(key))}",
                    )
        self.diff_errors(op_change, old.get("errors", []), new.get("errors", []))
        self.diff_pagination(op_change, old.get("pagination"), new.get("pagination"))
        for direction in ("request", "response"):
            start = _At(direction, name, name, name, f"{base}/{direction}")
            self.compare(old.get(direction) or {}, new.get(direction) or {}, start, frozenset())

    @staticmethod
    def diff_errors(
        op_change: Any, old: list[Mapping[str, Any]], new: list[Mapping[str, Any]]
    ) -> None:
        old_codes = {str(e.get("code")): e for e in old}
        new_codes = {str(e.get("code")): e for e in new}
        for code in sorted(new_codes.keys() - old_codes.keys()):
            op_change("info", "errors", "error-added", f"new error {code}")
        for code in sorted(old_codes.keys() - new_codes.keys()):
            op_change("info", "errors", "error-removed", f"error {code} no longer documented")
        for code in sorted(old_codes.keys() & new_codes.keys()):
            before, after = old_codes[code].get("status"), new_codes[code].get("status")
            if before != after:
                op_change(
                    "warning",
                    "errors",
                    "error-status-changed",
                    f"error {code} status {_show(before)} -> {_show(after)}",
                )

    @staticmethod
    def diff_pagination(op_change: Any, old: object, new: object) -> None:
        if old == new:
            return
        if old is None:
            # Callers that read one response now see only the first page.
            op_change("warning", "pagination", "pagination-added", f"now paginated: {new}")
        elif new is None:
            op_change("breaking", "pagination", "pagination-removed", "no longer paginated")
        else:
            op_change("breaking", "pagination", "pagination-changed", f"pagination {old} -> {new}")

    # -- schemas ----------------------------------------------------------------------------

    def deref(self, doc: Doc, schema: Schema, side: str) -> tuple[str | None, Schema]:
        ref = schema.get("$ref")
        if ref is None:
            return None, schema
        prefix = "#/$defs/"
        if not isinstance(ref, str) or not ref.startswith(prefix):
            raise SchemaError(
                f"{side} {self.service}: $ref {ref!r}: only '#/$defs/Name' is allowed"
            )
        name = ref[len(prefix) :]
        target = doc.get("$defs", {}).get(name)
        if target is None:
            raise SchemaError(f"{side} {self.service}: $ref {ref!r} names no entry in $defs")
        return name, target

    def compare(
        self,
        old_s: Schema,
        new_s: Schema,
        where: _At,
        stack: frozenset[tuple[str | None, str | None, str]],
    ) -> None:
        old_name, old = self.deref(self.old, old_s, "old")
        new_name, new = self.deref(self.new, new_s, "new")
        if old_name and new_name and old_name != new_name:
            # The wire is unchanged, but programs import the generated class by this name.
            # Reported once per rename (and direction), however many places refer to it.
            self.add(
                "breaking",
                where.direction,
                new_name,
                f"/$defs/{_pointer_token(new_name)}",
                "shape-renamed",
                f"{where.direction} shape {old_name} renamed to "
                f"{new_name} (generated class renamed)",
                where.operation,
            )
        if new_name or old_name:
            key = (old_name, new_name, where.direction)
            if key in stack:
                return  # recursive shape: already being compared further up
            stack = stack | {key}
            where = where.named(new_name or old_name or "")
        if not self.compare_types(old, new, where):
            return
        self.compare_enums(old, new, where)
        self.compare_constraints(old, new, where)
        self.compare_properties(old, new, where, stack)
        old_map, new_map = old.get("additionalProperties"), new.get("additionalProperties")
        if isinstance(old_map, Mapping) and isinstance(new_map, Mapping):
            self.compare(old_map, new_map, where.child("{}", "/additionalProperties"), stack)
        elif isinstance(old_map, Mapping) != isinstance(new_map, Mapping):
            before, after = ("map", "object") if isinstance(old_map, Mapping) else ("object", "map")
            self.at("breaking", where, "type-changed", f"type {before} -> {after}")
        old_items, new_items = old.get("items"), new.get("items")
        if isinstance(old_items, Mapping) and isinstance(new_items, Mapping):
            self.compare(old_items, new_items, where.child("[]", "/items"), stack)

    def compare_types(self, old: Schema, new: Schema, where: _At) -> bool:
        """Type, nullability and type-changing markers. False when the types differ so much
        that comparing the members would only add noise."""
        old_types, old_null = _types(old)
        new_types, new_null = _types(new)
        if old_types != new_types:
            widened = old_types < new_types or (old_types, new_types) == (
                frozenset({"integer"}),
                frozenset({"number"}),
            )
            narrowed = new_types < old_types or (old_types, new_types) == (
                frozenset({"number"}),
                frozenset({"integer"}),
            )
            detail = f"type {_type_text(old_types)} -> {_type_text(new_types)}"
            if where.direction == "request" and widened and old_types:
                self.at("info", where, "type-widened", detail + " (accepts more)", "/type")
            elif where.direction == "response" and narrowed and new_types:
                self.at("info", where, "type-narrowed", detail + " (returns fewer kinds)", "/type")
            else:
                self.at("breaking", where, "type-changed", detail, "/type")
                return False
        if old_null != new_null:
            if new_null:
                self.by_direction(
                    where,
                    "became-nullable",
                    "may now be null",
                    request="info",
                    response="breaking",
                    pointer_suffix="/type",
                )
            else:
                self.by_direction(
                    where,
                    "no-longer-nullable",
                    "may no longer be null",
                    request="breaking",
                    response="info",
                    pointer_suffix="/type",
                )
        for marker in _TYPE_MARKERS:
            if old.get(marker) != new.get(marker):
                self.at(
                    "breaking",
                    where,
                    "type-changed",
                    f"{marker} {_show(old.get(marker))} -> {_show(new.get(marker))} "
                    "(the generated Python type changes)",
                    f"/{marker}",
                )
        if bool(old.get("x-secret")) != bool(new.get("x-secret")):
            detail = (
                "now secret (the model type becomes SecretStr)"
                if new.get("x-secret")
                else "no longer secret (the model type becomes a plain value)"
            )
            self.at("warning", where, "secret-changed", detail, "/x-secret")
        if old.get("default") != new.get("default"):
            self.at(
                "info",
                where,
                "default-changed",
                f"default {_show(old.get('default'))} -> {_show(new.get('default'))}",
                "/default",
            )
        return True

    def compare_enums(self, old: Schema, new: Schema, where: _At) -> None:
        old_enum, new_enum = old.get("enum"), new.get("enum")
        if old_enum is None and new_enum is None:
            return
        if old_enum is None:
            self.by_direction(
                where,
                "enum-added",
                f"values now restricted to {new_enum}",
                request="breaking",
                response="info",
                pointer_suffix="/enum",
            )
            return
        if new_enum is None:
            self.by_direction(
                where,
                "enum-removed",
                "values no longer restricted",
                request="info",
                response="warning",
                pointer_suffix="/enum",
            )
            return
        for value in [v for v in old_enum if v not in new_enum]:
            self.by_direction(
                where,
                "enum-value-removed",
                f"enum value {value!r} removed",
                request="breaking",
                response="info",
                pointer_suffix="/enum",
            )
        for value in [v for v in new_enum if v not in old_enum]:
            response_note = " (generated response models accept unknown values)"
            level: Level = "info" if where.direction == "request" else "warning"
            self.at(
                level,
                where,
                "enum-value-added",
                f"new enum value {value!r}"
                + (response_note if where.direction == "response" else ""),
                "/enum",
            )

    def compare_constraints(self, old: Schema, new: Schema, where: _At) -> None:
        for keyword, larger_is_looser in _BOUNDS.items():
            before, after = old.get(keyword), new.get(keyword)
            if before == after:
                continue
            if before is None or after is None:
                tighter = before is None  # a bound added restricts, a bound dropped relaxes
            else:
                tighter = (after < before) if larger_is_looser else (after > before)
            self.constraint(where, keyword, before, after, tighter)
        before, after = old.get("pattern"), new.get("pattern")
        if before != after:
            # A changed pattern can reject values the old one accepted: count it as tighter.
            self.constraint(where, "pattern", before, after, tighter=after is not None)

    def constraint(
        self, where: _At, keyword: str, before: object, after: object, tighter: bool
    ) -> None:
        how = "tighter constraint" if tighter else "looser constraint"
        level: Level = "breaking" if tighter and where.direction == "request" else "info"
        self.at(
            level,
            where,
            "constraint-tightened" if tighter else "constraint-loosened",
            f"{keyword} {_show(before)} -> {_show(after)} ({how})",
            f"/{keyword}",
        )

    def compare_properties(
        self,
        old: Schema,
        new: Schema,
        where: _At,
        stack: frozenset[tuple[str | None, str | None, str]],
    ) -> None:
        old_props: Mapping[str, Schema] = old.get("properties", {})
        new_props: Mapping[str, Schema] = new.get("properties", {})
        old_req, new_req = set(old.get("required", [])), set(new.get("required", []))
        request = where.direction == "request"
        for name in old_props:
            if name not in new_props:
                # The old pointer: the property no longer exists in the new document.
                detail = (
                    "removed (callers that set it break)"
                    if request
                    else "removed (programs reading it break)"
                )
                self.at("breaking", where.prop(name), "property-removed", detail)
        for name in new_props:
            if name in old_props:
                continue
            if request and name in new_req:
                self.at(
                    "breaking", where.prop(name), "required-property-added", "new required field"
                )
            else:
                optional = "" if name in new_req else "optional "
                self.at("info", where.prop(name), "property-added", f"new {optional}field")
        for name in new_props:
            if name not in old_props:
                continue
            child = where.prop(name)
            was, now = name in old_req, name in new_req
            if was and not now:
                self.by_direction(
                    child, "became-optional", "now optional", request="info", response="breaking"
                )
            elif now and not was:
                self.by_direction(
                    child, "became-required", "now required", request="breaking", response="info"
                )
            self.compare(old_props[name], new_props[name], child, stack)


def _types(schema: Schema) -> tuple[frozenset[str], bool]:
    """The non-null JSON types a schema allows, and whether null is allowed."""
    raw = schema.get("type")
    if raw is None:
        names: set[str] = set()
        if "properties" in schema or "additionalProperties" in schema:
            names.add("object")
        elif "items" in schema:
            names.add("array")
        return frozenset(names), False
    listed = [raw] if isinstance(raw, str) else list(raw)
    return frozenset(t for t in listed if t != "null"), "null" in listed


def _type_text(types: frozenset[str]) -> str:
    return "|".join(sorted(types)) or "any"


def _endpoint(value: object) -> str:
    if isinstance(value, Mapping):
        return f"{value.get('method', '?')} {value.get('path', '?')}"
    return _show(value)
