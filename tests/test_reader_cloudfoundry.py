"""The Cloud Foundry v3 portal reader on the bundled page, pages written in its dialect, and
mutated copies that must be rejected with the file, the position and what was expected."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pulumi_builds.codegen.errors import PageError
from pulumi_builds.codegen.readers import cloudfoundry

PAGES = Path(__file__).resolve().parent.parent / "schemas" / "pages"
CF = PAGES / "cloudfoundry"
LIST_BUILDS = "pages/cloudfoundry/ListBuilds.txt"


def page(name: str) -> str:
    return (CF / f"{name}.txt").read_text(encoding="utf-8")


def read(name: str, text: str | None = None) -> dict[str, Any]:
    source = f"pages/cloudfoundry/{name}.txt"
    draft = cloudfoundry.read_page(page(name) if text is None else text, source)
    assert draft["dialect"] == "cloudfoundry"
    assert list(draft["operations"]) == [name]
    op: dict[str, Any] = draft["operations"][name]
    return op


def first_json(text: str, after: str) -> Any:
    """The first JSON example on the page after the line `after` (parsed independently)."""
    start = text.index("\n{", text.index(after)) + 1
    return json.JSONDecoder().raw_decode(text[start:])[0]


def no_refs(schema: Any) -> bool:
    if isinstance(schema, dict):
        return (
            "$ref" not in schema
            and "$defs" not in schema
            and all(no_refs(v) for v in schema.values())
        )
    if isinstance(schema, list):
        return all(no_refs(v) for v in schema)
    return True


def without_enums(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {k: without_enums(v) for k, v in schema.items() if k != "enum"}
    if isinstance(schema, list):
        return [without_enums(v) for v in schema]
    return schema


# --- dialect detection -------------------------------------------------------------------------


def test_sniffs_the_portal_dialect_and_not_the_others() -> None:
    assert cloudfoundry.looks_like(page("ListBuilds"))
    others = [p for p in PAGES.rglob("*.*") if p.parent.name != "cloudfoundry"]
    assert others, "the other services' bundled pages are expected next to this one"
    for other in others:
        assert not cloudfoundry.looks_like(other.read_text(encoding="utf-8")), other


# --- the bundled page --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def list_builds() -> dict[str, Any]:
    return read("ListBuilds")


def test_list_builds_operation_heading_and_route(list_builds: dict[str, Any]) -> None:
    assert list_builds["summary"] == "List builds"
    assert list_builds["description"] == "Retrieve all builds."
    assert list_builds["http"] == {"method": "GET", "path": "/v3/builds"}
    assert list_builds["source"] == LIST_BUILDS
    assert no_refs(list_builds["request"]) and no_refs(list_builds["response"])


def test_list_builds_query_parameters_in_page_order(list_builds: dict[str, Any]) -> None:
    names = [p["name"] for p in list_builds["parameters"]]
    assert names == [
        "page",
        "per_page",
        "order_by",
        "created_ats",
        "updated_ats",
        "label_selector",
        "states",
        "app_guids",
        "package_guids",
    ]
    assert all(p["in"] == "query" and p["required"] is False for p in list_builds["parameters"])
    assert list(list_builds["request"]["properties"]) == names
    assert "required" not in list_builds["request"]


def test_prose_constraints_on_page_and_per_page(list_builds: dict[str, Any]) -> None:
    props = list_builds["request"]["properties"]
    assert props["page"]["type"] == "integer"
    assert props["page"]["minimum"] == 1 and "maximum" not in props["page"]
    assert (props["per_page"]["minimum"], props["per_page"]["maximum"]) == (1, 5000)
    assert props["page"]["examples"] == [1] and props["per_page"]["examples"] == [50]
    # defaults are API facts from the corrections table, not the page
    assert (props["page"]["default"], props["per_page"]["default"]) == (1, 50)
    assert props["per_page"]["description"] == (
        "Number of results per page, valid values are 1 through 5000"
    )


def test_comma_lists(list_builds: dict[str, Any]) -> None:
    props = list_builds["request"]["properties"]
    by_name = {p["name"]: p for p in list_builds["parameters"]}
    for name in ("states", "app_guids", "package_guids", "created_ats", "updated_ats"):
        assert props[name]["type"] == "array", name
        assert props[name]["items"]["type"] == "string", name
        assert props[name]["x-comma-list"] is True, name
        assert (by_name[name]["style"], by_name[name]["explode"]) == ("form", False), name
    for name in ("page", "order_by", "label_selector"):
        assert "x-comma-list" not in props[name] and "style" not in by_name[name], name
    assert props["states"]["items"]["enum"] == ["STAGING", "STAGED", "FAILED"]
    timestamp = re.compile(props["created_ats"]["items"]["pattern"])
    assert timestamp.match("2021-01-01T00:00:00Z")
    assert not timestamp.match("2021-01-01 00:00:00")
    assert props["created_ats"]["examples"] == [["2021-01-01T00:00:00Z"]]


def test_order_by_and_label_selector_grammar(list_builds: dict[str, Any]) -> None:
    props = list_builds["request"]["properties"]
    order_by = re.compile(props["order_by"]["pattern"])
    assert all(order_by.match(v) for v in ("created_at", "-updated_at", "+created_at"))
    assert not order_by.match("name")
    selector = re.compile(props["label_selector"]["pattern"])
    for ok in (
        "environment=production",
        "!legacy",
        "env in (a,b),tier notin (web)",
        "example.com/team==x,k!=v",
        "exists",
    ):
        assert selector.match(ok), ok
    for bad in ("", "=v", "env=prod,", "env in a", "-env=x", "k" * 64 + "=v"):
        assert not selector.match(bad), bad
    assert selector.match(",".join(["k=v"] * 50))
    assert not selector.match(",".join(["k=v"] * 51))


def test_response_is_the_named_build_list(list_builds: dict[str, Any]) -> None:
    response = list_builds["response"]
    assert response["title"] == "BuildList"
    assert list(response["properties"]) == ["pagination", "resources"]
    assert response["properties"]["pagination"]["description"].startswith("Pagination is")
    build = response["properties"]["resources"]["items"]
    assert build["type"] == "object"
    types = {name: s["type"] for name, s in build["properties"].items()}
    assert types["guid"] == "string"
    assert types["staging_memory_in_mb"] == "integer"
    assert types["relationships"] == "object"
    assert "properties" not in build["properties"]["relationships"]
    assert build["properties"]["state"]["enum"] == ["STAGING", "STAGED", "FAILED"]
    assert types["error"] == ["string", "null"] and types["droplet"] == ["object", "null"]
    pagination = response["properties"]["pagination"]["properties"]
    assert pagination["next"]["type"] == ["object", "null"]
    assert pagination["first"]["type"] == "object"
    assert pagination["total_results"]["type"] == "integer"


def test_portal_map_renderings(list_builds: dict[str, Any]) -> None:
    build = list_builds["response"]["properties"]["resources"]["items"]["properties"]
    labels = build["metadata"]["properties"]["labels"]
    assert labels == {"type": "object", "additionalProperties": {"type": "string"}}
    credentials = build["lifecycle"]["properties"]["data"]["properties"]["credentials"]
    assert "properties" not in credentials
    secret = credentials["additionalProperties"]
    assert list(secret["properties"]) == ["username", "password", "token"]
    buildpacks = build["lifecycle"]["properties"]["data"]["properties"]["buildpacks"]
    assert buildpacks == {"type": "array", "items": {"type": "string"}}


def test_link_pagination(list_builds: dict[str, Any]) -> None:
    assert list_builds["pagination"] == {
        "style": "link",
        "pageParam": "page",
        "sizeParam": "per_page",
        "items": "resources",
        "next": "pagination.next.href",
    }


def test_error_responses_per_status(list_builds: dict[str, Any]) -> None:
    errors = list_builds["errors"]
    statuses = []
    for e in errors:
        if e["status"] not in statuses:
            statuses.append(e["status"])
    assert statuses == [400, 401, 403, 409, 422, 500, 502, 503, 429]
    codes = {e["code"]: e["status"] for e in errors}
    assert codes["CF-BadQueryParameter"] == 400
    assert codes["CF-NotAuthenticated"] == 401 and codes["CF-InvalidAuthToken"] == 401
    assert codes["CF-NotAuthorized"] == 403 and codes["CF-UnprocessableEntity"] == 422
    assert codes["UnknownError"] == 500
    assert codes["Conflict"] == 409 and codes["BadGateway"] == 502  # page names, no CF fact
    assert "CF-MessageParseError" not in codes  # a body error; this operation has no body
    bad_request = next(e for e in errors if e["status"] == 400)
    assert bad_request["title"] == "Bad Request"
    assert bad_request["schema"]["title"] == "BadRequest"
    item = bad_request["schema"]["properties"]["errors"]["items"]["properties"]
    assert {k: v["type"] for k, v in item.items()} == {
        "code": "integer",
        "detail": "string",
        "title": "string",
    }
    gateway = next(e for e in errors if e["status"] == 502)["schema"]
    assert gateway["properties"]["code"]["description"] == "A numeric code for this error"
    server = next(e for e in errors if e["status"] == 500)["schema"]
    assert "title" not in server  # "Returns 500" is not a shape name


def test_example_response_is_the_page_json_and_fits_the_schema(
    list_builds: dict[str, Any],
) -> None:
    text = page("ListBuilds")
    example = list_builds["examples"]["response"]
    assert example == first_json(text, "Returns BuildList")
    # Response enums are open (the generator marks them x-enum-open): "state": "string" is kept.
    jsonschema.Draft202012Validator(without_enums(list_builds["response"])).validate(example)
    assert "request" not in list_builds["examples"]


def test_reading_is_deterministic() -> None:
    first = json.dumps(read("ListBuilds"), sort_keys=False)
    assert json.dumps(read("ListBuilds"), sort_keys=False) == first


def test_collapsed_rendering_reads_the_same(list_builds: dict[str, Any]) -> None:
    """Another text rendering of the portal: no blank lines, inline elements on their own lines."""
    text = page("ListBuilds")
    text = "\n".join(line for line in text.split("\n") if line.strip())
    text = re.sub(
        r"^Returns (\S+) of type\(s\) (.+)$",
        r"Returns\n\1\nof type(s)\n\2",
        text,
        flags=re.MULTILINE,
    )
    text = text.replace("array of object\n", "array of\nobject\n")
    collapsed = read("ListBuilds", text)
    assert collapsed == list_builds


# --- bad pages ---------------------------------------------------------------------------------


def reject(text: str) -> PageError:
    with pytest.raises(PageError) as caught:
        cloudfoundry.read_page(text, LIST_BUILDS)
    error = caught.value
    assert str(error).startswith(f"{LIST_BUILDS}:{error.line}:{error.column}: expected ")
    return error


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


@pytest.mark.parametrize(
    "cut_after",
    [
        "List builds\n",  # heading only
        "GET\n",  # no URL
        "Query Parameters\ninteger\n",  # mid parameter block
        '"total_pages": 0,\n',  # inside the response JSON
        "Returns Forbidden",  # a response without its example
        "Name of the error\n",  # every response, but no end of page
    ],
)
def test_truncated_page_is_rejected(cut_after: str) -> None:
    text = page("ListBuilds")
    truncated = text[: text.index(cut_after) + len(cut_after)]
    error = reject(truncated)
    assert error.line >= line_of(text, cut_after)


def test_empty_page_is_rejected() -> None:
    assert reject("\n\n").expected == "the operation title"


def test_broken_json_names_line_and_column() -> None:
    text = page("ListBuilds")
    broken = text.replace('"total_results": 0,', '"total_results": 0', 1)
    error = reject(broken)
    assert error.line == line_of(text, '"total_pages": 0,')
    assert error.column == 9
    assert "JSON" in error.expected


def test_garbled_type_line_is_rejected() -> None:
    text = page("ListBuilds")
    garbled = text.replace("string of array\nstates", "strng of aray\nstates", 1)
    error = reject(garbled)
    assert error.line == line_of(text, "string of array\nstates")
    assert "type line" in error.expected and error.found == "strng of aray"


def test_unknown_method_and_missing_sections_are_rejected() -> None:
    text = page("ListBuilds")
    assert "HTTP method" in reject(text.replace("\nGET\n", "\nFETCH\n", 1)).expected
    assert reject(text.replace("\nURI\n", "\n", 1)).expected == "'URI'"
    assert "Responses" in reject(text.replace("\nResponses\n", "\n", 1)).expected
    assert "Code Samples" in reject(text.replace("Code Samples", "", 1)).expected
    stray = text.replace("Query Parameters\n", "Query Parameters\nsomething odd here\n", 1)
    assert "field block" in reject(stray).expected


def test_a_page_with_no_success_response_is_rejected() -> None:
    text = page("ListBuilds")
    start, end = text.index("200\n\nOK"), text.index("400\n\nBad Request")
    error = reject(text[:start] + text[end:])
    assert error.expected == "a 2xx response"


# --- pages written in the same dialect (other operations of the same portal) -------------------


def test_create_build_request_body() -> None:
    op = read("CreateBuild")
    assert op["http"] == {"method": "POST", "path": "/v3/builds"}
    assert op["summary"] == "Create a build"
    request = op["request"]
    body = [
        "package",
        "lifecycle",
        "staging_memory_in_mb",
        "staging_disk_in_mb",
        "staging_log_rate_limit_bytes_per_second",
        "metadata",
    ]
    assert list(request["properties"]) == body
    assert [(p["name"], p["in"], p["required"]) for p in op["parameters"]] == [
        (name, "body", name == "package") for name in body
    ]
    # required from the "Show optional properties" short example; package.guid is an API fact
    assert request["required"] == ["package"]
    assert request["properties"]["package"]["required"] == ["guid"]
    assert request["description"] == "Build object that needs to be created"
    props = request["properties"]
    assert props["staging_disk_in_mb"]["minimum"] == 1
    assert props["staging_log_rate_limit_bytes_per_second"]["minimum"] == -1
    assert props["metadata"]["properties"]["labels"]["additionalProperties"] == {"type": "string"}
    assert props["lifecycle"]["description"].startswith("The lifecycle type defines")
    assert "description" not in props["package"]  # the portal's filler ("package") is dropped
    # the full example, after the short one
    assert op["examples"]["request"] == first_json(page("CreateBuild"), '"package": {}')
    assert op["response"]["title"] == "Build"
    assert op["pagination"] is None


def test_create_build_errors_are_body_errors() -> None:
    errors = read("CreateBuild")["errors"]
    codes = [(e["code"], e["status"]) for e in errors]
    assert ("CF-StagingInProgress", 422) in codes and ("CF-UnprocessableEntity", 422) in codes
    assert ("CF-MessageParseError", 400) in codes
    assert ("CF-BadQueryParameter", 400) not in codes  # no query parameters
    staging = next(e for e in errors if e["code"] == "CF-StagingInProgress")
    assert "170017" in staging["description"]
    assert staging["schema"]["title"] == "UnprocessableEntity"


def test_get_build_path_parameter_and_not_found() -> None:
    op = read("GetBuild")
    assert op["http"] == {"method": "GET", "path": "/v3/builds/{guid}"}
    assert op["parameters"] == [{"name": "guid", "in": "path", "required": True}]
    assert op["request"]["required"] == ["guid"]
    assert op["request"]["properties"]["guid"]["description"] == (
        "The unique identifier for the resource"
    )
    not_found = [e for e in op["errors"] if e["status"] == 404]
    assert [e["code"] for e in not_found] == ["CF-ResourceNotFound"]
    assert "Build not found" in not_found[0]["description"]
    response = op["response"]
    assert response["title"] == "Build"
    assert response["properties"]["state"]["enum"] == ["STAGING", "STAGED", "FAILED"]
    assert response["properties"]["droplet"]["type"] == ["object", "null"]
    assert "examples" in op and "request" not in op["examples"]
    jsonschema.Draft202012Validator(without_enums(response)).validate(op["examples"]["response"])


def test_update_build_mixes_path_and_body() -> None:
    op = read("UpdateBuild")
    assert op["http"] == {"method": "PATCH", "path": "/v3/builds/{guid}"}
    assert [(p["name"], p["in"], p["required"]) for p in op["parameters"]] == [
        ("guid", "path", True),
        ("metadata", "body", False),
    ]
    assert op["request"]["required"] == ["guid"]
    metadata = op["request"]["properties"]["metadata"]
    assert metadata["type"] == "object"
    assert metadata["properties"]["annotations"]["additionalProperties"] == {"type": "string"}
    assert op["examples"]["request"] == {
        "metadata": {"labels": {"labels": "string"}, "annotations": {"annotations": "string"}}
    }


def test_list_app_builds_reads_like_list_builds(list_builds: dict[str, Any]) -> None:
    op = read("ListAppBuilds")
    assert op["http"] == {"method": "GET", "path": "/v3/apps/{guid}/builds"}
    assert op["parameters"][0] == {"name": "guid", "in": "path", "required": True}
    assert op["pagination"] == list_builds["pagination"]
    assert op["response"] == list_builds["response"]
    for name in ("page", "per_page", "states", "created_ats", "label_selector"):
        assert op["request"]["properties"][name] == list_builds["request"]["properties"][name]
    not_found = next(e for e in op["errors"] if e["status"] == 404)
    assert "Build not found" not in not_found.get("description", "")  # that is the app's 404


def test_every_page_of_the_portal_reads() -> None:
    pages = sorted(CF.glob("*.txt"))
    assert len(pages) >= 5
    for path in pages:
        text = path.read_text(encoding="utf-8")
        assert cloudfoundry.looks_like(text), path.name
        draft = cloudfoundry.read_page(text, f"pages/cloudfoundry/{path.name}")
        assert list(draft["operations"]) == [path.stem]


# --- other objects of the portal, written inline in its dialect --------------------------------

CREATE_APP = """Create App

Create App
Create an app

Creates a new app.

Request
URI
POST
https://{api_host}/v3/apps
COPY
Query Parameters
boolean
dry_run
Optional

Validate only

dry_run example
true

Request Body

App object that needs to be created

Show optional properties

{
    "name": "string",
    "relationships": {
        "space": {
            "data": {
                "guid": "string"
            }
        }
    }
}
{
    "name": "string",
    "state": "string",
    "ratio": 0.0,
    "environment_variables": {
        "environment_variables": "string"
    },
    "relationships": {
        "space": {
            "data": {
                "guid": "string"
            }
        }
    },
    "stack": null
}
string
name
Required

Name of the app

string
state
Optional

Current desired state of the app

Possible values are : STOPPED, STARTED,
number
ratio
Optional

Share of the quota, between 0 and 1

relationships
Required

relationships

object
stack
Optional

Stack to stage on


Authentication
This operation uses the following authentication methods.
Responses
201

Created

Returns App of type(s) application/json
{
    "guid": "string",
    "state": "string",
    "suspended": false
}
string
state
Optional

Current desired state of the app

Possible values are : STOPPED, STARTED,


422

Unprocessable Entity

Returns UnprocessableEntity of type(s) application/json
{
    "errors": [
        {
            "code": 0,
            "detail": "string",
            "title": "string"
        }
    ]
}


Code Samples
COPY
curl https://{api_host}/v3/apps"""


def test_another_object_create_app() -> None:
    draft = cloudfoundry.read_page(CREATE_APP, "pages/cloudfoundry/CreateApp.txt")
    op = draft["operations"]["CreateApp"]
    assert op["http"] == {"method": "POST", "path": "/v3/apps"}
    props = op["request"]["properties"]
    assert props["dry_run"] == {
        "type": "boolean",
        "description": "Validate only",
        "examples": [True],
    }
    assert [(p["name"], p["in"]) for p in op["parameters"]][:2] == [
        ("dry_run", "query"),
        ("name", "body"),
    ]
    # required at every depth the short example shows
    assert op["request"]["required"] == ["name", "relationships"]
    space = props["relationships"]["properties"]["space"]
    assert space["required"] == ["data"] and space["properties"]["data"]["required"] == ["guid"]
    assert props["state"]["enum"] == ["STOPPED", "STARTED"]
    assert props["ratio"]["type"] == "number"
    assert (props["ratio"]["minimum"], props["ratio"]["maximum"]) == (0, 1)
    assert props["environment_variables"]["additionalProperties"] == {"type": "string"}
    assert props["stack"]["type"] == ["object", "null"]  # null placeholder, declared object
    response = op["response"]
    assert response["title"] == "App"
    assert response["properties"]["suspended"]["type"] == "boolean"
    assert response["properties"]["state"]["enum"] == ["STOPPED", "STARTED"]
    assert [(e["code"], e["status"]) for e in op["errors"]] == [
        ("CF-UnprocessableEntity", 422),
        ("CF-RateLimitExceeded", 429),
    ]
    assert op["pagination"] is None


def test_delete_with_no_body_and_form_members() -> None:
    text = CREATE_APP.replace("POST\n", "DELETE\n", 1)
    start, end = text.index("Show optional properties"), text.index("string\nname\nRequired")
    text = text[:start] + text[end:]  # members listed without a JSON example
    text = text.replace(
        text[text.index("201\n") : text.index("422\n")],
        "202\n\nAccepted\n\nResponse Headers\nURL of the job\n\n",
    )
    op = cloudfoundry.read_page(text, "x.txt")["operations"]["CreateApp"]
    assert op["response"] == {"type": "object"}
    assert "response" not in op.get("examples", {})
    assert list(op["request"]["properties"]) == [
        "dry_run",
        "name",
        "state",
        "ratio",
        "relationships",
        "stack",
    ]
    assert op["request"]["properties"]["relationships"] == {"type": "object"}


def test_drafts_of_every_page_make_a_valid_service_document() -> None:
    """The drafts meet the reader contract: the shared normalizer turns them into a document
    that passes the format's validator (normalize() validates before returning)."""
    from pulumi_builds.codegen import normalize

    drafts = []
    for path in sorted(CF.glob("*.txt")):
        source = f"pages/cloudfoundry/{path.name}"
        drafts.append((source, cloudfoundry.read_page(path.read_text(encoding="utf-8"), source)))
    doc = normalize.normalize("cloudfoundry", drafts)
    assert sorted(doc["operations"]) == sorted(p.stem for p in CF.glob("*.txt"))
    assert doc["operations"]["ListBuilds"]["pagination"]["style"] == "link"
