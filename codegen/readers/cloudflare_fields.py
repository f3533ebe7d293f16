"""Turns a run of bullets into JSON Schema, recovering the nesting the one-line page lost.

Nesting is not visible once a page is folded onto one line, but the types carry it: a bullet typed
`object { a, b, 8 more }` is followed by exactly 10 member bullets (each possibly with its own
children), a union `"x" or "y" or 2 more` by 4 value bullets, `number or string` by one bullet per
variant. Reading depth-first with those counts gives back the tree; a count that cannot be met or
a member listed in `{ ... }` that does not come next means the page is truncated or garbled.
"""

from __future__ import annotations

from typing import Any

from codegen.readers.cloudflare_scan import Item, Positions
from codegen.readers.cloudflare_types import BulletType, Term, Union, parse_bullet

Schema = dict[str, Any]
Variant = tuple[Item, BulletType, Schema | None]
_JSON_TYPES = {"string": "string", "number": "number", "integer": "integer", "boolean": "boolean"}


class Bullets:
    """A cursor over the bullets of one section."""

    def __init__(self, items: list[Item], pos: Positions, end_offset: int) -> None:
        self.items, self.pos, self.i = items, pos, 0
        self.end_offset = end_offset  # where the section ends, for "ran out of bullets" errors

    def done(self) -> bool:
        return self.i >= len(self.items)

    def peek(self) -> tuple[Item, BulletType] | None:
        if self.done():
            return None
        item = self.items[self.i]
        return item, parse_bullet(item.text, item.text_offset, self.pos)

    def take(self) -> tuple[Item, BulletType]:
        found = self.peek()
        assert found is not None
        self.i += 1
        return found

    def where(self) -> int:
        return self.items[self.i].offset if not self.done() else self.end_offset


def read_field(bullets: Bullets, context: str) -> tuple[str, Schema, bool]:
    """Read one `name: [optional] type` bullet and everything nested under it."""
    if bullets.done():
        raise bullets.pos.error(bullets.end_offset, context, "end of section")
    item, bullet = bullets.take()
    if bullet.name is None:
        raise bullets.pos.error(item.offset, f"{context} (a `name: type` bullet)", item.text)
    schema = read_union(bullet.union, bullets, f"`{bullet.name}`")
    if item.detail:
        schema = {"description": item.detail, **schema}
    return bullet.name, schema, not bullet.optional


def read_type_bullet(bullets: Bullets) -> Schema:
    """Read a bullet that is a bare type (the whole response, e.g. `Build object { ... }`)."""
    item, bullet = bullets.take()
    schema = read_union(bullet.union, bullets, "the returned type")
    if item.detail:
        schema = {"description": item.detail, **schema}
    return schema


def read_union(union: Union, bullets: Bullets, owner: str) -> Schema:
    nullable = any(_is_null(m) for m in union.members)
    members = [m for m in union.members if not _is_null(m)]
    literals = [m for m in members if m.kind == "literal"]
    if not literals and not union.more and len(members) == 1:
        return _nullable(read_term(members[0], bullets, owner), nullable)
    variants = _variant_bullets(union, bullets, owner)
    if len(literals) == len(members):
        return _enum(union, literals, variants, bullets, owner, nullable)
    if variants:
        schemas = [
            (schema or read_union(v.union, bullets, owner), item.detail)
            for item, v, schema in variants
        ]
    else:
        schemas = [(read_term(m, bullets, owner), "") for m in members]
    return _combine(schemas, nullable)


def read_term(term: Term, bullets: Bullets, owner: str) -> Schema:
    if term.kind == "keyword":
        return {"type": _JSON_TYPES[str(term.value)]} if term.value != "unknown" else {}
    if term.kind == "literal":
        return _literal_schema([term.value])
    if term.kind == "array":
        assert term.inner is not None
        return {"type": "array", "items": read_union(term.inner, bullets, owner)}
    if term.kind == "map":
        assert term.inner is not None
        return {"type": "object", "additionalProperties": read_union(term.inner, bullets, owner)}
    return _object(term, bullets, owner)


def _object(term: Term, bullets: Bullets, owner: str) -> Schema:
    properties: dict[str, Schema] = {}
    required: list[str] = []
    listed = ", ".join(term.names + ([f"{term.more} more"] if term.more else []))
    for index in range(term.member_count):
        expected = f"member {index + 1} of {term.member_count} of {owner} (object {{ {listed} }})"
        if index < len(term.names):
            expected = f"member `{term.names[index]}` of {owner} (object {{ {listed} }})"
        at = bullets.where()
        name, schema, is_required = read_field(bullets, expected)
        if index < len(term.names) and name != term.names[index]:
            raise bullets.pos.error(at, expected, name)
        if name in properties:
            raise bullets.pos.error(at, f"a member of {owner} not listed before", name)
        properties[name] = schema
        if is_required:
            required.append(name)
    result: Schema = {"type": "object"}
    if term.title:
        result = {"title": term.title, **result}
    if properties:
        result["properties"] = properties
    if required:
        result["required"] = required
    return result


def _variant_bullets(union: Union, bullets: Bullets, owner: str) -> list[Variant]:
    """The bare bullets listing a union's variants (`"success"`, `number`), if the page has them.

    A variant that is itself an object lists its members right after its own bullet, so each
    variant is read in full before the next one is looked for.
    """
    wanted = union.variant_count - sum(1 for m in union.members if _is_null(m))
    found: list[Variant] = []
    while len(found) < wanted:
        following = bullets.peek()
        if following is None or following[1].name is not None:
            break
        item, variant = bullets.take()
        schema = None
        if not all(m.kind == "literal" for m in variant.union.members):
            schema = read_union(variant.union, bullets, owner)
        found.append((item, variant, schema))
    if union.more and len(found) < wanted:
        raise bullets.pos.error(
            bullets.where(),
            f"{wanted - len(found)} more value bullet(s) of "
            f"{owner} (its type ends `or {union.more} more`)",
        )
    return found


def _enum(
    union: Union,
    literals: list[Term],
    variants: list[Variant],
    bullets: Bullets,
    owner: str,
    nullable: bool,
) -> Schema:
    values = [t.value for t in literals]
    if variants:
        listed = values
        values = []
        for index, (item, variant, _) in enumerate(variants):
            terms = variant.union.members
            if len(terms) != 1 or terms[0].kind != "literal":
                raise bullets.pos.error(item.offset, f"a quoted value of {owner}", item.text)
            value = terms[0].value
            if index < len(listed) and value != listed[index]:
                raise bullets.pos.error(
                    item.offset, f"the value {listed[index]!r} of {owner}", item.text
                )
            values.append(value)
        if len(values) < len(listed):
            missing = listed[len(values)]
            raise bullets.pos.error(bullets.where(), f"the value {missing!r} of {owner}")
    schema = _literal_schema(values)
    if nullable:
        schema["type"] = [schema["type"], "null"]
        schema["enum"] = [*values, None]
    return schema


def _literal_schema(values: list[object]) -> Schema:
    kinds = {type(v) for v in values}
    if kinds == {bool}:
        json_type = "boolean"
    elif kinds == {int}:
        json_type = "integer"
    elif kinds <= {int, float}:
        json_type = "number"
    else:
        json_type = "string"
    return {"type": json_type, "enum": list(values)}


def _combine(schemas: list[tuple[Schema, str]], nullable: bool) -> Schema:
    """A union of several types: a type list when all are plain types, else anyOf."""
    plain = all(set(s) <= {"type"} and isinstance(s.get("type"), str) for s, _ in schemas)
    notes = "; ".join(f"{s['type']}: {d}" if plain else d for s, d in schemas if d)
    if plain:
        types = [str(s["type"]) for s, _ in schemas] + (["null"] if nullable else [])
        combined: Schema = {"type": types}
    else:
        variants = [s for s, _ in schemas] + ([{"type": "null"}] if nullable else [])
        combined = {"anyOf": variants}
    if notes:
        combined = {"description": notes, **combined}
    return combined


def _nullable(schema: Schema, nullable: bool) -> Schema:
    if not nullable:
        return schema
    kind = schema.get("type")
    if isinstance(kind, str):
        return {**schema, "type": [kind, "null"]}
    if not schema:
        return schema  # `unknown` already admits null
    return {"anyOf": [schema, {"type": "null"}]}


def _is_null(term: Term) -> bool:
    return (term.kind == "keyword" and term.value == "null") or (
        term.kind == "literal" and term.value is None
    )
