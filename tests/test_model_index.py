"""One reading of generated model fields (emit/model_index.py) for the generator and the change
report: type, wire name and whether pydantic requires the field, whichever way it is written."""

from __future__ import annotations

import importlib.util
import textwrap
from pathlib import Path

import pytest
from pydantic import BaseModel

from pulumi_builds.codegen.emit.model_index import read_models
from pulumi_builds.codegen.surface import read_module

SOURCE = textwrap.dedent(
    """
    from typing import Annotated
    from pydantic import BaseModel, Field

    class Build(BaseModel):
        plain: str
        optional: str | None = None
        aliased: Annotated[str, Field(alias="buildId")]
        defaulted_in_field: Annotated[int, Field(alias="n", default=3)]
        ellipsis_value: str = Field(..., alias="e")
        default_value: str = Field(default="x")
        bare_field: Annotated[str, Field()]
    """
)
EXPECTED = {  # attribute: (wire name, required)
    "plain": ("plain", True),
    "optional": ("optional", False),
    "aliased": ("buildId", True),
    "defaulted_in_field": ("n", False),
    "ellipsis_value": ("e", True),
    "default_value": ("default_value", False),
    "bare_field": ("bare_field", True),
}


def test_the_index_reads_each_field_as_pydantic_does(tmp_path: Path) -> None:
    # The same text, imported: what pydantic itself decides.
    (tmp_path / "index_models.py").write_text(SOURCE)
    spec = importlib.util.spec_from_file_location("index_models", tmp_path / "index_models.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.Build
    assert issubclass(model, BaseModel)
    decided = {
        name: (info.alias or name, info.is_required()) for name, info in model.model_fields.items()
    }
    assert decided == EXPECTED
    index = read_models(SOURCE)["Build"]
    assert {f.name: (f.wire, f.required) for f in index.fields} == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_change_report_reads_fields_the_same_way(name: str) -> None:
    member = read_module("generated/x/models.py", SOURCE)["Build"].members[name]
    assert (member.alias or name, member.required) == EXPECTED[name]
