"""The service document format: validation names the pointer and the rule; the writer is canonical."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pulumi_builds.codegen import ir
from pulumi_builds.codegen.errors import SchemaError

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = sorted(
    p for p in (ROOT / "schemas").glob("*.json") if p.name not in ("mapping.json", ".manifest.json")
)
META_SCHEMA = json.loads((ROOT / "codegen" / "service-document.schema.json").read_text())


def minimal() -> dict[str, Any]:
    """A small valid document: one AWS operation with a nested named shape."""
    return {
        "$schema": ir.JSON_SCHEMA_DIALECT,
        "x-format": ir.FORMAT,
        "service": {
            "id": "aws_codebuild",
            "title": "AWS CodeBuild",
            "protocol": "aws-json-1.1",
            "aws": {
                "targetPrefix": "CodeBuild_20161006",
                "signingName": "codebuild",
                "endpointPrefix": "codebuild",
            },
            "auth": "aws-sigv4",
        },
        "sources": ["pages/aws_codebuild/StopBuild.txt"],
        "operations": {
            "StopBuild": {
                "summary": "Attempts to stop running a build.",
                "http": {"method": "POST", "path": "/"},
                "awsTarget": "CodeBuild_20161006.StopBuild",
                "request": {"$ref": "#/$defs/StopBuildRequest"},
                "response": {"$ref": "#/$defs/StopBuildResponse"},
                "parameters": [{"name": "id", "in": "body", "required": True}],
                "errors": [{"code": "InvalidInputException", "status": 400}],
                "pagination": None,
                "source": "pages/aws_codebuild/StopBuild.txt",
            }
        },
        "$defs": {
            "Build": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "buildStatus": {
                        "type": "string",
                        "enum": ["SUCCEEDED", "FAILED"],
                        "x-enum-open": True,
                    },
                },
            },
            "StopBuildRequest": {
                "type": "object",
                "properties": {"id": {"type": "string", "minLength": 1}},
                "required": ["id"],
            },
            "StopBuildResponse": {
                "type": "object",
                "properties": {"build": {"$ref": "#/$defs/Build", "description": "The build."}},
            },
        },
    }


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_committed_documents_are_valid_and_canonical(path: Path) -> None:
    data = path.read_bytes()
    doc = json.loads(data)
    ir.validate(doc)  # the meta-schema, then the cross-references
    assert ir.dumps(doc).encode("utf-8") == data


def test_meta_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(META_SCHEMA)
    jsonschema.Draft202012Validator(META_SCHEMA).validate(minimal())


def test_minimal_document_is_valid() -> None:
    ir.validate(minimal())


def _shuffled(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _shuffled(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_shuffled(v) for v in value]
    return value


def test_writer_fixes_key_order_but_keeps_property_order() -> None:
    doc = minimal()
    doc["$defs"]["Build"]["properties"] = {"zeta": {"type": "string"}, "alpha": {"type": "string"}}
    text = ir.dumps(doc)
    shuffled = _shuffled(doc)
    # Properties are page order: reversing them is a different document, so restore them.
    shuffled["$defs"]["Build"]["properties"] = doc["$defs"]["Build"]["properties"]
    assert ir.dumps(shuffled) == text
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert list(json.loads(text)) == list(ir.TOP_KEYS)
    assert list(json.loads(text)["$defs"]) == ["Build", "StopBuildRequest", "StopBuildResponse"]
    assert text.index('"zeta"') < text.index('"alpha"')
    assert '\n  "service": {\n    "id"' in text  # indent=2


def _add_request_property(doc: dict[str, Any], name: str, schema: dict[str, Any]) -> None:
    doc["$defs"]["StopBuildRequest"]["properties"][name] = schema
    doc["operations"]["StopBuild"]["parameters"].append(
        {"name": name, "in": "body", "required": False}
    )


BROKEN = [
    # (mutation, pointer, words of the rule)
    (lambda d: d.update({"x-format": "pulumi-builds/service/0"}), "/x-format", "must be"),
    (
        lambda d: d["$defs"]["Build"]["properties"]["id"].update({"maxLenght": 3}),
        "/$defs/Build/properties/id/maxLenght",
        "unknown key",
    ),
    (
        lambda d: d["$defs"]["StopBuildResponse"]["properties"]["build"].update(
            {"$ref": "#/$defs/Missing"}
        ),
        "/$defs/StopBuildResponse/properties/build/$ref",
        "existing definition",
    ),
    (
        lambda d: d["$defs"]["StopBuildRequest"].update({"required": ["nope"]}),
        "/$defs/StopBuildRequest/required",
        "names of properties",
    ),
    (
        lambda d: d["operations"]["StopBuild"].update({"awsTarget": "CodeBuild.StopBuild"}),
        "/operations/StopBuild/awsTarget",
        "CodeBuild_20161006.StopBuild",
    ),
    (
        lambda d: d["$defs"]["StopBuildResponse"]["properties"].update(
            {"nested": {"type": "object", "properties": {"a": {"type": "string"}}}}
        ),
        "/$defs/StopBuildResponse/properties/nested",
        "hoisted",
    ),
    (
        lambda d: _add_request_property(
            d, "mode", {"type": "string", "enum": ["A"], "x-enum-open": True}
        ),
        "/$defs/StopBuildRequest/properties/mode",
        "response-side",
    ),
    (
        lambda d: _add_request_property(d, "build", {"$ref": "#/$defs/Build"}),
        "/$defs/Build",
        "both a request and a response",
    ),
    (
        lambda d: d["operations"]["StopBuild"].update({"parameters": []}),
        "/operations/StopBuild/parameters",
        "exactly one parameter entry",
    ),
    (
        lambda d: d["$defs"]["Build"]["properties"]["id"].update({"pattern": "[a-"}),
        "/$defs/Build/properties/id/pattern",
        "regular expression",
    ),
    (
        lambda d: d["$defs"]["Build"]["properties"]["id"].update({"x-secret": "yes"}),
        "/$defs/Build/properties/id/x-secret",
        "must be true",
    ),
    (
        lambda d: d["$defs"]["Build"]["properties"]["id"].update({"type": ["null", "string"]}),
        "/$defs/Build/properties/id/type",
        "'null' last",
    ),
    (
        lambda d: d["operations"]["StopBuild"]["errors"][0].update({"status": 99}),
        "/operations/StopBuild/errors/0/status",
        "HTTP status",
    ),
    (
        lambda d: d["operations"]["StopBuild"].update({"pagination": {"style": "token"}}),
        "/operations/StopBuild/pagination/inputToken",
        "required for style 'token'",
    ),
    (lambda d: d.update({"sources": ["pages/b.txt", "pages/a.txt"]}), "/sources", "sorted"),
    # Rules of the meta-schema (codegen/service-document.schema.json), in the same words.
    (
        lambda d: d["$defs"]["Build"]["properties"]["id"].update(
            {"type": "integer", "format": "uuid"}
        ),
        "/$defs/Build/properties/id/type",
        "must be 'string' (or a type list starting with it) for 'format' (found \"integer\")",
    ),
    (
        lambda d: d["$defs"]["Build"]["properties"]["id"].update({"x-derived-name": True}),
        "/$defs/Build/properties/id",
        "only for a $defs entry",
    ),
    (
        lambda d: d["$defs"]["StopBuildResponse"]["properties"]["build"].update({"title": "B"}),
        "/$defs/StopBuildResponse/properties/build/title",
        "may only be accompanied by 'description'",
    ),
    (
        lambda d: d["operations"]["StopBuild"]["parameters"][0].update(
            {"in": "path", "required": False}
        ),
        "/operations/StopBuild/parameters/0/required",
        "path parameters are required (found false)",
    ),
    (
        lambda d: d["$defs"]["Build"]["properties"]["id"].update({"type": "array"}),
        "/$defs/Build/properties/id/items",
        "an array needs 'items'",
    ),
    (
        lambda d: d["$defs"].update({"build_v2": {"type": "object"}}),
        "/$defs/build_v2",
        "PascalCase",
    ),
    (
        lambda d: d["operations"]["StopBuild"]["http"].update({"method": "FETCH"}),
        "/operations/StopBuild/http/method",
        'must be one of GET, POST, PUT, PATCH, DELETE, HEAD (found "FETCH")',
    ),
    (
        lambda d: d["$defs"].update({"Orphan": {"type": "object"}}),
        "/$defs/Orphan",
        "not used by any operation",
    ),
]


@pytest.mark.parametrize(("mutate", "where", "rule"), BROKEN, ids=[case[1] for case in BROKEN])
def test_validation_error_names_pointer_and_rule(mutate: Any, where: str, rule: str) -> None:
    doc = copy.deepcopy(minimal())
    mutate(doc)
    with pytest.raises(SchemaError) as caught:
        ir.validate(doc)
    message = str(caught.value)
    assert message.startswith(where + ":"), message
    assert rule in message


def test_pointer_escapes_slashes_and_tildes() -> None:
    assert ir.pointer("$defs", "a/b", "c~d", 0) == "/$defs/a~1b/c~0d/0"
