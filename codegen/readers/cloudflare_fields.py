"""Turns a run of bullets into JSON Schema, recovering the nesting the one-line page lost.

Nesting is not visible once a page is folded onto one line, but the types carry it: a bullet typed
`object { a, b, 8 more }` is followed by exactly 10 member bullets (each possibly with its own
children), a union `"x" or "y" or 2 more` by 4 value bullets, `number or string` by one bullet per
variant. Reading depth-first with those counts gives back the tree; a count that cannot be met or
a member listed in `{ ... }` that does not come next means the page is truncated or garbled.
"""

from __future__ import annotations

from typing import Any

from pulumi_builds.codegen.readers.cloudflare_prose import apply_constraints
from pulumi_builds.codegen.readers.cloudflare_scan import Item, Positions
from pulumi_builds.codegen.readers.cloudflare_types import BulletType, Term, Union, parse_bullet

Schema = dict[str, Any]
Variant = tuple[Item, BulletType, Schema | None]
_JSON_TYPES = {"string": "string", "number": "number", "integer": "integer", "boolean": "boolean"}
# `unknown`: any JSON value. The service document has no `{}` schema, so it lists every type.
ANY_TYPES = ["object", "array", "string", "number", "boolean", "null"]


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
        # Bounds stated in prose ("Deploy hook name (1-58 characters).") hold wherever the field is.
        schema = apply_constraints({"description": item.detail, **schema}, item.detail)
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
        if term.value == "unknown":
            return {"type": list(ANY_TYPES)}
        return {"type": _JSON_TYPES[str(term.value)]}
    if term.kind == "named":
        return _named(term, bullets, owner)
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
            schema = _variant(item, variant, bullets, owner)
        found.append((item, variant, schema))
    if union.more and len(found) < wanted:
        raise bullets.pos.error(
            bullets.where(),
            f"{wanted - len(found)} more value bullet(s) of "
            f"{owner} (its type ends `or {union.more} more`)",
        )
    return found


def _named(term: Term, bullets: Bullets, owner: str) -> Schema:
    """A type the page names without members (`SortDirection`, `array of RecordResponse`).

    Its definition follows as bare bullets, with no count: values (`"asc"`) make an enum; variants
    (`ARecord = ARecord` and its members, `OpenpgpkeyRecord object { ... }`) make one object holding
    every variant's members (the service document has no `anyOf`), titled with the type's name.
    On a page with line breaks the definition ends where the indentation does.
    """
    holder = bullets.items[bullets.i - 1] if bullets.i else None
    depth = holder.indent if holder is not None else -1
    values: list[object] = []
    schemas: list[tuple[Schema, str]] = []
    while (following := bullets.peek()) is not None and following[1].name is None:
        if not _nested(following[0], depth):
            break
        item, variant = bullets.take()
        if all(m.kind == "literal" for m in variant.union.members) and not variant.alias:
            values.extend(m.value for m in variant.union.members)
        else:
            schemas.append((_variant(item, variant, bullets, owner), item.detail))
    if values and not schemas:
        return _literal_schema(values)
    if values:
        schemas.append((_literal_schema(values), ""))
    if not schemas:
        return {"title": term.title, "type": list(ANY_TYPES)}
    combined = _combine(schemas, False) if len(schemas) > 1 else schemas[0][0]
    if _types(combined)[:1] == ["object"]:
        combined = {"title": term.title, **{k: v for k, v in combined.items() if k != "title"}}
    return combined


def _variant(item: Item, variant: BulletType, bullets: Bullets, owner: str) -> Schema:
    """One bare variant bullet. `ARecord = ARecord` (the name given to itself) lists the
    variant's members as the `name: type` bullets nested under it; any other `X = type` or
    `X object { ... }` is read as its type says."""
    members = variant.union.members
    if not (variant.alias and len(members) == 1 and members[0].kind == "named"):
        schema = read_union(variant.union, bullets, owner)
        if variant.alias and _types(schema)[:1] == ["object"]:
            schema = {"title": variant.alias, **schema}
        return schema
    properties: dict[str, Schema] = {}
    required: list[str] = []
    while (following := bullets.peek()) is not None and following[1].name is not None:
        if not _nested(following[0], item.indent) or following[1].name in properties:
            break
        name, schema, is_required = read_field(bullets, f"a member of {variant.alias}")
        properties[name] = schema
        if is_required:
            required.append(name)
    result: Schema = {"title": variant.alias, "type": "object"}
    if properties:
        result["properties"] = properties
    if required:
        result["required"] = required
    return result


def _nested(item: Item, depth: int) -> bool:
    """Whether a bullet sits under one indented `depth`; unknown on a folded page (then yes)."""
    return depth < 0 or item.indent < 0 or item.indent > depth


def _types(schema: Schema) -> list[str]:
    kind = schema.get("type")
    return kind if isinstance(kind, list) else [kind] if isinstance(kind, str) else []


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
    """A union of several types: a type list when all are plain types, else their merge."""
    plain = all(set(s) <= {"type"} and isinstance(s.get("type"), str) for s, _ in schemas)
    notes = "; ".join(f"{s['type']}: {d}" if plain else d for s, d in schemas if d)
    if plain:
        types = [str(s["type"]) for s, _ in schemas] + (["null"] if nullable else [])
        combined: Schema = {"type": types}
    else:
        combined = _merge([s for s, _ in schemas], nullable)
    if notes:
        combined = {"description": notes, **combined}
    return combined


def _merge(variants: list[Schema], nullable: bool) -> Schema:
    """One schema admitting every variant, as the service document has no `anyOf`: the types in
    the order met (object first, since only an object's members can be kept), every object
    variant's members (required where all of them require it), enum values united when every
    variant is an enum, the first array's items."""
    types: list[str] = []
    for variant in variants:
        types.extend(t for t in _types(variant) if t not in types and t != "null")
    if "object" in types:
        types.remove("object")
        types.insert(0, "object")
    nullable = nullable or any("null" in _types(v) for v in variants)
    merged: Schema = {
        "type": types[0]
        if len(types) == 1 and not nullable
        else [*types, *(["null"] if nullable else [])]
    }
    objects = [v for v in variants if "object" in _types(v)]
    properties: dict[str, Schema] = {}
    for variant in objects:
        for name, member in variant.get("properties", {}).items():
            properties.setdefault(name, member)
    if properties:
        merged["properties"] = properties
    required = (
        [
            n
            for n in objects[0].get("required", [])
            if all(n in o.get("required", []) for o in objects)
        ]
        if objects and len(objects) == len(variants)
        else []
    )
    if required:
        merged["required"] = required
    maps = [v["additionalProperties"] for v in objects if "additionalProperties" in v]
    if maps and not properties:
        merged["additionalProperties"] = maps[0]
    if all("enum" in v for v in variants):
        values: list[object] = []
        for variant in variants:
            values.extend(x for x in variant["enum"] if x not in values)
        merged["enum"] = values
    arrays = [v["items"] for v in variants if isinstance(v.get("items"), dict)]
    if arrays:
        merged["items"] = arrays[0]
    return merged


def _nullable(schema: Schema, nullable: bool) -> Schema:
    if not nullable:
        return schema
    kind = schema.get("type")
    if isinstance(kind, str):
        return {**schema, "type": [kind, "null"]}
    if isinstance(kind, list):
        return schema if "null" in kind else {**schema, "type": [*kind, "null"]}
    return schema


def _is_null(term: Term) -> bool:
    return (term.kind == "keyword" and term.value == "null") or (
        term.kind == "literal" and term.value is None
    )
