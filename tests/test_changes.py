"""Change classification between two versions of a service document (issue 6).

Each test applies one real-looking edit to a CodeBuild-like document and asserts how the change
is classified: the level depends on the direction (request or response) the shape is reached
from, as in oasdiff.
"""

from __future__ import annotations

import copy
import functools
import json
import random
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pulumi_builds.codegen.changes import (
    Change,
    changes_for_write,
    diff_documents,
    diff_services,
    exit_code,
    render_json,
    render_text,
    run_diff,
)
from pulumi_builds.codegen.errors import SchemaError
from pulumi_builds.codegen.normalize import normalize
from pulumi_builds.codegen.readers import read_page


def codebuild_document() -> dict[str, Any]:
    def op(name: str, params: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "summary": f"{name}.",
            "awsTarget": f"CodeBuild_20161006.{name}",
            "request": {"$ref": f"#/$defs/{name}Request"},
            "response": {"$ref": f"#/$defs/{name}Response"},
            "parameters": params,
            "errors": [{"code": "InvalidInputException", "status": 400}],
            "pagination": None,
            "source": f"pages/aws_codebuild/{name}.txt",
        }

    doc: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "x-format": "pulumi-builds/service/1",
        "service": {
            "id": "aws_codebuild",
            "title": "AWS CodeBuild",
            "protocol": "aws-json-1.1",
            "auth": "aws-sigv4",
        },
        "sources": [],
        "operations": {
            "BatchGetBuilds": op(
                "BatchGetBuilds", [{"name": "ids", "in": "body", "required": True}]
            ),
            "RetryBuildBatch": op(
                "RetryBuildBatch",
                [
                    {"name": "id", "in": "body", "required": False},
                    {"name": "retryType", "in": "body", "required": False},
                ],
            ),
            "StartBuild": op(
                "StartBuild",
                [
                    {"name": "projectName", "in": "body", "required": True},
                    {"name": "environmentVariablesOverride", "in": "body", "required": False},
                ],
            ),
        },
        "$defs": _codebuild_defs(),
    }
    return doc


def _codebuild_defs() -> dict[str, Any]:
    """The shapes of codebuild_document: a nested derived name, a recursive one, shared enums."""
    status = {
        "type": "string",
        "enum": ["SUCCEEDED", "FAILED", "FAULT", "TIMED_OUT", "IN_PROGRESS", "STOPPED"],
    }
    return {**_get_defs(status), **_retry_and_start_defs()}


def _get_defs(status: dict[str, Any]) -> dict[str, Any]:
    return {
        "BatchGetBuildsRequest": {
            "type": "object",
            "properties": {
                "ids": {
                    "type": "array",
                    "items": {"type": "string", "minLength": 1},
                    "minItems": 1,
                    "maxItems": 100,
                }
            },
            "required": ["ids"],
        },
        "BatchGetBuildsResponse": {
            "type": "object",
            "properties": {
                "builds": {"type": "array", "items": {"$ref": "#/$defs/Build"}},
                "buildsNotFound": {"type": "array", "items": {"type": "string"}},
            },
        },
        "Build": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "buildNumber": {"type": "integer"},
                "buildStatus": copy.deepcopy(status),
                "startTime": {"type": "number", "x-timestamp": "epoch-seconds"},
                "phases": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "phaseType": {"type": "string"},
                            "phaseStatus": copy.deepcopy(status),
                        },
                        "x-derived-name": True,
                    },
                },
                "environment": {"$ref": "#/$defs/ProjectEnvironment"},
            },
            "required": ["id"],
        },
        "ProjectEnvironment": {
            "type": "object",
            "properties": {
                "image": {"type": "string"},
                "environmentVariables": {
                    "type": "array",
                    "items": {"$ref": "#/$defs/EnvironmentVariable"},
                },
            },
        },
        "EnvironmentVariable": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "value": {"type": "string"},
                "type": {
                    "type": "string",
                    "enum": ["PLAINTEXT", "PARAMETER_STORE", "SECRETS_MANAGER"],
                },
            },
            "required": ["name", "value"],
        },
    }


def _retry_and_start_defs() -> dict[str, Any]:
    return {
        "RetryBuildBatchRequest": {
            "type": "object",
            "properties": {
                "id": {"type": "string", "minLength": 1},
                "retryType": {
                    "type": "string",
                    "enum": ["RETRY_ALL_BUILDS", "RETRY_FAILED_BUILDS"],
                },
            },
        },
        "RetryBuildBatchResponse": {
            "type": "object",
            "properties": {"buildBatch": {"$ref": "#/$defs/BuildBatch"}},
        },
        "BuildBatch": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "builds": {"type": "array", "items": {"$ref": "#/$defs/Build"}},
                "parent": {"$ref": "#/$defs/BuildBatch"},  # recursive on purpose
            },
        },
        "StartBuildRequest": {
            "type": "object",
            "properties": {
                "projectName": {
                    "type": "string",
                    "minLength": 2,
                    "maxLength": 150,
                    "pattern": "[A-Za-z0-9][A-Za-z0-9\\-_]{1,149}",
                },
                "environmentVariablesOverride": {
                    "type": "array",
                    "items": {"$ref": "#/$defs/EnvironmentVariable"},
                },
            },
            "required": ["projectName"],
        },
        "StartBuildResponse": {
            "type": "object",
            "properties": {"build": {"$ref": "#/$defs/Build"}},
        },
    }


Doc = dict[str, Any]


def edited(edit: Callable[[Doc], object]) -> tuple[Doc, Doc]:
    old = codebuild_document()
    new = copy.deepcopy(old)
    edit(new)
    return old, new


def only(changes: list[Change]) -> Change:
    assert len(changes) == 1, "\n".join(c.message for c in changes)
    return changes[0]


def test_identical_documents_have_no_changes() -> None:
    assert diff_documents(codebuild_document(), codebuild_document()) == []


def test_tighter_max_items_in_a_request_is_breaking() -> None:
    old, new = edited(
        lambda d: d["$defs"]["BatchGetBuildsRequest"]["properties"]["ids"].update(maxItems=50)
    )
    change = only(diff_documents(old, new))
    assert (change.level, change.direction, change.kind) == (
        "breaking",
        "request",
        "constraint-tightened",
    )
    assert change.message == (
        "request BatchGetBuildsRequest.ids: maxItems 100 -> 50 (tighter constraint)"
    )
    assert change.location == "/$defs/BatchGetBuildsRequest/properties/ids/maxItems"
    assert change.subject == "BatchGetBuildsRequest"
    assert change.operations == ("BatchGetBuilds",)


@pytest.mark.parametrize(
    ("keyword", "value"),
    [
        ("maxItems", 200),
        ("minLength", 1),
        ("maxLength", 300),
        ("pattern", None),
    ],
)
def test_loosened_request_constraints_are_info(keyword: str, value: object) -> None:
    def edit(d: Doc) -> None:
        target = (
            d["$defs"]["BatchGetBuildsRequest"]["properties"]["ids"]
            if keyword == "maxItems"
            else d["$defs"]["StartBuildRequest"]["properties"]["projectName"]
        )
        if value is None:
            del target[keyword]
        else:
            target[keyword] = value

    change = only(diff_documents(*edited(edit)))
    assert (change.level, change.kind) == ("info", "constraint-loosened")


@pytest.mark.parametrize(
    ("keyword", "value"),
    [
        ("minLength", 3),
        ("maxLength", 100),
        ("pattern", "[a-z]+"),
    ],
)
def test_tighter_request_string_constraints_are_breaking(keyword: str, value: object) -> None:
    change = only(
        diff_documents(
            *edited(
                lambda d: d["$defs"]["StartBuildRequest"]["properties"]["projectName"].update(
                    {keyword: value}
                )
            )
        )
    )
    assert (change.level, change.kind) == ("breaking", "constraint-tightened")
    assert f"request StartBuildRequest.projectName: {keyword} " in change.message


def test_a_bound_added_to_a_request_array_item_is_breaking() -> None:
    change = only(
        diff_documents(
            *edited(
                lambda d: d["$defs"]["BatchGetBuildsRequest"]["properties"]["ids"]["items"].update(
                    maxLength=20
                )
            )
        )
    )
    assert change.level == "breaking"
    assert change.message == (
        "request BatchGetBuildsRequest.ids[]: maxLength none -> 20 (tighter constraint)"
    )


def test_tighter_constraint_in_a_response_is_info() -> None:
    change = only(
        diff_documents(
            *edited(lambda d: d["$defs"]["Build"]["properties"]["id"].update(maxLength=10))
        )
    )
    assert (change.level, change.direction) == ("info", "response")


def test_new_required_request_field_is_breaking() -> None:
    def edit(d: Doc) -> None:
        d["$defs"]["RetryBuildBatchRequest"]["properties"]["projectName"] = {"type": "string"}
        d["$defs"]["RetryBuildBatchRequest"]["required"] = ["projectName"]

    change = only(diff_documents(*edited(edit)))
    assert (change.level, change.kind) == ("breaking", "required-property-added")
    assert change.message == "request RetryBuildBatchRequest.projectName: new required field"
    assert change.location == "/$defs/RetryBuildBatchRequest/properties/projectName"


def test_new_optional_request_field_is_info() -> None:
    change = only(
        diff_documents(
            *edited(
                lambda d: d["$defs"]["RetryBuildBatchRequest"]["properties"].update(
                    idempotencyToken={"type": "string"}
                )
            )
        )
    )
    assert (change.level, change.kind) == ("info", "property-added")


def test_optional_request_field_becoming_required_is_breaking() -> None:
    change = only(
        diff_documents(
            *edited(lambda d: d["$defs"]["RetryBuildBatchRequest"].update(required=["id"]))
        )
    )
    assert (change.level, change.kind) == ("breaking", "became-required")


def test_new_optional_response_field_is_info() -> None:
    change = only(
        diff_documents(
            *edited(
                lambda d: d["$defs"]["Build"]["properties"].update(
                    autoRetryConfig={
                        "type": "object",
                        "properties": {"autoRetryLimit": {"type": "integer"}},
                    }
                )
            )
        )
    )
    assert (change.level, change.direction, change.kind) == ("info", "response", "property-added")
    assert change.message == "response Build.autoRetryConfig: new optional field"


def test_removed_response_field_is_breaking_and_reported_once_for_every_operation() -> None:
    change = only(
        diff_documents(*edited(lambda d: d["$defs"]["Build"]["properties"].pop("buildNumber")))
    )
    assert (change.level, change.kind) == ("breaking", "property-removed")
    assert change.message.startswith("response Build.buildNumber: removed")
    # Build is reached from three operations: one change, naming all of them.
    assert change.operations == ("BatchGetBuilds", "RetryBuildBatch", "StartBuild")


def test_response_field_becoming_optional_or_nullable_is_breaking() -> None:
    def edit(d: Doc) -> None:
        d["$defs"]["Build"]["required"] = []
        d["$defs"]["Build"]["properties"]["buildNumber"]["type"] = ["integer", "null"]

    changes = diff_documents(*edited(edit))
    assert {(c.level, c.kind, c.message) for c in changes} == {
        ("breaking", "became-optional", "response Build.id: now optional"),
        ("breaking", "became-nullable", "response Build.buildNumber: may now be null"),
    }


def test_request_field_becoming_nullable_is_info_and_non_nullable_breaking() -> None:
    old, new = edited(
        lambda d: d["$defs"]["RetryBuildBatchRequest"]["properties"]["id"].update(
            type=["string", "null"]
        )
    )
    assert only(diff_documents(old, new)).level == "info"
    assert only(diff_documents(new, old)).level == "breaking"


def test_changed_type_is_breaking_in_both_directions() -> None:
    def edit(d: Doc) -> None:
        d["$defs"]["Build"]["properties"]["buildNumber"]["type"] = "string"
        d["$defs"]["RetryBuildBatchRequest"]["properties"]["id"]["type"] = "integer"

    changes = diff_documents(*edited(edit))
    assert {(c.level, c.direction, c.kind) for c in changes} == {
        ("breaking", "response", "type-changed"),
        ("breaking", "request", "type-changed"),
    }
    assert "response Build.buildNumber: type integer -> string" in {c.message for c in changes}


def test_widened_request_type_is_info_but_widened_response_type_is_breaking() -> None:
    request = only(
        diff_documents(
            *edited(
                lambda d: d["$defs"]["BatchGetBuildsRequest"]["properties"]["ids"]["items"].update(
                    type=["string", "integer"]
                )
            )
        )
    )
    assert (request.level, request.kind) == ("info", "type-widened")
    response = only(
        diff_documents(
            *edited(
                lambda d: d["$defs"]["Build"]["properties"]["buildNumber"].update(type="number")
            )
        )
    )
    assert (response.level, response.kind) == ("breaking", "type-changed")


def test_timestamp_becoming_a_plain_number_changes_the_python_type() -> None:
    change = only(
        diff_documents(
            *edited(lambda d: d["$defs"]["Build"]["properties"]["startTime"].pop("x-timestamp"))
        )
    )
    assert (change.level, change.kind) == ("breaking", "type-changed")


def test_removed_enum_value_in_a_request_is_breaking() -> None:
    change = only(
        diff_documents(
            *edited(
                lambda d: d["$defs"]["RetryBuildBatchRequest"]["properties"]["retryType"][
                    "enum"
                ].remove("RETRY_FAILED_BUILDS")
            )
        )
    )
    assert (change.level, change.kind) == ("breaking", "enum-value-removed")
    assert change.message == (
        "request RetryBuildBatchRequest.retryType: enum value 'RETRY_FAILED_BUILDS' removed"
    )


def test_new_enum_value_in_a_response_is_a_warning() -> None:
    change = only(
        diff_documents(
            *edited(
                lambda d: d["$defs"]["Build"]["properties"]["buildStatus"]["enum"].append("QUEUED")
            )
        )
    )
    assert (change.level, change.kind) == ("warning", "enum-value-added")
    assert change.message == (
        "response Build.buildStatus: new enum value 'QUEUED' "
        "(generated response models accept unknown values)"
    )


def test_enum_value_changes_inside_an_inline_array_item() -> None:
    old, new = edited(
        lambda d: d["$defs"]["Build"]["properties"]["phases"]["items"]["properties"]["phaseStatus"][
            "enum"
        ].remove("FAULT")
    )
    removed = only(diff_documents(old, new))
    assert (removed.level, removed.message) == (
        "info",
        "response Build.phases[].phaseStatus: enum value 'FAULT' removed",
    )
    assert removed.location == "/$defs/Build/properties/phases/items/properties/phaseStatus/enum"
    assert only(diff_documents(new, old)).level == "warning"


def test_new_enum_value_in_a_request_is_info() -> None:
    change = only(
        diff_documents(
            *edited(
                lambda d: d["$defs"]["RetryBuildBatchRequest"]["properties"]["retryType"][
                    "enum"
                ].append("RETRY_SOME")
            )
        )
    )
    assert change.level == "info"


def test_enum_restriction_added_or_dropped() -> None:
    old, new = edited(lambda d: d["$defs"]["Build"]["properties"]["buildStatus"].pop("enum"))
    assert only(diff_documents(old, new)).level == "warning"  # any value may now arrive
    old, new = edited(
        lambda d: d["$defs"]["RetryBuildBatchRequest"]["properties"]["id"].update(enum=["a"])
    )
    assert only(diff_documents(old, new)).level == "breaking"


def test_shape_reached_from_both_directions_gets_both_rules() -> None:
    """EnvironmentVariable is sent by StartBuild and returned inside Build."""

    def edit(d: Doc) -> None:
        shape = d["$defs"]["EnvironmentVariable"]
        shape["properties"]["type"]["enum"].append("VAULT")
        shape["properties"]["scope"] = {"type": "string"}
        shape["required"].append("scope")

    changes = diff_documents(*edited(edit))
    levels = {(c.direction, c.kind): c.level for c in changes}
    assert levels == {
        ("request", "enum-value-added"): "info",
        ("response", "enum-value-added"): "warning",
        ("request", "required-property-added"): "breaking",
        ("response", "property-added"): "info",
    }
    request = next(c for c in changes if c.direction == "request")
    assert request.operations == ("StartBuild",)


def test_removed_and_added_operations() -> None:
    def edit(d: Doc) -> None:
        d["operations"]["StopBuild"] = d["operations"].pop("RetryBuildBatch")

    changes = diff_documents(*edited(edit))
    assert {(c.level, c.kind, c.subject) for c in changes} == {
        ("breaking", "operation-removed", "RetryBuildBatch"),
        ("info", "operation-added", "StopBuild"),
    }


def test_renamed_shape_is_one_rename_not_a_removal_of_its_fields() -> None:
    def edit(d: Doc) -> None:
        d["$defs"]["BuildRecord"] = d["$defs"].pop("Build")
        text = json.dumps(d).replace('#/$defs/Build"', '#/$defs/BuildRecord"')
        d.clear()
        d.update(json.loads(text))

    change = only(diff_documents(*edited(edit)))
    assert (change.level, change.kind, change.subject, change.location) == (
        "breaking",
        "shape-renamed",
        "BuildRecord",
        "/$defs/BuildRecord",
    )
    assert change.message == (
        "response shape Build renamed to BuildRecord (generated class renamed)"
    )
    assert change.operations == ("BatchGetBuilds", "RetryBuildBatch", "StartBuild")


def test_recursive_shape_is_compared_once() -> None:
    change = only(
        diff_documents(*edited(lambda d: d["$defs"]["BuildBatch"]["properties"].pop("id")))
    )
    assert change.message.startswith("response BuildBatch.id: removed")


def test_endpoint_parameter_location_and_pagination_changes() -> None:
    def edit(d: Doc) -> None:
        op = d["operations"]["BatchGetBuilds"]
        op["awsTarget"] = "CodeBuild_20161006.BatchGetBuildsV2"
        op["parameters"][0]["in"] = "query"
        op["errors"].append({"code": "ThrottlingException", "status": 400})
        d["operations"]["StartBuild"]["pagination"] = {
            "style": "token",
            "inputToken": "nextToken",
            "outputToken": "nextToken",
        }

    changes = diff_documents(*edited(edit))
    assert {(c.level, c.kind) for c in changes} == {
        ("breaking", "endpoint-changed"),
        ("breaking", "parameter-location-changed"),
        ("info", "error-added"),
        ("warning", "pagination-added"),
    }


def test_service_level_protocol_change_is_breaking() -> None:
    change = only(diff_documents(*edited(lambda d: d["service"].update(protocol="rest-json"))))
    assert (change.level, change.direction, change.kind) == (
        "breaking",
        "service",
        "service-changed",
    )


def test_documents_of_different_services_are_refused() -> None:
    old, new = edited(lambda d: d["service"].update(id="aws_codepipeline"))
    with pytest.raises(SchemaError, match="'aws_codebuild'.*'aws_codepipeline'"):
        diff_documents(old, new)


def test_dangling_ref_names_the_ref() -> None:
    old, new = edited(lambda d: d["$defs"].pop("ProjectEnvironment"))
    with pytest.raises(SchemaError, match="#/\\$defs/ProjectEnvironment"):
        diff_documents(old, new)


def test_services_added_and_removed() -> None:
    doc = codebuild_document()
    changes = diff_services(
        {"aws_codebuild": doc},
        {"cloudfoundry": {**doc, "service": {**doc["service"], "id": "cloudfoundry"}}},
    )
    assert {(c.service, c.level, c.kind) for c in changes} == {
        ("aws_codebuild", "breaking", "service-removed"),
        ("cloudfoundry", "info", "service-added"),
    }


def many_changes() -> list[Change]:
    def edit(d: Doc) -> None:
        d["$defs"]["Build"]["properties"].pop("buildNumber")
        d["$defs"]["Build"]["properties"]["buildStatus"]["enum"].append("QUEUED")
        d["$defs"]["RetryBuildBatchRequest"]["properties"]["idempotencyToken"] = {"type": "string"}
        d["$defs"]["BatchGetBuildsRequest"]["properties"]["ids"]["maxItems"] = 50

    return diff_documents(*edited(edit))


def test_json_report_is_stable_and_sorted_worst_first() -> None:
    changes = many_changes()
    shuffled = list(changes)
    random.Random(7).shuffle(shuffled)
    text = render_json(changes)
    assert render_json(shuffled) == text
    report = json.loads(text)
    assert report["summary"] == {"breaking": 2, "warning": 1, "info": 1}
    assert [c["level"] for c in report["changes"]] == ["breaking", "breaking", "warning", "info"]
    assert report["changes"][0] == {
        "level": "breaking",
        "service": "aws_codebuild",
        "direction": "request",
        "subject": "BatchGetBuildsRequest",
        "location": "/$defs/BatchGetBuildsRequest/properties/ids/maxItems",
        "kind": "constraint-tightened",
        "message": "request BatchGetBuildsRequest.ids: maxItems 100 -> 50 (tighter constraint)",
        "operations": ["BatchGetBuilds"],
    }


def test_text_report_groups_by_service_then_level() -> None:
    lines = render_text(many_changes()).splitlines()
    assert lines[0] == "aws_codebuild: 2 breaking, 1 warning, 1 info"
    assert [line.strip() for line in lines if line.strip().isupper()] == [
        "BREAKING",
        "WARNING",
        "INFO",
    ]
    assert (
        "    request BatchGetBuildsRequest.ids: maxItems 100 -> 50 (tighter constraint)"
        "  [BatchGetBuilds]"
    ) in lines
    assert render_text([]) == "No changes.\n"


def test_exit_code_gates_on_the_requested_level() -> None:
    changes = many_changes()
    warnings_only = [c for c in changes if c.level != "breaking"]
    assert exit_code(changes, None) == 0
    assert exit_code(changes, "breaking") == 1
    assert exit_code(warnings_only, "breaking") == 0
    assert exit_code(warnings_only, "warning") == 1
    assert exit_code([c for c in changes if c.level == "info"], "warning") == 0
    with pytest.raises(ValueError, match="'fatal'"):
        exit_code(changes, "fatal")


# -- builds-codegen diff (run_diff) ------------------------------------------------------------

MODELS_V1 = (
    "from pydantic import BaseModel, Field\n\n\n"
    "class Build(BaseModel):\n"
    "    id: str\n"
    "    build_number: int | None = Field(None, alias='buildNumber')\n"
)


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A checkout with one committed service document and generated module."""
    (tmp_path / "schemas").mkdir()
    (tmp_path / "generated" / "aws_codebuild").mkdir(parents=True)
    (tmp_path / "schemas" / "aws_codebuild.json").write_text(json.dumps(codebuild_document()))
    (tmp_path / "generated" / "aws_codebuild" / "models.py").write_text(MODELS_V1)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "v1")
    return tmp_path


def edit_working_tree(root: Path) -> None:
    doc = codebuild_document()
    doc["$defs"]["BatchGetBuildsRequest"]["properties"]["ids"]["maxItems"] = 50
    (root / "schemas" / "aws_codebuild.json").write_text(json.dumps(doc))
    (root / "generated" / "aws_codebuild" / "models.py").write_text(
        MODELS_V1.replace("build_number:", "number:")
    )


def test_diff_compares_the_working_tree_with_head(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_diff(["--format", "json"], repo) == 0
    assert json.loads(capsys.readouterr().out)["changes"] == []
    edit_working_tree(repo)
    assert run_diff(["--format", "json", "--fail-on", "breaking"], repo) == 1
    report = json.loads(capsys.readouterr().out)
    assert [(c["direction"], c["kind"]) for c in report["changes"]] == [
        ("request", "constraint-tightened"),
        ("python", "field-renamed"),
    ]
    assert report["changes"][1]["location"] == (
        "generated/aws_codebuild/models.py::Build.build_number"
    )


def test_diff_with_a_revision_and_with_two_files(
    repo: Path, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    edit_working_tree(repo)
    git(repo, "commit", "-q", "-am", "v2")
    assert run_diff(["--rev", "HEAD~1", "--fail-on", "warning"], repo) == 1
    assert "maxItems 100 -> 50 (tighter constraint)" in capsys.readouterr().out
    assert run_diff(["HEAD~1", "HEAD", "--format", "json"], repo) == 0
    assert len(json.loads(capsys.readouterr().out)["changes"]) == 2

    elsewhere = tmp_path_factory.mktemp("docs")
    old_file, new_file = elsewhere / "old.json", elsewhere / "new.json"
    old_file.write_text(json.dumps(codebuild_document()))
    new_file.write_text((repo / "schemas" / "aws_codebuild.json").read_text())
    assert run_diff([str(old_file), str(new_file)], repo) == 0
    out = capsys.readouterr().out
    assert out.startswith("aws_codebuild: 1 breaking\n")
    # One file against the working tree: the document only, no Python surface.
    assert run_diff([str(old_file), "--format", "json"], repo) == 0
    assert [c["kind"] for c in json.loads(capsys.readouterr().out)["changes"]] == [
        "constraint-tightened"
    ]


def test_diff_rejects_what_it_cannot_read(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_diff(["no-such-rev"], repo) == 2
    assert "'no-such-rev': not a file, a directory or a git revision" in capsys.readouterr().err
    broken = repo / "broken.json"
    broken.write_text('{"operations": {')
    assert run_diff([str(broken)], repo) == 2
    assert f"{broken}:1:" in capsys.readouterr().err
    assert run_diff(["HEAD", "--rev", "HEAD"], repo) == 2
    assert "--rev" in capsys.readouterr().err


# -- real-looking edits to the bundled pages, re-read through the readers and the normalizer ---

PAGES = Path(__file__).resolve().parents[1] / "schemas" / "pages"
Edits = dict[str, list[tuple[str, str]]]


def parse_service(service: str, edits: Edits | None = None, leave_out: str | None = None) -> Doc:
    """The service document `generate` would write from the bundled pages, after `edits`
    (`{page file name: [(text, replacement), ...]}`, first occurrence) to the page text."""
    drafts = []
    for page in sorted((PAGES / service).iterdir()):
        if page.name == leave_out:
            continue
        text = page.read_text(encoding="utf-8")
        for before, after in (edits or {}).get(page.name, []):
            assert before in text, f"{page.name} no longer contains {before!r}"
            text = text.replace(before, after, 1)
        source = f"pages/{service}/{page.name}"
        drafts.append((source, copy.deepcopy(_read_page(text, source))))
    return normalize(service, drafts)


@functools.cache
def _read_page(text: str, source: str) -> dict[str, Any]:
    """The reader's draft of a page text, read once per text: the tests that leave each page
    out in turn read the same pages again and again (callers get a copy to normalize)."""
    return read_page(text, source)


CF_STATUS = (
    '`status: optional "queued" or "initializing" or "running" or "stopped"` - '
    '`"queued"` - `"initializing"` - `"running"` - `"stopped"`'
)
CF_OUTCOME = (
    '"skipped" or 2 more` - `"success"` - `"fail"` - `"skipped"` - `"cancelled"` - `"terminated"`'
)

PAGE_EDITS: dict[str, tuple[str, Edits, Edits, set[tuple[str, str, str, str]]]] = {
    # name: (service, edits to both versions, edits to the new version, expected changes)
    "new optional response field (AWS)": (
        "aws_codebuild",
        {},
        {
            "BatchGetBuilds.txt": [
                (
                    '"buildBatchArn": "string",',
                    '"buildBatchArn": "string",\n         "buildBatchName": "string",',
                )
            ]
        },
        {
            (
                "info",
                "response",
                "property-added",
                "response Build.buildBatchName: new optional field",
            )
        },
    ),
    "new optional response field (Cloudflare)": (
        "cloudflare_builds",
        {},
        {
            "GetBuildsByVersionIds.md": [
                (
                    "`running_on: optional string`",
                    "`running_on: optional string` - `queued_on: optional string`",
                ),
                ("build_uuid, 8 more", "build_uuid, 9 more"),
            ]
        },
        {("info", "response", "property-added", "response Build.queued_on: new optional field")},
    ),
    "removed response field": (
        # Build is one class for the four pages that render it: the field goes when the
        # provider drops it from the object, i.e. from each of them.
        "aws_codebuild",
        {},
        {
            "BatchGetBuilds.txt": [('         "buildBatchArn": "string",\n', "")],
            **{
                page: [('      "buildBatchArn": "string",\n', "")]
                for page in ("RetryBuild.txt", "StartBuild.txt", "StopBuild.txt")
            },
        },
        {
            (
                "breaking",
                "response",
                "property-removed",
                "response Build.buildBatchArn: removed (programs reading it break)",
            )
        },
    ),
    "new required request parameter": (
        "aws_codebuild",
        {},
        {
            "BatchGetBuilds.txt": [
                ('"ids": [ "string" ]', '"ids": [ "string" ],\n   "projectName": "string"'),
                (
                    "Required: Yes \n",
                    (
                        "Required: Yes \n- projectName\n- \n               The name "
                        "of the project. Type: String Length Constraints: Minimum "
                        "length of 1. Required: Yes \n"
                    ),
                ),
            ]
        },
        {
            (
                "breaking",
                "request",
                "required-property-added",
                "request BatchGetBuildsRequest.projectName: new required field",
            )
        },
    ),
    "removed enum value in a request": (
        "aws_codebuild",
        {},
        {
            "StartBuild.txt": [
                ("ARM_EC2 | WINDOWS_EC2 | MAC_ARM Required", "ARM_EC2 | MAC_ARM Required")
            ]
        },
        {
            (
                "breaking",
                "request",
                "enum-value-removed",
                "request StartBuildRequest.environmentTypeOverride: enum value 'WINDOWS_EC2' removed",
            )
        },
    ),
    # Build is one class for the three pages that render it (merged by name), so the value
    # goes when the provider drops it from the object, i.e. from every page showing a Build.
    "removed enum value in a response": (
        "cloudflare_builds",
        {},
        {
            page: [
                (CF_OUTCOME, CF_OUTCOME.replace("2 more", "1 more").replace(' - `"cancelled"`', ""))
            ]
            for page in ("GetBuild.md", "GetBuildsByVersionIds.md", "ListBuildsByScript.md")
        },
        {
            (
                "info",
                "response",
                "enum-value-removed",
                "response Build.build_outcome: enum value 'cancelled' removed",
            )
        },
    ),
    "new enum value in a response": (
        "cloudflare_builds",
        {},
        {
            "GetBuildsByVersionIds.md": [
                (CF_STATUS, CF_STATUS.replace('or "stopped"', "or 2 more") + ' - `"waiting"`')
            ]
        },
        {
            (
                "warning",
                "response",
                "enum-value-added",
                (
                    "response Build.status: new enum value "
                    "'waiting' (generated response models accept unknown values)"
                ),
            )
        },
    ),
    "tighter maximum number of items": (
        "aws_codebuild",
        {},
        {"BatchGetBuilds.txt": [("Maximum number of 100 items", "Maximum number of 50 items")]},
        {
            (
                "breaking",
                "request",
                "constraint-tightened",
                "request BatchGetBuildsRequest.ids: maxItems 100 -> 50 (tighter constraint)",
            )
        },
    ),
}


@pytest.mark.parametrize("case", sorted(PAGE_EDITS))
def test_page_edit_is_classified(case: str) -> None:
    service, both, edits, expected = PAGE_EDITS[case]
    new_edits = {page: both.get(page, []) + edits.get(page, []) for page in both.keys() | edits}
    old, new = parse_service(service, both), parse_service(service, new_edits)
    # Renames are the normalizer's business, asserted by the name-stability tests below.
    changes = [c for c in diff_documents(old, new) if c.kind != "shape-renamed"]
    assert {(c.level, c.direction, c.kind, c.message) for c in changes} == expected
    edited_operations = {
        op for op, spec in new["operations"].items() if spec["source"].rsplit("/", 1)[-1] in edits
    }
    assert all(edited_operations & set(c.operations) for c in changes)


def test_page_edits_gate_the_exit_code() -> None:
    """What CI runs (`--fail-on breaking`) fails on the tighter limit, not on a new field."""
    old = parse_service("aws_codebuild")
    tighter = parse_service("aws_codebuild", PAGE_EDITS["tighter maximum number of items"][2])
    added = parse_service("aws_codebuild", PAGE_EDITS["new optional response field (AWS)"][2])
    assert exit_code(diff_documents(old, tighter), "breaking") == 1
    added_changes = [c for c in diff_documents(old, added) if c.kind != "shape-renamed"]
    assert exit_code(added_changes, "breaking") == 0
    assert exit_code(added_changes, "warning") == 0


# -- name stability ------------------------------------------------------------------------------

UNRELATED_FIELDS = {
    "a scalar": '"buildBatchName": "string",',
    "a new object": '"queueInfo": { \n            "queueArn": "string",\n'
    '            "queueName": "string"\n         },',
    # Same structure as the existing environment.dockerServer.status, met earlier in the page.
    "an object shaped like an existing one": '"buildStatusDetail": { \n'
    '            "message": "string",\n'
    '            "status": "string"\n         },',
}


@pytest.mark.parametrize("what", sorted(UNRELATED_FIELDS))
def test_adding_an_unrelated_field_renames_no_generated_class(what: str) -> None:
    old = parse_service("aws_codebuild")
    new = parse_service(
        "aws_codebuild",
        {
            "BatchGetBuilds.txt": [
                (
                    '"buildBatchArn": "string",',
                    '"buildBatchArn": "string",\n         ' + UNRELATED_FIELDS[what],
                )
            ]
        },
    )
    assert set(old["$defs"]) <= set(new["$defs"])
    assert [c.message for c in diff_documents(old, new) if c.kind == "shape-renamed"] == []


def _named_by(page: Path) -> set[str]:
    """Shape names a data-type page gives: its own and those of its members' Types."""
    draft = read_page(page.read_text(encoding="utf-8"), page.name)
    names: set[str] = set()
    for name, shape in draft.get("shapes", {}).items():
        names.add(name)
        for member in shape["properties"].values():
            names |= {sub["title"] for _, sub in walk(member) if "title" in sub}
    return names


def _named_through(service_dir: Path, page: str) -> set[str]:
    """The names `page` gives, and those the pages of these shapes give in turn: the left-out
    page is where the pages' naming of those shapes starts."""
    given = {
        p.name.removeprefix("API_").removesuffix(".md"): _named_by(p)
        for p in service_dir.glob("API_*.md")
    }
    named, todo = set(), list(_named_by(service_dir / page) if page.startswith("API_") else [])
    while todo:
        name = todo.pop()
        if name not in named:
            named.add(name)
            todo += given.get(name, set())
    return named


def walk(schema: Any) -> list[tuple[str, dict[str, Any]]]:
    found = [("", schema)] if isinstance(schema, dict) else []
    if isinstance(schema, dict):
        for value in schema.values():
            found += walk(value)
    return found


def test_adding_a_page_renames_no_generated_class() -> None:
    """An operation page renames nothing. A data-type page (API_<Shape>.md) gives names: adding
    it renames the shapes it names and those named after them (from path-derived names, or a
    request copy to <Name>Input when a response copy takes the name), and nothing else."""
    renames = []
    for service_dir in sorted(p for p in PAGES.iterdir() if p.is_dir()):
        pages = sorted(p.name for p in service_dir.iterdir())
        full = parse_service(service_dir.name)
        for page in pages[:-1] if len(pages) > 1 else []:
            named = _named_through(service_dir, page)
            without = parse_service(service_dir.name, leave_out=page)
            for change in diff_documents(without, full):
                new = change.message.rsplit(" renamed to ", 1)[-1].split(" (")[0]
                # A name derived from a named shape's name (its members' shapes) moves with it.
                if change.kind == "shape-renamed" and not any(map(new.startswith, named)):
                    renames.append(f"{service_dir.name} + {page}: {change.message}")
    assert renames == []


def test_generate_report_compares_disk_with_what_is_about_to_be_written(repo: Path) -> None:
    """The call `generate` makes before writing: only the files it writes or removes."""
    doc = codebuild_document()
    doc["$defs"]["Build"]["properties"]["buildStatus"]["enum"].append("QUEUED")
    (repo / "generated" / "aws_codebuild" / "client.py").write_text("class Client:\n    pass\n")
    new_files = {
        "schemas/aws_codebuild.json": json.dumps(doc).encode(),
        "generated/aws_codebuild/models.py": MODELS_V1.replace("    id: str\n", "").encode(),
    }
    changes = changes_for_write(repo, new_files, removed=["generated/aws_codebuild/client.py"])
    assert [(c.level, c.direction, c.kind) for c in changes] == [
        ("breaking", "python", "field-removed"),
        ("breaking", "python", "module-removed"),
        ("warning", "response", "enum-value-added"),
    ]
    # A first generate (nothing on disk yet) reports the service as added.
    (repo / "schemas" / "aws_codebuild.json").unlink()
    added = changes_for_write(
        repo, {"schemas/aws_codebuild.json": new_files["schemas/aws_codebuild.json"]}
    )
    assert [(c.level, c.kind) for c in added] == [("info", "service-added")]
