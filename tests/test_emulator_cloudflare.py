"""The Cloudflare Workers Builds emulator, driven with httpx through the real server.

Simulated time is moved with `Emulator.advance` (the default build takes 60 simulated seconds:
6 initializing, 54 running), so state-machine checks do not depend on wall-clock timing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from pulumi_builds.emulators import clients
from pulumi_builds.emulators.core import Outcome
from pulumi_builds.emulators.server import EmulatorServer

ACCOUNT = "0123456789abcdef0123456789abcdef"
SCRIPT = "my-worker"
TOKEN_UUID = "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"
CONNECTION_UUID = "282bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"


def trigger_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "branch_excludes": [],
        "branch_includes": ["main"],
        "build_command": "npm run build",
        "build_token_uuid": TOKEN_UUID,
        "deploy_command": "npx wrangler deploy",
        "external_script_id": SCRIPT,
        "path_excludes": [],
        "path_includes": ["*"],
        "repo_connection_uuid": CONNECTION_UUID,
        "root_directory": "/",
        "trigger_name": "Production deploy",
    }
    body.update(changes)
    return body


@pytest.fixture
def api(emulator: EmulatorServer) -> Iterator[httpx.Client]:
    with clients.client(
        base_url=f"{emulator.url}/client/v4/accounts/{ACCOUNT}",
        headers={"Authorization": "Bearer emulator-token"},
    ) as client:
        yield client


def create_trigger(api: httpx.Client, **changes: Any) -> str:
    response = api.post("/builds/triggers", json=trigger_body(**changes))
    assert response.status_code == 200, response.text
    return str(response.json()["result"]["trigger_uuid"])


def start_build(api: httpx.Client, trigger: str, **body: Any) -> str:
    response = api.post(f"/builds/triggers/{trigger}/builds", json=body or {"branch": "main"})
    assert response.status_code == 200, response.text
    return str(response.json()["result"]["build_uuid"])


def get_build(api: httpx.Client, build: str) -> dict[str, Any]:
    response = api.get(f"/builds/builds/{build}")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["result"]
    return result


def assert_error(response: httpx.Response, status: int, code: int, text: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False
    assert body["result"] is None
    assert body["errors"][0]["code"] == code
    assert text in body["errors"][0]["message"]


def parse(stamp: str) -> float:
    return datetime.fromisoformat(stamp).timestamp()


# -- authentication ----------------------------------------------------------------------


def test_missing_wrong_and_non_bearer_tokens_get_401_in_the_envelope(
    emulator: EmulatorServer,
) -> None:
    url = f"{emulator.url}/client/v4/accounts/{ACCOUNT}/builds/builds/x"
    assert_error(httpx.get(url), 401, 12005, "Missing token from authorization header")
    assert_error(
        httpx.get(url, headers={"Authorization": "Basic abc"}), 401, 12005, "Missing token"
    )
    assert_error(
        httpx.get(url, headers={"Authorization": "Bearer not-the-token"}),
        401,
        10000,
        "Authentication error",
    )


def test_the_configured_token_is_the_one_accepted(emulator: EmulatorServer) -> None:
    emulator.emulator.configure(cloudflare_token="s3cret")
    url = f"{emulator.url}/client/v4/accounts/{ACCOUNT}/builds/builds/x"
    assert httpx.get(url, headers={"Authorization": "Bearer emulator-token"}).status_code == 401
    assert_error(
        httpx.get(url, headers={"Authorization": "Bearer s3cret"}), 404, 12000, "Not found"
    )


# -- triggers ----------------------------------------------------------------------------


def test_trigger_create_list_update_delete(api: httpx.Client) -> None:
    created = api.post("/builds/triggers", json=trigger_body(build_caching_enabled=True)).json()
    assert created["success"] is True and created["errors"] == []
    trigger = created["result"]
    assert trigger["external_script_id"] == SCRIPT
    assert trigger["build_token_uuid"] == TOKEN_UUID
    assert trigger["build_caching_enabled"] is True
    assert trigger["repo_connection"]["repo_connection_uuid"] == CONNECTION_UUID
    uuid = trigger["trigger_uuid"]

    listed = api.get(f"/builds/workers/{SCRIPT}/triggers").json()["result"]
    assert [t["trigger_uuid"] for t in listed] == [uuid]
    assert api.get("/builds/workers/other-script/triggers").json()["result"] == []

    patched = api.patch(f"/builds/triggers/{uuid}", json={"build_command": "make"}).json()
    assert patched["result"]["build_command"] == "make"
    assert patched["result"]["deploy_command"] == "npx wrangler deploy"

    assert api.delete(f"/builds/triggers/{uuid}").json()["success"] is True
    assert api.get(f"/builds/workers/{SCRIPT}/triggers").json()["result"] == []
    assert_error(api.patch(f"/builds/triggers/{uuid}", json={}), 404, 12000, "Not found")
    assert_error(api.delete(f"/builds/triggers/{uuid}"), 404, 12000, "Not found")
    assert_error(
        api.post(f"/builds/triggers/{uuid}/builds", json={"branch": "main"}),
        404,
        12000,
        "Not found",
    )


def test_trigger_body_rules_name_the_field(api: httpx.Client) -> None:
    body = trigger_body()
    del body["deploy_command"]
    assert_error(
        api.post("/builds/triggers", json=body), 400, 12002, "deploy_command: required field"
    )
    assert_error(
        api.post("/builds/triggers", json=trigger_body(build_token_uuid="not-a-uuid")),
        400,
        12002,
        "build_token_uuid: 'not-a-uuid' is not a UUID",
    )
    assert_error(
        api.post("/builds/triggers", json=trigger_body(branch_includes="main")),
        400,
        12002,
        'branch_includes: "main" must be an array of strings',
    )
    assert_error(api.post("/builds/triggers", content=b"{nope"), 400, 12002, "not valid JSON")


# -- manual builds and the state machine ------------------------------------------------------


def test_manual_build_needs_a_branch_or_commit(api: httpx.Client) -> None:
    trigger = create_trigger(api)
    assert_error(
        api.post(f"/builds/triggers/{trigger}/builds", json={}),
        400,
        12002,
        "branch or commit_hash is required",
    )
    assert_error(
        api.post(f"/builds/triggers/{trigger}/builds", json={"branch": 3}),
        400,
        12002,
        "branch: 3 must be a non-empty string",
    )


def test_build_metadata_comes_from_the_trigger_and_the_request(api: httpx.Client) -> None:
    trigger = create_trigger(api)
    result = api.post(
        f"/builds/triggers/{trigger}/builds", json={"branch": "release", "commit_hash": "abc123"}
    ).json()["result"]
    assert set(result) == {"build_uuid", "created_on"}
    build = get_build(api, result["build_uuid"])
    meta = build["build_trigger_metadata"]
    assert meta["branch"] == "release"
    assert meta["commit_hash"] == "abc123"
    assert meta["build_trigger_source"] == "manual"
    assert meta["build_command"] == "npm run build"
    assert meta["deploy_command"] == "npx wrangler deploy"
    assert meta["root_directory"] == "/"
    assert build["trigger"]["trigger_uuid"] == trigger
    assert "build_token_uuid" not in build["trigger"]  # "Trigger information without ..."
    assert build["created_on"] == result["created_on"]


def test_build_moves_queued_initializing_running_stopped(
    api: httpx.Client, emulator: EmulatorServer
) -> None:
    emu = emulator.emulator
    emulator.emulator.configure(time_scale=0.001)  # the clock moves only by advance()
    trigger = create_trigger(api)
    build = start_build(api, trigger)

    first = get_build(api, build)
    assert first["status"] == "initializing"  # a free slot: it starts at once
    assert "running_on" not in first and "build_outcome" not in first
    emu.advance(10)
    running = get_build(api, build)
    assert running["status"] == "running"
    assert parse(running["running_on"]) - parse(running["initializing_on"]) == pytest.approx(6)
    assert "stopped_on" not in running
    emu.advance(60)
    done = get_build(api, build)
    assert (done["status"], done["build_outcome"]) == ("stopped", "success")
    assert parse(done["stopped_on"]) - parse(done["initializing_on"]) == pytest.approx(60)
    assert done["modified_on"] == done["stopped_on"]
    emu.advance(3600)
    assert get_build(api, build) == done  # terminal states stay terminal


def test_scripted_outcomes_by_trigger_and_wildcard(
    api: httpx.Client, emulator: EmulatorServer
) -> None:
    emu = emulator.emulator
    emu.configure(time_scale=0.001)
    first, second = create_trigger(api), create_trigger(api, trigger_name="second")
    emu.script("cloudflare_builds", first, Outcome("failed", message="npm ERR! missing script"))
    emu.script("cloudflare_builds", "*", Outcome("stopped", duration_s=5))
    failing = start_build(api, first)
    emu.advance(61)
    cancelled = start_build(api, second)
    emu.advance(61)
    default = start_build(api, first)
    emu.advance(61)
    assert get_build(api, failing)["build_outcome"] == "fail"
    assert get_build(api, cancelled)["build_outcome"] == "cancelled"
    assert get_build(api, default)["build_outcome"] == "success"
    lines = [
        text for _, text in api.get(f"/builds/builds/{failing}/logs").json()["result"]["lines"]
    ]
    assert "Failed: npm ERR! missing script" in lines


def test_builds_longer_than_twenty_minutes_are_terminated(
    api: httpx.Client, emulator: EmulatorServer
) -> None:
    emu = emulator.emulator
    emu.configure(time_scale=0.001)
    trigger = create_trigger(api)
    emu.script("cloudflare_builds", trigger, Outcome("timed_out"))
    emu.script("cloudflare_builds", trigger, Outcome("succeeded", duration_s=3000))
    timed_out = start_build(api, trigger)
    emu.advance(1300)
    long = start_build(api, trigger)
    emu.advance(1100)
    assert get_build(api, long)["status"] == "running"
    emu.advance(200)
    for build in (timed_out, long):
        body = get_build(api, build)
        assert body["build_outcome"] == "terminated"
        assert parse(body["stopped_on"]) - parse(body["initializing_on"]) == pytest.approx(1200)


# -- concurrency ------------------------------------------------------------------------------


def test_free_plan_runs_one_build_and_queues_the_rest(
    api: httpx.Client, emulator: EmulatorServer
) -> None:
    emu = emulator.emulator
    emu.configure(time_scale=0.001)
    trigger = create_trigger(api)
    first, second = start_build(api, trigger), start_build(api, trigger)
    assert get_build(api, first)["status"] == "initializing"
    queued = get_build(api, second)
    assert queued["status"] == "queued" and "initializing_on" not in queued
    emu.advance(61)
    assert get_build(api, first)["status"] == "stopped"
    started = get_build(api, second)
    assert started["status"] == "initializing"
    assert started["initializing_on"] == get_build(api, first)["stopped_on"]
    emu.advance(10)
    assert get_build(api, second)["status"] == "running"


def test_paid_plan_runs_six_at_once(api: httpx.Client, emulator: EmulatorServer) -> None:
    emulator.emulator.configure(time_scale=0.001)
    setup = httpx.post(
        f"{emulator.url}/_emulator/cloudflare_builds/accounts/{ACCOUNT}", json={"plan": "paid"}
    )
    assert setup.json()["max_concurrent_builds"] == 6
    trigger = create_trigger(api)
    builds = [start_build(api, trigger) for _ in range(7)]
    statuses = [get_build(api, b)["status"] for b in builds]
    assert statuses == ["initializing"] * 6 + ["queued"]
    bad = httpx.post(
        f"{emulator.url}/_emulator/cloudflare_builds/accounts/{ACCOUNT}", json={"plan": "gold"}
    )
    assert bad.status_code == 400 and "plan" in bad.json()["error"]


# -- cancel -----------------------------------------------------------------------------------


def test_cancel_queued_and_running_builds_but_not_stopped_ones(
    api: httpx.Client, emulator: EmulatorServer
) -> None:
    emu = emulator.emulator
    emu.configure(time_scale=0.001)
    trigger = create_trigger(api)
    running, queued, last = (start_build(api, trigger) for _ in range(3))
    emu.advance(10)

    cancel_queued = api.put(f"/builds/builds/{queued}/cancel").json()["result"]
    assert cancel_queued["build_outcome"] == "cancelled"
    assert cancel_queued["build_uuid"] == queued
    never_ran = get_build(api, queued)
    assert never_ran["status"] == "stopped" and "initializing_on" not in never_ran

    cancel_running = api.put(f"/builds/builds/{running}/cancel").json()["result"]
    assert cancel_running["build_outcome"] == "cancelled"
    assert get_build(api, running)["stopped_on"] == cancel_running["stopped_on"]
    # The slot freed by the cancel goes to the next queued build, not to the cancelled one.
    assert get_build(api, last)["initializing_on"] == cancel_running["stopped_on"]

    emu.advance(120)
    assert get_build(api, last)["build_outcome"] == "success"
    assert_error(
        api.put(f"/builds/builds/{last}/cancel"), 400, 12002, "only queued or running builds"
    )
    assert_error(api.put(f"/builds/builds/{queued}/cancel"), 400, 12002, "'cancelled'")
    assert_error(
        api.put("/builds/builds/00000000-0000-4000-8000-000000000000/cancel"),
        404,
        12000,
        "Not found",
    )


# -- logs -------------------------------------------------------------------------------------


def test_logs_grow_as_the_build_progresses_and_the_cursor_resumes(
    api: httpx.Client, emulator: EmulatorServer
) -> None:
    emu = emulator.emulator
    emu.configure(time_scale=0.001)
    build = start_build(api, create_trigger(api))
    early = api.get(f"/builds/builds/{build}/logs").json()["result"]
    assert next(text for _, text in early["lines"]) == "Initializing build environment..."
    assert early["truncated"] is False
    assert all(isinstance(at, int) for at, _ in early["lines"])
    emu.advance(61)
    later = api.get(f"/builds/builds/{build}/logs", params={"cursor": early["cursor"]}).json()
    new_lines = [text for _, text in later["result"]["lines"]]
    assert new_lines[0] == "Success: Finished initializing build environment"
    assert new_lines[-1] == "Success: Build command completed"
    everything = api.get(f"/builds/builds/{build}/logs").json()["result"]["lines"]
    assert len(everything) == len(early["lines"]) + len(new_lines)
    assert_error(
        api.get(f"/builds/builds/{build}/logs", params={"cursor": "garbage"}),
        400,
        12002,
        "cursor",
    )
    assert_error(
        api.get("/builds/builds/00000000-0000-4000-8000-000000000000/logs"),
        404,
        12000,
        "Not found",
    )


# -- listing and versions ---------------------------------------------------------------------


def test_list_builds_by_script_pages_newest_first(api: httpx.Client) -> None:
    trigger = create_trigger(api)
    builds = [start_build(api, trigger) for _ in range(3)]
    page1 = api.get(f"/builds/workers/{SCRIPT}/builds", params={"per_page": 2}).json()
    assert [b["build_uuid"] for b in page1["result"]] == builds[::-1][:2]
    assert page1["result_info"] == {
        "count": 2,
        "page": 1,
        "per_page": 2,
        "total_count": 3,
        "total_pages": 2,
    }
    page2 = api.get(f"/builds/workers/{SCRIPT}/builds", params={"per_page": 2, "page": 2}).json()
    assert [b["build_uuid"] for b in page2["result"]] == [builds[0]]
    for bad in ({"per_page": 0}, {"per_page": 201}, {"page": 0}, {"per_page": "x"}):
        response = api.get(f"/builds/workers/{SCRIPT}/builds", params=bad)
        assert_error(response, 400, 12002, next(iter(bad)))
    assert api.get(f"/builds/workers/{SCRIPT}/builds", params={"per_page": 200}).is_success


def test_builds_by_version_ids_finds_successful_builds_only(
    api: httpx.Client, emulator: EmulatorServer
) -> None:
    emu = emulator.emulator
    emu.configure(time_scale=0.001)
    trigger = create_trigger(api)
    emu.script("cloudflare_builds", trigger, Outcome("failed"))
    failed = start_build(api, trigger)
    emu.advance(61)
    ok_build = start_build(api, trigger)
    emu.advance(61)
    running = start_build(api, trigger)

    versions = api.get(f"/workers/scripts/{SCRIPT}/versions").json()["result"]["items"]
    assert len(versions) == 1 and versions[0]["number"] == 1
    version = versions[0]["id"]
    unknown = "00000000-0000-4000-8000-000000000000"
    found = api.get("/builds/builds", params={"version_ids": f"{version},{unknown}"}).json()
    assert list(found["result"]["builds"]) == [version]
    assert found["result"]["builds"][version]["build_uuid"] == ok_build
    assert failed != ok_build != running

    emu.advance(61)
    versions = api.get(f"/workers/scripts/{SCRIPT}/versions").json()["result"]["items"]
    assert [v["number"] for v in versions] == [2, 1]  # newest first
    assert versions[1]["id"] == version


def test_builds_by_version_ids_limits(api: httpx.Client) -> None:
    ids = ",".join(f"00000000-0000-4000-8000-{n:012d}" for n in range(21))
    assert_error(api.get("/builds/builds", params={"version_ids": ids}), 400, 12002, "at most 20")
    twenty = ",".join(ids.split(",")[:20])
    assert api.get("/builds/builds", params={"version_ids": twenty}).json()["result"] == {
        "builds": {}
    }
    assert_error(api.get("/builds/builds"), 400, 12002, "version_ids")


def test_get_unknown_build_is_404(api: httpx.Client) -> None:
    assert_error(
        api.get("/builds/builds/00000000-0000-4000-8000-000000000000"), 404, 12000, "Not found"
    )


def test_builds_are_scoped_to_their_account(api: httpx.Client, emulator: EmulatorServer) -> None:
    build = start_build(api, create_trigger(api))
    other = httpx.get(
        f"{emulator.url}/client/v4/accounts/other/builds/builds/{build}",
        headers={"Authorization": "Bearer emulator-token"},
    )
    assert_error(other, 404, 12000, "Not found")


# -- faults and consistency -------------------------------------------------------------------


def test_throttling_is_a_429_with_rate_limit_headers_and_creates_nothing(
    api: httpx.Client, emulator: EmulatorServer
) -> None:
    trigger = create_trigger(api)
    emulator.emulator.force_fault("cloudflare_builds", "*", "throttle")
    response = api.post(f"/builds/triggers/{trigger}/builds", json={"branch": "main"})
    assert_error(response, 429, 971, "Please wait and consider throttling your request speed")
    assert response.headers["retry-after"]
    assert "Ratelimit" in response.headers and "Ratelimit-Policy" in response.headers
    assert emulator.emulator.counter("cloudflare_builds", "builds_created") == 0
    start_build(api, trigger)  # the retry gets through
    assert emulator.emulator.counter("cloudflare_builds", "builds_created") == 1


def test_a_new_build_is_invisible_during_the_consistency_window(
    api: httpx.Client, emulator: EmulatorServer
) -> None:
    trigger = create_trigger(api)
    emulator.emulator.configure(consistency_window_s=5, time_scale=0.001)
    emulator.emulator.advance(6)  # the trigger itself is past the window
    build = start_build(api, trigger)
    assert_error(api.get(f"/builds/builds/{build}"), 404, 12000, "Not found")
    emulator.emulator.advance(6)
    assert get_build(api, build)["build_uuid"] == build


def test_a_large_time_scale_finishes_builds_in_real_time(emulator_factory: Any) -> None:
    server = emulator_factory(time_scale=600)  # a 60 s build takes 0.1 s
    with httpx.Client(
        base_url=f"{server.url}/client/v4/accounts/{ACCOUNT}",
        headers={"Authorization": "Bearer emulator-token"},
    ) as client:
        build = start_build(client, create_trigger(client))
        deadline = time.monotonic() + 10
        while get_build(client, build)["status"] != "stopped":
            assert time.monotonic() < deadline, "build did not finish"
            time.sleep(0.05)
        assert get_build(client, build)["build_outcome"] == "success"


def test_a_5xx_fault_uses_the_envelope(api: httpx.Client, emulator: EmulatorServer) -> None:
    emulator.emulator.force_fault("cloudflare_builds", "*", "5xx")
    response = api.get(f"/builds/workers/{SCRIPT}/builds")
    assert response.status_code == 503
    assert response.json()["success"] is False and response.json()["errors"][0]["code"]
    assert api.get(f"/builds/workers/{SCRIPT}/builds").status_code == 200
