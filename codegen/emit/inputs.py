"""Typed nested resource inputs: generated/<service>/_inputs.py, in Pulumi's Python SDK style.

For every model a resource input reaches (`ProjectArtifacts`, `LogsConfigCloudWatchLogs`, ...)
an `XArgs` input class (`@pulumi.input_type`, typed properties) and an `XArgsDict` TypedDict,
both with the snake_case attribute names of the generated pydantic model; the runtime turns them
into wire names with the model's aliases (pulumi_builds/wire.py). Enum-valued fields accept the
generated str enum or a plain string.

Everything is read from the index of the generated models (emit/model_index.py: class names,
attribute names, required fields, types, docstrings), so the inputs cannot drift from the models
the runtime validates them against.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass, field

from pulumi_builds.codegen.emit.model_index import ModelClass
from pulumi_builds.codegen.errors import SchemaError

_SCALARS = {"str": "str", "int": "int", "float": "float", "bool": "bool", "Any": "Any"}
# Field types of the generated models that a Pulumi program writes as text.
_TEXT_TYPES = {"SecretString", "SecretStr", "UUID", "IsoDatetime", "EpochDatetime", "AnyUrl"}


@dataclass(frozen=True)
class InputField:
    name: str
    annotation: str  # the type inside pulumi.Input[...]
    required: bool
    doc: str


def args_base(model: str) -> str:
    """The shape's name for its input types: a request model is `<Name>Input` only because a
    response model took `<Name>` (docs/design.md, Naming); inputs are request-only, so
    `SourceAuthInput` gives `SourceAuthArgs`."""
    return model.removesuffix("Input") or model


@dataclass(frozen=True)
class InputType:
    model: str  # the generated model it stands for: `ProjectArtifacts`
    doc: str
    fields: tuple[InputField, ...]

    @property
    def args(self) -> str:
        return f"{args_base(self.model)}Args"

    @property
    def args_dict(self) -> str:
        return f"{args_base(self.model)}ArgsDict"


@dataclass
class InputTypes:
    """The input types of one service, collected while annotating the resources' inputs."""

    models: Mapping[str, ModelClass]
    aliases: Mapping[str, str]  # constrained item aliases of _constrained.py -> Python type
    types: dict[str, InputType] = field(default_factory=dict)
    enums: set[str] = field(default_factory=set)
    # `XArgs` / `XArgsDict` names that resource inputs use directly (resources.py imports them).
    direct: set[str] = field(default_factory=set)
    _depth: int = 0  # > 0 while annotating the fields of an input type

    def field_annotation(self, model: str, wire_path: str) -> str:
        """The input annotation of the request field at a dotted wire path (nested types added)."""
        current: ast.expr | None = None
        owner = model
        for part in wire_path.split("."):
            if owner not in self.models:
                raise SchemaError(f"{model}: {wire_path!r} does not lead to a model field")
            found = next((f for f in self.models[owner].fields if f.wire == part), None)
            if found is None:
                raise SchemaError(f"{model}: no field {part!r} (in {wire_path!r}) in {owner}")
            current = found.annotation
            owner = _model_name(current, self.models) or ""
        if current is None:
            raise SchemaError(f"{model}: empty wire path")
        return self.annotation(current)

    def annotation(self, node: ast.expr) -> str:
        """The Python type a Pulumi program passes for a field of this model type."""
        if isinstance(node, ast.Subscript) and getattr(node.value, "id", None) == "Annotated":
            inner = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) else node.slice
            return self.annotation(inner)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            parts = [self.annotation(side) for side in (node.left, node.right)]
            kept = [p for p in parts if p != "None"]
            return " | ".join(dict.fromkeys(kept))
        if isinstance(node, ast.Constant) and node.value is None:
            return "None"
        if isinstance(node, ast.Subscript) and getattr(node.value, "id", None) == "list":
            return f"Sequence[pulumi.Input[{self.annotation(node.slice)}]]"
        if isinstance(node, ast.Subscript) and getattr(node.value, "id", None) == "dict":
            key, value = node.slice.elts if isinstance(node.slice, ast.Tuple) else (None, None)
            if key is None or value is None or getattr(key, "id", None) != "str":
                raise SchemaError(f"unsupported map type {ast.unparse(node)}")
            return f"Mapping[str, pulumi.Input[{self.annotation(value)}]]"
        if isinstance(node, ast.Name):
            return self._named(node.id)
        raise SchemaError(f"no input type for the model field type {ast.unparse(node)}")

    def _named(self, name: str) -> str:
        if name in _SCALARS:
            return _SCALARS[name]
        if name in _TEXT_TYPES:
            return "str"
        if name in self.aliases:
            return self.aliases[name]
        model = self.models.get(name)
        if model is None:
            raise SchemaError(f"no input type for the model field type {name}")
        if model.enum:
            self.enums.add(name)
            return f"str | models.{name}"
        self._add(model)
        base = args_base(name)
        if self._depth == 0:
            self.direct.update({f"{base}Args", f"{base}ArgsDict"})
        return f"{base}Args | {base}ArgsDict"

    def _add(self, model: ModelClass) -> None:
        if model.name in self.types:
            return
        # Registered before its fields, so a model that contains itself ends.
        self.types[model.name] = InputType(model.name, model.doc, ())
        self._depth += 1
        fields = tuple(
            InputField(f.name, self.annotation(f.annotation), f.required, f.doc)
            for f in model.fields
        )
        self._depth -= 1
        # Required first: a keyword-only __init__ lists them so, like pulumi-aws.
        ordered = tuple(sorted(fields, key=lambda f: not f.required))
        self.types[model.name] = InputType(model.name, model.doc, ordered)

    def sorted_types(self) -> list[InputType]:
        return [self.types[name] for name in sorted(self.types)]


def _model_name(node: ast.expr, models: Mapping[str, ModelClass]) -> str | None:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and sub.id in models and not models[sub.id].enum:
            return sub.id
    return None
