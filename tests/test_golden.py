"""Golden service documents: schemas/*.json are what the pages give, and hold the facts that matter.

The committed schemas/<service>.json files are the goldens (reviewed in diffs); the first test
rebuilds each from its pages in memory and compares bytes. The others pin the fidelity points of
each bundled page, so a change in a reader or the normalizer that loses one fails here by name.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pulumi_builds.codegen import ir, pipeline

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("service", pipeline.service_ids(ROOT))
def test_committed_document_is_what_the_pages_give(service: str) -> None:
    doc = pipeline.build_document(service, pipeline.read_pages(ROOT, service))
    assert ir.dumps(doc) == (ROOT / "schemas" / f"{service}.json").read_text(encoding="utf-8")


def doc(service: str) -> dict[str, Any]:
    return json.loads((ROOT / "schemas" / f"{service}.json").read_text())


def shape(service: str, name: str) -> dict[str, Any]:
    return doc(service)["$defs"][name]


def test_batch_get_builds() -> None:
    op = doc("aws_codebuild")["operations"]["BatchGetBuilds"]
    assert op["awsTarget"] == "CodeBuild_20161006.BatchGetBuilds"
    request = shape("aws_codebuild", "BatchGetBuildsRequest")
    assert request["required"] == ["ids"]
    ids = request["properties"]["ids"]
    assert (ids["minItems"], ids["maxItems"], ids["items"]["minLength"]) == (1, 100, 1)
    response = shape("aws_codebuild", "BatchGetBuildsResponse")["properties"]
    assert response["builds"]["items"] == {"$ref": "#/$defs/Build"}
    assert response["buildsNotFound"]["items"]["type"] == "string"
    build = shape("aws_codebuild", "Build")["properties"]
    assert build["startTime"]["x-timestamp"] == "epoch-seconds"
    assert build["buildNumber"]["type"] == "integer"
    assert build["buildComplete"]["type"] == "boolean"
    assert build["phases"]["items"] == {"$ref": "#/$defs/BuildPhase"}
    assert "InvalidInputException" in [e["code"] for e in op["errors"]]


def test_retry_build_batch() -> None:
    request = shape("aws_codebuild", "RetryBuildBatchRequest")["properties"]
    assert list(request) == ["id", "idempotencyToken", "retryType"]
    assert "x-secret" not in request["idempotencyToken"]
    assert request["retryType"]["enum"] == ["RETRY_ALL_BUILDS", "RETRY_FAILED_BUILDS"]
    response = shape("aws_codebuild", "RetryBuildBatchResponse")["properties"]
    assert response["buildBatch"]["$ref"] == "#/$defs/BuildBatch"


def test_get_job_details() -> None:
    op = doc("aws_codepipeline")["operations"]["GetJobDetails"]
    assert op["awsTarget"] == "CodePipeline_20150709.GetJobDetails"
    job_id = shape("aws_codepipeline", "GetJobDetailsRequest")["properties"]["jobId"]
    assert job_id["pattern"] == "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    response = shape("aws_codepipeline", "GetJobDetailsResponse")["properties"]
    assert response["jobDetails"]["$ref"] == "#/$defs/JobDetails"
    defs = doc("aws_codepipeline")["$defs"]
    credentials = [d for d in defs.values() if "secretAccessKey" in d.get("properties", {})]
    assert len(credentials) == 1
    assert all(p.get("x-secret") for p in credentials[0]["properties"].values())
    assert {e["code"]: e["status"] for e in op["errors"]} == {
        "JobNotFoundException": 400,
        "ValidationException": 400,
    }


def test_get_builds_by_version_ids() -> None:
    op = doc("cloudflare_builds")["operations"]["GetBuildsByVersionIds"]
    assert op["http"] == {"method": "GET", "path": "/accounts/{account_id}/builds/builds"}
    params = {p["name"]: p for p in op["parameters"]}
    assert params["account_id"]["in"] == "path"
    assert params["version_ids"] == {
        "name": "version_ids",
        "in": "query",
        "required": True,
        "style": "form",
        "explode": False,
    }
    version_ids = shape("cloudflare_builds", "GetBuildsByVersionIdsRequest")["properties"][
        "version_ids"
    ]
    assert version_ids["maxItems"] == 20 and version_ids["x-comma-list"] is True
    build = shape("cloudflare_builds", "Build")["properties"]
    assert build["status"]["enum"] == ["queued", "initializing", "running", "stopped"]
    assert build["status"]["x-enum-open"] is True
    assert build["build_outcome"]["enum"] == [
        "success",
        "fail",
        "skipped",
        "cancelled",
        "terminated",
    ]
    metadata = doc("cloudflare_builds")["$defs"][build["build_trigger_metadata"]["$ref"][8:]]
    assert "x-secret" not in metadata["properties"]["build_token_uuid"]
    assert metadata["properties"]["environment_variables"]["additionalProperties"] == {
        "type": "string"
    }


def test_list_builds() -> None:
    op = doc("cloudfoundry")["operations"]["ListBuilds"]
    assert op["http"] == {"method": "GET", "path": "/v3/builds"}
    assert op["pagination"]["style"] == "link" and op["pagination"]["items"] == "resources"
    request = shape("cloudfoundry", "ListBuildsRequest")["properties"]
    assert (request["per_page"]["minimum"], request["per_page"]["maximum"]) == (1, 5000)
    assert request["page"]["minimum"] == 1
    assert request["states"]["x-comma-list"] is True
    assert request["states"]["items"]["enum"] == ["STAGING", "STAGED", "FAILED"]
    response = shape("cloudfoundry", "ListBuildsResponse")["properties"]
    assert response["resources"]["items"] == {"$ref": "#/$defs/Build"}
    metadata = doc("cloudfoundry")["$defs"]["BuildMetadata"]["properties"]
    assert metadata["labels"]["additionalProperties"] == {"type": "string"}
    statuses = {e["code"]: e.get("status") for e in op["errors"]}
    assert statuses["CF-BadQueryParameter"] == 400 and statuses["CF-NotAuthenticated"] == 401
