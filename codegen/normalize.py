"""Page drafts -> one service document (docs/schema-format.md).

The readers give each operation's request and response as full inline JSON Schemas. Here, for all
dialects alike:

1. service facts are filled from codegen/corrections/services.json (protocol, AWS target, ...);
2. facts of data-type pages (AWS `API_<Shape>` pages) are merged into nested members
   (codegen/datatypes.py), then known API facts no page states from
   codegen/corrections/constraints.json;
3. secrets are flagged (`x-secret`) by the name rules of codegen/corrections/secrets.json;
4. response-side enums are marked open (`x-enum-open`);
5. nested objects are hoisted into `$defs` and named (page names, pinned names from
   codegen/corrections/names.json, or names derived from the path), identical shapes shared;
6. the result is sorted, validated and returned with keys in the writer's order.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from pulumi_builds.codegen import datatypes, ir, naming
from pulumi_builds.codegen.errors import SchemaError
from pulumi_builds.codegen.secrets import SecretRules, load_rules

SIDES = ("request", "response")
# Keys that describe a shape without changing what goes over the wire: two shapes that differ only
# in these are the same shape.
_DESCRIPTIVE = ("title", "description", "examples", "default", "x-derived-name")
# Facts one page may state about a value and another leave out (an operation page's syntax block
# shows no constraints where a data-type page lists them): copies differing only so are one shape.
_STATED = (
    "enum",
    "x-enum-open",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minimum",
    "maximum",
    "pattern",
)


@cache
def _table(name: str) -> dict[str, Any]:
    text = (
        resources.files("pulumi_builds.codegen")
        .joinpath(f"corrections/{name}.json")
        .read_text("utf-8")
    )
    table: dict[str, Any] = json.loads(text)
    table.pop("$comment", None)
    return table


def services() -> dict[str, Any]:
    """Service facts by service id (codegen/corrections/services.json)."""
    return _table("services")


def service_facts(service_id: str) -> dict[str, Any]:
    try:
        facts = services()[service_id]
    except KeyError:
        known = ", ".join(sorted(services()))
        raise SchemaError(
            f"unknown service {service_id!r}: add it to "
            f"codegen/corrections/services.json (known: {known})"
        ) from None
    return {key: value for key, value in facts.items() if key != "dialect"}


def _schema_type(schema: Mapping[str, Any]) -> str | None:
    types = schema.get("type")
    if isinstance(types, list):
        return next((t for t in types if t != "null"), None)
    return types if isinstance(types, str) else None


# ---------------------------------------------------------------------------------------------
# Steps 1-4: per operation, on the inline schemas


def _apply_corrections(service_id: str, name: str, op: dict[str, Any]) -> None:
    for side, patches in _table("constraints").get(service_id, {}).get(name, {}).items():
        for where, values in patches.items():
            target = _resolve(op[side], where)
            if target is None:
                raise SchemaError(
                    f"codegen/corrections/constraints.json: {service_id} {name} "
                    f"{side} {where}: no such schema in the page's draft"
                )
            target.update({k: v for k, v in values.items() if not k.startswith("$")})


def _resolve(schema: Any, where: str) -> dict[str, Any] | None:
    node = schema
    for part in [p.replace("~1", "/").replace("~0", "~") for p in where.split("/")[1:]]:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node if isinstance(node, dict) else None


def _flag_secrets(schema: dict[str, Any], rules: SecretRules, inside_container: bool) -> None:
    """Mark string properties that carry secrets, descending through objects, arrays and maps."""
    for name, prop in schema.get("properties", {}).items():
        _flag_value(prop, name, rules, inside_container)
    if isinstance(schema.get("additionalProperties"), dict):
        _flag_value(schema["additionalProperties"], "", rules, inside_container)


def _flag_value(schema: dict[str, Any], name: str, rules: SecretRules, inside: bool) -> None:
    kind = _schema_type(schema)
    if kind == "string" and (inside or (name and rules.is_secret(name))):
        schema["x-secret"] = True
    elif kind == "object":
        _flag_secrets(schema, rules, inside or (bool(name) and rules.is_container(name)))
    elif kind == "array" and isinstance(schema.get("items"), dict):
        _flag_value(schema["items"], name if inside else "", rules, inside)


def _mark_enums(schema: dict[str, Any], open_: bool) -> None:
    for _, sub in ir.walk(schema):
        if "enum" in sub and open_:
            sub["x-enum-open"] = True  # type: ignore[index]
        else:
            sub.pop("x-enum-open", None)  # type: ignore[attr-defined]


def _prepare(
    service_id: str,
    facts: Mapping[str, Any],
    name: str,
    draft_op: Mapping[str, Any],
    source: str,
    shapes: Mapping[str, datatypes.DataType],
) -> dict[str, Any]:
    op: dict[str, Any] = copy.deepcopy(dict(draft_op))
    op["source"] = source
    if facts["protocol"] == "aws-json-1.1":
        op.setdefault("http", {"method": "POST", "path": "/"})
        op.setdefault("awsTarget", f"{facts['aws']['targetPrefix']}.{name}")
    for side in SIDES:
        schema = op.get(side) or {"type": "object"}
        if _schema_type(schema) != "object":
            raise SchemaError(f"{source}: operation {name}: the {side} must be an object schema")
        op[side] = schema
    op.setdefault(
        "parameters",
        [
            {"name": prop, "in": "body", "required": prop in op["request"].get("required", [])}
            for prop in op["request"].get("properties", {})
        ],
    )
    op.setdefault("errors", [])
    op.setdefault("pagination", None)
    op.setdefault("summary", "")
    for side in SIDES:
        where = f"{source} {name} {side}"
        datatypes.merge(service_id, shapes, op[side], request=side == "request", where=where)
    _apply_corrections(service_id, name, op)
    rules = load_rules()
    for side in SIDES:
        _flag_secrets(op[side], rules, inside_container=False)
        _mark_enums(op[side], open_=side == "response")
    for error in op["errors"]:
        if isinstance(error.get("schema"), dict):
            _flag_secrets(error["schema"], rules, inside_container=False)
    return op


# ---------------------------------------------------------------------------------------------
# Step 5: hoisting, naming and sharing


@dataclass
class _Shape:
    """One object schema met in a draft, before sharing decides its final name."""

    proposed: str  # from its path only: page name, pinned name, or parent + property
    rank: int  # 0 operation body, 1 named by the page or pinned, 2 derived from the path
    order: tuple[str, str]  # (page source, JSON pointer): "first met" order
    side: str
    schema: dict[str, Any]  # children replaced by {"$ref": _Placeholder}
    final: str = ""


@dataclass(frozen=True)
class _Placeholder:
    index: int


@dataclass
class _Hoister:
    pins: Mapping[str, Any]
    shapes: list[_Shape] = field(default_factory=list)

    def body(self, op_name: str, side: str, schema: dict[str, Any], source: str) -> _Placeholder:
        name = op_name + ("Request" if side == "request" else "Response")
        pointer = ir.pointer("operations", op_name, side)
        # Pins for every operation ("*": envelopes) yield to pins for this operation.
        pins = {**self.pins.get("*", {}).get(side, {}), **self.pins.get(op_name, {}).get(side, {})}
        if "" in pins:  # the body IS a named shape (Cloud Foundry's GetBuild returns a Build)
            return self._object(schema, pins[""], 1, side, (source, pointer), pins, "")
        return self._object(schema, name, 0, side, (source, pointer), pins, "")

    def error(
        self, op_name: str, index: int, error: Mapping[str, Any], source: str
    ) -> dict[str, Any]:
        """An error body schema: hoisted like a response shape (errors are received).

        Error bodies are titled by HTTP status on the pages ('BadRequest'), which names a case,
        not a shape: they rank with derived names. A service whose errors all share one body
        pins its name under side "errors" in names.json ("" for the body itself).
        """
        schema = error["schema"]
        pointer = ir.pointer("operations", op_name, "errors", index, "schema")
        pins = {
            **self.pins.get("*", {}).get("errors", {}),
            **self.pins.get(op_name, {}).get("errors", {}),
        }
        if _schema_type(schema) != "object" or not schema.get("properties"):
            return self._value(
                schema, op_name, "Error", "response", (source, pointer), pins, "", contained=True
            )
        title = schema.get("title")
        name, rank = (
            (
                naming.pascal(title)
                if isinstance(title, str) and naming.pascal(title)
                else naming.join(op_name, naming.pascal(str(error["code"])) + "Error")
            ),
            2,
        )
        if "" in pins:
            name, rank = pins[""], 1
        return {"$ref": self._object(schema, name, rank, "response", (source, pointer), pins, "")}

    def _object(
        self,
        schema: dict[str, Any],
        name: str,
        rank: int,
        side: str,
        order: tuple[str, str],
        pins: Mapping[str, str],
        local: str,
    ) -> _Placeholder:
        source, pointer = order
        hoisted: dict[str, Any] = {}
        for key, value in schema.items():
            if key == "title":
                continue  # the name of the $def says it
            if key == "properties":
                hoisted[key] = {
                    prop: self._value(
                        sub,
                        name,
                        naming.pascal(prop),
                        side,
                        (source, pointer + ir.pointer("properties", prop)),
                        pins,
                        local + ir.pointer("properties", prop),
                    )
                    for prop, sub in value.items()
                }
            elif key == "additionalProperties" and isinstance(value, dict):
                hoisted[key] = self._value(
                    value,
                    name,
                    "Value",
                    side,
                    (source, pointer + "/additionalProperties"),
                    pins,
                    local + "/additionalProperties",
                    contained=True,
                )
            else:
                hoisted[key] = copy.deepcopy(value)
        if rank == 2:
            hoisted["x-derived-name"] = True
        self.shapes.append(_Shape(name, rank, order, side, hoisted))
        return _Placeholder(len(self.shapes) - 1)

    def _value(
        self,
        schema: dict[str, Any],
        parent: str,
        basis: str,
        side: str,
        order: tuple[str, str],
        pins: Mapping[str, str],
        local: str,
        contained: bool = False,
    ) -> dict[str, Any]:
        """A property schema (or array item, or map value): objects become $refs.

        `basis` is the PascalCase property name; inside an array or a map (`contained`) it is
        already singular ('buildGroups' items -> 'BuildGroup'), and a further level of nesting
        adds 'Item' or 'Value'.
        """
        source, pointer = order
        if _schema_type(schema) == "object" and schema.get("properties"):
            name, rank = self._name(schema, parent, basis, pins, local, contained)
            ref: dict[str, Any] = {
                "$ref": self._object(schema, name, rank, side, order, pins, local)
            }
            if "description" in schema and not contained:
                ref["description"] = schema["description"]
            return ref
        result = {
            k: copy.deepcopy(v)
            for k, v in schema.items()
            if k not in ("items", "additionalProperties")
        }
        for key, suffix in (("items", "Item"), ("additionalProperties", "Value")):
            if isinstance(schema.get(key), dict):
                inner = basis + suffix if contained else naming.singular_pascal(basis)
                result[key] = self._value(
                    schema[key],
                    parent,
                    inner,
                    side,
                    (source, f"{pointer}/{key}"),
                    pins,
                    f"{local}/{key}",
                    contained=True,
                )
        return result

    def _name(
        self,
        schema: Mapping[str, Any],
        parent: str,
        basis: str,
        pins: Mapping[str, str],
        local: str,
        contained: bool,
    ) -> tuple[str, int]:
        if local in pins:
            return pins[local], 1
        title = schema.get("title")
        if isinstance(title, str) and naming.is_class_name(title):
            return title, 1
        if isinstance(title, str) and naming.pascal(title):
            return naming.pascal(title), 1
        derived = naming.join(parent, basis)
        if derived == parent:  # 'ErrorsError' + 'Error' item: the child must not take its
            derived = parent + ("Item" if contained else basis)  # parent's own name
        return derived, 2

    def assign_names(self) -> dict[str, dict[str, Any]]:
        """One `$defs` entry per (side, proposed name): the shapes met under one name on several
        pages are merged into their union (see `_merge`). Names therefore depend only on where a
        shape is, never on which other shapes happen to look alike, so adding an unrelated field
        or shape renames nothing. A shape that cannot merge with the others of its name (say a
        property with another type) becomes a variant named `<Name>For<Operation>` after the
        first operation it appears in; the variant met first in page order keeps the name."""
        groups: dict[tuple[str, str, bool], list[int]] = {}
        for index in sorted(range(len(self.shapes)), key=lambda i: self.shapes[i].order):
            shape = self.shapes[index]
            groups.setdefault((shape.side, shape.proposed, shape.rank == 0), []).append(index)
        # Which entry each shape lands in; a parent can only merge with another if their
        # children landed in the same entries, so repeat until the split settles.
        entry = {index: (key, 0) for key, members in groups.items() for index in members}
        merged: dict[tuple[tuple[str, str, bool], int], dict[str, Any]] = {}
        for _ in range(len(self.shapes) + 1):
            placed: dict[int, tuple[tuple[str, str, bool], int]] = {}
            merged = {}
            for key, members in groups.items():
                variants: list[dict[str, Any]] = []
                for index in members:
                    schema = self.shapes[index].schema
                    for number, current in enumerate(variants):
                        union = _merge(current, schema, entry.__getitem__)
                        if union is not None:
                            variants[number], placed[index] = union, (key, number)
                            break
                    else:
                        variants.append(schema)
                        placed[index] = (key, len(variants) - 1)
                merged.update({(key, number): v for number, v in enumerate(variants)})
            if placed == entry:
                break
            entry = placed
        return self._name_entries(entry, merged)

    def _name_entries(
        self,
        entry: Mapping[int, tuple[tuple[str, str, bool], int]],
        merged: Mapping[tuple[tuple[str, str, bool], int], dict[str, Any]],
    ) -> dict[str, dict[str, Any]]:
        members: dict[tuple[tuple[str, str, bool], int], list[_Shape]] = {}
        for index, where in entry.items():
            members.setdefault(where, []).append(self.shapes[index])
        for shapes in members.values():
            shapes.sort(key=lambda s: s.order)

        def wanted(where: tuple[tuple[str, str, bool], int]) -> str:
            (_, proposed, _), number = where
            if number == 0:
                return proposed
            operation = members[where][0].order[1].split("/")[2]
            return f"{proposed}For{operation}"

        # Bodies keep their names; then response shapes pick first so that a page-given name
        # stays on the response side (the side users read) and a request shape of the same
        # name becomes <Name>Input; any other clash gets 2, 3, ...
        order = sorted(
            members,
            key=lambda w: (min(s.rank for s in members[w]), w[0][0] != "response", w[1], wanted(w)),
        )
        taken: set[str] = set()
        defs: dict[str, dict[str, Any]] = {}
        for where in order:
            name = wanted(where)
            if name in taken and where[0][0] == "request":
                name += "Input"
            candidate, counter = name, 2
            while candidate in taken:
                candidate, counter = f"{name}{counter}", counter + 1
            taken.add(candidate)
            for shape in members[where]:
                shape.final = candidate
        for where in order:
            schema = self.resolve(merged[where])
            if all(s.rank == 2 for s in members[where]):
                schema["x-derived-name"] = True
            else:
                schema.pop("x-derived-name", None)
            defs[members[where][0].final] = schema
        return defs

    def resolve(self, value: Any) -> Any:
        if isinstance(value, _Placeholder):
            return f"#/$defs/{self.shapes[value.index].final}"
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value


def _canonical(value: Any, entry: Callable[[int], object]) -> Any:
    """What goes over the wire: descriptions dropped, children by the entry they landed in."""
    if isinstance(value, _Placeholder):
        return {"$entry": repr(entry(value.index))}
    if isinstance(value, dict):
        return {k: _canonical(v, entry) for k, v in value.items() if k not in _DESCRIPTIVE}
    if isinstance(value, list):
        return [_canonical(v, entry) for v in value]
    return value


def _merge(
    first: dict[str, Any], second: dict[str, Any], entry: Callable[[int], object]
) -> dict[str, Any] | None:
    """The union of two object shapes of the same name, or None when they conflict.

    Members of either are kept (first's order, then second's additions); a member is required
    only when both require it; a property present in both must carry the same wire schema,
    except that enum values are united and a fact one copy states and the other leaves out (an
    enum, a bound, a pattern) is kept: a page that states less is not a second shape.
    Anything else that differs (type, constraints, map values) is a conflict.
    """
    outer = ("properties", "required")
    if _canonical({k: v for k, v in first.items() if k not in outer}, entry) != _canonical(
        {k: v for k, v in second.items() if k not in outer}, entry
    ):
        return None
    first_props = first.get("properties", {})
    second_props = second.get("properties", {})
    properties: dict[str, Any] = {}
    for name, schema in first_props.items():
        if name not in second_props:
            properties[name] = schema
            continue
        union = _merge_property(schema, second_props[name], entry)
        if union is None:
            return None
        properties[name] = union
    properties.update({k: v for k, v in second_props.items() if k not in first_props})
    result = dict(first)
    if properties:
        result["properties"] = properties
    required = [r for r in first.get("required", []) if r in second.get("required", [])]
    if required:
        result["required"] = required
    else:
        result.pop("required", None)
    return result


def _merge_property(
    first: dict[str, Any], second: dict[str, Any], entry: Callable[[int], object]
) -> dict[str, Any] | None:
    """The union of one property's two schemas, or None when they conflict (see `_merge`)."""
    if _canonical(first, entry) == _canonical(second, entry):
        return first
    result: dict[str, Any] = {}
    for key in [*first, *(k for k in second if k not in first)]:
        if key not in second or key not in first:
            if key not in _STATED and key not in _DESCRIPTIVE:
                return None  # a wire difference (a type, a map's values), not a fact left out
            result[key] = first[key] if key in first else second[key]
            continue
        ours, theirs = first[key], second[key]
        if key in _DESCRIPTIVE or _canonical(ours, entry) == _canonical(theirs, entry):
            result[key] = ours
        elif key == "enum":
            result[key] = list(ours) + [v for v in theirs if v not in ours]
        elif isinstance(ours, dict) and isinstance(theirs, dict) and key in ("items",):
            inner = _merge_property(ours, theirs, entry)
            if inner is None:
                return None
            result[key] = inner
        else:
            return None
    return result


def _name_enums(service_id: str, defs: Mapping[str, dict[str, Any]]) -> None:
    """Titles from codegen/corrections/enum_names.json on the enums met at several places, so
    the emitter makes one class of them (keys are '<$defs name>.<property>'). A key may find no
    enum when the pages that state it are not parsed (`builds-codegen parse` of one page);
    tests/test_models.py checks that each names an enum of the bundled pages."""
    for key, name in _table("enum_names").get(service_id, {}).items():
        owner, _, prop = key.partition(".")
        schema = defs.get(owner, {}).get("properties", {}).get(prop)
        if isinstance(schema, dict) and schema.get("type") == "array":
            schema = schema.get("items")
        if isinstance(schema, dict) and "enum" in schema:
            schema["title"] = name


# ---------------------------------------------------------------------------------------------
# The whole document


def normalize(service_id: str, drafts: Iterable[tuple[str, Mapping[str, Any]]]) -> dict[str, Any]:
    """One service document from (source, page draft) pairs; `source` is relative to schemas/.

    Raises SchemaError when the drafts cannot make a valid document (e.g. two pages define the
    same operation), naming the pages.
    """
    facts = service_facts(service_id)
    service = {"id": service_id, **facts}
    operations: dict[str, dict[str, Any]] = {}
    ordered_drafts = sorted(drafts, key=lambda pair: pair[0])
    shapes = datatypes.collect(ordered_drafts)
    sources: list[str] = []
    for source, draft in ordered_drafts:
        sources.append(source)
        for name, op in draft.get("operations", {}).items():
            if name in operations:
                raise SchemaError(
                    f"operation {name} is defined by both {operations[name]['source']} and {source}"
                )
            operations[name] = _prepare(service_id, facts, name, op, source, shapes)
    hoister = _Hoister(_table("names").get(service_id, {}))
    placeholders: dict[tuple[str, str], _Placeholder] = {}
    for name in sorted(operations, key=lambda n: (operations[n]["source"], n)):
        op = operations[name]
        for side in SIDES:
            placeholders[name, side] = hoister.body(name, side, op[side], op["source"])
        for index, error in enumerate(op["errors"]):
            if isinstance(error.get("schema"), dict):
                error["schema"] = hoister.error(name, index, error, op["source"])
    defs = hoister.assign_names()
    _name_enums(service_id, defs)
    for (name, side), placeholder in placeholders.items():
        operations[name][side] = {"$ref": hoister.resolve(placeholder)}
    for op in operations.values():
        for error in op["errors"]:
            if "schema" in error:
                error["schema"] = hoister.resolve(error["schema"])
    doc = {
        "$schema": ir.JSON_SCHEMA_DIALECT,
        "x-format": ir.FORMAT,
        "service": service,
        "sources": sorted(sources),
        "operations": operations,
        "$defs": defs,
    }
    ordered = ir.ordered(doc)
    ir.validate(ordered)
    return ordered
