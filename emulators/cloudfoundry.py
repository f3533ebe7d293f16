"""Cloud Foundry v3 emulator: builds (create, get, update, list) plus the apps and packages needed
to set them up, under `/v3/...`.

Errors use CF's envelope `{"errors": [{"code", "title", "detail"}]}` and cloud_controller_ng's
wording: request-body problems are all reported at once in one 422 CF-UnprocessableEntity
(messages joined by ", "), query problems in one 400 CF-BadQueryParameter. Auth:
`Authorization: bearer <config.cloudfoundry_token>` (scheme case-insensitive).
State lives in `emulators/cloudfoundry_state.py`, list queries in `cloudfoundry_query.py`,
label selectors and metadata rules in `cloudfoundry_labels.py`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from pulumi_builds.emulators.cloudfoundry_labels import matches_all, metadata_error
from pulumi_builds.emulators.cloudfoundry_query import (
    APP_BUILDS_KEYS,
    APPS_KEYS,
    BUILDS_KEYS,
    PACKAGES_KEYS,
    ListQuery,
    bad_query,
    pagination,
    parse_list_query,
)
from pulumi_builds.emulators.cloudfoundry_state import (
    SERVICE,
    App,
    Build,
    CfError,
    CloudFoundryState,
    Package,
    apply_metadata,
    iso,
    not_found,
    unprocessable,
)
from pulumi_builds.emulators.core import Emulator
from pulumi_builds.emulators.rest_schema import schema_problems
from pulumi_builds.emulators.validation import Problem, SchemaValidator

# Titles for the codes the app's middleware passes to error_response (faults).
_TITLES = {
    1000: "CF-InvalidAuthToken",
    1001: "CF-MessageParseError",
    10001: "UnknownError",
    10002: "CF-NotAuthenticated",
    10003: "CF-NotAuthorized",
    10005: "CF-BadQueryParameter",
    10008: "CF-UnprocessableEntity",
    10010: "CF-ResourceNotFound",
    10013: "CF-RateLimitExceeded",
    10015: "CF-ServiceUnavailable",
    170017: "CF-StagingInProgress",
}
MAX_DB_BIGINT = 2**63 - 1
BUILD_KEYS = (
    "staging_memory_in_mb",
    "staging_disk_in_mb",
    "staging_log_rate_limit_bytes_per_second",
    "environment_variables",
    "lifecycle",
    "package",
    "metadata",
)
LIFECYCLE_TYPES = ("buildpack", "docker", "cnb")


def error_response(status: int, code: int | str, message: str) -> Response:
    """CF's error envelope (also used by the app for injected faults)."""
    title = _TITLES.get(code, "UnknownError") if isinstance(code, int) else str(code)
    return render_error(CfError(status, title, code if isinstance(code, int) else 10001, message))


def render_error(error: CfError) -> Response:
    return JSONResponse(
        {"errors": [{"detail": error.detail, "title": error.title, "code": error.code}]},
        status_code=error.status,
    )


def check_token(request: Request, expected: str) -> None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header.strip():
        raise CfError(401, "CF-NotAuthenticated", 10002, "Authentication error")
    if scheme.lower() != "bearer" or token.strip() != expected:
        raise CfError(401, "CF-InvalidAuthToken", 1000, "Invalid Auth Token")


async def json_object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = json.loads(raw) if raw.strip() else {}
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise CfError(
            400,
            "CF-MessageParseError",
            1001,
            "Request invalid due to parse error: invalid request body",
        )
    return body


def _human(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _integer_errors(body: dict[str, Any], key: str, low: int, inclusive: bool) -> list[str]:
    if key not in body or body[key] is None:
        return []
    value, name = body[key], _human(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return [f"{name} is not a number"]
    if isinstance(value, float) and not value.is_integer():
        return [f"{name} must be an integer"]
    if inclusive and value < low:
        return [f"{name} must be greater than or equal to {low}"]
    if not inclusive and value <= low:
        return [f"{name} must be greater than {low}"]
    if value > MAX_DB_BIGINT:
        return [f"{name} must be less than or equal to {MAX_DB_BIGINT}"]
    return []


def _unknown_keys(body: dict[str, Any], allowed: Sequence[str]) -> list[str]:
    extra = [k for k in body if k not in allowed]
    return ["Unknown field(s): '" + "', '".join(extra) + "'"] if extra else []


def _metadata_errors(body: dict[str, Any]) -> list[str]:
    if "metadata" not in body:
        return []
    error = metadata_error(body["metadata"])
    return [error] if error else []


def _lifecycle_errors(body: dict[str, Any]) -> list[str]:
    if "lifecycle" not in body:
        return []
    lifecycle = body["lifecycle"]
    if not isinstance(lifecycle, dict):
        return ["Lifecycle must be an object"]
    errors = []
    kind = lifecycle.get("type")
    if not isinstance(kind, str):
        errors.append("Lifecycle type must be a string")
    elif kind not in LIFECYCLE_TYPES:
        errors.append(f"Lifecycle type is not included in the list: {', '.join(LIFECYCLE_TYPES)}")
    data = lifecycle.get("data")
    if not isinstance(data, dict):
        errors.append("Lifecycle data must be an object")
    elif kind in ("buildpack", "cnb"):
        packs = data.get("buildpacks")
        if packs is not None and (
            not isinstance(packs, list) or not all(isinstance(p, str) for p in packs)
        ):
            errors.append("Buildpacks must be an array of strings")
        if "stack" in data and data["stack"] is not None and not isinstance(data["stack"], str):
            errors.append("Stack must be a string")
    return errors


def _relationship_guid(body: dict[str, Any], name: str) -> str | None:
    data = ((body.get("relationships") or {}).get(name) or {}).get("data") or {}
    guid = data.get("guid") if isinstance(data, dict) else None
    return guid if isinstance(guid, str) and guid else None


def _raise_if(errors: list[str]) -> None:
    if errors:
        raise unprocessable(", ".join(errors))


def _null_metadata_value(problem: Problem) -> bool:
    """A null label or annotation value deletes the key (CF's documented PATCH behaviour),
    though the pages type the values as plain strings."""
    return problem.value is None and bool(
        re.match(r"metadata\.(labels|annotations)\.[^.]+$", problem.path)
    )


# -- presenters ---------------------------------------------------------------------------


def _link(base: str, path: str) -> dict[str, str]:
    return {"href": f"{base}{path}"}


def _metadata(meta: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    return {
        "labels": dict(meta.get("labels", {})),
        "annotations": dict(meta.get("annotations", {})),
    }


def present_build(build: Build, now: float, base: str) -> dict[str, Any]:
    state = build.state(now)
    staged = state == "STAGED"
    links = {
        "self": _link(base, f"/v3/builds/{build.guid}"),
        "app": _link(base, f"/v3/apps/{build.app_guid}"),
    }
    if staged:
        links["droplet"] = _link(base, f"/v3/droplets/{build.droplet_guid}")
    return {
        "guid": build.guid,
        "created_at": iso(build.created),
        "updated_at": iso(build.updated(now)),
        "state": state,
        "staging_memory_in_mb": build.staging_memory_in_mb,
        "staging_disk_in_mb": build.staging_disk_in_mb,
        "staging_log_rate_limit_bytes_per_second": build.staging_log_rate_limit_bytes_per_second,
        "error": build.error(now),
        "lifecycle": build.lifecycle,
        "package": {"guid": build.package_guid},
        "droplet": {"guid": build.droplet_guid} if staged else None,
        "created_by": {
            "guid": "emulator-user",
            "name": "emulator",
            "email": "emulator@example.com",
        },
        "relationships": {"app": {"data": {"guid": build.app_guid}}},
        "metadata": _metadata(build.metadata),
        "links": links,
    }


def present_app(app: App, base: str) -> dict[str, Any]:
    return {
        "guid": app.guid,
        "name": app.name,
        "state": "STOPPED",
        "created_at": iso(app.created),
        "updated_at": iso(app.created),
        "lifecycle": app.lifecycle,
        "relationships": {"space": {"data": {"guid": app.space_guid}}},
        "metadata": _metadata(app.metadata),
        "links": {
            "self": _link(base, f"/v3/apps/{app.guid}"),
            "space": _link(base, f"/v3/spaces/{app.space_guid}"),
            "packages": _link(base, f"/v3/apps/{app.guid}/packages"),
            "builds": _link(base, f"/v3/apps/{app.guid}/builds"),
            "droplets": _link(base, f"/v3/apps/{app.guid}/droplets"),
        },
    }


def present_package(package: Package, base: str) -> dict[str, Any]:
    links = {
        "self": _link(base, f"/v3/packages/{package.guid}"),
        "app": _link(base, f"/v3/apps/{package.app_guid}"),
    }
    if package.type == "bits":
        links["upload"] = _link(base, f"/v3/packages/{package.guid}/upload")
        links["download"] = _link(base, f"/v3/packages/{package.guid}/download")
    return {
        "guid": package.guid,
        "type": package.type,
        "data": package.data,
        "state": "READY",
        "created_at": iso(package.created),
        "updated_at": iso(package.created),
        "relationships": {"app": {"data": {"guid": package.app_guid}}},
        "metadata": _metadata(package.metadata),
        "links": links,
    }


# -- listing ------------------------------------------------------------------------------


def _listed(
    items: list[Any],
    query: ListQuery,
    created: Callable[[Any], float],
    updated: Callable[[Any], float],
    labels: Callable[[Any], dict[str, str]],
    fields: dict[str, Callable[[Any], str]],
) -> list[Any]:
    """Apply the query's filters and order to `items` (lists ORed within, ANDed across)."""
    chosen: list[tuple[int, Any]] = []
    for position, item in enumerate(items):
        if any(key in query.lists and fields[key](item) not in query.lists[key] for key in fields):
            continue
        if "created_ats" in query.times and not query.times["created_ats"].matches(created(item)):
            continue
        if "updated_ats" in query.times and not query.times["updated_ats"].matches(updated(item)):
            continue
        if query.selector is not None and not matches_all(query.selector, labels(item)):
            continue
        chosen.append((position, item))
    column, descending = query.sort_key()
    stamp = created if column == "created_at" else updated
    # Timestamps have second precision: ties keep creation order, as CF's id tie-breaker does.
    chosen.sort(key=lambda pair: (int(stamp(pair[1])), pair[0]), reverse=descending)
    return [item for _, item in chosen]


def _page(
    request: Request, query: ListQuery, items: list[Any], present: Callable[[Any], Any]
) -> Response:
    base = str(request.base_url).rstrip("/")
    start = (query.page - 1) * query.per_page
    return JSONResponse(
        {
            "pagination": pagination(base, request.url.path, query, len(items)),
            "resources": [present(item) for item in items[start : start + query.per_page]],
        }
    )


# -- routes -------------------------------------------------------------------------------


Handler = Callable[[Request], Awaitable[Response]]


class CloudFoundry:
    """The Cloud Foundry v3 operations over one emulator's state: one handler per route."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.state = CloudFoundryState(emu)
        self.validator = SchemaValidator()

    def endpoint(self, handler: Handler) -> Handler:
        """Auth, schema checks and error rendering around one operation's handler."""

        async def wrapped(request: Request) -> Response:
            try:
                check_token(request, self.emu.config.cloudfoundry_token)
                body = await json_object(request) if request.method in ("POST", "PATCH") else None
                request.state.body = body or {}
                return await handler(request)
            except CfError as error:
                return render_error(error)

        return wrapped

    def schema_check(self, request: Request, body: dict[str, Any] | None = None) -> None:
        """Rules only schemas/ states, checked after CF's own checks (their messages are
        clearer): a body problem is a 422, a query problem a 400 like CF's."""
        operation = self.validator.find_rest_operation(SERVICE, request.method, request.url.path)
        if operation is None:
            return
        problems = schema_problems(
            self.validator, SERVICE, operation, request, body, ignore=_null_metadata_value
        )
        if problems and request.method == "GET":
            raise bad_query(problems)
        _raise_if(problems)

    def base(self, request: Request) -> str:
        return str(request.base_url).rstrip("/")

    # -- apps and packages (enough to set up builds) --------------------------------------

    async def create_app(self, request: Request) -> Response:
        body = request.state.body
        errors = _unknown_keys(
            body, ("name", "relationships", "lifecycle", "metadata", "environment_variables")
        )
        if not isinstance(body.get("name"), str) or not body.get("name"):
            errors.append("Name must be a string" if "name" in body else "Name can't be blank")
        space = _relationship_guid(body, "space")
        if space is None:
            errors.append("Relationships Space must be a relationship object with a guid")
        errors += _lifecycle_errors(body) + _metadata_errors(body)
        _raise_if(errors)
        self.schema_check(request, body)
        lifecycle = body.get("lifecycle") or {
            "type": "buildpack",
            "data": {"buildpacks": [], "stack": "cflinuxfs4"},
        }
        assert space is not None
        with self.emu.lock:
            app = self.state.create_app(body["name"], space, lifecycle, body.get("metadata") or {})
            return JSONResponse(present_app(app, self.base(request)), status_code=201)

    async def get_app(self, request: Request) -> Response:
        with self.emu.lock:
            app = self.state.visible_app(request.path_params["guid"])
            if app is None:
                raise not_found("App")
            return JSONResponse(present_app(app, self.base(request)))

    async def list_apps(self, request: Request) -> Response:
        query = parse_list_query(list(request.query_params.multi_items()), APPS_KEYS)
        self.schema_check(request)
        with self.emu.lock:
            apps = [a for a in self.state.apps.values() if self.emu.is_visible(a.created)]
            chosen = _listed(
                apps,
                query,
                lambda a: a.created,
                lambda a: a.created,
                lambda a: a.metadata.get("labels", {}),
                {
                    "guids": lambda a: a.guid,
                    "names": lambda a: a.name,
                    "space_guids": lambda a: a.space_guid,
                },
            )
            return _page(request, query, chosen, lambda a: present_app(a, self.base(request)))

    async def create_package(self, request: Request) -> Response:
        body = request.state.body
        errors = _unknown_keys(body, ("type", "relationships", "data", "metadata"))
        kind = body.get("type")
        if kind not in ("bits", "docker"):
            errors.append("Type must be one of 'bits, docker'")
        app_guid = _relationship_guid(body, "app")
        if app_guid is None:
            errors.append("Relationships App must be a relationship object with a guid")
        data = body.get("data") or {}
        if kind == "docker" and not isinstance(data.get("image"), str):
            errors.append("Data Image required")
        errors += _metadata_errors(body)
        _raise_if(errors)
        self.schema_check(request, body)
        with self.emu.lock:
            if app_guid is None or self.state.visible_app(app_guid) is None:
                raise unprocessable("App is invalid. Ensure it exists and you have access to it.")
            # Simplified: a bits package is READY at once (no upload step).
            package_data = (
                {"image": data["image"]}
                if kind == "docker"
                else {"checksum": {"type": "sha256", "value": None}, "error": None}
            )
            package = self.state.create_package(
                app_guid, str(kind), package_data, body.get("metadata") or {}
            )
            return JSONResponse(present_package(package, self.base(request)), status_code=201)

    async def get_package(self, request: Request) -> Response:
        with self.emu.lock:
            package = self.state.visible_package(request.path_params["guid"])
            if package is None:
                raise not_found("Package")
            return JSONResponse(present_package(package, self.base(request)))

    async def list_packages(self, request: Request) -> Response:
        query = parse_list_query(list(request.query_params.multi_items()), PACKAGES_KEYS)
        self.schema_check(request)
        with self.emu.lock:
            packages = [p for p in self.state.packages.values() if self.emu.is_visible(p.created)]
            chosen = _listed(
                packages,
                query,
                lambda p: p.created,
                lambda p: p.created,
                lambda p: p.metadata.get("labels", {}),
                {
                    "guids": lambda p: p.guid,
                    "app_guids": lambda p: p.app_guid,
                    "types": lambda p: p.type,
                    "states": lambda p: "READY",
                },
            )
            return _page(request, query, chosen, lambda p: present_package(p, self.base(request)))

    # -- builds ---------------------------------------------------------------------------

    async def create_build(self, request: Request) -> Response:
        body = request.state.body
        errors = _unknown_keys(body, BUILD_KEYS)
        package_ref = body.get("package")
        package_guid = package_ref.get("guid") if isinstance(package_ref, dict) else None
        if package_guid is None or package_guid == "":
            errors.append("Package guid can't be blank")
        if not isinstance(package_guid, str):
            errors.append("Package guid must be a string")
        errors += _integer_errors(body, "staging_memory_in_mb", 0, inclusive=False)
        errors += _integer_errors(body, "staging_disk_in_mb", 0, inclusive=False)
        errors += _integer_errors(
            body, "staging_log_rate_limit_bytes_per_second", -1, inclusive=True
        )
        env = body.get("environment_variables")
        if env is not None and not isinstance(env, dict):
            errors.append("Environment variables must be an object")
        errors += _lifecycle_errors(body) + _metadata_errors(body)
        _raise_if(errors)
        self.schema_check(request, body)
        with self.emu.lock:
            package = self.state.visible_package(str(package_guid))
            if package is None:
                raise unprocessable(
                    "Unable to use package. Ensure that the package exists and you have access "
                    "to it."
                )
            build = self.state.create_build(
                package,
                body.get("lifecycle"),
                body.get("staging_memory_in_mb"),
                body.get("staging_disk_in_mb"),
                body.get("staging_log_rate_limit_bytes_per_second"),
                body.get("metadata") or {},
            )
            return JSONResponse(
                present_build(build, self.emu.now(), self.base(request)), status_code=201
            )

    def find_build(self, request: Request) -> Build:
        build = self.state.visible_build(request.path_params["guid"])
        if build is None:
            raise not_found("Build")
        return build

    async def get_build(self, request: Request) -> Response:
        with self.emu.lock:
            return JSONResponse(
                present_build(self.find_build(request), self.emu.now(), self.base(request))
            )

    async def update_build(self, request: Request) -> Response:
        body = request.state.body
        # `state` and `error` are for the build-state-updater role only; a user token gets the
        # generic unknown-field error for them.
        _raise_if(_unknown_keys(body, ("metadata",)) + _metadata_errors(body))
        self.schema_check(request, body)
        with self.emu.lock:
            build = self.find_build(request)
            apply_metadata(build.metadata, body.get("metadata") or {})
            build.metadata_updated = self.emu.now()
            return JSONResponse(present_build(build, self.emu.now(), self.base(request)))

    def list_builds_response(
        self, request: Request, query: ListQuery, app_guid: str | None
    ) -> Response:
        now = self.emu.now()
        builds = [
            b for b in self.state.visible_builds() if app_guid is None or b.app_guid == app_guid
        ]
        chosen = _listed(
            builds,
            query,
            lambda b: b.created,
            lambda b: b.updated(now),
            lambda b: b.metadata.get("labels", {}),
            {
                "guids": lambda b: b.guid,
                "app_guids": lambda b: b.app_guid,
                "package_guids": lambda b: b.package_guid,
                "states": lambda b: b.state(now),
            },
        )
        return _page(request, query, chosen, lambda b: present_build(b, now, self.base(request)))

    async def list_builds(self, request: Request) -> Response:
        query = parse_list_query(list(request.query_params.multi_items()), BUILDS_KEYS)
        self.schema_check(request)
        with self.emu.lock:
            return self.list_builds_response(request, query, None)

    async def list_app_builds(self, request: Request) -> Response:
        query = parse_list_query(list(request.query_params.multi_items()), APP_BUILDS_KEYS)
        self.schema_check(request)
        with self.emu.lock:
            app = self.state.visible_app(request.path_params["guid"])
            if app is None:
                raise not_found("App")
            return self.list_builds_response(request, query, app.guid)

    def route(self, path: str, method: str, operation: str, handler: Handler) -> Route:
        return Route(path, self.endpoint(handler), methods=[method], name=operation)

    def routes(self) -> list[BaseRoute]:
        return [
            self.route("/v3/apps", "POST", "CreateApp", self.create_app),
            self.route("/v3/apps", "GET", "ListApps", self.list_apps),
            self.route("/v3/apps/{guid}", "GET", "GetApp", self.get_app),
            self.route("/v3/apps/{guid}/builds", "GET", "ListAppBuilds", self.list_app_builds),
            self.route("/v3/packages", "POST", "CreatePackage", self.create_package),
            self.route("/v3/packages", "GET", "ListPackages", self.list_packages),
            self.route("/v3/packages/{guid}", "GET", "GetPackage", self.get_package),
            self.route("/v3/builds", "POST", "CreateBuild", self.create_build),
            self.route("/v3/builds", "GET", "ListBuilds", self.list_builds),
            self.route("/v3/builds/{guid}", "GET", "GetBuild", self.get_build),
            self.route("/v3/builds/{guid}", "PATCH", "UpdateBuild", self.update_build),
        ]


def routes(emu: Emulator) -> list[BaseRoute]:
    return CloudFoundry(emu).routes()
