"""The service document (docs/schema-format.md): validation and the deterministic writer.

`validate(doc)` raises `SchemaError("<json pointer>: <rule>")` at the first rule a document breaks.
`dumps(doc)` writes the keys in the fixed order of the format, so the bytes depend only on the
content, never on the order a reader or the normalizer happened to build the dicts in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from pulumi_builds.codegen import document, meta_schema
from pulumi_builds.codegen.document import side_uses
from pulumi_builds.codegen.errors import SchemaError

FORMAT = "pulumi-builds/service/1"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

TOP_KEYS = ("$schema", "x-format", "service", "sources", "operations", "$defs")
SERVICE_KEYS = ("id", "title", "protocol", "aws", "basePath", "auth")
AWS_KEYS = ("targetPrefix", "signingName", "endpointPrefix")
OPERATION_KEYS = (
    "summary",
    "description",
    "http",
    "awsTarget",
    "request",
    "response",
    "parameters",
    "errors",
    "pagination",
    "examples",
    "source",
)
HTTP_KEYS = ("method", "path")
PARAMETER_KEYS = ("name", "in", "required", "style", "explode")
ERROR_KEYS = ("code", "status", "title", "description", "schema")
PAGINATION_KEYS = (
    "style",
    "inputToken",
    "outputToken",
    "pageParam",
    "sizeParam",
    "items",
    "info",
    "next",
)
PAGINATION_REQUIRED = {
    "token": ("inputToken", "outputToken"),
    "page": ("pageParam", "items"),
    "link": ("items", "next"),
}
EXAMPLE_KEYS = ("request", "response")
# Schema keywords in writing order; x- keys follow, sorted.
SCHEMA_KEYS = (
    "$ref",
    "title",
    "description",
    "type",
    "format",
    "enum",
    "properties",
    "required",
    "additionalProperties",
    "propertyNames",
    "items",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "default",
    "examples",
)
EXTENSIONS = ("x-comma-list", "x-derived-name", "x-enum-open", "x-secret", "x-timestamp")
TYPES = ("object", "array", "string", "integer", "number", "boolean", "null")
FORMATS = ("date-time", "uuid")
PROTOCOLS = {"aws-json-1.1": "aws-sigv4", "rest-json": "bearer"}
LOCATIONS = ("path", "query", "header", "body")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")
OPERATION_NAME = re.compile(r"[A-Z][A-Za-z0-9]*")
DEF_NAME = re.compile(r"[A-Z][A-Za-z0-9]*")
SERVICE_ID = re.compile(r"[a-z][a-z0-9_]*")


# ---------------------------------------------------------------------------------------------
# Writer


def _ordered(mapping: Mapping[str, Any], order: Iterable[str]) -> dict[str, Any]:
    """The keys of `order` first, in that order, then any other keys sorted (x- extensions)."""
    order = tuple(order)
    known = [key for key in order if key in mapping]
    rest = sorted(key for key in mapping if key not in order)
    return {key: mapping[key] for key in [*known, *rest]}


def order_schema(schema: Any) -> Any:
    if not isinstance(schema, Mapping):
        return schema
    result = _ordered(schema, SCHEMA_KEYS)
    if isinstance(result.get("properties"), Mapping):
        # Properties keep page order: only their inner keys are ordered.
        result["properties"] = {k: order_schema(v) for k, v in result["properties"].items()}
    for key in ("items", "additionalProperties", "propertyNames"):
        if isinstance(result.get(key), Mapping):
            result[key] = order_schema(result[key])
    return result


def _order_operation(op: Mapping[str, Any]) -> dict[str, Any]:
    result = _ordered(op, OPERATION_KEYS)
    if isinstance(result.get("http"), Mapping):
        result["http"] = _ordered(result["http"], HTTP_KEYS)
    for key in ("request", "response"):
        if isinstance(result.get(key), Mapping):
            result[key] = order_schema(result[key])
    result["parameters"] = [_ordered(p, PARAMETER_KEYS) for p in result.get("parameters", [])]
    errors = []
    for error in result.get("errors", []):
        error = _ordered(error, ERROR_KEYS)
        if isinstance(error.get("schema"), Mapping):
            error["schema"] = order_schema(error["schema"])
        errors.append(error)
    result["errors"] = errors
    if isinstance(result.get("pagination"), Mapping):
        result["pagination"] = _ordered(result["pagination"], PAGINATION_KEYS)
    if isinstance(result.get("examples"), Mapping):
        # Example bodies are wire JSON: their own key order is the page's and is kept.
        result["examples"] = _ordered(result["examples"], EXAMPLE_KEYS)
    return result


def ordered(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The document with every key in the order of the format (a copy; `doc` is not changed)."""
    result = _ordered(doc, TOP_KEYS)
    service = _ordered(result["service"], SERVICE_KEYS)
    if isinstance(service.get("aws"), Mapping):
        service["aws"] = _ordered(service["aws"], AWS_KEYS)
    result["service"] = service
    result["sources"] = sorted(result["sources"])
    result["operations"] = {
        name: _order_operation(result["operations"][name]) for name in sorted(result["operations"])
    }
    result["$defs"] = {
        name: order_schema(result["$defs"][name]) for name in sorted(result["$defs"])
    }
    return result


def dumps(doc: Mapping[str, Any]) -> str:
    """The bytes of `schemas/<service>.json` (as text): fixed key order, indent 2, final newline."""
    return json.dumps(ordered(doc), indent=2, sort_keys=False, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------------------------
# Validation: the meta-schema, then what it cannot say


def validate(doc: Any) -> None:
    """Raise SchemaError naming the JSON pointer and the rule at the first problem in `doc`: first
    the structural rules of codegen/service-document.schema.json, then the cross-references."""
    problem = meta_schema.first_problem(doc)
    if problem is not None:
        raise problem
    _CrossReferences(doc).run()


class _CrossReferences:
    """The rules of the format a JSON Schema cannot state: a name refers to something that exists,
    an order, parameters that cover their request, one side per $def (see docs/design.md)."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.doc = doc
        self.defs: Mapping[str, Any] = doc["$defs"]

    def expect(self, ok: bool, path: tuple[str | int, ...], rule: str) -> None:
        if not ok:
            raise SchemaError(f"{pointer(*path) or '/'}: {rule}")

    def run(self) -> None:
        sources = self.doc["sources"]
        self.expect(sources == sorted(sources), ("sources",), "must be sorted and unique")
        for name, schema in self.defs.items():
            self.shape(schema, ("$defs", name))
        for name, op in self.doc["operations"].items():
            self.operation(name, op)
        self.sides()

    def operation(self, name: str, op: Mapping[str, Any]) -> None:
        path: tuple[str | int, ...] = ("operations", name)
        service = self.doc["service"]
        if service["protocol"] == "aws-json-1.1":
            expected = f"{service['aws']['targetPrefix']}.{name}"
            self.expect(
                op.get("awsTarget") == expected, (*path, "awsTarget"), f"must be {expected!r}"
            )
        else:
            self.expect("awsTarget" not in op, (*path, "awsTarget"), "only for aws-json-1.1")
        # `<Name>Request` / `<Name>Response`, or the shape a pin says the body is
        # (codegen/corrections/names.json, pointer ""): Cloud Foundry's GetBuild returns a Build.
        for side in ("request", "response"):
            target = op[side]["$ref"].removeprefix("#/$defs/")
            self.expect(target in self.defs, (*path, side), f"$defs/{target} must exist")
        request = self.defs[op["request"]["$ref"].removeprefix("#/$defs/")]
        self.parameters(op["parameters"], (*path, "parameters"), request.get("properties", {}))
        for i, error in enumerate(op["errors"]):
            if "schema" in error:
                self.shape(error["schema"], (*path, "errors", i, "schema"))
        self.expect(
            op["source"] in self.doc["sources"],
            (*path, "source"),
            "must be one of the document's sources",
        )

    def parameters(
        self, params: list[Any], path: tuple[str | int, ...], properties: Mapping[str, Any]
    ) -> None:
        names = [param["name"] for param in params]
        self.expect(len(names) == len(set(names)), path, "parameter names must be unique")
        for i, name in enumerate(names):
            self.expect(
                name in properties,
                (*path, i, "name"),
                f"{name!r} must be a property of the request schema",
            )
        self.expect(
            sorted(names) == sorted(properties),
            path,
            "every request property needs exactly one parameter entry",
        )

    def shape(self, schema: Mapping[str, Any], path: tuple[str | int, ...]) -> None:
        for sub_path, sub in walk(schema, path):
            if "$ref" in sub:
                self.expect(
                    sub["$ref"].removeprefix("#/$defs/") in self.defs,
                    (*sub_path, "$ref"),
                    "must be '#/$defs/<Name>' naming an existing definition",
                )
            types = sub.get("type")
            if isinstance(types, list):
                self.expect(
                    "null" not in types[:-1],
                    (*sub_path, "type"),
                    "a type list holds distinct types, 'null' last if present",
                )
            if "required" in sub:
                names = list(sub.get("properties", {}))
                required = sub["required"]
                self.expect(
                    all(r in names for r in required),
                    (*sub_path, "required"),
                    "must list names of properties",
                )
                self.expect(
                    required == [n for n in names if n in required],
                    (*sub_path, "required"),
                    "must be in property (page) order",
                )

    def sides(self) -> None:
        """Each $def belongs to requests or to responses, never both (see docs/design.md)."""
        side_of: dict[str, str] = {}
        for def_name, side, where in side_uses(self.doc):
            previous = side_of.setdefault(def_name, side)
            other = "an error body" if "errors" in where else "a response"
            self.expect(
                previous == side,
                ("$defs", def_name),
                f"is used by both a request and {other}"
                + (
                    ""
                    if "errors" in where
                    else "; the normalizer must give each side its own definition"
                ),
            )
        for name in self.defs:
            self.expect(name in side_of, ("$defs", name), "is not used by any operation")
        for name, schema in self.defs.items():
            for sub_path, sub in walk(schema, ("$defs", name)):
                if "x-enum-open" in sub:
                    self.expect(
                        side_of[name] == "response",
                        sub_path,
                        "x-enum-open is for response-side enums only",
                    )


# The schema walk lives with the typed document, JSON pointers with the meta-schema's errors;
# `ir.walk` and `ir.pointer` stay for the normalizer.
walk = document.walk
pointer = meta_schema.pointer
