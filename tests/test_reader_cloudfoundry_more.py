"""The Cloud Foundry portal reader on portal pages it was not written against (other resources:
apps, packages, droplets, tasks, deployments), in the portal's three text renderings, checked
against cloud_controller_ng's v3 docs and message validations (the service's own model).

Pages: tests/pages/cloudfoundry/ (sources in tests/pages/README.md).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from pulumi_builds.codegen.normalize import normalize
from pulumi_builds.codegen.readers import cloudfoundry, read_page

PAGES = Path(__file__).resolve().parent / "pages" / "cloudfoundry"
NAMES = sorted(p.stem for p in PAGES.glob("*.txt"))


def op(name: str, text: str | None = None) -> dict[str, Any]:
    source = f"pages/cloudfoundry/{name}.txt"
    page = (PAGES / f"{name}.txt").read_text(encoding="utf-8") if text is None else text
    draft = cloudfoundry.read_page(page, source)
    assert list(draft["operations"]) == [name]
    result: dict[str, Any] = draft["operations"][name]
    return result


def prop(schema: dict[str, Any], dotted: str) -> dict[str, Any]:
    """The schema at a dotted path, stepping into array items."""
    for part in dotted.split("."):
        if schema.get("type") in ("array", ["array", "null"]):
            schema = schema["items"]
        schema = schema["properties"][part]
    return schema


def item(response: dict[str, Any]) -> dict[str, Any]:
    items: dict[str, Any] = response["properties"]["resources"]["items"]
    return items


# --- every page reads, through the dispatcher and the normalizer ----------------------------


def test_the_unseen_pages_are_there() -> None:
    assert len(NAMES) >= 8, NAMES


@pytest.mark.parametrize("name", NAMES)
def test_each_page_reads_and_normalizes(name: str) -> None:
    text = (PAGES / f"{name}.txt").read_text(encoding="utf-8")
    assert cloudfoundry.looks_like(text)
    source = f"pages/cloudfoundry/{name}.txt"
    draft = read_page(text, source)
    doc = normalize("cloudfoundry", [(source, draft)])
    assert list(doc["operations"]) == [name]
    assert doc["operations"][name]["request"] == {"$ref": f"#/$defs/{name}Request"}


# --- operations, routes and parameters --------------------------------------------------------

ROUTES = {
    "CreatePackage": ("POST", "/v3/packages"),
    "CreateTask": ("POST", "/v3/apps/{guid}/tasks"),
    "DeleteApp": ("DELETE", "/v3/apps/{guid}"),
    "GetApp": ("GET", "/v3/apps/{guid}"),
    "GetDroplet": ("GET", "/v3/droplets/{guid}"),
    "ListAppDroplets": ("GET", "/v3/apps/{guid}/droplets"),
    "ListAppTasks": ("GET", "/v3/apps/{guid}/tasks"),
    "ListDeployments": ("GET", "/v3/deployments"),
    "UpdateApp": ("PATCH", "/v3/apps/{guid}"),
}


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_route_and_path_parameters(name: str) -> None:
    read = op(name)
    method, path = ROUTES[name]
    assert read["http"] == {"method": method, "path": path}
    path_params = [p["name"] for p in read["parameters"] if p["in"] == "path"]
    assert path_params == re.findall(r"\{(\w+)\}", path)
    for param in path_params:
        assert param in read["request"]["required"]


def test_list_filters_are_comma_lists_with_the_model_s_enums() -> None:
    # cloud_controller_ng docs/v3/.../deployments/_list.md.erb: status_values ACTIVE, FINALIZED;
    # status_reasons DEPLOYING, CANCELING, DEPLOYED, CANCELED, SUPERSEDED, DEGENERATE.
    read = op("ListDeployments")
    by_name = {p["name"]: p for p in read["parameters"]}
    for name in ("app_guids", "states", "status_reasons", "status_values"):
        assert by_name[name] == {
            "name": name,
            "in": "query",
            "required": False,
            "style": "form",
            "explode": False,
        }
    values = read["request"]["properties"]["status_values"]
    assert values["type"] == "array" and values["x-comma-list"] is True
    assert values["items"]["enum"] == ["ACTIVE", "FINALIZED"]
    reasons = read["request"]["properties"]["status_reasons"]["items"]["enum"]
    assert reasons == ["DEPLOYING", "CANCELING", "DEPLOYED", "CANCELED", "SUPERSEDED", "DEGENERATE"]
    assert read["request"]["properties"]["per_page"]["maximum"] == 5000
    assert read["pagination"] == {
        "style": "link",
        "pageParam": "page",
        "sizeParam": "per_page",
        "items": "resources",
        "next": "pagination.next.href",
    }


def test_integer_comma_list_keeps_its_item_type() -> None:
    # "integer of array" sequence_ids: a comma list of integers (task sequence ids).
    sequence_ids = op("ListAppTasks")["request"]["properties"]["sequence_ids"]
    assert sequence_ids["type"] == "array"
    assert sequence_ids["items"]["type"] == "integer"
    assert sequence_ids["x-comma-list"] is True


def test_task_states_from_the_model() -> None:
    # docs/v3/.../tasks/_object.md.erb: PENDING, RUNNING, SUCCEEDED, CANCELING, FAILED.
    read = op("ListAppTasks")
    states = ["PENDING", "RUNNING", "SUCCEEDED", "CANCELING", "FAILED"]
    assert read["request"]["properties"]["states"]["items"]["enum"] == states
    task = item(read["response"])
    assert task["properties"]["state"]["enum"] == states
    assert prop(task, "result.failure_reason")["type"] == ["string", "null"]
    assert task["properties"]["sequence_id"]["type"] == "integer"


# --- request bodies ---------------------------------------------------------------------------


def test_create_package_requires_the_app_relationship_down_to_its_guid() -> None:
    # The "Show optional properties" example holds only relationships.app (printed "{}"); a
    # to-one relationship needs data.guid (docs/v3/.../to_one_relationships), type is bits/docker
    # (app/messages/package_create_message.rb).
    body = op("CreatePackage")["request"]
    assert body["required"] == ["relationships"]
    relationships = body["properties"]["relationships"]
    assert relationships["required"] == ["app"]
    assert prop(relationships, "app")["required"] == ["data"]
    assert prop(relationships, "app.data")["required"] == ["guid"]
    assert body["properties"]["type"]["enum"] == ["bits", "docker"]
    source_guid = next(p for p in op("CreatePackage")["parameters"] if p["name"] == "source_guid")
    assert source_guid["in"] == "query"


def test_create_task_body_in_the_line_split_rendering() -> None:
    read = op("CreateTask")
    body = read["request"]["properties"]
    assert list(body) == [
        "guid",
        "command",
        "name",
        "memory_in_mb",
        "disk_in_mb",
        "log_rate_limit_in_bytes_per_second",
        "droplet_guid",
        "template",
        "metadata",
    ]
    assert body["memory_in_mb"] == {"type": "integer", "minimum": 1}
    assert body["log_rate_limit_in_bytes_per_second"]["minimum"] == -1
    assert prop(read["request"], "template.process.guid")["type"] == "string"
    assert body["metadata"]["properties"]["labels"]["additionalProperties"] == {"type": "string"}
    assert read["request"]["required"] == ["guid"]
    statuses = [(e["code"], e["status"]) for e in read["errors"]]
    assert ("CF-ResourceNotFound", 404) in statuses and ("CF-UnprocessableEntity", 422) in statuses
    assert read["response"]["title"] == "Task"


def test_portal_constraints_line_becomes_schema_keywords() -> None:
    name = op("UpdateApp")["request"]["properties"]["name"]
    assert name["minLength"] == 1 and name["maxLength"] == 255
    assert name["description"] == "Name of the app"  # the constraints are not prose


def test_constraints_line_on_other_keywords() -> None:
    page = (PAGES / "ListAppTasks.txt").read_text(encoding="utf-8")
    page = page.replace(
        "integer\nper_page\nOptional\n",
        "integer\nper_page\nOptional\nConstraints: minimum: 2 maximum: 100\n",
        1,
    )
    page = page.replace(
        "string\norder_by\nOptional\n",
        "string\norder_by\nOptional\nConstraints: default: -created_at\n",
        1,
    )
    page = page.replace(
        "string of array\nnames\nOptional\n",
        "string of array\nnames\nOptional\nConstraints: pattern: ^[a-z ]+$ maxLength: 8\n",
        1,
    )
    request = op("ListAppTasks", page)["request"]["properties"]
    per_page = request["per_page"]
    assert (per_page["minimum"], per_page["maximum"]) == (2, 100)
    assert request["order_by"]["default"] == "-created_at"
    assert "Constraints" not in request["order_by"]["description"]
    assert request["names"]["items"]["pattern"] == "^[a-z ]+$"
    assert request["names"]["items"]["maxLength"] == 8


def test_enum_line_under_a_query_parameter_and_a_response_member() -> None:
    read = op("GetApp")
    assert read["request"]["properties"]["include"]["enum"] == ["space", "space.organization"]
    assert read["response"]["properties"]["state"]["enum"] == ["STOPPED", "STARTED"]


# --- responses --------------------------------------------------------------------------------


def test_droplet_response_facts() -> None:
    # docs/v3/.../droplets/_object.md.erb: states; error, checksum, stack, image may be null.
    droplet = op("GetDroplet")["response"]
    assert droplet["title"] == "Droplet"
    assert droplet["properties"]["state"]["enum"] == [
        "AWAITING_UPLOAD",
        "PROCESSING_UPLOAD",
        "STAGED",
        "COPYING",
        "FAILED",
        "EXPIRED",
    ]
    for nullable in ("error", "stack", "image"):
        assert droplet["properties"][nullable]["type"] == ["string", "null"], nullable
    assert droplet["properties"]["checksum"]["type"] == ["object", "null"]
    buildpack = droplet["properties"]["buildpacks"]["items"]
    assert list(buildpack["properties"]) == ["name", "detect_output", "version", "buildpack_name"]
    assert droplet["properties"]["process_types"] == {"type": "object"}
    listed = item(op("ListAppDroplets")["response"])
    assert listed["properties"]["state"]["enum"] == droplet["properties"]["state"]["enum"]


def test_deployment_nested_arrays_and_enums() -> None:
    deployment = item(op("ListDeployments")["response"])
    steps = prop(deployment, "options.canary.steps")
    assert steps["type"] == "array"
    assert steps["items"]["properties"]["instance_weight"] == {"type": "integer"}
    processes = deployment["properties"]["new_processes"]["items"]
    assert list(processes["properties"]) == ["guid", "type"]
    assert prop(deployment, "status.value")["enum"] == ["ACTIVE", "FINALIZED"]
    assert deployment["properties"]["strategy"]["enum"] == ["rolling", "canary"]
    assert deployment["properties"]["revision"]["type"] == ["object", "null"]


def test_response_without_a_body() -> None:
    read = op("DeleteApp")
    assert read["response"] == {"type": "object"}
    assert "examples" not in read
    assert [e["status"] for e in read["errors"]] == [401, 401, 403, 404, 422, 500, 429]


def test_package_response_members() -> None:
    package = op("CreatePackage")["response"]
    assert package["title"] == "Package"
    assert package["properties"]["state"]["enum"][:3] == [
        "AWAITING_UPLOAD",
        "PROCESSING_UPLOAD",
        "READY",
    ]
    assert prop(package, "data.checksum")["type"] == ["object", "null"]


# --- the same page in the portal's other renderings reads the same ----------------------------


def _line_split(text: str) -> str:
    """The portal rendering that puts inline elements on lines of their own, without blanks."""
    text = re.sub(
        r"^Returns (\S+) of type\(s\) (.+)$",
        r"Returns\n\1\nof type(s)\n\2",
        text,
        flags=re.MULTILINE,
    )
    text = re.sub(r"^(\S+) of type\(s\) (.+)$", r"\1\nof type(s)\n\2", text, flags=re.MULTILINE)
    text = re.sub(r"^(array|string|integer) of (\w+)$", r"\1 of\n\2", text, flags=re.MULTILINE)
    text = text.replace("following: BaseSchema", "following:\nBaseSchema")
    text = text.replace(
        "\nAuthentication\nThis operation uses the following authentication methods.", ""
    )
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())


RENDERINGS = {
    "indented": lambda t: "\n".join("        " + line for line in t.split("\n")),
    "ragged": lambda t: "\n".join(" " * (i % 7) + line for i, line in enumerate(t.split("\n"))),
    "crlf": lambda t: t.replace("\n", "\r\n"),
    "line-split": _line_split,
}


@pytest.mark.parametrize("rendering", sorted(RENDERINGS))
@pytest.mark.parametrize("name", NAMES)
def test_renderings_read_the_same(name: str, rendering: str) -> None:
    text = (PAGES / f"{name}.txt").read_text(encoding="utf-8")
    changed = RENDERINGS[rendering](text)
    assert cloudfoundry.looks_like(changed)
    assert op(name, changed) == op(name)


def test_a_json_error_in_an_indented_page_points_at_the_page_column() -> None:
    text = (PAGES / "GetApp.txt").read_text(encoding="utf-8")
    indented = "\n".join("    " + line for line in text.split("\n"))
    broken = indented.replace('"name": "string",', '"name": "string",,', 1)
    line = broken.split("\n").index('        "name": "string",,') + 1
    with pytest.raises(Exception) as caught:
        op("GetApp", broken)
    assert f":{line}:" in str(caught.value)
    assert "JSON example" in str(caught.value)
