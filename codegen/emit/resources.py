"""Pulumi resource classes and functions from a service document and the declarative mapping.

`schemas/mapping.json` says, per service, which operation triggers a build, which reads, stops or
retries it, where its id and status are and which fields become outputs, and which operations
become functions. Everything typed (inputs, outputs, docstrings, constraints) comes from the
service document. The result is `generated/<service>/resources.py`, rendered from
`templates/resources.py.j2`, and `generated/<service>/_inputs.py` (emit/inputs.py) with the typed
nested inputs; the runtime it calls is hand-written in `pulumi_builds/`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi_builds.codegen.emit.inputs import InputTypes
from pulumi_builds.codegen.emit.templating import render as render_template
from pulumi_builds.codegen.errors import SchemaError
from pulumi_builds.codegen.naming import snake

_SCALARS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}


@dataclass
class Param:
    name: str  # Python name
    wire: str  # dotted wire path
    annotation: str  # Python type of the Input
    required: bool
    description: str
    secret: bool = False
    transform: str = "value"
    item_defaults: dict[str, Any] = field(default_factory=dict)
    context: bool = False
    sent: bool = True
    # The type a program passes (typed nested inputs, enums); `annotation` is the state's type.
    input_annotation: str = ""

    @property
    def accepts(self) -> str:
        return self.input_annotation or self.annotation


@dataclass
class Output:
    name: str
    wire: str
    annotation: str
    description: str
    secret: bool
    timestamp: bool = False


class _Doc:
    """Schema look-ups in one service document ($refs resolved)."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.doc = doc
        self.defs: Mapping[str, Any] = doc.get("$defs", {})

    def resolve(self, schema: Mapping[str, Any] | None) -> dict[str, Any]:
        seen = 0
        while schema and "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            if name not in self.defs:
                raise SchemaError(f"{self.doc['service']['id']}: unknown $ref {schema['$ref']}")
            schema = self.defs[name]
            seen += 1
            if seen > 50:
                raise SchemaError(f"$ref cycle at {name}")
        return dict(schema or {})

    def operation(self, name: str) -> Mapping[str, Any]:
        ops = self.doc.get("operations", {})
        if name not in ops:
            raise SchemaError(
                f"schemas/mapping.json names operation {name!r}, which schemas/{self.doc['service']['id']}.json "
                f"does not have (add its page under schemas/pages/)"
            )
        return ops[name]

    def request(self, op: str) -> dict[str, Any]:
        return self.resolve(self.operation(op)["request"])

    def response(self, op: str) -> dict[str, Any]:
        return self.resolve(self.operation(op)["response"])

    def contains_secret(self, schema: Mapping[str, Any] | None, depth: int = 0) -> bool:
        """True when the schema or anything inside it is flagged `x-secret`."""
        schema = self.resolve(schema)
        if schema.get("x-secret") or depth > 20:
            return bool(schema.get("x-secret"))
        children = [*schema.get("properties", {}).values()]
        for key in ("items", "additionalProperties"):
            if isinstance(schema.get(key), dict):
                children.append(schema[key])
        return any(self.contains_secret(child, depth + 1) for child in children)

    def at(self, schema: Mapping[str, Any], path: str) -> dict[str, Any]:
        """The schema at a dotted wire path ("" or None: the schema itself)."""
        schema = self.resolve(schema)
        for part in [p for p in (path or "").split(".") if p]:
            schema = self.resolve(schema.get("properties", {}).get(part))
        return schema

    def annotation(self, schema: Mapping[str, Any] | None, *, as_input: bool) -> str:
        schema = self.resolve(schema)
        types = schema.get("type")
        nullable = isinstance(types, list) and "null" in types
        kind = next((t for t in types if t != "null"), None) if isinstance(types, list) else types
        if kind in _SCALARS:
            text = _SCALARS[kind]
        elif kind == "array":
            inner = self.annotation(schema.get("items"), as_input=as_input)
            text = f"Sequence[{inner}]" if as_input else f"list[{inner}]"
        elif kind == "object" or "properties" in schema or "additionalProperties" in schema:
            extra = schema.get("additionalProperties")
            value = (
                self.annotation(extra, as_input=as_input)
                if isinstance(extra, dict) and not schema.get("properties")
                else "Any"
            )
            text = f"Mapping[str, {value}]" if as_input else f"dict[str, {value}]"
        else:
            text = "Any"
        return f"{text} | None" if nullable and not as_input else text


def _doc_text(schema: Mapping[str, Any]) -> str:
    text = " ".join(str(schema.get("description") or "").split())
    return text.replace('"""', "'''").replace("\\", "\\\\")


def _inputs(doc: _Doc, entry: Mapping[str, Any]) -> list[Param]:
    trigger = entry["trigger"]
    request = doc.request(trigger["operation"])
    rules = entry.get("inputs", {})
    rename: Mapping[str, str] = rules.get("rename", {})
    transforms: Mapping[str, Any] = rules.get("transform", {})
    secret: set[str] = set(rules.get("secret", []))
    context: set[str] = set(entry.get("context", []))
    skip = {trigger.get("idempotencyToken")} - {None}
    nested = {path.split(".")[0]: path for path in rename if "." in path}
    required = set(request.get("required", []))
    params: list[Param] = []
    for wire, prop in request.get("properties", {}).items():
        if wire in skip:
            continue
        wires = [nested[wire]] if wire in nested else [wire]
        for path in wires:
            schema = doc.at(request, path)
            transform = transforms.get(path, {})
            if transform.get("kind") == "name_value_list":
                annotation = f"Mapping[str, {_SCALARS[transform.get('valueType', 'string')]}]"
            else:
                annotation = doc.annotation(schema, as_input=True)
            params.append(
                Param(
                    name=rename.get(path) or snake(path.replace(".", "_")),
                    wire=path,
                    annotation=annotation,
                    required=wire in required,
                    description=_doc_text(schema) or _doc_text(doc.resolve(prop)),
                    secret=path in secret or doc.contains_secret(schema),
                    transform=transform.get("kind", "value"),
                    item_defaults=dict(transform.get("itemDefaults", {})),
                    context=wire in context,
                )
            )
    for name, extra in entry.get("extraInputs", {}).items():
        params.append(
            Param(
                name, name, _SCALARS[extra["type"]], False, extra.get("description", ""), sent=False
            )
        )
    # Required inputs first (keyword-only, so order is only for reading), then page order.
    return sorted(params, key=lambda p: not p.required)


def _outputs(doc: _Doc, entry: Mapping[str, Any]) -> list[Output]:
    read = entry["read"]
    response = doc.response(read["operation"])
    if read.get("items"):
        item = doc.at(response, read["items"]).get("items", {})
    else:
        item = doc.at(response, read.get("object") or "")
    outs = []
    for name, wire in entry["outputs"].items():
        schema = doc.at(item, wire)
        if not schema:
            raise SchemaError(
                f"mapping output {name!r}: no field {wire!r} in the {read['operation']} response"
            )
        annotation = doc.annotation(schema, as_input=False)
        timestamp = bool(schema.get("x-timestamp")) or schema.get("format") == "date-time"
        if timestamp:
            annotation = "str"  # timestamps are kept in the state as ISO 8601 text
        outs.append(
            Output(
                name, wire, annotation, _doc_text(schema), doc.contains_secret(schema), timestamp
            )
        )
    return outs


def _function_params(doc: _Doc, fn: Mapping[str, Any]) -> list[Param]:
    request = doc.request(fn["operation"])
    required = set(request.get("required", []))
    batch = fn.get("batch", {}).get("param")
    params = []
    for wire, prop in request.get("properties", {}).items():
        schema = doc.resolve(prop)
        params.append(
            Param(
                name=snake(wire),
                wire=wire,
                annotation=doc.annotation(schema, as_input=True),
                required=wire in required,
                description=_doc_text(schema)
                + (
                    " Any number: the call is split into batches the service accepts."
                    if wire == batch
                    else ""
                ),
            )
        )
    return sorted(params, key=lambda p: not p.required)


def _pagination(doc: _Doc, fn: Mapping[str, Any]) -> dict[str, Any]:
    if not fn.get("pages"):
        return {}
    pagination = doc.operation(fn["operation"]).get("pagination") or {}
    if not pagination:
        raise SchemaError(
            f"function {fn['operation']} follows pages but the operation has no pagination"
        )
    total = (
        "pagination.total_pages" if pagination.get("style") == "link" else "result_info.total_pages"
    )
    return {
        "page_param": pagination.get("pageParam", "page"),
        "items": pagination.get("items"),
        "total_pages": total,
    }


def _typed_inputs(params: list[Param], request_model: str, types: InputTypes) -> None:
    """Give every input sent as is the type the generated models give its field."""
    for param in params:
        if param.sent and param.transform == "value":
            param.input_annotation = types.field_annotation(request_model, param.wire)


def render(doc: Mapping[str, Any], mapping: Mapping[str, Any], types: InputTypes) -> str | None:
    """The source of generated/<service>/resources.py, or None when the mapping has nothing for it.

    `types` collects the nested input types the resources use (for `_inputs.py`).
    """
    service = doc["service"]["id"]
    entry = mapping.get("services", {}).get(service)
    if not entry or not (entry.get("resources") or entry.get("functions")):
        return None
    d = _Doc(doc)
    resources = []
    for name, res in sorted(entry.get("resources", {}).items()):
        inputs, outs = _inputs(d, res), _outputs(d, res)
        _typed_inputs(inputs, f"{res['trigger']['operation']}Request", types)
        clash = sorted({p.name for p in inputs} & {o.name for o in outs})
        if clash:
            # One name for an input and an output would make every refresh look like a change.
            raise SchemaError(f"mapping {service}.{name}: outputs {clash} are also input names")
        resources.append(
            {
                "name": name,
                "entry": res,
                "inputs": inputs,
                "outputs": outs,
            }
        )
    functions = []
    for name, fn in sorted(entry.get("functions", {}).items()):
        op = d.operation(fn["operation"])
        functions.append(
            {
                "name": name,
                "fn": fn,
                "params": _function_params(d, fn),
                "pages": _pagination(d, fn),
                "secret": d.contains_secret(d.response(fn["operation"])),
                "summary": _doc_text({"description": op.get("summary", "")}),
            }
        )
    used = sorted(
        {t for r in resources for p in r["inputs"] for t in _input_names(p.accepts, types)}
    )
    return render_template(
        "resources.py.j2",
        service=service,
        title=doc["service"].get("title", service),
        resources=resources,
        functions=functions,
        input_types=used,
    )


def _input_names(annotation: str, types: InputTypes) -> list[str]:
    """The `XArgs` / `XArgsDict` names an annotation uses (imported from _inputs.py)."""
    words = annotation.replace("[", " ").replace("]", " ").replace("|", " ").replace(",", " ")
    return [
        w
        for w in words.split()
        if w.endswith(("Args", "ArgsDict")) and w.split("Args")[0] in types.types
    ]
