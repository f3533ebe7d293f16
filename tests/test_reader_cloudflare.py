"""The Cloudflare API markdown reader: bundled and written pages, other shapes of the dialect,
and truncated or garbled copies of the bundled page (made here, never stored)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from pulumi_builds.codegen.errors import PageError
from pulumi_builds.codegen.readers import cloudflare, detect

PAGES = Path(__file__).resolve().parent.parent / "schemas" / "pages" / "cloudflare_builds"
SEED = PAGES / "GetBuildsByVersionIds.md"
SOURCE = "pages/cloudflare_builds/GetBuildsByVersionIds.md"


def _seed() -> str:
    return SEED.read_text(encoding="utf-8")


def _read(text: str, source: str = SOURCE) -> dict[str, Any]:
    return cloudflare.read_page(text, source)


def _only(draft: dict[str, Any]) -> dict[str, Any]:
    (operation,) = draft["operations"].values()
    return operation


def _at(schema: dict[str, Any], *path: str) -> dict[str, Any]:
    """Walk properties; `[]` steps into array items, `{}` into map values."""
    for step in path:
        if step == "[]":
            schema = schema["items"]
        elif step == "{}":
            schema = schema["additionalProperties"]
        else:
            schema = schema["properties"][step]
    return schema


# --- the bundled page ------------------------------------------------------------------------


def test_seed_is_one_line_and_detected_as_cloudflare() -> None:
    text = _seed()
    assert text.count("\n") <= 1
    assert cloudflare.looks_like(text)
    assert detect(text, SOURCE) == "cloudflare"


def test_seed_operation_http_and_parameters() -> None:
    draft = _read(_seed())
    assert draft["dialect"] == "cloudflare"
    assert list(draft["operations"]) == ["GetBuildsByVersionIds"]
    op = _only(draft)
    assert op["http"] == {"method": "GET", "path": "/accounts/{account_id}/builds/builds"}
    assert op["summary"] == "Retrieve builds for specific version IDs"
    assert op["source"] == SOURCE
    assert op["parameters"] == [
        {"name": "account_id", "in": "path", "required": True},
        {"name": "version_ids", "in": "query", "required": True, "style": "form", "explode": False},
    ]
    version_ids = op["request"]["properties"]["version_ids"]
    assert version_ids["type"] == "array"
    assert version_ids["items"] == {"type": "string"}
    assert version_ids["maxItems"] == 20
    assert version_ids["x-comma-list"] is True
    assert op["request"]["required"] == ["account_id", "version_ids"]
    assert op["pagination"] is None  # result_info is returned, but the request has no page


def test_seed_response_envelope_and_nesting() -> None:
    response = _only(_read(_seed()))["response"]
    assert list(response["properties"]) == [
        "errors",
        "messages",
        "result",
        "success",
        "result_info",
    ]
    assert response["required"] == ["errors", "messages", "result", "success"]
    assert _at(response, "errors", "[]", "code")["type"] == "integer"
    assert _at(response, "messages")["items"] == {"type": "string"}
    build = _at(response, "result", "builds", "{}")
    assert len(build["properties"]) == 3 + 8  # "build_outcome, ..., build_uuid, 8 more"
    assert build.get("required") is None  # every member is optional
    assert _at(build, "build_outcome")["enum"] == [
        "success",
        "fail",
        "skipped",
        "cancelled",
        "terminated",
    ]
    metadata = _at(build, "build_trigger_metadata")
    assert len(metadata["properties"]) == 3 + 11
    assert _at(metadata, "environment_variables") == {
        "type": "object",
        "additionalProperties": {"type": "string"},
    }
    assert _at(metadata, "provider_type")["enum"] == ["github"]
    trigger = _at(build, "trigger")
    assert trigger["description"] == "Trigger information without build_token_uuid"
    assert len(trigger["properties"]) == 3 + 12
    assert len(_at(trigger, "repo_connection")["properties"]) == 3 + 6
    # A bullet after a nested object belongs to the outer object again.
    assert list(trigger["properties"])[-3:] == ["root_directory", "trigger_name", "trigger_uuid"]
    assert _at(build, "status")["enum"] == ["queued", "initializing", "running", "stopped"]
    assert _at(trigger, "path_includes") == {"type": "array", "items": {"type": "string"}}


def test_seed_descriptions_are_kept() -> None:
    build = _at(_only(_read(_seed()))["response"], "result", "builds", "{}")
    assert _at(build, "build_uuid")["description"] == "Build UUID."
    assert _at(build, "build_trigger_metadata", "commit_hash")["description"] == "Git commit hash"


def test_seed_corrections_from_the_tables() -> None:
    """What Cloudflare's model says and the markdown does not print comes from the tables."""
    response = _only(_read(_seed()))["response"]
    build = _at(response, "result", "builds", "{}")
    assert _at(build, "build_uuid")["format"] == "uuid"
    assert _at(build, "created_on") == {"type": "string", "format": "date-time"}
    assert _at(build, "stopped_on")["type"] == ["string", "null"]
    assert _at(build, "pull_request")["type"] == ["object", "null"]
    assert _at(response, "result_info", "total_pages") == {"type": "integer"}


def test_seed_example_response_is_kept_and_fits_the_schema() -> None:
    op = _only(_read(_seed()))
    example = op["examples"]["response"]
    fence = re.search(r"```json(.*?)```", _seed(), re.DOTALL)
    assert fence is not None
    published = json.loads(fence.group(1))
    assert example == published
    Draft202012Validator.check_schema(op["response"])
    errors = list(Draft202012Validator(op["response"]).iter_errors(example))
    assert errors == []


def test_folded_and_multiline_renderings_read_the_same() -> None:
    """The markdown as served with line breaks and indentation gives the same draft."""
    text = _seed()
    multiline = re.sub(r" (?=- `)", "\n\n  ", text)
    multiline = re.sub(r" (?=#{2,4} )", "\n\n", multiline)
    multiline = re.sub(r"(?<=`) (?=Retrieve)", "\n\n", multiline)
    assert multiline.count("\n") > 100
    assert detect(multiline, SOURCE) == "cloudflare"
    assert _read(multiline) == _read(text)


def test_reading_is_deterministic() -> None:
    assert json.dumps(_read(_seed())) == json.dumps(_read(_seed()))


# --- truncated and garbled copies of the bundled page -------------------------------------


@pytest.mark.parametrize("fraction", [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95, 0.999])
def test_truncated_page_is_rejected_with_a_position(fraction: float) -> None:
    text = _seed().rstrip("\n")
    cut = text[: int(len(text) * fraction)]
    with pytest.raises(PageError) as caught:
        _read(cut)
    error = caught.value
    assert error.source == SOURCE
    assert error.line == 1
    assert 1 <= error.column <= len(cut) + 1
    assert str(error).startswith(f"{SOURCE}:1:{error.column}: expected ")


def _garbled(old: str, new: str) -> str:
    text = _seed()
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # A member bullet dropped: the next bullet is not the member the list names.
        ("- `author: optional string` ", "", "member `author`"),
        # A member renamed against its object's `{ ... }` list.
        (
            "- `build_command: optional string` - `build_token_name",
            "- `build_cmd: optional string` - `build_token_name",
            "member `build_command`",
        ),
        # An elision count that the bullets cannot meet.
        (
            "created_on, deleted_on, modified_on, 6 more",
            "created_on, deleted_on, modified_on, 16 more",
            "member",
        ),
        # An enum value bullet dropped after "or 2 more".
        ('- `"cancelled"` ', "", "value bullet"),
        # An enum value that is not the one the type lists.
        ('- `"fail"` ', '- `"failed"` ', "'fail'"),
        # A broken type.
        ("`result: object { builds }`", "`result: objekt { builds }`", "a type"),
        # An unknown HTTP method.
        ("**get**", "**fetch**", "an HTTP method"),
        # A path placeholder without its parameter bullet.
        (
            "`/accounts/{account_id}/builds/builds`",
            "`/accounts/{account}/builds/builds`",
            "`account` listed under Path Parameters",
        ),
        # A section the dialect does not have.
        ("### Query Parameters", "### Query Params", "a section"),
        # The response example broken.
        ('"success": true, "result_info"', '"success": true "result_info"', "valid JSON"),
        # The example holds a field Returns does not list.
        ('"success": true,', '"succeeded": true,', "only fields Returns lists"),
        # A bullet's closing backtick lost at the end of the page's bullets.
        (
            "- `total_pages: optional number` ###",
            "- `total_pages: optional number ###",
            "the closing ` of the bullet",
        ),
    ],
)
def test_garbled_page_is_rejected_naming_what_was_expected(
    old: str, new: str, expected: str
) -> None:
    text = _garbled(old, new)
    with pytest.raises(PageError) as caught:
        _read(text)
    error = caught.value
    assert error.source == SOURCE and error.line == 1
    assert expected in error.expected
    assert error.column > 1


def test_error_column_points_at_the_garbled_bullet() -> None:
    text = _garbled("- `author: optional string` ", "")
    with pytest.raises(PageError) as caught:
        _read(text)
    column = caught.value.column
    assert text[column - 1 :].startswith("- `branch: optional string`")


def test_page_without_operation_is_rejected() -> None:
    with pytest.raises(PageError) as caught:
        _read("# Builds Some intro text.")
    assert "an operation" in caught.value.expected


# --- other shapes of the dialect -----------------------------------------------------------

_ENVELOPE = (
    "- `errors: array of object { code, message }` - `code: optional number` "
    "- `message: optional string` - `messages: array of string` "
)
_TAIL = (
    "- `success: boolean` ### Example ```http curl https://api.cloudflare.com/client/v4/x "
    "``` #### Response ```json {RESPONSE} ```"
)


def _page(heading: str, verb: str, path: str, sections: str, result: str, response: str) -> str:
    return (
        f"## {heading} **{verb}** `{path}` Does a thing. {sections} ### Returns {_ENVELOPE}"
        f"{result} " + _TAIL.replace("{RESPONSE}", response)
    )


def test_body_parameters_nullable_union_variants_and_request_example() -> None:
    text = _page(
        "Create widget for account",
        "post",
        "/accounts/{account_id}/widgets",
        "### Path Parameters - `account_id: string` Account identifier. "
        "### Body Parameters - `name: string` Widget name (max 64 characters). "
        "- `size: optional number` Size, between 1 and 10 (default 5). "
        "- `note: optional string or null` A note. "
        "- `tags: optional array of object { key, value }` - `key: string` "
        "- `value: optional string` ",
        "- `result: object { id, lines }` - `id: optional string` "
        "- `lines: optional array of array of number or string` - `number` Unix epoch "
        "- `string` Log message",
        '{"errors": [], "messages": [], "result": {"id": "w1", "lines": [[1, "a"]]}, '
        '"success": true}',
    ).replace(
        "curl https://api.cloudflare.com/client/v4/x",
        'curl https://api.cloudflare.com/client/v4/x -X POST -d \'{ "name": "w" }\'',
    )
    op = _only(_read(text, "Widget.md"))
    assert list(_read(text, "Widget.md")["operations"]) == ["CreateWidgetForAccount"]
    assert [(p["name"], p["in"], p["required"]) for p in op["parameters"]] == [
        ("account_id", "path", True),
        ("name", "body", True),
        ("size", "body", False),
        ("note", "body", False),
        ("tags", "body", False),
    ]
    request = op["request"]
    assert _at(request, "name")["maxLength"] == 64
    size = _at(request, "size")
    assert (size["minimum"], size["maximum"], size["default"]) == (1, 10, 5)
    assert _at(request, "note")["type"] == ["string", "null"]
    assert _at(request, "tags", "[]")["required"] == ["key"]
    lines = _at(op["response"], "result", "lines", "[]", "[]")
    assert lines["type"] == ["number", "string"]
    assert "Unix epoch" in lines["description"]
    assert op["examples"]["request"] == {"name": "w"}
    assert op["errors"][0]["status"] == 401


def test_named_whole_response_gets_its_title() -> None:
    text = (
        "## Get widget **get** `/widgets/{widget_id}` Gets one. ### Path Parameters "
        "- `widget_id: string` ### Returns - `Widget object { id, kind }` A widget. "
        '- `id: string` - `kind: "round" or "square"` - `"round"` - `"square"` '
        '### Example ```http curl x``` #### Response ```json {"id": "a", "kind": "round"} ```'
    )
    op = _only(_read(text, "GetWidget.md"))
    assert op["response"]["title"] == "Widget"
    assert op["response"]["required"] == ["id", "kind"]
    assert _at(op["response"], "kind")["enum"] == ["round", "square"]
    assert [e["status"] for e in op["errors"]] == [401, 404]


def test_several_operations_on_one_resource_page() -> None:
    first = _page(
        "List widgets",
        "get",
        "/accounts/{account_id}/widgets",
        "### Path Parameters - `account_id: string` ### Query Parameters "
        "- `page: optional number` - `per_page: optional number`",
        "- `result: array of object { id }` - `id: optional string` "
        "- `result_info: optional object { count }` - `count: optional number`",
        '{"errors": [], "messages": [], "result": [], "success": true}',
    )
    second = _page(
        "Cancel widget",
        "put",
        "/accounts/{account_id}/widgets/{widget_uuid}/cancel",
        "### Path Parameters - `account_id: string` - `widget_uuid: string`",
        "- `result: unknown`",
        '{"errors": [], "messages": [], "result": null, "success": true}',
    )
    draft = _read(f"# Widgets {first} {second}", "widgets.md")
    assert list(draft["operations"]) == ["ListWidgets", "CancelWidget"]
    listing = draft["operations"]["ListWidgets"]
    assert listing["pagination"] == {
        "style": "page",
        "pageParam": "page",
        "sizeParam": "per_page",
        "items": "result",
        "info": "result_info",
    }
    assert _at(listing["request"], "page") == {"type": "integer", "minimum": 1}
    cancel = draft["operations"]["CancelWidget"]
    # `unknown` is any JSON value: the service document has no `{}` schema, so every type is listed
    assert _at(cancel["response"], "result") == {
        "type": ["object", "array", "string", "number", "boolean", "null"]
    }
    assert _at(cancel["request"], "widget_uuid")["format"] == "uuid"


@pytest.mark.parametrize(
    ("heading", "name"),
    [
        ("Get builds by version IDs", "GetBuildsByVersionIds"),
        # "Get build by UUID" is renamed by codegen/corrections/cloudflare_operations.json.
        ("Get build by UUID", "GetBuild"),
        ("List builds by script", "ListBuildsByScript"),
        ("Get UUIDs of GitHub repos", "GetUuidsOfGitHubRepos"),
    ],
)
def test_operation_names_from_headings(heading: str, name: str) -> None:
    text = _page(
        heading,
        "get",
        "/x",
        "",
        "- `result: unknown`",
        '{"errors": [], "messages": [], "result": 1, "success": true}',
    )
    assert list(_read(text, "x.md")["operations"]) == [name]


# --- the pages written in the same dialect for the operations the project needs -------------

WRITTEN = {
    "GetBuild": ("GET", "/accounts/{account_id}/builds/builds/{build_uuid}"),
    "CancelBuild": ("PUT", "/accounts/{account_id}/builds/builds/{build_uuid}/cancel"),
    "GetBuildLogs": ("GET", "/accounts/{account_id}/builds/builds/{build_uuid}/logs"),
    "ListBuildsByScript": (
        "GET",
        "/accounts/{account_id}/builds/workers/{external_script_id}/builds",
    ),
    "CreateManualBuild": ("POST", "/accounts/{account_id}/builds/triggers/{trigger_uuid}/builds"),
    "ListTriggersByScript": (
        "GET",
        "/accounts/{account_id}/builds/workers/{external_script_id}/triggers",
    ),
    "CreateTrigger": ("POST", "/accounts/{account_id}/builds/triggers"),
}


def _written(name: str) -> dict[str, Any]:
    text = (PAGES / f"{name}.md").read_text(encoding="utf-8")
    assert "\n" not in text  # same one-line rendering as the published seed
    assert detect(text, name) == "cloudflare"
    draft = _read(text, f"pages/cloudflare_builds/{name}.md")
    assert list(draft["operations"]) == [name]
    return draft["operations"][name]


@pytest.mark.parametrize("name", sorted(WRITTEN))
def test_written_page_reads_and_its_examples_fit(name: str) -> None:
    op = _written(name)
    assert (op["http"]["method"], op["http"]["path"]) == WRITTEN[name]
    assert op["response"]["required"] == ["errors", "messages", "result", "success"]
    Draft202012Validator.check_schema(op["request"])
    assert list(Draft202012Validator(op["response"]).iter_errors(op["examples"]["response"])) == []
    if "request" in op["examples"]:
        body = {p["name"] for p in op["parameters"] if p["in"] == "body"}
        schema = dict(op["request"])
        schema["required"] = [r for r in schema.get("required", []) if r in body]
        assert list(Draft202012Validator(schema).iter_errors(op["examples"]["request"])) == []


def test_get_build_returns_one_build() -> None:
    op = _written("GetBuild")
    build = _at(op["response"], "result")
    seed_build = _at(_only(_read(_seed()))["response"], "result", "builds", "{}")
    assert build == seed_build
    assert _at(op["request"], "build_uuid")["format"] == "uuid"
    assert {"code": "12000", "status": 404, "title": "Not found"} in op["errors"]


def test_cancel_build_returns_outcome_and_stop_time() -> None:
    result = _at(_written("CancelBuild")["response"], "result")
    assert list(result["properties"]) == ["build_outcome", "build_uuid", "stopped_on"]
    assert "cancelled" in result["properties"]["build_outcome"]["enum"]
    assert result["properties"]["stopped_on"]["type"] == "string"  # set once cancelled


def test_build_logs_page_by_cursor() -> None:
    op = _written("GetBuildLogs")
    assert op["pagination"] == {
        "style": "token",
        "inputToken": "cursor",
        "outputToken": "result.cursor",
        "items": "result.lines",
    }
    line = _at(op["response"], "result", "lines", "[]")
    assert (line["minItems"], line["maxItems"]) == (2, 2)
    assert line["items"]["type"] == ["number", "string"]
    assert _at(op["response"], "result", "cursor")["type"] == ["string", "null"]


def test_list_builds_by_script_pages_by_number() -> None:
    op = _written("ListBuildsByScript")
    assert op["pagination"]["style"] == "page"
    assert _at(op["request"], "per_page") == {
        "description": "Number of items per page",
        "type": "integer",
        "minimum": 1,
        "maximum": 200,
    }
    assert _at(op["response"], "result")["type"] == "array"
    assert len(_at(op["response"], "result", "[]")["properties"]) == 11


def test_create_manual_build_body() -> None:
    op = _written("CreateManualBuild")
    body = [p["name"] for p in op["parameters"] if p["in"] == "body"]
    assert body == ["branch", "commit_hash", "seed_repo"]
    seed_repo = _at(op["request"], "seed_repo")
    assert seed_repo["required"] == ["branch", "owner", "path", "provider", "repository"]
    assert _at(seed_repo, "files")["maxItems"] == 2
    assert _at(seed_repo, "files", "[]", "isBase64")["default"] is False
    assert list(_at(op["response"], "result")["properties"]) == ["build_uuid", "created_on"]
    assert op["examples"]["request"] == {"branch": "main"}


def test_create_trigger_requires_its_body() -> None:
    op = _written("CreateTrigger")
    required = op["request"]["required"]
    assert "account_id" in required and "trigger_name" in required
    assert "build_caching_enabled" not in required
    trigger = _at(op["response"], "result")
    assert len(trigger["properties"]) == 17
    listed = _at(_written("ListTriggersByScript")["response"], "result", "[]")
    assert listed == trigger
