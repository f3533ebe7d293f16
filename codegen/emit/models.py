"""Pydantic v2 models of one service, written by datamodel-code-generator used as a library.

datamodel-code-generator does all of it (classes, fields, aliases, constraints, docstrings,
dependency order), through its own options and two of its templates, copied and extended in
codegen/templates/models/: the template data of a class says what the schema cannot (an open
enum's base `OpenEnum`; a generic envelope's type variable, `Generic[ResultT]`; a response body
that is its envelope around its own member, `class GetBuildResponse(ResultEnvelope[Build])`), and
the templates leave out the `arbitrary_types_allowed` config it adds next to custom types (ours
are plain Annotated aliases). Its text is not edited afterwards; ruff formats the file (and drops
the imports a template made unused).
"""

from __future__ import annotations

import json
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Any

from datamodel_code_generator import generate
from datamodel_code_generator.enums import DataModelType, InputFileType
from datamodel_code_generator.format import Formatter, PythonVersion

from pulumi_builds.codegen.emit.emission import BASE, RESULT_TYPE_VAR, Emission
from pulumi_builds.codegen.emit.model_index import ModelIndex

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "models"


def generate_models(emission: Emission, header: str) -> str:
    """The text of models.py (before final formatting) for one service's emission schema."""
    data, imports = _template_data(emission)
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
            custom_template_dir=TEMPLATES,
            extra_template_data=data,
            additional_imports=imports,
            formatters=[Formatter.BUILTIN],
            builtin_format_line_length=100,
        )
    if not isinstance(text, str):
        raise TypeError("datamodel-code-generator returned no single module")
    return text


def _template_data(emission: Emission) -> tuple[defaultdict[str, dict[str, Any]], list[str]]:
    """The extra template data of the classes (by class name) and the imports it needs."""
    data: defaultdict[str, dict[str, Any]] = defaultdict(dict)
    imports: list[str] = []
    for name in emission.open_enums:
        data[name]["enum_base"] = "OpenEnum"
    if emission.open_enums:
        imports.append(f"{BASE}.OpenEnum")
    defs = emission.schema["$defs"]
    for envelope, bodies in emission.envelopes.items():
        data[envelope]["generic"] = RESULT_TYPE_VAR
        for body in bodies:
            data[body]["envelope_body"] = envelope
            if defs[body]["customBasePath"] == f"{BASE}.SensitiveResponseModel":
                data[body]["hide_input"] = True  # its member carries a secret
                imports.append("pydantic.ConfigDict")
    if emission.envelopes:
        imports.append("typing.Generic")
    return data, sorted(set(imports))


def field_attributes(index: ModelIndex) -> dict[str, dict[str, str]]:
    """class name -> {wire name: attribute name}."""
    return {name: {f.wire: f.name for f in model.fields} for name, model in index.items()}
