"""Pydantic v2 models of one service, written by datamodel-code-generator used as a library.

datamodel-code-generator does the heavy part (classes, fields, aliases, constraints, docstrings,
dependency order). Three things it cannot be told are done after it, on its output text: open
enums get the `OpenEnum` base, the `arbitrary_types_allowed` config it adds next to custom types
is dropped (our custom types are plain Annotated aliases), and the file is formatted by ruff.
"""

from __future__ import annotations

import json
import re
import warnings

from datamodel_code_generator import generate
from datamodel_code_generator.enums import DataModelType, InputFileType
from datamodel_code_generator.format import Formatter, PythonVersion

from pulumi_builds.codegen.emit.emission import Emission
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
    return text


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
