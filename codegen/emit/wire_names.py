"""The wire-name table of a service's nested resource inputs (generated/<service>/resources.py
`WIRE_NAMES`): for each model a resource input reaches, its fields' Python names -> wire names
and the model below each field. The runtime (pulumi_builds/wire.py) renames the keys of nested
inputs with it, so it never inspects the pydantic models at run time.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping

from pulumi_builds.codegen.emit.model_index import ModelClass

# field's Python name -> (wire name, model below it or None, True when it is a map of that model)
Fields = dict[str, tuple[str, str | None, bool]]


def shape(annotation: ast.expr, models: Mapping[str, ModelClass]) -> tuple[str | None, bool]:
    """(the object model a field's value holds, directly, in a list or as map values; is a map)."""
    for node in ast.walk(annotation):
        if isinstance(node, ast.Subscript) and getattr(node.value, "id", None) == "dict":
            value = node.slice.elts[1] if isinstance(node.slice, ast.Tuple) else None
            inner = _object_model(value, models) if value is not None else None
            if inner is not None:
                return inner, True
    return _object_model(annotation, models), False


def field_shape(
    models: Mapping[str, ModelClass], model: str, wire_path: str
) -> tuple[str | None, bool]:
    """The shape of the request field at a dotted wire path (None: a scalar or a plain map)."""
    owner: str | None = model
    found: tuple[str | None, bool] = (None, False)
    for part in wire_path.split("."):
        fields = models[owner].fields if owner is not None and owner in models else ()
        field = next((f for f in fields if f.wire == part), None)
        if field is None:
            return None, False
        found = shape(field.annotation, models)
        owner = found[0]
    return found


def wire_table(models: Mapping[str, ModelClass], roots: Iterable[str]) -> dict[str, Fields]:
    """Every model reachable from `roots`, sorted: {model: {python name: (wire, below, map)}}."""
    table: dict[str, Fields] = {}
    todo = sorted(set(roots))
    while todo:
        name = todo.pop()
        if name in table or name not in models:
            continue
        fields: Fields = {}
        for field in models[name].fields:
            below, is_map = shape(field.annotation, models)
            fields[field.name] = (field.wire, below, is_map)
            if below is not None and below not in table:
                todo.append(below)
        table[name] = fields
    return dict(sorted(table.items()))


def _object_model(node: ast.expr, models: Mapping[str, ModelClass]) -> str | None:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and sub.id in models and not models[sub.id].enum:
            return sub.id
    return None
