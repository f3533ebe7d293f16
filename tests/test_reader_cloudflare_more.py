"""The Cloudflare reader on real API reference pages it was not written against.

Pages in tests/pages/cloudflare_builds/ and tests/pages/cloudflare_other/ (sources in
tests/pages/README.md). Expected facts come from Cloudflare's OpenAPI model (cloudflare/api-schemas,
as rendered on developers.cloudflare.com: formats, bounds, required members, enum values).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pulumi_builds.codegen.errors import PageError
from pulumi_builds.codegen.normalize import normalize
from pulumi_builds.codegen.readers import read_page

PAGES = Path(__file__).parent / "pages"
ANY = ["object", "array", "string", "number", "boolean", "null"]


def _op(relative: str, folded: bool = False) -> dict[str, Any]:
    text = (PAGES / relative).read_text(encoding="utf-8")
    if folded:  # the rendering of the bundled pages: one line
        text = " ".join(text.split())
    draft = read_page(text, f"pages/{relative}")
    assert draft["dialect"] == "cloudflare"
    (operation,) = draft["operations"].values()
    return operation


def _at(schema: dict[str, Any], *path: str) -> dict[str, Any]:
    for part in path:
        schema = schema["items"] if part == "[]" else schema["properties"][part]
    return schema


ALL = sorted(str(p.relative_to(PAGES)) for p in PAGES.glob("cloudflare_*/*.md"))


@pytest.mark.parametrize("relative", ALL)
def test_every_page_reads_and_normalizes(relative: str) -> None:
    text = (PAGES / relative).read_text(encoding="utf-8")
    source = "pages/cloudflare_builds/" + Path(relative).name
    document = normalize("cloudflare_builds", [(source, read_page(text, source))])
    assert document["operations"]


@pytest.mark.parametrize("relative", [p for p in ALL if "ListDnsRecords" not in p])
def test_folded_rendering_reads_the_same(relative: str) -> None:
    assert _op(relative, folded=True) == _op(relative)


def test_list_deploy_hooks_bounds_from_prose_apply_to_responses() -> None:
    op = _op("cloudflare_builds/ListDeployHooks.md")
    assert op["http"] == {
        "method": "GET",
        "path": "/accounts/{account_id}/builds/workers/{script_name}/deploy_hooks",
    }
    hook = _at(op["response"], "result", "[]")
    # model: deploy_hook_name minLength 1, maxLength 58; deploy_hook_uuid format uuid
    assert _at(hook, "deploy_hook_name")["minLength"] == 1
    assert _at(hook, "deploy_hook_name")["maxLength"] == 58
    assert _at(hook, "deploy_hook_uuid")["format"] == "uuid"
    assert _at(hook, "latest_build", "created_on")["format"] == "date-time"
    assert op["pagination"] is None  # no page/per_page query parameters


def test_delete_trigger_result_is_any_value() -> None:
    op = _op("cloudflare_builds/DeleteTrigger.md")
    assert op["http"]["method"] == "DELETE"
    # model (builds_APIResponse): result is unknown | null
    assert _at(op["response"], "result") == {"type": ANY}
    assert op["examples"]["response"]["result"] is None


def test_update_trigger_body_is_all_optional_and_patches() -> None:
    op = _op("cloudflare_builds/UpdateTrigger.md")
    assert op["http"] == {
        "method": "PATCH",
        "path": "/accounts/{account_id}/builds/triggers/{trigger_uuid}",
    }
    body = [p["name"] for p in op["parameters"] if p["in"] == "body"]
    assert body == [
        "branch_excludes",
        "branch_includes",
        "build_caching_enabled",
        "build_command",
        "build_token_uuid",
        "deploy_command",
        "path_excludes",
        "path_includes",
        "root_directory",
        "trigger_name",
    ]
    assert op["request"]["required"] == ["account_id", "trigger_uuid"]
    assert _at(op["request"], "build_caching_enabled")["default"] is False
    assert _at(op["request"], "build_token_uuid")["format"] == "uuid"
    connection = _at(op["response"], "result", "repo_connection")
    assert _at(connection, "provider_type")["enum"] == ["github", "gitlab", "gitlab_internal"]
    assert _at(connection, "deleted_on")["type"] == ["string", "null"]
    assert op["examples"]["request"]["trigger_name"] == "Production Deploy"


def test_config_autofill_enum_path_parameter_maps_and_domain_types() -> None:
    op = _op("cloudflare_builds/GetRepositoryConfigurationAutofill.md")
    assert [(p["name"], p["in"], p["required"]) for p in op["parameters"]] == [
        ("account_id", "path", True),
        ("provider_type", "path", True),
        ("provider_account_id", "path", True),
        ("repo_id", "path", True),
        ("branch", "query", True),
        ("root_directory", "query", False),
    ]
    assert _at(op["request"], "provider_type")["enum"] == ["github", "gitlab", "gitlab_internal"]
    result = _at(op["response"], "result")
    assert _at(result, "package_manager")["enum"] == ["npm", "yarn", "pnpm", "bun", "uv"]
    # model: builds_ConfigAutofillResponse's strings and maps are nullable (the page cannot say)
    assert _at(result, "scripts") == {
        "type": ["object", "null"],
        "additionalProperties": {"type": "string"},
    }
    assert _at(result, "config_file")["type"] == ["string", "null"]


def test_prose_list_in_a_description_is_no_bullet() -> None:
    op = _op("cloudflare_other/GetEvent.md")
    assert op["http"]["path"].endswith("/events/{event_t}.{event_n}")
    event = _at(op["response"], "result", "e")
    assert "`HaLeave`: Stopped HA subsystem" in event["description"]
    kinds = _at(event, "k")["enum"]
    assert len(kinds) == 29 and kinds[0] == "Init" and kinds[-1] == "HaLeave"
    assert event["required"] == ["k"]
    assert _at(op["request"], "event_t")["type"] == "number"


def test_success_true_and_standard_envelope_messages() -> None:
    op = _op("cloudflare_other/GetWorkerSubdomain.md")
    assert _at(op["response"], "success")["enum"] == [True]
    assert _at(op["response"], "messages", "[]", "code")["type"] == "integer"
    assert _at(op["response"], "errors", "[]")["required"] == ["code", "message"]
    assert _at(op["response"], "result")["required"] == ["enabled", "previews_enabled"]


def test_nested_arrays_of_objects_keep_required_members() -> None:
    op = _op("cloudflare_other/ListResourceGroups.md")
    group = _at(op["response"], "result", "[]")
    assert group["required"] == ["id", "scope"]
    assert _at(group, "scope", "[]", "objects", "[]")["required"] == ["key"]


def test_array_of_map_of_unknown() -> None:
    op = _op("cloudflare_other/DownloadMatchesForLogoQueriesById.md")
    assert "errors" not in op["response"]["properties"]  # no envelope on this page
    match = _at(op["response"], "matches", "[]")
    assert match == {"type": "object", "additionalProperties": {"type": ANY}}


def test_named_types_enum_and_variants() -> None:
    op = _op("cloudflare_other/ListDnsRecords.md")
    assert _at(op["request"], "direction")["enum"] == ["asc", "desc"]
    assert op["pagination"]["style"] == "page"
    record = _at(op["response"], "result", "[]")
    assert record["title"] == "RecordResponse"
    # members of every variant; required only where each variant requires them
    assert record["required"] == ["id", "created_on", "modified_on", "proxiable"]
    assert "content" in record["properties"] and "meta" in record["properties"]
    assert _at(record, "created_on")["format"] == "date-time"


def test_named_type_variants_on_a_folded_page_fail_clearly() -> None:
    # Folded onto one line, where `TXTRecord = TXTRecord`'s members end cannot be told: the
    # example then names a field Returns does not list, and the page is refused, not misread.
    with pytest.raises(PageError, match="result_info"):
        _op("cloudflare_other/ListDnsRecords.md", folded=True)
