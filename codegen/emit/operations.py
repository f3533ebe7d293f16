"""The context of templates/operations.py.j2: each operation as Python literals."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_builds.codegen.errors import SchemaError

_PAGINATION_KEYS = {
    "style": "style",
    "inputToken": "input_token",
    "outputToken": "output_token",
    "pageParam": "page_param",
    "sizeParam": "size_param",
    "items": "items",
    "info": "info",
    "next": "next",
}


def _ref_name(ref: Mapping[str, Any]) -> str:
    return str(ref["$ref"]).split("/")[-1]


def operations_context(
    doc: Mapping[str, Any], attributes: Mapping[str, Mapping[str, str]]
) -> dict[str, Any]:
    """`attributes` maps class -> {wire name: attribute} as read from the generated models."""
    service = doc["service"]
    args: list[tuple[str, str]] = [
        ("id", repr(service["id"])),
        ("title", repr(service["title"])),
        ("protocol", repr(service["protocol"])),
        ("auth", repr(service["auth"])),
    ]
    if "basePath" in service:
        args.append(("base_path", repr(service["basePath"])))
    if "aws" in service:
        args += [
            ("target_prefix", repr(service["aws"]["targetPrefix"])),
            ("signing_name", repr(service["aws"]["signingName"])),
            ("endpoint_prefix", repr(service["aws"]["endpointPrefix"])),
        ]
    operations = []
    for name, op in doc["operations"].items():
        request = _ref_name(op["request"])
        fields = attributes.get(request, {})
        parameters = []
        for param in op["parameters"]:
            if param["name"] not in fields:
                raise SchemaError(f"{name}: parameter {param['name']!r} has no field in {request}")
            entry = [
                ("name", repr(param["name"])),
                ("attribute", repr(fields[param["name"]])),
                ("location", repr(param["in"])),
                ("required", repr(param["required"])),
            ]
            entry += [(key, repr(param[key])) for key in ("style", "explode") if key in param]
            parameters.append(entry)
        errors = []
        for error in op["errors"]:
            entry = [("code", repr(error["code"]))]
            entry += [
                (key, repr(error[key]))
                for key in ("status", "title", "description")
                if key in error
            ]
            if "$ref" in error.get("schema", {}):
                entry.append(("model", "models." + _ref_name(error["schema"])))
            errors.append(entry)
        pagination = None
        if op.get("pagination"):
            pagination = [(_PAGINATION_KEYS[k], repr(v)) for k, v in op["pagination"].items()]
        operations.append(
            {
                "name": name,
                "method": op["http"]["method"],
                "path": op["http"]["path"],
                "aws_target": op.get("awsTarget"),
                "request": request,
                "response": _ref_name(op["response"]),
                "parameters": parameters,
                "errors": errors,
                "pagination": pagination,
                "summary": op.get("summary", ""),
            }
        )
    return {"service": service, "service_args": args, "operations": operations}
