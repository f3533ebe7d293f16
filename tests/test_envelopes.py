"""Response bodies that are one envelope around a varying member: one generic class.

Cloudflare wraps every result in `{success, errors, messages, result, result_info}`; the models
have one `ResultEnvelope[T]` and each operation's response is `ResultEnvelope[<its result>]`
under its own name (docs/design.md, "Response envelopes").
"""

from __future__ import annotations

import copy
import importlib
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pydantic import ValidationError

from pulumi_builds.codegen.document import ServiceDocument, side_uses
from pulumi_builds.codegen.emit.emission import emission
from pulumi_builds.codegen.emit.models import generate_models

ROOT = Path(__file__).resolve().parents[1]
CF_MODELS = "pulumi_builds.generated.cloudflare_builds.models"
CF_OPERATIONS = "pulumi_builds.generated.cloudflare_builds.operations"
BUILD_WIRE = {"build_uuid": "b-1", "status": "running", "created_on": "2026-01-02T03:04:05Z"}


def _document(service: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / f"schemas/{service}.json").read_text("utf-8"))
    return data


def _envelope(result: Any) -> dict[str, Any]:
    return {"success": True, "errors": [], "messages": [], "result": result}


def test_every_cloudflare_response_is_the_one_envelope_around_its_own_result() -> None:
    models = importlib.import_module(CF_MODELS)
    operations = importlib.import_module(CF_OPERATIONS)
    responses = {op.response for op in operations.OPERATIONS.values()}
    assert len(responses) == 8
    for response in responses:
        assert issubclass(response, models.ResultEnvelope), response.__name__
        assert set(response.model_fields) == {
            "success",
            "errors",
            "messages",
            "result",
            "result_info",
        }
    assert models.GetBuildResponse.model_fields["result"].annotation is models.Build
    assert models.ListBuildsByScriptResponse.model_fields["result"].annotation == list[models.Build]


def test_the_result_is_validated_as_the_operation_s_own_type() -> None:
    models = importlib.import_module(CF_MODELS)
    got = models.GetBuildResponse.from_wire(_envelope(BUILD_WIRE))
    assert type(got.result) is models.Build and got.result.status == "running"
    assert got.to_wire() == _envelope(BUILD_WIRE)
    listed = models.ListBuildsByScriptResponse.from_wire(
        {**_envelope([BUILD_WIRE]), "result_info": {"page": 1, "total_pages": 1}}
    )
    assert [type(b) for b in listed.result] == [models.Build]
    assert listed.result_info is not None and listed.result_info.total_pages == 1
    with pytest.raises(ValidationError, match=r"result\n  Input should be a valid list"):
        models.ListBuildsByScriptResponse.from_wire(_envelope(BUILD_WIRE))
    # still tolerant, as every response: unknown members are kept and dumped back
    extra = {**_envelope(BUILD_WIRE), "new_member": 1}
    assert models.GetBuildResponse.from_wire(extra).to_wire() == extra


def test_the_cloudflare_document_has_one_envelope_of_all_its_responses() -> None:
    doc = ServiceDocument(_document("cloudflare_builds"))
    (group,) = doc.envelopes
    assert group.member == "result"
    assert group.bodies == tuple(sorted(f"{name}Response" for name in doc.operations))


def test_bodies_that_differ_only_in_descriptions_are_not_an_envelope() -> None:
    """CodeBuild's StartBuild, StopBuild and RetryBuild return `{build}`: the same type."""
    assert ServiceDocument(_document("aws_codebuild")).envelopes == ()


def _without(data: dict[str, Any], *operations: str) -> dict[str, Any]:
    """The document with those operations' pages left out (and the shapes only they use)."""
    data = copy.deepcopy(data)
    for name in operations:
        data["operations"].pop(name)
    used = {name for name, _, _ in side_uses(data)}
    data["$defs"] = {name: schema for name, schema in data["$defs"].items() if name in used}
    return data


def test_an_unrelated_page_changes_no_name_and_a_different_frame_stays_its_own_class() -> None:
    data = _document("cloudflare_builds")
    before = ServiceDocument(data).envelopes[0]
    # One body's envelope gains a member: it leaves the group, the others keep it.
    changed = copy.deepcopy(data)
    changed["$defs"]["GetBuildLogsResponse"]["properties"]["meta"] = {"type": "string"}
    (group,) = ServiceDocument(changed).envelopes
    assert group.bodies == tuple(b for b in before.bodies if b != "GetBuildLogsResponse")
    texts = {}
    for name, variant in (("all", data), ("changed", changed)):
        texts[name] = generate_models(emission(ServiceDocument(variant)), "# test")
    assert "class ResultEnvelope(ResponseModel, Generic[ResultT]):" in texts["changed"]
    assert "class GetBuildLogsResponse(ResponseModel):" in texts["changed"]
    # Each page left out in turn: the generic class keeps its name while two bodies remain.
    for operation in sorted(data["operations"]):
        left = ServiceDocument(_without(data, operation)).envelopes
        assert [g.member for g in left] == ["result"]
    two_left = _without(data, *sorted(data["operations"])[2:])
    assert len(ServiceDocument(two_left).envelopes[0].bodies) == 2
    assert ServiceDocument(_without(data, *sorted(data["operations"])[1:])).envelopes == ()


def _module(text: str, name: str, where: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    (where / f"{name}.py").write_text(text, encoding="utf-8")
    monkeypatch.syspath_prepend(str(where))
    return importlib.import_module(name)


def test_an_envelope_around_a_secret_hides_input_in_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A body whose varying member carries a secret stays sensitive as a subclass."""
    data = _document("cloudflare_builds")
    data = _without(data, *[n for n in sorted(data["operations"]) if n != "CancelBuild"][1:])
    kept = [n for n in data["operations"] if n != "CancelBuild"]
    result = data["$defs"]["CancelBuildResponseResult"]
    result["properties"]["token"] = {"type": "string", "x-secret": True}
    text = generate_models(emission(ServiceDocument(data)), "# test")
    module = _module(text, "envelope_secret_models", tmp_path, monkeypatch)
    try:
        cancel = module.CancelBuildResponse
        assert issubclass(cancel, module.ResultEnvelope)
        assert cancel.model_config.get("hide_input_in_errors") is True
        other = getattr(module, f"{kept[0]}Response")
        assert not other.model_config.get("hide_input_in_errors")
        with pytest.raises(ValidationError) as error:
            cancel.from_wire({**_envelope({"token": 12345678}), "success": "maybe"})
        assert "12345678" not in str(error.value) and "maybe" not in str(error.value)
        got = cancel.from_wire(_envelope({"token": "s3cr3t"}))
        assert "s3cr3t" not in repr(got) and got.to_wire()["result"]["token"] == "s3cr3t"
    finally:
        del sys.modules["envelope_secret_models"]
