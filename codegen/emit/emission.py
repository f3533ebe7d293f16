"""Service document -> the JSON Schema handed to datamodel-code-generator.

The service document says what is on the wire; this adds how it becomes Python (docs/design.md):
the base class of each model (strict request / tolerant response, sensitive or not), the field
types datamodel-code-generator cannot infer (secrets, epoch and ISO timestamps), enums hoisted
under stable names (open ones listed for their base class), constrained list items as named
aliases, descriptions wrapped for docstrings, and response bodies that are one envelope around a
varying member (ServiceDocument.envelopes) emitted as one generic class and, per body, the varying
member alone (emit/models.py makes the body a subclass of the generic one). Response models keep types but not
constraints: a server that returns 101 items must not make the client fail.
"""

from __future__ import annotations

import copy
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi_builds.codegen import naming
from pulumi_builds.codegen.document import EnvelopeGroup, ServiceDocument, walk

BASE = "pulumi_builds.generated._base"
RESULT_TYPE_VAR = "ResultT"  # the type variable of generic envelopes, in _base.py
ENVELOPE_PROPERTY = "envelope"  # an envelope body's reference to its generic class (see build)
DOC_WIDTH = 88
_CONSTRAINTS = (
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
)
_PYTHON_TYPES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}
_FIELD_KEYWORDS = {
    "minLength": "min_length",
    "maxLength": "max_length",
    "pattern": "pattern",
    "minimum": "ge",
    "maximum": "le",
    "minItems": "min_length",
    "maxItems": "max_length",
}


@dataclass
class Emission:
    """What the model generator needs besides the schema."""

    schema: dict[str, Any]
    open_enums: set[str] = field(default_factory=set)
    # name -> (python type, Field(...) keyword text) for generated/<service>/_constrained.py
    aliases: dict[str, tuple[str, str]] = field(default_factory=dict)
    side_of: dict[str, str] = field(default_factory=dict)
    # generic envelope class -> the response body classes that are it around their own member
    envelopes: dict[str, tuple[str, ...]] = field(default_factory=dict)


def wrap(text: str) -> str:
    """Whitespace folded, paragraphs kept, lines short enough for docstrings."""
    paragraphs = [" ".join(p.split()) for p in text.replace("\r", "").split("\n\n")]
    return "\n\n".join(textwrap.fill(p, DOC_WIDTH) for p in paragraphs if p)


class _Builder:
    def __init__(self, doc: ServiceDocument, module: str) -> None:
        self.doc = doc
        self.module = module  # e.g. pulumi_builds.generated.aws_codebuild
        self.defs: dict[str, Any] = {}
        self.result = Emission(schema={}, side_of=dict(doc.side_of))
        self.names = set(doc.defs)
        self.titled: dict[tuple[str, bool], str] = {}  # (wanted name, open) -> enum class
        self.open_titles = {
            sub["title"]
            for schema in doc.defs.values()
            for _, sub in walk(schema)
            if "enum" in sub and sub.get("x-enum-open") and isinstance(sub.get("title"), str)
        }

    def unique(self, wanted: str, suffix: str) -> str:
        """A class or alias name not used yet: `wanted`, else `wanted+suffix`, else numbered."""
        name = wanted if wanted not in self.names else wanted + suffix
        candidate, counter = name, 2
        while candidate in self.names:
            candidate, counter = f"{name}{counter}", counter + 1
        self.names.add(candidate)
        return candidate

    def build(self) -> Emission:
        doc = self.doc
        descriptions = self.body_descriptions()
        # Envelope names are claimed first: they must not depend on the enums named below.
        member_of: dict[str, str] = {}
        envelope_of: dict[str, str] = {}
        for group in doc.envelopes:
            envelope = self.unique(naming.pascal(group.member) + "Envelope", "")
            self.envelope(envelope, group)
            self.result.envelopes[envelope] = group.bodies
            member_of.update(dict.fromkeys(group.bodies, group.member))
            envelope_of.update(dict.fromkeys(group.bodies, envelope))
        for name, schema in doc.defs.items():
            side = self.result.side_of[name]
            sensitive = doc.has_secret(name)
            base = ("Sensitive" if sensitive else "") + side.capitalize() + "Model"
            emitted: dict[str, Any] = {"type": "object", "customBasePath": f"{BASE}.{base}"}
            description = schema.get("description") or descriptions.get(name)
            if description:
                emitted["description"] = wrap(description)
            properties = schema.get("properties", {})
            if name in member_of:  # the envelope's other members come from the generic class
                properties = {member_of[name]: properties[member_of[name]]}
            emitted["properties"] = {
                prop: self.field(sub, name, prop, side) for prop, sub in properties.items()
            }
            if name in member_of:  # required here, so its type is read without `| None`
                emitted["required"] = [member_of[name]]
                # The body's class is `<Envelope>[<its member's type>]` (emit/models.py and its
                # template), which needs the envelope defined first: this reference (never
                # written as a field) is what tells datamodel-code-generator's ordering so.
                emitted["properties"][ENVELOPE_PROPERTY] = {"$ref": f"#/$defs/{envelope_of[name]}"}
            elif schema.get("required"):
                emitted["required"] = list(schema["required"])
            if not schema.get("properties") and "additionalProperties" in schema:
                emitted["additionalProperties"] = self.field(
                    schema["additionalProperties"], name, "value", side
                )
            self.defs[name] = emitted
        self.result.schema = {"$defs": dict(sorted(self.defs.items()))}
        return self.result

    def envelope(self, name: str, group: EnvelopeGroup) -> None:
        """The generic envelope: the members shared by the bodies, the varying one typed by
        the type variable `ResultT` (emit/models.py makes the class `Generic[ResultT]`, and each
        body `<Envelope>[<its member's type>]`)."""
        members = group.frame["properties"]
        shared = {k: v for k, v in members.items() if k != group.member}
        sensitive = any(self.doc.contains_secret(sub) for sub in shared.values())
        base = ("Sensitive" if sensitive else "") + "ResponseModel"
        properties = {
            prop: (
                {"customTypePath": f"{BASE}.{RESULT_TYPE_VAR}"}
                if prop == group.member
                else self.field(sub, name, prop, "response")
            )
            for prop, sub in members.items()
        }
        emitted: dict[str, Any] = {
            "type": "object",
            "customBasePath": f"{BASE}.{base}",
            "description": wrap(
                f"The envelope of {self.doc.title} responses: the same members around a "
                f"`{group.member}` of each operation's own type ({name}[T])."
            ),
            "properties": properties,
        }
        if group.frame.get("required"):
            emitted["required"] = list(group.frame["required"])
        self.defs[name] = emitted

    def body_descriptions(self) -> dict[str, str]:
        texts = {}
        for op_name, op in self.doc.operations.items():
            summary = op.summary.strip()
            texts[f"{op_name}Request"] = f"Input of {op_name}." + (f" {summary}" if summary else "")
            texts[f"{op_name}Response"] = f"Output of {op_name}."
        return texts

    def field(self, schema: Mapping[str, Any], owner: str, prop: str, side: str) -> dict[str, Any]:
        emitted = self.value(schema, owner, naming.pascal(prop), side, item=False)
        if schema.get("description"):
            emitted["description"] = wrap(schema["description"])
        return emitted

    def value(
        self, schema: Mapping[str, Any], owner: str, basis: str, side: str, item: bool
    ) -> dict[str, Any]:
        """The emitted schema of one value; `basis` names enums and aliases made for it."""
        if "$ref" in schema:
            return {"$ref": schema["$ref"]}
        types = schema.get("type")
        nullable = isinstance(types, list) and "null" in types
        kind = next((t for t in types if t != "null"), "null") if isinstance(types, list) else types
        emitted: dict[str, Any]
        if "enum" in schema and kind == "string":
            emitted = {"$ref": "#/$defs/" + self.enum(schema, owner, basis)}
            return {"anyOf": [emitted, {"type": "null"}]} if nullable else emitted
        emitted = {"type": copy.deepcopy(types)} if types else {}
        if "enum" in schema:
            emitted["enum"] = list(schema["enum"])
        if kind == "string":
            if schema.get("x-secret"):
                emitted["customTypePath"] = f"{BASE}.SecretString"
            elif schema.get("format") == "date-time":
                emitted["customTypePath"] = f"{BASE}.IsoDatetime"
            elif schema.get("format") == "uuid" and side == "request":
                emitted["format"] = "uuid"
        if kind in ("integer", "number") and schema.get("x-timestamp") == "epoch-seconds":
            emitted["customTypePath"] = f"{BASE}.EpochDatetime"
        if side == "request":
            constraints = {k: schema[k] for k in _CONSTRAINTS if k in schema}
            if constraints and item and kind in _PYTHON_TYPES and "customTypePath" not in emitted:
                # datamodel-code-generator turns a constrained list item into a RootModel class,
                # which callers cannot pass a plain str for; a named Annotated alias keeps str.
                return self.alias(schema, owner, basis, kind, constraints, nullable)
            emitted.update(constraints)
            if "default" in schema:
                emitted["default"] = copy.deepcopy(schema["default"])
        if kind == "array" and isinstance(schema.get("items"), Mapping):
            emitted["items"] = self.value(
                schema["items"],
                owner,
                naming.singular_pascal(basis) if not item else basis + "Item",
                side,
                item=True,
            )
        if kind == "object" and isinstance(schema.get("additionalProperties"), Mapping):
            emitted["additionalProperties"] = self.value(
                schema["additionalProperties"],
                owner,
                naming.singular_pascal(basis) if not item else basis + "Value",
                side,
                item=True,
            )
        return emitted

    def enum(self, schema: Mapping[str, Any], owner: str, basis: str) -> str:
        title = schema.get("title")
        if isinstance(title, str):  # one class for every enum given this name (normalize.py)
            return self.titled_enum(schema, title)
        name = self.unique(naming.join(owner, basis), "Enum")
        self.defs[name] = {"type": "string", "enum": list(schema["enum"])}
        if schema.get("x-enum-open"):
            self.result.open_enums.add(name)
        return name

    def titled_enum(self, schema: Mapping[str, Any], title: str) -> str:
        """The class of a named enum: response copies (open) take the name, request copies
        (closed) `<Name>Input` when a response copy exists; values united across the copies."""
        is_open = bool(schema.get("x-enum-open"))
        wanted = title if is_open or title not in self.open_titles else title + "Input"
        if (wanted, is_open) not in self.titled:
            self.titled[wanted, is_open] = self.unique(wanted, "Enum")
        name = self.titled[wanted, is_open]
        values = self.defs.setdefault(name, {"type": "string", "enum": []})["enum"]
        values += [value for value in schema["enum"] if value not in values]
        if is_open:
            self.result.open_enums.add(name)
        return name

    def alias(
        self,
        schema: Mapping[str, Any],
        owner: str,
        basis: str,
        kind: str,
        constraints: Mapping[str, Any],
        nullable: bool,
    ) -> dict[str, Any]:
        name = self.unique(naming.join(owner, basis), "Item")
        python_type = _PYTHON_TYPES[kind] + (" | None" if nullable else "")
        keywords = ", ".join(f"{_FIELD_KEYWORDS[k]}={v!r}" for k, v in constraints.items())
        self.result.aliases[name] = (python_type, keywords)
        return {"type": schema["type"], "customTypePath": f"{self.module}._constrained.{name}"}


def emission(doc: ServiceDocument) -> Emission:
    """The datamodel-code-generator input for one service document."""
    return _Builder(doc, f"pulumi_builds.generated.{doc.id}").build()
