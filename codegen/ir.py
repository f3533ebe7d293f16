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

from pulumi_builds.codegen import document
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
# Validation


def pointer(*parts: str | int) -> str:
    """A JSON pointer (RFC 6901) from path parts."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


class _Checker:
    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.doc = doc

    def fail(self, path: tuple[str | int, ...], rule: str) -> SchemaError:
        return SchemaError(f"{pointer(*path) or '/'}: {rule}")

    def expect(self, ok: bool, path: tuple[str | int, ...], rule: str) -> None:
        if not ok:
            raise self.fail(path, rule)

    def keys(
        self,
        value: Any,
        path: tuple[str | int, ...],
        allowed: Iterable[str],
        required: Iterable[str] = (),
    ) -> None:
        self.expect(isinstance(value, Mapping), path, "must be an object")
        allowed = tuple(allowed)
        for key in value:
            self.expect(
                key in allowed, (*path, key), f"unknown key (allowed: {', '.join(allowed)})"
            )
        for key in required:
            self.expect(key in value, (*path, key), "is required")

    def string(self, value: Any, path: tuple[str | int, ...], what: str = "a string") -> None:
        self.expect(isinstance(value, str) and value != "", path, f"must be {what}")

    def run(self) -> None:
        doc = self.doc
        self.keys(doc, (), TOP_KEYS, TOP_KEYS)
        self.expect(
            doc["$schema"] == JSON_SCHEMA_DIALECT, ("$schema",), f"must be {JSON_SCHEMA_DIALECT!r}"
        )
        self.expect(doc["x-format"] == FORMAT, ("x-format",), f"must be {FORMAT!r}")
        self.service(doc["service"])
        sources = doc["sources"]
        self.expect(isinstance(sources, list), ("sources",), "must be an array")
        for i, source in enumerate(sources):
            self.string(source, ("sources", i))
            self.expect(source.startswith("pages/"), ("sources", i), "must start with 'pages/'")
        self.expect(sources == sorted(set(sources)), ("sources",), "must be sorted and unique")
        self.expect(isinstance(doc["$defs"], Mapping), ("$defs",), "must be an object")
        for name, schema in doc["$defs"].items():
            self.expect(
                bool(DEF_NAME.fullmatch(name)),
                ("$defs", name),
                "name must be a PascalCase identifier",
            )
            self.schema(schema, ("$defs", name), top=True)
        self.expect(isinstance(doc["operations"], Mapping), ("operations",), "must be an object")
        for name, op in doc["operations"].items():
            self.operation(name, op)
        self.sides()

    def service(self, service: Any) -> None:
        path: tuple[str | int, ...] = ("service",)
        self.keys(service, path, SERVICE_KEYS, ("id", "title", "protocol", "auth"))
        self.expect(
            isinstance(service["id"], str) and bool(SERVICE_ID.fullmatch(service["id"])),
            (*path, "id"),
            "must be a snake_case service id",
        )
        self.string(service["title"], (*path, "title"))
        protocol = service["protocol"]
        self.expect(
            protocol in PROTOCOLS, (*path, "protocol"), f"must be one of {', '.join(PROTOCOLS)}"
        )
        self.expect(
            service["auth"] == PROTOCOLS[protocol],
            (*path, "auth"),
            f"must be {PROTOCOLS[protocol]!r} for protocol {protocol!r}",
        )
        if protocol == "aws-json-1.1":
            self.keys(service.get("aws"), (*path, "aws"), AWS_KEYS, AWS_KEYS)
            for key in AWS_KEYS:
                self.string(service["aws"][key], (*path, "aws", key))
            self.expect(
                "basePath" not in service, (*path, "basePath"), "only for protocol 'rest-json'"
            )
        else:
            self.expect("aws" not in service, (*path, "aws"), "only for protocol 'aws-json-1.1'")
            if "basePath" in service:
                base = service["basePath"]
                self.expect(
                    isinstance(base, str)
                    and (base == "" or base.startswith("/"))
                    and not base.endswith("/"),
                    (*path, "basePath"),
                    "must be '' or a path starting with '/' and not ending with '/'",
                )

    def operation(self, name: str, op: Any) -> None:
        path: tuple[str | int, ...] = ("operations", name)
        self.expect(bool(OPERATION_NAME.fullmatch(name)), path, "name must be PascalCase")
        self.keys(
            op,
            path,
            OPERATION_KEYS,
            (
                "summary",
                "http",
                "request",
                "response",
                "parameters",
                "errors",
                "pagination",
                "source",
            ),
        )
        self.expect(isinstance(op["summary"], str), (*path, "summary"), "must be a string")
        self.keys(op["http"], (*path, "http"), HTTP_KEYS, HTTP_KEYS)
        self.expect(
            op["http"]["method"] in METHODS,
            (*path, "http", "method"),
            f"must be one of {', '.join(METHODS)}",
        )
        self.expect(
            isinstance(op["http"]["path"], str) and op["http"]["path"].startswith("/"),
            (*path, "http", "path"),
            "must be a path starting with '/'",
        )
        service = self.doc["service"]
        if service["protocol"] == "aws-json-1.1":
            expected = f"{service['aws']['targetPrefix']}.{name}"
            self.expect(
                op.get("awsTarget") == expected, (*path, "awsTarget"), f"must be {expected!r}"
            )
        else:
            self.expect("awsTarget" not in op, (*path, "awsTarget"), "only for aws-json-1.1")
        bodies: dict[str, str] = {}
        for side, suffix in (("request", "Request"), ("response", "Response")):
            # `<Name>Request` / `<Name>Response`, or the shape a pin says the body is
            # (codegen/corrections/names.json, pointer ""): Cloud Foundry's GetBuild returns a Build.
            ref = op[side].get("$ref", "") if isinstance(op[side], Mapping) else ""
            target = ref.removeprefix("#/$defs/")
            self.expect(
                isinstance(op[side], Mapping) and set(op[side]) == {"$ref"} and target != ref,
                (*path, side),
                f"must be {{'$ref': '#/$defs/{name}{suffix}'}} (or a pinned shape)",
            )
            self.expect(target in self.doc["$defs"], (*path, side), f"$defs/{target} must exist")
            bodies[side] = target
        self.parameters(op["parameters"], path, self.doc["$defs"].get(bodies["request"], {}))
        self.errors(op["errors"], (*path, "errors"))
        self.pagination(op["pagination"], (*path, "pagination"))
        if "examples" in op:
            self.keys(op["examples"], (*path, "examples"), EXAMPLE_KEYS)
        self.expect(
            op["source"] in self.doc["sources"],
            (*path, "source"),
            "must be one of the document's sources",
        )

    def parameters(
        self, params: Any, path: tuple[str | int, ...], request: Mapping[str, Any]
    ) -> None:
        path = (*path, "parameters")
        self.expect(isinstance(params, list), path, "must be an array")
        properties = request.get("properties", {})
        names = [str(p.get("name")) for p in params if isinstance(p, Mapping)]
        self.expect(len(names) == len(set(names)), path, "parameter names must be unique")
        for i, param in enumerate(params):
            self.keys(param, (*path, i), PARAMETER_KEYS, ("name", "in", "required"))
            self.expect(
                param["name"] in properties,
                (*path, i, "name"),
                f"{param['name']!r} must be a property of the request schema",
            )
            self.expect(
                param["in"] in LOCATIONS, (*path, i, "in"), f"must be one of {', '.join(LOCATIONS)}"
            )
            self.expect(
                isinstance(param["required"], bool), (*path, i, "required"), "must be a boolean"
            )
            if param["in"] == "path":
                self.expect(
                    param["required"], (*path, i, "required"), "path parameters are required"
                )
        self.expect(
            sorted(names) == sorted(properties),
            path,
            "every request property needs exactly one parameter entry",
        )

    def errors(self, errors: Any, path: tuple[str | int, ...]) -> None:
        self.expect(isinstance(errors, list), path, "must be an array")
        for i, error in enumerate(errors):
            self.keys(error, (*path, i), ERROR_KEYS, ("code",))
            self.string(error["code"], (*path, i, "code"))
            if "status" in error:
                status = error["status"]
                self.expect(
                    isinstance(status, int) and 100 <= status <= 599,
                    (*path, i, "status"),
                    "must be an HTTP status code",
                )
            if "schema" in error:
                schema = error["schema"]
                self.schema(schema, (*path, i, "schema"), top="$ref" not in schema)

    def pagination(self, pagination: Any, path: tuple[str | int, ...]) -> None:
        if pagination is None:
            return
        self.keys(pagination, path, PAGINATION_KEYS, ("style",))
        style = pagination["style"]
        self.expect(
            style in PAGINATION_REQUIRED,
            (*path, "style"),
            f"must be one of {', '.join(PAGINATION_REQUIRED)}",
        )
        for key in PAGINATION_REQUIRED[style]:
            self.string(pagination.get(key), (*path, key), f"a string (required for {style!r})")

    def schema(self, schema: Any, path: tuple[str | int, ...], *, top: bool = False) -> None:
        self.keys(schema, path, (*SCHEMA_KEYS, *EXTENSIONS))
        if "$ref" in schema:
            ref = schema["$ref"]
            self.expect(
                isinstance(ref, str)
                and ref.startswith("#/$defs/")
                and ref[len("#/$defs/") :] in self.doc["$defs"],
                (*path, "$ref"),
                "must be '#/$defs/<Name>' naming an existing definition",
            )
            self.expect(
                set(schema) <= {"$ref", "description"},
                path,
                "a $ref may only be accompanied by 'description'",
            )
            return
        types = schema.get("type")
        type_list = types if isinstance(types, list) else [types]
        self.expect(
            bool(type_list) and all(t in TYPES for t in type_list),
            (*path, "type"),
            f"must be one of {', '.join(TYPES)} or a list of them",
        )
        self.expect(
            len(type_list) == len(set(type_list)) and "null" not in type_list[:-1],
            (*path, "type"),
            "a type list holds distinct types, 'null' last if present",
        )
        main = type_list[0]
        if "format" in schema:
            self.expect(
                schema["format"] in FORMATS and main == "string",
                (*path, "format"),
                f"must be one of {', '.join(FORMATS)} on a string",
            )
        if "enum" in schema:
            values = schema["enum"]
            self.expect(
                isinstance(values, list)
                and len(values) > 0
                and len(values) == len(set(map(json.dumps, values))),
                (*path, "enum"),
                "must be a non-empty array of distinct values",
            )
        if "properties" in schema:
            self.expect(main == "object", (*path, "properties"), "only on an object")
            self.expect(top, path, "a nested object with properties must be hoisted into $defs")
            for name, prop in schema["properties"].items():
                self.schema(prop, (*path, "properties", name))
        if "required" in schema:
            required = schema["required"]
            names = list(schema.get("properties", {}))
            self.expect(
                isinstance(required, list) and all(r in names for r in required),
                (*path, "required"),
                "must list names of properties",
            )
            self.expect(
                required == [n for n in names if n in required],
                (*path, "required"),
                "must be in property (page) order",
            )
        if "additionalProperties" in schema:
            self.expect(main == "object", (*path, "additionalProperties"), "only on an object")
            self.schema(schema["additionalProperties"], (*path, "additionalProperties"))
        if "propertyNames" in schema:
            names_schema = schema["propertyNames"]
            self.expect(
                main == "object"
                and isinstance(names_schema, Mapping)
                and names_schema.get("type") == "string",
                (*path, "propertyNames"),
                "must be a string schema, on an object (map keys)",
            )
            self.schema(names_schema, (*path, "propertyNames"))
        if "items" in schema or main == "array":
            self.expect(
                main == "array" and "items" in schema,
                (*path, "items"),
                "an array needs 'items' and 'items' needs an array",
            )
            self.schema(schema["items"], (*path, "items"))
        for key in ("minItems", "maxItems"):
            self.bound(schema, key, path, main == "array")
        for key in ("minLength", "maxLength"):
            self.bound(schema, key, path, main == "string")
        for key in ("minProperties", "maxProperties"):
            self.bound(schema, key, path, main == "object")
        for key in ("minimum", "maximum"):
            if key in schema:
                self.expect(
                    main in ("integer", "number") and isinstance(schema[key], int | float),
                    (*path, key),
                    "must be a number, on an integer or number",
                )
        if "pattern" in schema:
            self.expect(
                main == "string" and isinstance(schema["pattern"], str),
                (*path, "pattern"),
                "must be a string, on a string",
            )
            try:
                re.compile(schema["pattern"])
            except re.error as exc:
                raise self.fail(
                    (*path, "pattern"), f"is not a valid regular expression: {exc}"
                ) from exc
        if "x-secret" in schema:
            self.expect(
                schema["x-secret"] is True and main == "string",
                (*path, "x-secret"),
                "must be true, on a string",
            )
        if "x-timestamp" in schema:
            self.expect(
                schema["x-timestamp"] == "epoch-seconds" and main in ("integer", "number"),
                (*path, "x-timestamp"),
                "must be 'epoch-seconds', on a number",
            )
        if "x-enum-open" in schema:
            self.expect(
                schema["x-enum-open"] is True and "enum" in schema,
                (*path, "x-enum-open"),
                "must be true, next to 'enum'",
            )
        if "x-comma-list" in schema:
            self.expect(
                schema["x-comma-list"] is True and main == "array",
                (*path, "x-comma-list"),
                "must be true, on an array",
            )
        if "x-derived-name" in schema:
            self.expect(
                schema["x-derived-name"] is True and top,
                (*path, "x-derived-name"),
                "must be true, on a $defs entry",
            )

    def bound(
        self, schema: Mapping[str, Any], key: str, path: tuple[str | int, ...], ok: bool
    ) -> None:
        if key in schema:
            value = schema[key]
            self.expect(
                ok and isinstance(value, int) and not isinstance(value, bool) and value >= 0,
                (*path, key),
                "must be a non-negative integer of the matching type",
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
        for name in self.doc["$defs"]:
            self.expect(name in side_of, ("$defs", name), "is not used by any operation")
        for name, schema in self.doc["$defs"].items():
            for sub_path, sub in walk(schema, ("$defs", name)):
                if "x-enum-open" in sub:
                    self.expect(
                        side_of[name] == "response",
                        sub_path,
                        "x-enum-open is for response-side enums only",
                    )


# The schema walk lives with the typed document; `ir.walk` stays for the normalizer.
walk = document.walk


def validate(doc: Any) -> None:
    """Raise SchemaError naming the JSON pointer and the rule at the first problem in `doc`."""
    _Checker(doc).run()
