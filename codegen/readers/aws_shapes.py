"""JSON Schemas from syntax-block nodes, refined by a listed member's "Type:" and constraint facts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pulumi_builds.codegen.readers import aws_facts as facts
from pulumi_builds.codegen.readers.aws_facts import Entry
from pulumi_builds.codegen.readers.aws_numbers import FLOAT, INTEGER, TIMESTAMP, number_schema
from pulumi_builds.codegen.readers.aws_syntax import Node
from pulumi_builds.codegen.readers.aws_text import Page

Schema = dict[str, Any]

_SCALARS: dict[str, tuple[str, Schema]] = {
    # "Type:" word (lower case, singular) -> (syntax node kind it must sit on, schema)
    "string": ("string", {"type": "string"}),
    "integer": ("number", INTEGER),
    "long": ("number", INTEGER),
    "double": ("number", FLOAT),
    "float": ("number", FLOAT),
    "timestamp": ("number", TIMESTAMP),
    "boolean": ("boolean", {"type": "boolean"}),
    "base64-encoded binary data object": ("blob", {"type": "string"}),
    "json value": ("any", {}),
}
# "Array of arrays of X objects" (CodeBuild CreateWebhook filterGroups): a list of lists.
_ARRAY = re.compile(r"(?i)arrays? of (.+)")
_MAP = re.compile(r"(?i)string to (.+) map")
_OBJECT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*) objects?")


@dataclass(frozen=True)
class TypeSpec:
    """A parsed "Type:" phrase. kind: scalar, array, map, object."""

    kind: str
    scalar: str = ""  # key of _SCALARS when kind == "scalar"
    title: str = ""  # shape name when kind == "object"
    inner: TypeSpec | None = None  # array item / map value

    @property
    def node_kind(self) -> str:
        return _SCALARS[self.scalar][0] if self.kind == "scalar" else self.kind


def parse_type(phrase: str) -> TypeSpec | None:
    """ "Array of Build objects" -> array of object Build; None when the phrase is not known."""
    phrase = phrase.strip().rstrip(".")
    lower = phrase.lower()
    for word in (lower, lower.removesuffix("s")):
        if word in _SCALARS:
            return TypeSpec("scalar", scalar=word)
    if lower.startswith("base64-encoded binary data object"):
        return TypeSpec("scalar", scalar="base64-encoded binary data object")
    if m := _ARRAY.fullmatch(phrase):
        inner = parse_type(m.group(1))
        return TypeSpec("array", inner=inner) if inner else None
    if m := _MAP.fullmatch(phrase):
        inner = parse_type(m.group(1))
        return TypeSpec("map", inner=inner) if inner else None
    if m := _OBJECT.fullmatch(phrase):
        return TypeSpec("object", title=m.group(1))
    return None


def fits(spec: TypeSpec, node: Node) -> bool:
    """Whether a Type phrase can describe this syntax node (used to check and to match names)."""
    if spec.kind == "scalar" and spec.scalar == "json value":
        return True
    if spec.node_kind != node.kind:
        # An object drawn empty (`{ }`) has no members to tell a map from a structure.
        return spec.kind == "map" and node.kind == "object" and not node.members
    if spec.inner is not None and node.item is not None:
        return fits(spec.inner, node.item)
    return True


def plain(node: Node, name: str, parent: str | None) -> Schema:
    """Schema of a node only the syntax block shows: structure and types, no constraints."""
    if node.kind == "object":
        schema: Schema = {"type": "object"}
        if node.members:
            schema["properties"] = {key: plain(child, key, name) for key, child in node.members}
        return schema
    if node.kind == "map":
        assert node.item is not None
        return {"type": "object", "additionalProperties": plain(node.item, name, parent)}
    if node.kind == "array":
        return {"type": "array", "items": plain(node.item, name, parent) if node.item else {}}
    if node.kind == "number":
        return number_schema(name, parent)
    if node.kind in ("string", "blob"):
        return {"type": "string"}
    if node.kind == "boolean":
        return {"type": "boolean"}
    return {}


def typed(spec: TypeSpec, node: Node, name: str) -> Schema:
    """Schema of a listed member: the Type phrase decides scalars and names the shapes."""
    if spec.kind == "scalar":
        return dict(_SCALARS[spec.scalar][1])
    if spec.kind == "object":
        # Members of a named shape resolve number exceptions against the shape's name.
        body = plain(node, spec.title, None)
        return {"title": spec.title, **body}
    assert spec.inner is not None
    if spec.kind == "array":
        items = typed(spec.inner, node.item, name) if node.item else {}
        return {"type": "array", "items": items}
    value = typed(spec.inner, node.item, name) if node.item else {}
    return {"type": "object", "additionalProperties": value}


def declared(spec: TypeSpec) -> Schema:
    """Schema of a Type phrase alone (data-type pages draw no syntax block): scalars typed,
    shapes by name only (their members are on their own pages)."""
    if spec.kind == "scalar":
        return dict(_SCALARS[spec.scalar][1])
    if spec.kind == "object":
        return {"title": spec.title, "type": "object"}
    assert spec.inner is not None
    if spec.kind == "array":
        return {"type": "array", "items": declared(spec.inner)}
    return {"type": "object", "additionalProperties": declared(spec.inner)}


def known_type(page: Page, entry: Entry) -> TypeSpec:
    """The parsed "Type:" fact of a listed member; a PageError when the phrase is unknown."""
    type_fact = entry.fact("Type")
    assert type_fact is not None  # split_entry guarantees one
    spec = parse_type(type_fact.value)
    if spec is None:
        raise page.error(
            type_fact.offset,
            "a known Type (String, Integer, Long, Double, Boolean, "
            "Timestamp, 'X object', 'Array of ...', 'String to ... map')",
            type_fact.value[:60],
        )
    return spec


def _innermost(schema: Schema) -> Schema:
    while schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        schema = schema["items"]
    return schema


def member_schema(page: Page, entry: Entry, node: Node) -> Schema:
    """A listed member's full schema: syntax structure + Type + constraints + description."""
    spec = known_type(page, entry)
    type_fact = entry.fact("Type")
    assert type_fact is not None
    if not fits(spec, node):
        line, column = page.where(node.offset)
        raise page.error(
            type_fact.offset,
            f"a Type matching member {entry.name!r} as drawn in the "
            f"syntax block at line {line}:{column} ({node.kind})",
            type_fact.value[:60],
        )
    schema = typed(spec, node, entry.name or "")
    for fact in entry.facts:
        constrain(page, schema, fact)
    if entry.description:
        title = {"title": schema.pop("title")} if "title" in schema else {}
        schema = {**title, "description": entry.description, **schema}
    return schema


def constrain(page: Page, schema: Schema, fact: facts.Fact) -> None:
    """Adds what one constraint fact (Length Constraints, Valid Values, ...) says to `schema`."""
    label = fact.label
    if label in ("Type", "Required"):
        return
    if label == "Array Members":
        schema.update(facts.items(page, fact, ("minItems", "maxItems")))
    elif label == "Map Entries":
        schema.update(facts.items(page, fact, ("minProperties", "maxProperties")))
    elif label.startswith("Key "):
        names = schema.setdefault("propertyNames", {"type": "string"})
        constrain(page, names, facts.Fact(label[4:], fact.value, fact.offset))
    elif label.startswith("Value "):
        value = schema.get("additionalProperties")
        if isinstance(value, dict):
            constrain(page, value, facts.Fact(label[6:], fact.value, fact.offset))
    else:
        target = _innermost(schema)
        if label == "Length Constraints":
            target.update(facts.length(page, fact))
        elif label == "Pattern":
            if not fact.value:
                raise page.error(fact.offset, "a regular expression after 'Pattern:'")
            target["pattern"] = fact.value
        elif label == "Valid Values":
            target["enum"] = facts.enum(page, fact)
        elif label == "Valid Range":
            target.update(facts.value_range(page, fact))
