"""schemas/mapping.json parsed once into typed dataclasses, and the typed service document the
emitters share (codegen/mapping.py, codegen/document.py)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from pulumi_builds.codegen import pipeline
from pulumi_builds.codegen.document import ServiceDocument
from pulumi_builds.codegen.emit import resources
from pulumi_builds.codegen.emit.inputs import InputTypes
from pulumi_builds.codegen.emit.package import SHIPPED
from pulumi_builds.codegen.errors import SchemaError
from pulumi_builds.codegen.mapping import parse_mapping
from pulumi_builds.codegen.shipped._resource_spec import (
    FailureSpec,
    LogsSpec,
    MarkerItemSpec,
    ReadSpec,
    RecentSpec,
)

ROOT = Path(__file__).resolve().parents[1]
MAPPING = json.loads((ROOT / "schemas" / "mapping.json").read_text(encoding="utf-8"))


def _edited(path: list[str], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(MAPPING)
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is None:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


def test_the_mapping_becomes_the_runtime_spec_dataclasses_with_their_defaults() -> None:
    mapping = parse_mapping(MAPPING)
    build = mapping.services["aws_codebuild"].resources["Build"]
    assert isinstance(build.read, ReadSpec)
    assert build.read.id_param == "ids" and build.read.max_ids == 100
    assert build.status.terminal[0] == "SUCCEEDED"
    cf = mapping.services["cloudfoundry"].resources["Build"]
    assert cf.read.max_ids == 1 and cf.read.item_id == "id"  # ReadSpec's own defaults
    assert cf.read.object is None and cf.trigger.object is None  # "" is the whole answer
    assert cf.failure == FailureSpec(message="error")
    batch = mapping.services["aws_codebuild"].functions["get_builds"].batch
    assert batch is not None and batch.max_items == 100


def test_the_look_up_keys_become_their_spec_dataclasses() -> None:
    mapping = parse_mapping(MAPPING)
    build = mapping.services["aws_codebuild"].resources["Build"]
    marker = build.trigger.marker_item
    assert isinstance(marker, MarkerItemSpec)
    assert (marker.request_list, marker.key) == (
        "environmentVariablesOverride",
        "PULUMI_BUILDS_TOKEN",
    )
    assert marker.extra == {"type": "PLAINTEXT"}
    assert isinstance(build.recent, RecentSpec) and build.recent.operation == "ListBuildsForProject"
    assert build.failure.log_link == "logs.deepLink" and build.failure.logs is None
    workers = mapping.services["cloudflare_builds"].resources["WorkersBuild"]
    assert workers.trigger.marker_item is None and workers.recent is None
    assert isinstance(workers.failure.logs, LogsSpec)
    assert workers.failure.logs.cursor_param == "cursor"
    # Defaults written once, in the dataclass: a recent look-up without a window reads 100 builds.
    edited = _edited(["services", "aws_codebuild", "resources", "Build", "recent", "window"], None)
    recent = parse_mapping(edited).services["aws_codebuild"].resources["Build"].recent
    assert (
        recent is not None
        and recent.window == 100
        and recent
        == RecentSpec(
            "ListBuildsForProject", {"projectName": "{input:project_name}"}, "ids", "nextToken"
        )
    )


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (
            ["services", "aws_codebuild", "resources", "Build", "read", "idParm"],
            "ids",
            "/services/aws_codebuild/resources/Build/read/idParm: unknown key",
        ),
        (
            ["services", "aws_codebuild", "resources", "Build", "status"],
            None,
            "/services/aws_codebuild/resources/Build: 'status' is required",
        ),
        (
            ["services", "aws_codebuild", "resources", "Build", "read", "maxIds"],
            "100",
            "/services/aws_codebuild/resources/Build/read/maxIds: expected int, not '100'",
        ),
        (
            ["services", "aws_codebuild", "resources", "Build", "trigger", "markerItem", "list"],
            "environmentVariablesOverride",
            "/services/aws_codebuild/resources/Build/trigger/markerItem/list: unknown key",
        ),
        (
            ["services", "aws_codebuild", "resources", "Build", "recent", "window"],
            True,
            "/services/aws_codebuild/resources/Build/recent/window: expected int, not True",
        ),
        (
            [
                "services",
                "cloudflare_builds",
                "resources",
                "WorkersBuild",
                "failure",
                "logs",
                "idParam",
            ],
            None,
            "/services/cloudflare_builds/resources/WorkersBuild/failure/logs: 'id_param' is required",
        ),
    ],
)
def test_a_mapping_mistake_names_where_it_is(path: list[str], value: Any, message: str) -> None:
    with pytest.raises(SchemaError) as error:
        parse_mapping(_edited(path, value))
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            ["recent", "window"],
            0,
            "mapping aws_codebuild.Build recent.window: 0, must be at least 1",
        ),
        (
            ["recent", "operation"],
            "ListBuildsForProjects",
            "names operation 'ListBuildsForProjects'",
        ),
        (
            ["recent", "ids"],
            "nextToken",
            "mapping aws_codebuild.Build recent.ids: 'nextToken' is not a list",
        ),
        (
            ["trigger", "markerItem", "requestList"],
            "projectName",
            "mapping aws_codebuild.Build trigger.markerItem.requestList: 'projectName' is not a list",
        ),
        (
            ["trigger", "markerItem", "readList"],
            "environment.image",
            "mapping aws_codebuild.Build trigger.markerItem.readList: 'environment.image' is not",
        ),
        (
            ["trigger", "markerItem"],
            None,
            "mapping aws_codebuild.Build recent: needs trigger.markerItem",
        ),
    ],
)
def test_a_look_up_the_service_document_cannot_serve_is_refused(
    key: list[str], value: Any, message: str
) -> None:
    path = ["services", "aws_codebuild", "resources", "Build", *key]
    mapping = parse_mapping(_edited(path, value))
    data = json.loads((ROOT / "schemas" / "aws_codebuild.json").read_text(encoding="utf-8"))
    doc = ServiceDocument(data)
    with pytest.raises(SchemaError) as error:
        resources.render(doc, mapping, InputTypes(models={}, aliases={}))
    assert message in str(error.value)


def test_shipped_modules_are_copied_byte_for_byte() -> None:
    files = pipeline.render_shared(ROOT)
    for name in SHIPPED:
        assert files[f"generated/{name}"] == (ROOT / "codegen" / "shipped" / name).read_bytes()


def test_the_document_resolves_refs_sides_and_secrets() -> None:
    data = json.loads((ROOT / "schemas" / "aws_codebuild.json").read_text(encoding="utf-8"))
    doc = ServiceDocument(data)
    request = doc.request("StartBuild")
    assert "projectName" in request["properties"]
    assert doc.side_of["StartBuildRequest"] == "request"
    assert doc.side_of["Build"] == "response"
    assert doc.contains_secret(doc.at(request, "registryCredentialOverride"))
    assert not doc.contains_secret(doc.at(request, "logsConfigOverride"))
    with pytest.raises(SchemaError, match="names operation 'StartBuilds'"):
        doc.operation("StartBuilds")
