"""The Cloud Foundry v3 builds emulator, driven with httpx through the real server.

The clock is slowed to a crawl (`time_scale=0.001`) and moved with `Emulator.advance`, so a build
(60 simulated seconds by default) changes state exactly when a test says so.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from pulumi_builds.emulators import clients
from pulumi_builds.emulators.core import Emulator, Outcome
from pulumi_builds.emulators.server import EmulatorServer


@pytest.fixture
def emu(emulator: EmulatorServer) -> Emulator:
    emulator.emulator.configure(time_scale=0.001)
    return emulator.emulator


@pytest.fixture
def api(emulator: EmulatorServer) -> Iterator[httpx.Client]:
    with clients.client(
        base_url=emulator.url, headers={"Authorization": "bearer emulator-token"}
    ) as client:
        yield client


def create_app(api: httpx.Client, name: str = "web") -> str:
    response = api.post(
        "/v3/apps", json={"name": name, "relationships": {"space": {"data": {"guid": "space-1"}}}}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["guid"])


def create_package(api: httpx.Client, app: str) -> str:
    response = api.post(
        "/v3/packages",
        json={"type": "bits", "relationships": {"app": {"data": {"guid": app}}}},
    )
    assert response.status_code == 201, response.text
    assert response.json()["state"] == "READY"
    return str(response.json()["guid"])


def create_build(api: httpx.Client, package: str, **extra: Any) -> dict[str, Any]:
    response = api.post("/v3/builds", json={"package": {"guid": package}, **extra})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def get_build(api: httpx.Client, guid: str) -> dict[str, Any]:
    response = api.get(f"/v3/builds/{guid}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def assert_error(response: httpx.Response, status: int, title: str, code: int, text: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["errors"][0]
    assert (error["title"], error["code"]) == (title, code)
    assert text in error["detail"], error["detail"]


def guids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [r["guid"] for r in response.json()["resources"]]


# -- authentication ----------------------------------------------------------------------


def test_missing_and_wrong_tokens(emulator: EmulatorServer) -> None:
    assert_error(
        httpx.get(f"{emulator.url}/v3/builds"),
        401,
        "CF-NotAuthenticated",
        10002,
        "Authentication error",
    )
    for header in ("bearer wrong", "Basic emulator-token"):
        assert_error(
            httpx.get(f"{emulator.url}/v3/builds", headers={"Authorization": header}),
            401,
            "CF-InvalidAuthToken",
            1000,
            "Invalid Auth Token",
        )
    ok = httpx.get(f"{emulator.url}/v3/builds", headers={"Authorization": "Bearer emulator-token"})
    assert ok.status_code == 200  # the scheme is case-insensitive


# -- create -----------------------------------------------------------------------------------


def test_create_build_defaults_and_shape(api: httpx.Client, emu: Emulator) -> None:
    app = create_app(api)
    package = create_package(api, app)
    build = create_build(api, package, metadata={"labels": {"env": "prod"}})
    assert build["state"] == "STAGING"
    assert build["package"] == {"guid": package}
    assert build["relationships"] == {"app": {"data": {"guid": app}}}
    assert build["droplet"] is None and build["error"] is None
    assert build["staging_memory_in_mb"] == 1024
    assert build["staging_disk_in_mb"] == 1024
    assert build["staging_log_rate_limit_bytes_per_second"] == -1
    assert build["lifecycle"]["type"] == "buildpack"
    assert build["metadata"] == {"labels": {"env": "prod"}, "annotations": {}}
    assert build["links"]["self"]["href"].endswith(f"/v3/builds/{build['guid']}")
    assert build["created_at"].endswith("Z") and len(build["created_at"]) == 20
    assert get_build(api, build["guid"]) == build


def test_create_build_with_staging_options(api: httpx.Client, emu: Emulator) -> None:
    package = create_package(api, create_app(api))
    build = create_build(
        api,
        package,
        staging_memory_in_mb=2048,
        staging_disk_in_mb=4096,
        staging_log_rate_limit_bytes_per_second=0,
        lifecycle={
            "type": "buildpack",
            "data": {"buildpacks": ["ruby_buildpack"], "stack": "cflinuxfs4"},
        },
    )
    assert (build["staging_memory_in_mb"], build["staging_disk_in_mb"]) == (2048, 4096)
    assert build["staging_log_rate_limit_bytes_per_second"] == 0
    assert build["lifecycle"]["data"]["buildpacks"] == ["ruby_buildpack"]


@pytest.mark.parametrize(
    ("extra", "text"),
    [
        ({"foo": 1, "bar": 2}, "Unknown field(s): 'foo', 'bar'"),
        ({"staging_disk_in_mb": 0}, "Staging disk in mb must be greater than 0"),
        ({"staging_memory_in_mb": -5}, "Staging memory in mb must be greater than 0"),
        ({"staging_memory_in_mb": "lots"}, "Staging memory in mb is not a number"),
        ({"staging_memory_in_mb": 1.5}, "Staging memory in mb must be an integer"),
        (
            {"staging_log_rate_limit_bytes_per_second": -2},
            "Staging log rate limit bytes per second must be greater than or equal to -1",
        ),
        ({"lifecycle": {"type": "ship", "data": {}}}, "Lifecycle type is not included"),
        ({"metadata": {"labels": {"-bad": "x"}}}, "label '-bad' starts or ends with invalid"),
        ({"metadata": {"labels": {"cloudfoundry.org/x": "y"}}}, "reserved domain"),
    ],
)
def test_create_build_rejects_bad_fields(
    api: httpx.Client, emu: Emulator, extra: dict[str, Any], text: str
) -> None:
    package = create_package(api, create_app(api))
    response = api.post("/v3/builds", json={"package": {"guid": package}, **extra})
    assert_error(response, 422, "CF-UnprocessableEntity", 10008, text)
    assert emu.counter("cloudfoundry", "builds_created") == 0


def test_create_build_package_rules(api: httpx.Client, emu: Emulator) -> None:
    assert_error(
        api.post("/v3/builds", json={}),
        422,
        "CF-UnprocessableEntity",
        10008,
        "Package guid can't be blank",
    )
    assert_error(
        api.post("/v3/builds", json={"package": {"guid": "no-such-package"}}),
        422,
        "CF-UnprocessableEntity",
        10008,
        "Unable to use package. Ensure that the package exists and you have access to it.",
    )
    assert_error(
        api.post("/v3/builds", content=b"{not json"),
        400,
        "CF-MessageParseError",
        1001,
        "Request invalid due to parse error",
    )


def test_one_staging_build_per_app(api: httpx.Client, emu: Emulator) -> None:
    app = create_app(api)
    package = create_package(api, app)
    create_build(api, package)
    assert_error(
        api.post("/v3/builds", json={"package": {"guid": package}}),
        422,
        "CF-StagingInProgress",
        170017,
        "Only one build can be STAGING at a time",
    )
    other = create_package(api, create_app(api, "worker"))
    create_build(api, other)  # another app may stage at the same time
    emu.advance(61)
    create_build(api, package)  # the first build staged: the app may stage again
    assert emu.counter("cloudfoundry", "builds_created") == 3


# -- the state machine ------------------------------------------------------------------------


def test_build_stages_then_stays_staged(api: httpx.Client, emu: Emulator) -> None:
    build = create_build(api, create_package(api, create_app(api)))
    emu.advance(30)
    assert get_build(api, build["guid"])["state"] == "STAGING"
    emu.advance(31)
    staged = get_build(api, build["guid"])
    assert staged["state"] == "STAGED"
    assert staged["droplet"]["guid"]
    assert staged["links"]["droplet"]["href"].endswith(f"/v3/droplets/{staged['droplet']['guid']}")
    assert staged["updated_at"] > staged["created_at"]
    emu.advance(3600)
    assert get_build(api, build["guid"]) == staged


def test_scripted_failure_by_app_guid_and_wildcard(api: httpx.Client, emu: Emulator) -> None:
    app, other = create_app(api), create_app(api, "other")
    emu.script("cloudfoundry", app, Outcome("failed", message="buildpack compile failed"))
    emu.script("cloudfoundry", "*", Outcome("timed_out", duration_s=10))
    failing = create_build(api, create_package(api, app))
    timing_out = create_build(api, create_package(api, other))
    emu.advance(61)
    failed = get_build(api, failing["guid"])
    assert failed["state"] == "FAILED"
    assert failed["error"] == "StagingError - buildpack compile failed"
    assert failed["droplet"] is None and "droplet" not in failed["links"]
    assert get_build(api, timing_out["guid"])["error"].startswith("StagingTimeExpired")
    later = create_build(api, create_package(api, app))  # the scripts were used up
    emu.advance(61)
    assert get_build(api, later["guid"])["state"] == "STAGED"


def test_get_unknown_build_is_404(api: httpx.Client) -> None:
    assert_error(
        api.get("/v3/builds/does-not-exist"),
        404,
        "CF-ResourceNotFound",
        10010,
        "Build not found",
    )


# -- update -----------------------------------------------------------------------------------


def test_patch_changes_metadata_only(api: httpx.Client, emu: Emulator) -> None:
    build = create_build(
        api,
        create_package(api, create_app(api)),
        metadata={"labels": {"env": "prod", "tier": "web"}, "annotations": {"note": "a"}},
    )
    emu.advance(5)
    patched = api.patch(
        f"/v3/builds/{build['guid']}",
        json={
            "metadata": {"labels": {"env": None, "team": "builds"}, "annotations": {"note": "b"}}
        },
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["metadata"] == {
        "labels": {"tier": "web", "team": "builds"},
        "annotations": {"note": "b"},
    }
    assert patched.json()["updated_at"] > build["updated_at"]
    assert_error(
        api.patch(f"/v3/builds/{build['guid']}", json={"state": "FAILED"}),
        422,
        "CF-UnprocessableEntity",
        10008,
        "Unknown field(s): 'state'",
    )
    assert_error(
        api.patch(f"/v3/builds/{build['guid']}", json={"metadata": {"labels": {"a/b/c": "x"}}}),
        422,
        "CF-UnprocessableEntity",
        10008,
        "more than one '/'",
    )
    assert_error(
        api.patch("/v3/builds/nope", json={"metadata": {}}),
        404,
        "CF-ResourceNotFound",
        10010,
        "Build not found",
    )


# -- list filters -----------------------------------------------------------------------------


@pytest.fixture
def three_builds(api: httpx.Client, emu: Emulator) -> dict[str, dict[str, Any]]:
    """Three builds in two apps, 100 simulated seconds apart; `a1` failed, the others staged."""
    app_a, app_b = create_app(api, "a"), create_app(api, "b")
    emu.script("cloudfoundry", app_a, Outcome("failed"))
    a1 = create_build(api, create_package(api, app_a), metadata={"labels": {"env": "prod"}})
    emu.advance(100)
    b1 = create_build(
        api, create_package(api, app_b), metadata={"labels": {"env": "dev", "tier": "web"}}
    )
    emu.advance(100)
    a2 = create_build(api, create_package(api, app_a), metadata={"labels": {"tier": "worker"}})
    emu.advance(100)
    return {"a1": a1, "b1": b1, "a2": a2}


def test_list_filters_by_lists(api: httpx.Client, three_builds: dict[str, Any]) -> None:
    a1, b1, a2 = (three_builds[k] for k in ("a1", "b1", "a2"))
    app_a = a1["relationships"]["app"]["data"]["guid"]
    assert guids(api.get("/v3/builds")) == [a1["guid"], b1["guid"], a2["guid"]]
    assert guids(api.get("/v3/builds", params={"states": "FAILED"})) == [a1["guid"]]
    assert guids(api.get("/v3/builds", params={"states": "STAGED, FAILED"})) == [
        a1["guid"],
        b1["guid"],
        a2["guid"],
    ]
    assert guids(api.get("/v3/builds", params={"app_guids": app_a})) == [a1["guid"], a2["guid"]]
    assert guids(api.get("/v3/builds", params={"package_guids": b1["package"]["guid"]})) == [
        b1["guid"]
    ]
    assert guids(api.get("/v3/builds", params={"guids": f"{a2['guid']},{b1['guid']}"})) == [
        b1["guid"],
        a2["guid"],
    ]
    assert guids(api.get("/v3/builds", params={"states": "STAGING"})) == []
    assert guids(api.get(f"/v3/apps/{app_a}/builds", params={"states": "STAGED"})) == [a2["guid"]]


def test_list_filters_by_timestamps(api: httpx.Client, three_builds: dict[str, Any]) -> None:
    a1, b1, a2 = (three_builds[k] for k in ("a1", "b1", "a2"))
    assert guids(api.get("/v3/builds", params={"created_ats": b1["created_at"]})) == [b1["guid"]]
    assert guids(
        api.get("/v3/builds", params={"created_ats": f"{a1['created_at']},{a2['created_at']}"})
    ) == [a1["guid"], a2["guid"]]
    assert guids(api.get("/v3/builds", params={"created_ats[gt]": a1["created_at"]})) == [
        b1["guid"],
        a2["guid"],
    ]
    assert guids(
        api.get(
            "/v3/builds",
            params={"created_ats[gte]": b1["created_at"], "created_ats[lte]": b1["created_at"]},
        )
    ) == [b1["guid"]]
    assert guids(api.get("/v3/builds", params={"created_ats[lt]": b1["created_at"]})) == [
        a1["guid"],
    ]
    # updated_at moves when a build finishes: a1 finished 60 s after it was created.
    a1_now = get_build(api, a1["guid"])
    assert guids(api.get("/v3/builds", params={"updated_ats": a1_now["updated_at"]})) == [
        a1["guid"],
    ]


@pytest.mark.parametrize(
    ("params", "text"),
    [
        ({"created_ats": "2021-01-01"}, "Created ats has an invalid timestamp format"),
        ({"created_ats": "2021-13-01T00:00:00Z"}, "Created ats has an invalid timestamp format"),
        ({"updated_ats[ne]": "2021-01-01T00:00:00Z"}, "Updated ats Invalid relational operator"),
        (
            {"created_ats[lt]": "2021-01-01T00:00:00Z,2021-01-02T00:00:00Z"},
            "only accepts one value when using a relational operator",
        ),
        ({"page": "0"}, "Page must be a positive integer"),
        ({"per_page": "5001"}, "Per page must be between 1 and 5000"),
        ({"per_page": "0"}, "Per page must be a positive integer"),
        ({"order_by": "name"}, "Order by can only be: 'created_at', 'updated_at'"),
        (
            {"names": "x"},
            (
                "Unknown query parameter(s): 'names'. Valid parameters are: 'page', 'per_page', "
                "'order_by', 'created_ats', 'updated_ats', 'guids', 'app_guids', 'package_guids', "
                "'states', 'label_selector'"
            ),
        ),
    ],
)
def test_list_rejects_bad_parameters(api: httpx.Client, params: dict[str, str], text: str) -> None:
    response = api.get("/v3/builds", params=params)
    assert_error(response, 400, "CF-BadQueryParameter", 10005, "The query parameter is invalid: ")
    assert text in response.json()["errors"][0]["detail"]


def test_app_builds_list_knows_fewer_parameters_and_unknown_apps(
    api: httpx.Client, emu: Emulator
) -> None:
    app = create_app(api)
    assert_error(
        api.get(f"/v3/apps/{app}/builds", params={"app_guids": app}),
        400,
        "CF-BadQueryParameter",
        10005,
        "Unknown query parameter(s): 'app_guids'",
    )
    assert_error(
        api.get("/v3/apps/no-such-app/builds"),
        404,
        "CF-ResourceNotFound",
        10010,
        "App not found",
    )


def test_order_and_pagination_links(api: httpx.Client, three_builds: dict[str, Any]) -> None:
    a1, b1, a2 = (three_builds[k] for k in ("a1", "b1", "a2"))
    newest = api.get("/v3/builds", params={"order_by": "-created_at"})
    assert guids(newest) == [a2["guid"], b1["guid"], a1["guid"]]

    page2 = api.get(
        "/v3/builds",
        params={"states": "STAGED,FAILED", "per_page": "1", "page": "2", "order_by": "created_at"},
    )
    assert guids(page2) == [b1["guid"]]
    pagination = page2.json()["pagination"]
    assert (pagination["total_results"], pagination["total_pages"]) == (3, 3)
    for name, page in (("first", "1"), ("last", "3"), ("next", "3"), ("previous", "1")):
        href = pagination[name]["href"]
        parts = urlsplit(href)
        assert parts.path == "/v3/builds"
        query = parse_qsl(parts.query)
        assert [k for k, _ in query] == sorted(k for k, _ in query)  # keys sorted
        assert dict(query) == {
            "order_by": "created_at",
            "page": page,
            "per_page": "1",
            "states": "STAGED,FAILED",
        }
    last = httpx.get(pagination["last"]["href"], headers=api.headers).json()["pagination"]
    assert last["next"] is None and last["previous"] is not None


def test_empty_list_has_one_page(api: httpx.Client) -> None:
    pagination = api.get("/v3/builds").json()["pagination"]
    assert pagination["total_results"] == 0 and pagination["total_pages"] == 1
    assert pagination["next"] is None and pagination["previous"] is None
    assert "page=1" in pagination["last"]["href"]


# -- label selectors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("env", ["a1", "b1"]),
        ("!env", ["a2"]),
        ("env=prod", ["a1"]),
        ("env==prod", ["a1"]),
        ("env!=prod", ["b1", "a2"]),  # also builds without the label
        ("env in (prod,dev)", ["a1", "b1"]),
        ("env notin (prod)", ["b1", "a2"]),
        ("env,tier", ["b1"]),
        ("tier in (web, worker),!env", ["a2"]),
        ("example.com/env=prod", []),
    ],
)
def test_label_selector_semantics(
    api: httpx.Client, three_builds: dict[str, Any], selector: str, expected: list[str]
) -> None:
    response = api.get("/v3/builds", params={"label_selector": selector})
    assert guids(response) == [three_builds[name]["guid"] for name in expected]


@pytest.mark.parametrize(
    ("selector", "text"),
    [
        ("", "empty label selector not allowed"),
        ("env=", 'expecting a value, got "env=<<>>"'),
        ("env in prod", "expecting a '('"),
        ("env in (a", "expecting a ',' or ')'"),
        ("env foo", "expecting a ',', operator, or end"),
        ("env=$x", "disallowed character(s)"),
        ("!=x", "a key or '!' not followed by '='"),
        ("-env", "starts or ends with invalid characters"),
        ("a/b/c=x", "disallowed character(s)"),
        ("bad_prefix!/x", "disallowed character(s)"),
        ("no..dns/x", "must be in valid dns format"),
        ("env=" + "v" * 64, "is greater than 63 characters"),
        (",".join(f"k{i}" for i in range(51)), "at most 50"),
    ],
)
def test_label_selector_grammar_errors(api: httpx.Client, selector: str, text: str) -> None:
    response = api.get("/v3/builds", params={"label_selector": selector})
    assert_error(response, 400, "CF-BadQueryParameter", 10005, text)


def test_fifty_requirements_are_allowed(api: httpx.Client) -> None:
    selector = ",".join(f"k{i}" for i in range(50))
    assert api.get("/v3/builds", params={"label_selector": selector}).status_code == 200


# -- apps and packages ------------------------------------------------------------------------


def test_app_and_package_setup_errors(api: httpx.Client) -> None:
    assert_error(
        api.post("/v3/apps", json={"relationships": {"space": {"data": {"guid": "s"}}}}),
        422,
        "CF-UnprocessableEntity",
        10008,
        "Name can't be blank",
    )
    create_app(api, "dup")
    assert_error(
        api.post(
            "/v3/apps",
            json={"name": "dup", "relationships": {"space": {"data": {"guid": "space-1"}}}},
        ),
        422,
        "CF-UniquenessError",
        10016,
        "App with the name 'dup' already exists.",
    )
    assert_error(
        api.post(
            "/v3/packages",
            json={"type": "bits", "relationships": {"app": {"data": {"guid": "nope"}}}},
        ),
        422,
        "CF-UnprocessableEntity",
        10008,
        "App is invalid",
    )
    assert_error(api.get("/v3/apps/nope"), 404, "CF-ResourceNotFound", 10010, "App not found")
    assert_error(
        api.get("/v3/packages/nope"), 404, "CF-ResourceNotFound", 10010, "Package not found"
    )


def test_apps_and_packages_can_be_read_back(api: httpx.Client) -> None:
    app = create_app(api)
    package = create_package(api, app)
    assert api.get(f"/v3/apps/{app}").json()["name"] == "web"
    assert api.get(f"/v3/packages/{package}").json()["relationships"]["app"]["data"]["guid"] == app
    assert guids(api.get("/v3/apps", params={"names": "web"})) == [app]
    assert guids(api.get("/v3/packages", params={"app_guids": app})) == [package]


# -- faults -----------------------------------------------------------------------------------


def test_rate_limit_fault_in_cf_format_creates_nothing(
    api: httpx.Client, emulator: EmulatorServer
) -> None:
    package = create_package(api, create_app(api))
    emulator.emulator.force_fault("cloudfoundry", "*", "throttle")
    response = api.post("/v3/builds", json={"package": {"guid": package}})
    assert_error(response, 429, "CF-RateLimitExceeded", 10013, "Rate Limit Exceeded")
    for header in (
        "Retry-After",
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
    ):
        assert header in response.headers
    assert emulator.emulator.counter("cloudfoundry", "builds_created") == 0


def test_a_large_time_scale_stages_in_real_time(emulator_factory: Any) -> None:
    server = emulator_factory(time_scale=600)  # a 60 s staging takes 0.1 s
    with httpx.Client(
        base_url=server.url, headers={"Authorization": "bearer emulator-token"}
    ) as client:
        build = create_build(client, create_package(client, create_app(client)))
        deadline = time.monotonic() + 10
        while get_build(client, build["guid"])["state"] == "STAGING":
            assert time.monotonic() < deadline, "build did not stage"
            time.sleep(0.05)
        assert get_build(client, build["guid"])["state"] == "STAGED"


def test_a_5xx_fault_uses_the_cf_envelope(api: httpx.Client, emulator: EmulatorServer) -> None:
    emulator.emulator.force_fault("cloudfoundry", "*", "5xx")
    response = api.get("/v3/builds")
    assert response.status_code == 503
    error = response.json()["errors"][0]
    assert error["title"].startswith("CF-") and error["code"] and error["detail"]
    assert api.get("/v3/builds").status_code == 200
