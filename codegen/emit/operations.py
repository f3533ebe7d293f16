"""The context of templates/operations.py.j2: each operation as Python literals."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_builds.codegen.document import ServiceDocument, ref_name
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


def operations_context(
    doc: ServiceDocument, attributes: Mapping[str, Mapping[str, str]]
) -> dict[str, Any]:
    """`attributes` maps class -> {wire name: attribute} as read from the generated models."""
    service = doc.service
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
    for name, op in doc.operations.items():
        request = op.request
        fields = attributes.get(request, {})
        parameters = []
        for param in op.parameters:
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
        for error in op.errors:
            entry = [("code", repr(error["code"]))]
            entry += [
                (key, repr(error[key]))
                for key in ("status", "title", "description")
                if key in error
            ]
            model = ref_name(error.get("schema", {}))
            if model is not None:
                entry.append(("model", "models." + model))
            errors.append(entry)
        pagination = None
        if op.pagination:
            pagination = [(_PAGINATION_KEYS[k], repr(v)) for k, v in op.pagination.items()]
        operations.append(
            {
                "name": name,
                "method": op.method,
                "path": op.path,
                "aws_target": op.aws_target,
                "request": request,
                "response": op.response,
                "parameters": parameters,
                "errors": errors,
                "pagination": pagination,
                "summary": op.summary,
            }
        )
    return {"service": service, "service_args": args, "operations": operations}
