"""The generated models: strict requests, tolerant responses, secrets, timestamps, round trips."""

from __future__ import annotations

import importlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from pulumi_builds.generated._base import OpenEnum, RequestModel, ResponseModel
from pulumi_builds.generated.aws_codebuild.models import (
    BatchGetBuildsRequest,
    BatchGetBuildsResponse,
    Build,
    RetryBuildBatchRequest,
)
from pulumi_builds.generated.aws_codepipeline.models import (
    GetJobDetailsRequest,
    GetJobDetailsResponse,
)
from pulumi_builds.generated.cloudflare_builds.models import (
    GetBuildResponse,
    GetBuildsByVersionIdsRequest,
)
from pulumi_builds.generated.cloudfoundry.models import ListBuildsRequest

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("aws_codebuild", "aws_codepipeline", "cloudflare_builds", "cloudfoundry")


def document(service: str) -> dict[str, Any]:
    return json.loads((ROOT / "schemas" / f"{service}.json").read_text())


def _error(make: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        make()
    return str(caught.value)


@pytest.mark.parametrize(
    ("make", "field", "limit"),
    [
        (lambda: BatchGetBuildsRequest(ids=[]), "ids", "at least 1 item"),
        (
            lambda: BatchGetBuildsRequest(ids=[f"p:{i}" for i in range(101)]),
            "ids",
            "at most 100 items",
        ),
        (lambda: ListBuildsRequest(per_page=0), "per_page", "greater than or equal to 1"),
        (lambda: ListBuildsRequest(per_page=5001), "per_page", "less than or equal to 5000"),
        (
            lambda: GetBuildsByVersionIdsRequest(
                account_id="a", version_ids=[str(i) for i in range(21)]
            ),
            "version_ids",
            "at most 20 items",
        ),
        (
            lambda: GetJobDetailsRequest(job_id="not-a-uuid"),
            "job_id",
            "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        ),
    ],
    ids=["ids-empty", "ids-101", "per_page-0", "per_page-5001", "version_ids-21", "jobId"],
)
def test_request_models_reject_bad_input_naming_field_and_limit(
    make: Any, field: str, limit: str
) -> None:
    message = _error(make)
    assert f"\n{field}\n" in message
    assert limit in message


def test_request_limits_accept_the_boundaries() -> None:
    assert len(BatchGetBuildsRequest(ids=["p:1"]).ids) == 1
    assert len(BatchGetBuildsRequest(ids=[f"p:{i}" for i in range(100)]).ids) == 100
    assert ListBuildsRequest(per_page=1).per_page == 1
    assert ListBuildsRequest(per_page=5000).per_page == 5000
    request = GetJobDetailsRequest(
        job_id="f4f4ff82-2d11-EXAMPLE".replace("EXAMPLE", "4c6d-9e1b-0a1b2c3d4e5f")
    )
    assert request.to_wire() == {"jobId": "f4f4ff82-2d11-4c6d-9e1b-0a1b2c3d4e5f"}


def test_requests_forbid_unknown_fields_and_enum_values() -> None:
    assert "Extra inputs are not permitted" in _error(
        lambda: BatchGetBuildsRequest.model_validate({"ids": ["p:1"], "idz": ["x"]})
    )
    message = _error(lambda: RetryBuildBatchRequest.model_validate({"retryType": "RETRY_SOME"}))
    assert "retryType" in message and "RETRY_ALL_BUILDS" in message


def test_attributes_are_snake_case_and_accept_either_name() -> None:
    by_alias = RetryBuildBatchRequest.model_validate(
        {"id": "b:1", "idempotencyToken": "tok", "retryType": "RETRY_FAILED_BUILDS"}
    )
    by_name = RetryBuildBatchRequest(
        id="b:1", idempotency_token="tok", retry_type="RETRY_FAILED_BUILDS"
    )  # type: ignore[arg-type]
    assert by_alias == by_name
    assert by_name.to_wire() == {
        "id": "b:1",
        "idempotencyToken": "tok",
        "retryType": "RETRY_FAILED_BUILDS",
    }


def test_responses_keep_unknown_enum_values_and_fields() -> None:
    wire = {
        "result": {
            "build_uuid": "u1",
            "status": "paused",
            "build_outcome": "exploded",
            "new_field": {"a": 1},
        },
        "success": True,
        "errors": [],
        "messages": [],
        "future": "kept",
    }
    response = GetBuildResponse.model_validate(wire)
    assert response.result is not None and response.result.status == "paused"
    assert response.result.status.value == "paused"
    assert response.to_wire() == wire
    assert response.model_dump(by_alias=True, mode="json", exclude_unset=True) == wire


def test_known_response_enum_values_are_members() -> None:
    response = GetBuildResponse.model_validate(
        {"result": {"status": "running"}, "success": True, "errors": [], "messages": []}
    )
    assert response.result is not None and response.result.status is not None
    assert response.result.status.name == "RUNNING"


def _job_details_wire() -> dict[str, Any]:
    return document("aws_codepipeline")["operations"]["GetJobDetails"]["examples"]["response"]


def test_secrets_are_hidden_except_on_the_wire() -> None:
    wire = _job_details_wire()
    secret = wire["jobDetails"]["data"]["artifactCredentials"]["secretAccessKey"]
    response = GetJobDetailsResponse.model_validate(wire)
    assert response.job_details is not None and response.job_details.data is not None
    credentials = response.job_details.data.artifact_credentials
    assert credentials is not None and isinstance(credentials.secret_access_key, SecretStr)
    assert credentials.secret_access_key.get_secret_value() == secret
    for text in (
        repr(response),
        str(response),
        response.model_dump_json(),
        json.dumps(response.model_dump(mode="json", by_alias=True)),
    ):
        assert secret not in text
    assert response.to_wire() == wire


def test_validation_errors_of_sensitive_models_do_not_echo_input() -> None:
    wire = _job_details_wire()
    secret = wire["jobDetails"]["data"]["artifactCredentials"]["secretAccessKey"]
    broken = json.loads(json.dumps(wire))
    broken["jobDetails"]["data"]["artifactCredentials"]["sessionToken"] = ["not", "a", "string"]
    message = _error(lambda: GetJobDetailsResponse.model_validate(broken))
    assert "sessionToken" in message
    assert secret not in message


def test_epoch_timestamps_are_datetimes_that_dump_back_to_the_same_number() -> None:
    wire = {"builds": [{"id": "p:1", "startTime": 1472661575.276, "endTime": 1472661600}]}
    response = BatchGetBuildsResponse.model_validate(wire)
    build = response.builds[0] if response.builds else None
    assert isinstance(build, Build) and build.start_time is not None
    assert build.start_time == datetime(2016, 8, 31, 16, 39, 35, 276000, tzinfo=UTC)
    dumped = response.to_wire()
    assert dumped == wire
    assert isinstance(dumped["builds"][0]["endTime"], int)


def _examples(side: str) -> list[tuple[str, str, Any]]:
    cases = []
    for service in SERVICES:
        for name, op in document(service)["operations"].items():
            if side in op.get("examples", {}):
                cases.append((service, name, op["examples"][side]))
    return cases


@pytest.mark.parametrize(
    ("service", "operation", "wire"),
    _examples("response"),
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_sample_responses_validate_and_round_trip(service: str, operation: str, wire: Any) -> None:
    models = importlib.import_module(f"pulumi_builds.generated.{service}.models")
    op = document(service)["operations"][operation]
    model = getattr(models, op["response"]["$ref"].split("/")[-1])
    assert model.model_validate(wire).to_wire() == wire


def test_every_page_with_samples_is_covered() -> None:
    assert {s for s, _, _ in _examples("response")} >= {
        "aws_codepipeline",
        "cloudflare_builds",
        "cloudfoundry",
    }


@pytest.mark.parametrize(
    ("service", "operation", "wire"),
    _examples("request"),
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_sample_request_bodies_use_body_parameter_names(
    service: str, operation: str, wire: Any
) -> None:
    op = document(service)["operations"][operation]
    body = {p["name"] for p in op["parameters"] if p["in"] == "body"}
    assert isinstance(wire, dict) and set(wire) <= body


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_has_request_and_response_models(service: str) -> None:
    models = importlib.import_module(f"pulumi_builds.generated.{service}.models")
    operations = importlib.import_module(f"pulumi_builds.generated.{service}.operations")
    doc = document(service)
    assert set(operations.OPERATIONS) == set(doc["operations"])
    for name, op in doc["operations"].items():
        entry = operations.OPERATIONS[name]
        # A body is <Name>Request / <Name>Response unless a pin says it is a named shape.
        request, response = (op[side]["$ref"].rsplit("/", 1)[1] for side in ("request", "response"))
        assert request == f"{name}Request"
        assert response in (f"{name}Response", "Build")
        assert issubclass(getattr(models, request), RequestModel)
        assert issubclass(getattr(models, response), ResponseModel)
        assert entry.request is getattr(models, request)
        assert entry.response is getattr(models, response)
        assert (entry.method, entry.path) == (op["http"]["method"], op["http"]["path"])
        assert entry.aws_target == op.get("awsTarget")
        fields = entry.request.model_fields
        for parameter in entry.parameters:
            assert fields[parameter.attribute].alias in (None, parameter.name)
        assert [e.code for e in entry.errors] == [e["code"] for e in op["errors"]]


def test_a_body_that_is_a_shape_is_that_class() -> None:
    """Cloud Foundry's create, get and update return the build that list pages carry: one class,
    one state enum (not four identical classes, each with its own enum)."""
    models = importlib.import_module("pulumi_builds.generated.cloudfoundry.models")
    operations = importlib.import_module("pulumi_builds.generated.cloudfoundry.operations")
    for name in ("CreateBuild", "GetBuild", "UpdateBuild"):
        assert operations.OPERATIONS[name].response is models.Build
        assert not hasattr(models, f"{name}Response")
    page = models.ListBuildsResponse.model_fields["resources"].annotation
    assert "Build" in str(page)
    states = [n for n in dir(models) if n.endswith("State") and "Request" not in n]
    assert states == ["BuildState"]


def test_an_enum_met_at_several_places_is_one_class() -> None:
    """codegen/corrections/enum_names.json: the service's own enum names, one class each; open
    on responses, closed `<Name>Input` on requests; unknown response values still accepted."""
    cb = importlib.import_module("pulumi_builds.generated.aws_codebuild.models")
    status = cb.Build.model_fields["build_status"].annotation
    for model, field in ((cb.BuildPhase, "phase_status"), (cb.BuildBatch, "build_batch_status")):
        assert model.model_fields[field].annotation == status
    assert issubclass(cb.StatusType, OpenEnum)
    assert cb.Build.model_validate({"buildStatus": "PAUSED"}).build_status == "PAUSED"
    for request in (cb.StartBuildRequest, cb.StartBuildBatchRequest):
        assert "ComputeType |" in str(request.model_fields["compute_type_override"].annotation)
    assert not issubclass(cb.LogsConfigStatusTypeInput, OpenEnum)
    with pytest.raises(ValidationError, match="status\n  Input should be 'ENABLED' or 'DISABLED'"):
        cb.S3LogsConfigInput.model_validate({"status": "PAUSED"})


def test_every_enum_name_entry_names_an_enum() -> None:
    table = json.loads((ROOT / "codegen/corrections/enum_names.json").read_text(encoding="utf-8"))
    table.pop("$comment")
    for service, entries in table.items():
        defs = document(service)["$defs"]
        for key, name in entries.items():
            owner, prop = key.split(".")
            schema = defs[owner]["properties"][prop]
            schema = schema.get("items", schema)
            assert schema.get("title") == name and "enum" in schema, f"{service} {key}"


def test_operation_tables_carry_service_facts() -> None:
    codebuild = importlib.import_module("pulumi_builds.generated.aws_codebuild.operations")
    assert codebuild.SERVICE.target_prefix == "CodeBuild_20161006"
    assert codebuild.OPERATIONS["BatchGetBuilds"].aws_target == "CodeBuild_20161006.BatchGetBuilds"
    cloudflare = importlib.import_module("pulumi_builds.generated.cloudflare_builds.operations")
    assert cloudflare.SERVICE.base_path == "/client/v4" and cloudflare.SERVICE.auth == "bearer"
    params = {p.name: p for p in cloudflare.OPERATIONS["GetBuildsByVersionIds"].parameters}
    assert params["version_ids"].location == "query" and params["version_ids"].explode is False
    assert params["account_id"].location == "path"


@pytest.mark.parametrize("service", SERVICES)
def test_generated_files_have_header_and_py_typed(service: str) -> None:
    package = ROOT / "generated" / service
    assert (package / "py.typed").is_file()
    first = (package / "models.py").read_text().splitlines()[0]
    assert first == f"# Generated by builds-codegen from schemas/{service}.json. Do not edit."
