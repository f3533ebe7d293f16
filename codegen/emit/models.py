"""Pydantic v2 models of one service, written by datamodel-code-generator used as a library.

datamodel-code-generator does the heavy part (classes, fields, aliases, constraints, docstrings,
dependency order). What it cannot be told is done after it, on its output text: open enums get
the `OpenEnum` base, the `arbitrary_types_allowed` config it adds next to custom types is dropped
(our custom types are plain Annotated aliases), generic envelopes become `Generic[ResultT]` and
each body of one becomes `class <Op>Response(<Envelope>[<its member's type>])`, moved to the end
of the module (nothing refers to a body, and there everything its type names is defined); the
file is formatted by ruff afterwards.
"""

from __future__ import annotations

import ast
import json
import re
import warnings

from datamodel_code_generator import generate
from datamodel_code_generator.enums import DataModelType, InputFileType
from datamodel_code_generator.format import Formatter, PythonVersion

from pulumi_builds.codegen.emit.emission import RESULT_TYPE_VAR, Emission
from pulumi_builds.codegen.emit.inputs import read_models

_ARBITRARY_TYPES = re.compile(
    r"\n    model_config = ConfigDict\(\n        arbitrary_types_allowed=True,\n    \)\n"
)


def generate_models(emission: Emission, header: str) -> str:
    """The text of models.py (before final formatting) for one service's emission schema."""
    with warnings.catch_warnings():
        # The generator warns that its default formatters will change; ours are explicit.
        warnings.simplefilter("ignore")
        text = generate(
            json.dumps(emission.schema, sort_keys=False),
            input_file_type=InputFileType.JsonSchema,
            output_model_type=DataModelType.PydanticV2BaseModel,
            target_python_version=PythonVersion.PY_311,
            snake_case_field=True,
            use_annotated=True,
            field_constraints=True,
            use_schema_description=True,
            use_field_description=True,
            use_standard_collections=True,
            use_union_operator=True,
            use_double_quotes=True,
            capitalise_enum_members=True,
            skip_root_model=True,
            disable_timestamp=True,
            custom_file_header=header,
            formatters=[Formatter.BUILTIN],
            builtin_format_line_length=100,
        )
    if not isinstance(text, str):
        raise TypeError("datamodel-code-generator returned no single module")
    return _post_process(text, emission)


def _post_process(text: str, emission: Emission) -> str:
    text = _ARBITRARY_TYPES.sub("\n", text)
    for name in sorted(emission.open_enums):
        text, count = re.subn(
            rf"^class {name}\(StrEnum\):$", f"class {name}(OpenEnum):", text, flags=re.MULTILINE
        )
        if count != 1:
            raise RuntimeError(f"expected one enum class {name} in the generated models")
    if emission.open_enums:
        text = _add_import(text, "pulumi_builds.generated._base", "OpenEnum")
    if emission.envelopes:
        text = _generic_envelopes(text, emission.envelopes)
    return text


def _generic_envelopes(text: str, envelopes: dict[str, tuple[str, ...]]) -> str:
    classes = {node.name: node for node in ast.parse(text).body if isinstance(node, ast.ClassDef)}
    lines = text.split("\n")
    dropped: set[int] = set()
    subclasses: list[tuple[str, str]] = []
    for envelope, bodies in envelopes.items():
        node = classes.get(envelope)
        if node is None or not _single_base(node):
            raise RuntimeError(f"expected the envelope class {envelope} in the generated models")
        base = _single_base(node)
        lines[node.lineno - 1] = f"class {envelope}({base}, Generic[{RESULT_TYPE_VAR}]):"
        for body in bodies:
            subclasses.append((body, _envelope_subclass(lines, classes.get(body), envelope)))
            body_node = classes[body]
            dropped.update(range(body_node.lineno - 1, body_node.end_lineno or body_node.lineno))
    kept = [line for index, line in enumerate(lines) if index not in dropped]
    text = "\n".join(kept).rstrip("\n") + "\n"
    for _, source in sorted(subclasses):
        text += "\n\n" + source + "\n"
    if any("ConfigDict(" in source for _, source in subclasses):
        text = _add_import(text, "pydantic", "ConfigDict")
    return _add_import(text, "typing", "Generic")


def _single_base(node: ast.ClassDef) -> str | None:
    if len(node.bases) == 1 and isinstance(node.bases[0], ast.Name):
        return node.bases[0].id
    return None


def _envelope_subclass(lines: list[str], node: ast.ClassDef | None, envelope: str) -> str:
    """`class GetBuildResponse(ResultEnvelope[Build])` with the body's docstring, from the
    class datamodel-code-generator wrote with the varying member alone."""
    fields = [s for s in node.body if isinstance(s, ast.AnnAssign)] if node else []
    if node is None or len(fields) != 1:
        raise RuntimeError(f"expected a body of {envelope} with one field, found {node}")
    annotation = fields[0].annotation
    if (  # an alias belongs to the envelope's field, not to the type
        isinstance(annotation, ast.Subscript)
        and isinstance(annotation.value, ast.Name)
        and annotation.value.id == "Annotated"
        and isinstance(annotation.slice, ast.Tuple)
    ):
        annotation = annotation.slice.elts[0]
    body = [f"class {node.name}({envelope}[{ast.unparse(annotation)}]):"]
    first = node.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        body += lines[first.lineno - 1 : first.end_lineno]
    if _single_base(node) == "SensitiveResponseModel":  # its member carries a secret
        body.append("    model_config = ConfigDict(hide_input_in_errors=True)")
    elif len(body) == 1:
        body.append("    pass")
    return "\n".join(body)


def _add_import(text: str, module: str, name: str) -> str:
    """Add an import after the __future__ one; ruff's isort pass merges it with its siblings."""
    anchor = "from __future__ import annotations\n"
    return text.replace(anchor, f"{anchor}\nfrom {module} import {name}\n", 1)


def field_attributes(models_text: str) -> dict[str, dict[str, str]]:
    """class name -> {wire name: attribute name}, read from the generated text with `ast`."""
    return {
        name: {f.wire: f.name for f in model.fields}
        for name, model in read_models(models_text).items()
    }
