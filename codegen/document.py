"""One service document (schemas/<service>.json) as a typed object with its look-ups.

Every emitter (emit/emission.py, emit/operations.py, emit/resources.py) and the validator
(ir.py) ask this object instead of walking the JSON themselves: `$ref` resolution, which side
(request or response) each `$defs` entry belongs to, which shapes carry secrets, operations by
name. The document itself stays the plain JSON that ir.dumps writes (docs/schema-format.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

from pulumi_builds.codegen.errors import SchemaError

Side = Literal["request", "response"]
_MAX_REF_HOPS = 50


def walk(
    schema: Mapping[str, Any], path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], Mapping[str, Any]]]:
    """Every (path, schema) nested in `schema`, itself included, without following $refs."""
    yield path, schema
    for name, prop in schema.get("properties", {}).items():
        yield from walk(prop, (*path, "properties", name))
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), Mapping):
            yield from walk(schema[key], (*path, key))


def ref_name(schema: Mapping[str, Any]) -> str | None:
    """`Build` for `{"$ref": "#/$defs/Build"}`; None when the schema is not a $ref."""
    ref = schema.get("$ref")
    return str(ref).rsplit("/", 1)[-1] if ref is not None else None


def refs(schema: Mapping[str, Any]) -> list[str]:
    """Names of the $defs that `schema` refers to directly, in order of appearance."""
    return [name for _, sub in walk(schema) if (name := ref_name(sub)) is not None]


def reachable(defs: Mapping[str, Any], root: str) -> list[str]:
    """`root` and every $def it reaches, depth first, each once."""
    seen: list[str] = []
    stack = [root]
    while stack:
        name = stack.pop()
        if name in seen or name not in defs:
            continue
        seen.append(name)
        stack.extend(reversed(refs(defs[name])))
    return seen


def side_uses(doc: Mapping[str, Any]) -> Iterator[tuple[str, Side, tuple[str | int, ...]]]:
    """(def name, side, where it is used from) for every $def an operation reaches; error bodies
    count as responses. A def used from both sides is an invalid document (ir.validate)."""
    defs = doc.get("$defs", {})
    for op_name, op in doc.get("operations", {}).items():
        sides: tuple[Side, Side] = ("request", "response")
        for side in sides:
            root = ref_name(op[side]) if isinstance(op.get(side), Mapping) else None
            for name in reachable(defs, root) if root else []:
                yield name, side, ("operations", op_name, side)
        for index, error in enumerate(op.get("errors", [])):
            root = ref_name(error.get("schema", {}))
            for name in reachable(defs, root) if root else []:
                yield name, "response", ("operations", op_name, "errors", index)


@dataclass(frozen=True)
class EnvelopeGroup:
    """Response bodies that are one envelope around a varying member (docs/design.md,
    "Response envelopes"): every member but `member` is the same in all of them."""

    member: str  # the wire name of the varying member: `result`
    frame: Mapping[str, Any]  # a body's schema with `member` still listed, its schema not kept
    bodies: tuple[str, ...]  # the $defs names, sorted


@dataclass(frozen=True)
class Operation:
    """One entry of `operations`, with its request and response shapes by name."""

    name: str
    data: Mapping[str, Any]

    @property
    def request(self) -> str:
        return ref_name(self.data["request"]) or f"{self.name}Request"

    @property
    def response(self) -> str:
        return ref_name(self.data["response"]) or f"{self.name}Response"

    @property
    def summary(self) -> str:
        return str(self.data.get("summary", ""))

    @property
    def parameters(self) -> list[Mapping[str, Any]]:
        return list(self.data.get("parameters", []))

    @property
    def errors(self) -> list[Mapping[str, Any]]:
        return list(self.data.get("errors", []))

    @property
    def pagination(self) -> Mapping[str, Any]:
        return self.data.get("pagination") or {}

    @property
    def method(self) -> str:
        return str(self.data["http"]["method"])

    @property
    def path(self) -> str:
        return str(self.data["http"]["path"])

    @property
    def aws_target(self) -> str | None:
        target = self.data.get("awsTarget")
        return None if target is None else str(target)


class ServiceDocument:
    """A validated service document and the questions the emitters ask of it."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.service: Mapping[str, Any] = data["service"]
        self.defs: Mapping[str, Any] = data.get("$defs", {})
        self.operations: dict[str, Operation] = {
            name: Operation(name, op) for name, op in data.get("operations", {}).items()
        }

    @property
    def id(self) -> str:
        return str(self.service["id"])

    @property
    def title(self) -> str:
        return str(self.service.get("title", self.id))

    def operation(self, name: str) -> Operation:
        if name not in self.operations:
            raise SchemaError(
                f"schemas/mapping.json names operation {name!r}, which schemas/{self.id}.json "
                f"does not have (add its page under schemas/pages/)"
            )
        return self.operations[name]

    @cached_property
    def side_of(self) -> dict[str, Side]:
        """'request' or 'response' for every $def (the first use decides; ir.validate has
        refused documents where the two disagree)."""
        side_of: dict[str, Side] = {}
        for name, side, _ in side_uses(self.data):
            side_of.setdefault(name, side)
        return side_of

    def resolve(self, schema: Mapping[str, Any] | None) -> dict[str, Any]:
        """The schema itself, or the $def it refers to (through chains of $refs)."""
        for _ in range(_MAX_REF_HOPS):
            name = ref_name(schema) if schema else None
            if name is None:
                return dict(schema or {})
            if name not in self.defs:
                raise SchemaError(f"{self.id}: unknown $ref #/$defs/{name}")
            schema = self.defs[name]
        raise SchemaError(f"{self.id}: $ref cycle at {schema}")

    def request(self, operation: str) -> dict[str, Any]:
        """The resolved request schema of an operation."""
        return self.resolve(self.operation(operation).data["request"])

    def response(self, operation: str) -> dict[str, Any]:
        """The resolved response schema of an operation."""
        return self.resolve(self.operation(operation).data["response"])

    def at(self, schema: Mapping[str, Any], path: str | None) -> dict[str, Any]:
        """The schema at a dotted wire path ("" or None: the schema itself)."""
        current = self.resolve(schema)
        for part in [p for p in (path or "").split(".") if p]:
            current = self.resolve(current.get("properties", {}).get(part))
        return current

    @cached_property
    def envelopes(self) -> tuple[EnvelopeGroup, ...]:
        """Operation response bodies that differ in one member only, grouped (largest group
        first, then by member and frame text, so the choice is the same on every run).

        A body is a candidate when nothing else refers to it (it is only an operation's
        response); a group needs two bodies or more, a member besides the varying one, and
        varying members of different types (bodies that differ in descriptions only are not an
        envelope: CodeBuild's StartBuild, StopBuild, RetryBuild `{build}`). A body joins one
        group at most."""
        referenced = {name for schema in self.defs.values() for name in refs(schema)}
        errors = {
            ref_name(e.get("schema", {})) for op in self.operations.values() for e in op.errors
        }
        bodies = sorted(
            {op.response for op in self.operations.values()} & set(self.defs) - referenced - errors
        )
        groups: dict[tuple[str, str], list[str]] = {}
        varying: dict[tuple[str, str], set[str]] = {}
        for body in bodies:
            schema = self.defs[body]
            for member, sub in schema.get("properties", {}).items():
                key = (member, _frame_key(schema, member))
                groups.setdefault(key, []).append(body)
                varying.setdefault(key, set()).add(json.dumps(_typed(sub), sort_keys=True))
        candidates = sorted(
            (
                key
                for key, names in groups.items()
                if len(names) > 1
                and len(varying[key]) > 1
                and len(self.defs[names[0]]["properties"]) > 1
            ),
            key=lambda key: (-len(groups[key]), key),
        )
        taken: set[str] = set()
        chosen: list[EnvelopeGroup] = []
        for key in candidates:
            names = [name for name in groups[key] if name not in taken]
            if len(names) != len(groups[key]):
                continue  # a larger group claimed some of its bodies
            taken.update(names)
            member = key[0]
            chosen.append(EnvelopeGroup(member, _frame(self.defs[names[0]], member), tuple(names)))
        return tuple(chosen)

    def has_secret(self, name: str) -> bool:
        """True when the $def `name`, or any $def it reaches, has an `x-secret` field."""
        return any(
            sub.get("x-secret")
            for reached in reachable(self.defs, name)
            for _, sub in walk(self.defs[reached])
        )

    def contains_secret(self, schema: Mapping[str, Any] | None) -> bool:
        """True when the schema, or anything it reaches through $refs, is `x-secret`."""
        if not schema:
            return False
        own = any(sub.get("x-secret") for _, sub in walk(schema))
        return own or any(self.has_secret(name) for name in refs(schema))


def _frame(schema: Mapping[str, Any], member: str) -> dict[str, Any]:
    """A body without what varies between the copies of an envelope: the varying member's
    schema (its place and requiredness stay) and the body's own description and title."""
    frame = {k: v for k, v in schema.items() if k not in ("description", "title")}
    frame["properties"] = {
        name: ({} if name == member else sub) for name, sub in schema["properties"].items()
    }
    return frame


def _frame_key(schema: Mapping[str, Any], member: str) -> str:
    return json.dumps(_frame(schema, member), sort_keys=True)


def _typed(schema: Any) -> Any:
    """A schema without its descriptions: what makes two members' types the same."""
    if isinstance(schema, Mapping):
        return {k: _typed(v) for k, v in schema.items() if k != "description"}
    if isinstance(schema, list):
        return [_typed(v) for v in schema]
    return schema
