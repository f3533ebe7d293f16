"""The index of one service's generated models, read once from models.py's text with `ast`.

Class names, whether a class is an enum, and per field: attribute name, wire name (alias), type,
whether it is required and its docstring. Nothing is imported. What makes a field required is
decided here, the way pydantic decides it (`field_facts`), for every reader of generated classes:
the typed inputs and operations (emit/) and the Python API surface of the change report
(codegen/surface.py).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

_ENUM_BASES = {"StrEnum", "OpenEnum"}


@dataclass(frozen=True)
class ModelField:
    name: str  # attribute (snake_case) name
    wire: str  # alias, or the name when it has none
    annotation: ast.expr  # the type, without Annotated[...]
    required: bool
    doc: str


@dataclass(frozen=True)
class ModelClass:
    name: str
    doc: str
    enum: bool
    fields: tuple[ModelField, ...]


ModelIndex = dict[str, ModelClass]


@dataclass(frozen=True)
class FieldFacts:
    """What pydantic reads from `name: Annotated[T, Field(...)] = default`."""

    annotation: ast.expr  # T
    alias: str | None
    required: bool


def read_models(models_text: str) -> ModelIndex:
    """Every class of a generated models.py, as written."""
    classes: ModelIndex = {}
    for node in ast.parse(models_text).body:
        if isinstance(node, ast.ClassDef):
            bases = {getattr(base, "id", "") for base in node.bases}
            classes[node.name] = ModelClass(
                node.name, _doc(ast.get_docstring(node)), bool(bases & _ENUM_BASES), _fields(node)
            )
    return classes


def field_facts(node: ast.AnnAssign) -> FieldFacts:
    """The type, alias and requiredness of an annotated class attribute, as pydantic reads
    them: a `Field(...)` in `Annotated[...]` or as the value carries the alias and the default;
    a field is required when it has no default (no value, or `Field(...)` / `Field()`)."""
    annotation = node.annotation
    field_call: ast.Call | None = None
    if (
        isinstance(annotation, ast.Subscript)
        and ast.unparse(annotation.value).split(".")[-1] == "Annotated"
        and isinstance(annotation.slice, ast.Tuple)
        and annotation.slice.elts
    ):
        field_call = next(
            (e for e in annotation.slice.elts[1:] if isinstance(e, ast.Call) and _is_field(e)),
            None,
        )
        annotation = annotation.slice.elts[0]
    required = node.value is None
    if node.value is not None and _is_field(node.value):
        assert isinstance(node.value, ast.Call)
        field_call = node.value
        required = _field_call_required(node.value)
    elif node.value is None and field_call is not None:
        required = _field_call_required(field_call)
    return FieldFacts(annotation, _alias(field_call), required)


def _fields(node: ast.ClassDef) -> tuple[ModelField, ...]:
    fields: list[ModelField] = []
    body = node.body
    for index, statement in enumerate(body):
        if not (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)):
            continue
        following = body[index + 1] if index + 1 < len(body) else None
        doc = (
            following.value.value
            if isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
            else ""
        )
        name = statement.target.id
        facts = field_facts(statement)
        fields.append(
            ModelField(name, facts.alias or name, facts.annotation, facts.required, _doc(doc))
        )
    return tuple(fields)


def _is_field(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and ast.unparse(node.func).split(".")[-1] == "Field"


def _field_call_required(call: ast.Call) -> bool:
    keywords = {k.arg for k in call.keywords}
    if "default" in keywords or "default_factory" in keywords:
        return False
    if call.args:
        first = call.args[0]
        return isinstance(first, ast.Constant) and first.value is Ellipsis
    return True


def _alias(call: ast.Call | None) -> str | None:
    if call is None:
        return None
    for keyword in call.keywords:
        value = keyword.value
        named = keyword.arg in ("alias", "validation_alias", "serialization_alias")
        if named and isinstance(value, ast.Constant) and isinstance(value.value, str):
            return value.value
    return None


def _doc(text: str | None) -> str:
    return " ".join((text or "").split()).replace("\\", "\\\\").replace('"""', "'''")
