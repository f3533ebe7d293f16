"""AWS data-type pages (schemas/pages/aws_*/API_<Shape>.md): read as published, merged into the
operations' nested members, and a member that contradicts an operation page is an error naming
both pages (or a recorded correction)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pulumi_builds.codegen import datatypes, pipeline
from pulumi_builds.codegen.errors import PageError, SchemaError
from pulumi_builds.codegen.normalize import normalize
from pulumi_builds.codegen.readers import read_page

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "schemas" / "pages"


def _text(service: str, name: str) -> str:
    return (PAGES / service / name).read_text(encoding="utf-8")


def _shape(service: str, name: str, text: str | None = None) -> dict[str, Any]:
    draft = read_page(text if text is not None else _text(service, name), name)
    assert draft["dialect"] == "aws"
    ((_, shape),) = draft["shapes"].items()
    return shape


def test_members_with_types_enums_constraints_and_required() -> None:
    phase = _shape("aws_codebuild", "API_BuildPhase.md")
    members = phase["properties"]
    assert phase["title"] == "BuildPhase"
    assert members["phaseStatus"]["enum"] == [
        "SUCCEEDED",
        "FAILED",
        "FAULT",
        "TIMED_OUT",
        "IN_PROGRESS",
        "STOPPED",
    ]
    assert members["durationInSeconds"]["type"] == "integer"  # Type: Long
    assert members["startTime"] == {
        "description": "When the build phase started, expressed in Unix time format.",
        "type": "number",
        "x-timestamp": "epoch-seconds",
    }
    assert members["contexts"]["items"] == {"title": "PhaseContext", "type": "object"}
    # The definition list of values in the description is prose, not facts.
    assert (
        "IN_PROGRESS The build phase is still in progress." in members["phaseStatus"]["description"]
    )
    auth = _shape("aws_codebuild", "API_SourceAuth.md")
    assert auth["required"] == ["type"]
    subnets = _shape("aws_codebuild", "API_VpcConfig.md")["properties"]["subnets"]
    assert subnets["maxItems"] == 16 and subnets["items"]["minLength"] == 1


def test_the_spec_wrapper_and_hard_breaks_of_the_other_copy() -> None:
    """CodePipeline's copies: front matter, a second title, quoted lines, trailing spaces."""
    type_id = _shape("aws_codepipeline", "API_ActionTypeId.md")
    provider = type_id["properties"]["provider"]
    assert type_id["required"] == ["category", "owner", "provider", "version"]
    assert (provider["minLength"], provider["maxLength"], provider["pattern"]) == (
        1,
        35,
        "[0-9A-Za-z_-]+",
    )


def test_sections_after_see_also_are_not_members() -> None:
    phase = _shape("aws_codebuild", "API_BuildPhase.md")
    text = _text("aws_codebuild", "API_BuildPhase.md")
    assert "## See also" in text and "Skills for AI coding assistants" in text
    last = phase["properties"]["startTime"]  # the last member, just before "See Also"
    assert last["description"] == "When the build phase started, expressed in Unix time format."
    assert len(phase["properties"]) == 6


def test_an_unknown_type_is_reported_with_its_line() -> None:
    text = _text("aws_codebuild", "API_BuildPhase.md").replace("Type: Long", "Type: Array of frobs")
    with pytest.raises(PageError) as caught:
        _shape("aws_codebuild", "API_BuildPhase.md", text)
    line = text.split("\n").index("Type: Array of frobs") + 1
    assert caught.value.line == line
    assert "a known Type" in str(caught.value) and "Array of frobs" in str(caught.value)


def _document(service: str, replace: dict[str, tuple[str, str]] | None = None) -> dict[str, Any]:
    pages = pipeline.read_pages(ROOT, service)
    drafts = []
    for page in pages:
        text = page.text
        if replace and page.source.endswith(f"/{next(iter(replace))}"):
            old, new = next(iter(replace.values()))
            assert old in text
            text = text.replace(old, new)
        drafts.append((page.source, read_page(text, page.source)))
    return normalize(service, drafts)


def test_nested_members_get_the_pages_enums_open_on_responses() -> None:
    doc = _document("aws_codebuild")
    build = doc["$defs"]["Build"]["properties"]
    assert build["buildStatus"]["enum"][:2] == ["SUCCEEDED", "FAILED"]
    assert build["buildStatus"]["x-enum-open"] is True
    phase_ref = build["phases"]["items"]["$ref"].rsplit("/", 1)[1]
    phase = doc["$defs"][phase_ref]["properties"]
    assert phase["phaseType"]["x-enum-open"] is True and "BUILD" in phase["phaseType"]["enum"]
    assert phase["durationInSeconds"]["type"] == "integer"
    assert "pages/aws_codebuild/API_BuildPhase.md" in doc["sources"]


def test_request_side_shapes_get_required_members_and_closed_enums() -> None:
    doc = _document("aws_codebuild")
    start = doc["$defs"]["StartBuildRequest"]["properties"]
    auth = doc["$defs"][start["sourceAuthOverride"]["$ref"].rsplit("/", 1)[1]]
    assert auth["required"] == ["type"]
    assert "x-enum-open" not in auth["properties"]["type"]


def test_a_member_that_contradicts_the_operation_page_is_an_error() -> None:
    # BuildPhase.phaseType is drawn "string" by every operation page; a page saying Integer lies.
    old = "Type: String\nValid Values: `SUBMITTED"
    with pytest.raises(SchemaError) as caught:
        _document(
            "aws_codebuild", {"API_BuildPhase.md": (old, "Type: Integer\nValid Values: `SUBMITTED")}
        )
    message = str(caught.value)
    assert "pages/aws_codebuild/API_BuildPhase.md" in message
    assert "BuildPhase.phaseType has type 'integer'" in message
    assert "has 'string'" in message and "aws_datatypes.json" in message


def test_a_recorded_correction_settles_the_contradiction() -> None:
    """codegen/corrections/aws_datatypes.json (passed here as the table) says which page is right."""
    page = read_page(_text("aws_codebuild", "API_BuildPhase.md"), "API_BuildPhase.md")
    wrong = page["shapes"]["BuildPhase"]["properties"]["phaseType"]
    wrong["type"] = "integer"
    shapes = datatypes.collect([("pages/aws_codebuild/API_BuildPhase.md", page)])
    schema = {
        "type": "object",
        "properties": {
            "phase": {
                "title": "BuildPhase",
                "type": "object",
                "properties": {"phaseType": {"type": "string"}},
            }
        },
    }
    with pytest.raises(SchemaError, match="BuildPhase.phaseType has type 'integer'"):
        datatypes.merge(
            "aws_codebuild", shapes, schema, request=False, where="test", corrections={}
        )
    fix = {"BuildPhase.phaseType": {"set": {"type": "string"}, "why": "the operation pages"}}
    datatypes.merge("aws_codebuild", shapes, schema, request=False, where="test", corrections=fix)
    merged = schema["properties"]["phase"]["properties"]["phaseType"]
    assert merged["type"] == "string" and "BUILD" in merged["enum"]
