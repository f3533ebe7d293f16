"""The Python surface of generated code, read with ast, and how its changes are classified."""

from __future__ import annotations

import textwrap

import pytest

from pulumi_builds.codegen.changes import diff_surfaces
from pulumi_builds.codegen.errors import CodegenError
from pulumi_builds.codegen.surface import read_module

MODELS = "generated/aws_codebuild/models.py"

# Written the way datamodel-code-generator and the templates write models.
SOURCE = textwrap.dedent('''
    from __future__ import annotations

    from enum import Enum
    from typing import Annotated, ClassVar

    from pydantic import BaseModel, ConfigDict, Field, SecretStr


    class StatusType(Enum):
        SUCCEEDED = 'SUCCEEDED'
        FAILED = 'FAILED'


    class BuildPhase(BaseModel):
        model_config = ConfigDict(populate_by_name=True)
        phase_type: str | None = Field(None, alias='phaseType')
        phase_status: StatusType | None = Field(None, alias='phaseStatus')


    class Build(BaseModel):
        """A build."""

        model_config = ConfigDict(populate_by_name=True, extra='allow')
        wire_names: ClassVar[dict[str, str]] = {}
        id: str
        build_number: Annotated[int, Field(alias='buildNumber')]
        phases: list[BuildPhase] | None = Field(default=None, alias='phases')
        token: SecretStr | None = None
        _private: int = 0

        def summary(self, verbose: bool = False) -> str:
            return self.id

        class Inner(BaseModel):
            x: int


    class BatchGetBuildsRequest(BaseModel):
        ids: list[str] = Field(..., alias='ids', min_length=1, max_length=100)
''')


def test_reads_fields_with_types_aliases_and_requiredness() -> None:
    classes = read_module(MODELS, SOURCE)
    assert sorted(classes) == [
        "BatchGetBuildsRequest",
        "Build",
        "Build.Inner",
        "BuildPhase",
        "StatusType",
    ]
    build = classes["Build"].members
    assert sorted(build) == ["build_number", "id", "phases", "summary", "token"]
    assert (build["id"].annotation, build["id"].alias, build["id"].required) == ("str", None, True)
    assert (
        build["build_number"].annotation,
        build["build_number"].alias,
        build["build_number"].required,
    ) == ("int", "buildNumber", True)
    assert (build["phases"].annotation, build["phases"].required) == (
        "list[BuildPhase] | None",
        False,
    )
    assert build["token"].required is False
    assert (build["summary"].kind, build["summary"].annotation) == (
        "method",
        "(self, verbose: bool=False) -> str",
    )
    assert classes["BatchGetBuildsRequest"].members["ids"].required is True
    status = classes["StatusType"].members
    assert {n: (m.kind, m.alias) for n, m in status.items()} == {
        "SUCCEEDED": ("member", "'SUCCEEDED'"),
        "FAILED": ("member", "'FAILED'"),
    }


def test_a_syntax_error_names_the_file_and_line() -> None:
    with pytest.raises(CodegenError, match=r"generated/x/models\.py:2:"):
        read_module("generated/x/models.py", "class A:\n    x: = 1\n")


def diff(old: str, new: str) -> set[tuple[str, str, str]]:
    return {(c.level, c.kind, c.message) for c in diff_surfaces({MODELS: old}, {MODELS: new})}


def test_unchanged_source_has_no_changes() -> None:
    assert diff(SOURCE, SOURCE) == set()


def test_renamed_class_is_one_change_and_its_users_are_not_reported() -> None:
    new = SOURCE.replace("BuildPhase", "Phase")
    assert diff(SOURCE, new) == {
        ("breaking", "class-renamed", "python BuildPhase: class BuildPhase renamed to Phase")
    }


def test_removed_class_attribute_and_enum_member() -> None:
    new = (
        SOURCE.replace("    FAILED = 'FAILED'\n", "")
        .replace("    token: SecretStr | None = None\n", "")
        .replace(
            "class BatchGetBuildsRequest(BaseModel):\n    ids: list[str] = Field(..., "
            "alias='ids', min_length=1, max_length=100)\n",
            "",
        )
    )
    assert diff(SOURCE, new) == {
        ("breaking", "member-removed", "python StatusType.FAILED: member removed"),
        ("breaking", "field-removed", "python Build.token: field removed"),
        (
            "breaking",
            "class-removed",
            "python BatchGetBuildsRequest: class BatchGetBuildsRequest removed",
        ),
    }


def test_renamed_attribute_with_the_same_wire_name() -> None:
    new = SOURCE.replace("build_number: Annotated", "number: Annotated")
    assert diff(SOURCE, new) == {
        ("breaking", "field-renamed", "python Build.build_number: field renamed to number")
    }


def test_changed_type_added_fields_and_new_required_field() -> None:
    new = SOURCE.replace("id: str\n", "id: int\n").replace(
        "    _private: int = 0\n",
        "    _private: int = 0\n    project: str\n    arn: str | None = None\n",
    )
    assert diff(SOURCE, new) == {
        ("warning", "field-type-changed", "python Build.id: str -> int"),
        (
            "warning",
            "field-added",
            "python Build.project: new required field (str); code constructing Build must pass it",
        ),
        ("info", "field-added", "python Build.arn: new field (str | None)"),
    }


def test_removed_module_and_service_from_path() -> None:
    changes = diff_surfaces(
        {MODELS: SOURCE, "generated/aws_codebuild/client.py": ""}, {MODELS: SOURCE}
    )
    assert [(c.service, c.level, c.kind, c.location) for c in changes] == [
        (
            "aws_codebuild",
            "breaking",
            "module-removed",
            "generated/aws_codebuild/client.py::pulumi_builds.generated.aws_codebuild.client",
        )
    ]


ENVELOPE_OLD = textwrap.dedent("""
    class Build(BaseModel):
        id: str


    class GetBuildResponse(BaseModel):
        success: bool
        result: Build
""")

ENVELOPE_NEW = textwrap.dedent("""
    class Build(BaseModel):
        id: str


    class ResultEnvelope(BaseModel, Generic[ResultT]):
        success: bool
        result: ResultT


    class GetBuildResponse(ResultEnvelope[Build]):
        pass
""")


def test_fields_moved_into_a_generic_base_of_the_module_are_not_removed() -> None:
    """A response made `ResultEnvelope[Build]` keeps `result: Build`: only its bases changed."""
    response = read_module(MODELS, ENVELOPE_NEW)["GetBuildResponse"]
    assert {m.name: m.annotation for m in response.members.values()} == {
        "success": "bool",
        "result": "Build",
    }
    assert diff(ENVELOPE_OLD, ENVELOPE_NEW) == {
        (
            "warning",
            "bases-changed",
            "python GetBuildResponse: bases (BaseModel) -> (ResultEnvelope[Build])",
        ),
        ("info", "class-added", "python ResultEnvelope: class ResultEnvelope added"),
    }
    new_result = ENVELOPE_NEW.replace("    result: ResultT\n", "")
    assert ("breaking", "field-removed", "python GetBuildResponse.result: field removed") in diff(
        ENVELOPE_OLD, new_result
    )
