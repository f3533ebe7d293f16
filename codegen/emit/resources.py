"""Pulumi resource classes and functions from a service document and the declarative mapping.

`schemas/mapping.json` (parsed by codegen/mapping.py) says, per service, which operation triggers
a build, which reads, stops or retries it, where its id and status are and which fields become
outputs, and which operations become functions. Everything typed (inputs, outputs, docstrings,
constraints) comes from the service document. The result is `generated/<service>/resources.py`,
rendered from `templates/resources.py.j2`, and `generated/<service>/_inputs.py` (emit/inputs.py)
with the typed nested inputs; the runtime it calls is hand-written in `pulumi_builds/`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi_builds.codegen.document import ServiceDocument
from pulumi_builds.codegen.emit.inputs import InputTypes
from pulumi_builds.codegen.emit.templating import render as render_template
from pulumi_builds.codegen.emit.wire_names import field_shape, wire_table
from pulumi_builds.codegen.errors import SchemaError
from pulumi_builds.codegen.mapping import FunctionMapping, MappingFile, ResourceMapping
from pulumi_builds.codegen.naming import snake
from pulumi_builds.codegen.shipped._resource_spec import CommonField, ListReadSpec, common_inputs

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
    item_defaults: Mapping[str, Any] = field(default_factory=dict)
    context: bool = False
    sent: bool = True
    # The type a program passes (typed nested inputs, enums); `annotation` is the state's type.
    input_annotation: str = ""
    # The model its value holds (directly, in a list, or as map values): keys of WIRE_NAMES.
    type: str | None = None
    type_is_map: bool = False

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


@dataclass
class Resource:
    name: str
    spec: ResourceMapping
    inputs: list[Param]
    outputs: list[Output]
    # the inputs every resource has (the shared contract, codegen/shipped/_resource_spec.py)
    common: tuple[CommonField, ...] = ()


@dataclass
class Pages:
    page_param: str
    items: str | None
    total_pages: str


@dataclass
class Function:
    name: str
    spec: FunctionMapping
    params: list[Param]
    pages: Pages | None
    secret: bool
    summary: str
    secret_outputs: tuple[str, ...] = ()  # top-level response fields with a secret below


def annotation(doc: ServiceDocument, schema: Mapping[str, Any] | None, *, as_input: bool) -> str:
    """The Python type of a schema's value as the state holds it (maps stay maps)."""
    schema = doc.resolve(schema)
    types = schema.get("type")
    nullable = isinstance(types, list) and "null" in types
    kind = next((t for t in types if t != "null"), None) if isinstance(types, list) else types
    if kind in _SCALARS:
        text = _SCALARS[kind]
    elif kind == "array":
        inner = annotation(doc, schema.get("items"), as_input=as_input)
        text = f"Sequence[{inner}]" if as_input else f"list[{inner}]"
    elif kind == "object" or "properties" in schema or "additionalProperties" in schema:
        extra = schema.get("additionalProperties")
        value = (
            annotation(doc, extra, as_input=as_input)
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


def _inputs(doc: ServiceDocument, entry: ResourceMapping) -> list[Param]:
    trigger = entry.trigger
    request = doc.request(trigger.operation)
    rules = entry.inputs
    context = set(entry.context)
    skip = {trigger.idempotency_token} - {None}
    nested = {path.split(".")[0]: path for path in rules.rename if "." in path}
    required = set(request.get("required", []))
    params: list[Param] = []
    for wire, prop in request.get("properties", {}).items():
        if wire in skip:
            continue
        wires = [nested[wire]] if wire in nested else [wire]
        for path in wires:
            schema = doc.at(request, path)
            transform = rules.transform.get(path)
            if transform is not None and transform.kind == "name_value_list":
                text = f"Mapping[str, {_SCALARS[transform.value_type]}]"
            else:
                text = annotation(doc, schema, as_input=True)
            params.append(
                Param(
                    name=rules.rename.get(path) or snake(path.replace(".", "_")),
                    wire=path,
                    annotation=text,
                    required=wire in required,
                    description=_doc_text(schema) or _doc_text(doc.resolve(prop)),
                    secret=path in rules.secret or doc.contains_secret(schema),
                    transform=transform.kind if transform else "value",
                    item_defaults=dict(transform.item_defaults) if transform else {},
                    context=wire in context,
                )
            )
    for name, extra in entry.extra_inputs.items():
        params.append(Param(name, name, _SCALARS[extra.type], False, extra.description, sent=False))
    # Required inputs first (keyword-only, so order is only for reading), then page order.
    return sorted(params, key=lambda p: not p.required)


def _outputs(doc: ServiceDocument, entry: ResourceMapping) -> list[Output]:
    read = entry.read
    item = _read_item(doc, entry)
    outs = []
    for name, wire in entry.outputs.items():
        schema = doc.at(item, wire)
        if not schema:
            raise SchemaError(
                f"mapping output {name!r}: no field {wire!r} in the {read.operation} response"
            )
        text = annotation(doc, schema, as_input=False)
        timestamp = bool(schema.get("x-timestamp")) or schema.get("format") == "date-time"
        if timestamp:
            text = "str"  # timestamps are kept in the state as ISO 8601 text
        outs.append(
            Output(name, wire, text, _doc_text(schema), doc.contains_secret(schema), timestamp)
        )
    return outs


def _check_operations(doc: ServiceDocument, where: str, entry: ResourceMapping) -> None:
    """Every operation the runtime will call for a resource must be in the service document
    (that is, have its page); a marker item must go into a list the trigger really takes and come
    back in a list reads return; the recent builds' look-up must find a list of ids; a list read
    must find a list of build objects and take its keys."""
    actions = (
        entry.read,
        entry.find,
        entry.recent,
        entry.stop,
        entry.unmark,
        entry.retry,
        entry.failure.logs,
        entry.list_read,
    )
    for action in actions:
        if action is not None:
            doc.operation(action.operation)
    if entry.list_read is not None:
        _check_list_read(doc, where, entry.list_read)
    marker = entry.trigger.marker_item
    if marker is not None:
        request = doc.request(entry.trigger.operation)
        _require_list(doc, request, marker.request_list, f"{where} trigger.markerItem.requestList")
        _require_list(
            doc, _read_item(doc, entry), marker.read_list, f"{where} trigger.markerItem.readList"
        )
    if entry.unmark is not None and entry.trigger.marker is None:
        raise SchemaError(f"mapping {where} unmark: needs trigger.marker (the field it rewrites)")
    recent = entry.recent
    if recent is not None:
        if marker is None:
            raise SchemaError(
                f"mapping {where} recent: needs trigger.markerItem (what to look for in the builds)"
            )
        if recent.window < 1:
            raise SchemaError(f"mapping {where} recent.window: {recent.window}, must be at least 1")
        _require_list(doc, doc.response(recent.operation), recent.ids, f"{where} recent.ids")


def _check_list_read(doc: ServiceDocument, where: str, list_read: ListReadSpec) -> None:
    _require_list(
        doc, doc.response(list_read.operation), list_read.items, f"{where} listRead.items"
    )
    taken = set(doc.request(list_read.operation).get("properties", {}))
    for param in (list_read.key_param, *list_read.extra):
        if param not in taken:
            raise SchemaError(
                f"mapping {where} listRead: {list_read.operation} takes no parameter {param!r}"
            )
    if list_read.max_keys < 1:
        raise SchemaError(f"mapping {where} listRead.maxKeys: {list_read.max_keys}, must be >= 1")


def _require_list(doc: ServiceDocument, schema: Mapping[str, Any], path: str, where: str) -> None:
    found = doc.at(schema, path)
    types = found.get("type")
    if "array" not in (types if isinstance(types, list) else [types]):
        raise SchemaError(f"mapping {where}: {path!r} is not a list in the service document")


def _read_item(doc: ServiceDocument, entry: ResourceMapping) -> dict[str, Any]:
    """The schema of one build object as the resource's read returns it."""
    read = entry.read
    response = doc.response(read.operation)
    if read.items:
        return doc.resolve(doc.at(response, read.items).get("items", {}))
    return doc.at(response, read.object)


def _function_params(doc: ServiceDocument, fn: FunctionMapping) -> list[Param]:
    request = doc.request(fn.operation)
    required = set(request.get("required", []))
    batch = fn.batch.param if fn.batch else None
    params = []
    for wire, prop in request.get("properties", {}).items():
        schema = doc.resolve(prop)
        params.append(
            Param(
                name=snake(wire),
                wire=wire,
                annotation=annotation(doc, schema, as_input=True),
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


def _pagination(doc: ServiceDocument, fn: FunctionMapping) -> Pages | None:
    if not fn.pages:
        return None
    pagination = doc.operation(fn.operation).pagination
    if not pagination:
        raise SchemaError(
            f"function {fn.operation} follows pages but the operation has no pagination"
        )
    total = (
        "pagination.total_pages" if pagination.get("style") == "link" else "result_info.total_pages"
    )
    return Pages(pagination.get("pageParam", "page"), pagination.get("items"), total)


def _typed_inputs(params: list[Param], request_model: str, types: InputTypes) -> None:
    """Give every input sent as is the type the generated models give its field, and the model
    whose wire names its nested keys take."""
    for param in params:
        if param.sent and param.transform == "value":
            param.input_annotation = types.field_annotation(request_model, param.wire)
            param.type, param.type_is_map = field_shape(types.models, request_model, param.wire)


def render(doc: ServiceDocument, mapping: MappingFile, types: InputTypes) -> str | None:
    """The source of generated/<service>/resources.py, or None when the mapping has nothing for it.

    `types` collects the nested input types the resources use (for `_inputs.py`).
    """
    entry = mapping.service(doc.id)
    if entry is None or not (entry.resources or entry.functions):
        return None
    resources = []
    for name, res in sorted(entry.resources.items()):
        _check_operations(doc, f"{doc.id}.{name}", res)
        inputs, outs = _inputs(doc, res), _outputs(doc, res)
        _typed_inputs(inputs, doc.operation(res.trigger.operation).request, types)
        clash = sorted({p.name for p in inputs} & {o.name for o in outs})
        if clash:
            # One name for an input and an output would make every refresh look like a change.
            raise SchemaError(f"mapping {doc.id}.{name}: outputs {clash} are also input names")
        resources.append(Resource(name, res, inputs, outs, common_inputs(res.retry is not None)))
    functions = []
    for name, fn in sorted(entry.functions.items()):
        op = doc.operation(fn.operation)
        functions.append(
            Function(
                name=name,
                spec=fn,
                params=_function_params(doc, fn),
                pages=_pagination(doc, fn),
                secret=doc.contains_secret(doc.response(fn.operation)),
                summary=_doc_text({"description": op.summary}),
                secret_outputs=tuple(
                    sorted(
                        wire
                        for wire, prop in doc.response(fn.operation).get("properties", {}).items()
                        if doc.contains_secret(prop)
                    )
                ),
            )
        )
    return render_template(
        "resources.py.j2",
        service=doc.id,
        title=doc.title,
        resources=resources,
        functions=functions,
        input_types=sorted(types.direct),
        wire_names=wire_table(
            types.models, {p.type for r in resources for p in r.inputs if p.type is not None}
        ),
    )
