"""Cloudflare Workers Builds emulator: the REST routes under `/client/v4/accounts/{a}/builds/...`.

Envelope `{success, errors: [{code, message}], messages, result, result_info?}`; bearer token
auth (`Authorization: Bearer <config.cloudflare_token>`). State and the build state machine live
in `emulators/cloudflare_state.py`; this module checks requests and shapes responses.

Error codes: 12000 "Not found" and 12005 "Missing token from authorization header" are
documented. Unverified: 10000 for a wrong token (Cloudflare's usual "Authentication error"
code) and 12002 for a bad request (no page states the code Workers Builds uses).
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from pulumi_builds.emulators.cloudflare_state import (
    PLAN_CONCURRENCY,
    SERVICE,
    TRIGGER_LIST_FIELDS,
    TRIGGER_TEXT_FIELDS,
    TRIGGER_UUID_FIELDS,
    Build,
    WorkersBuildsState,
    iso,
)
from pulumi_builds.emulators.core import Emulator
from pulumi_builds.emulators.rest_schema import schema_problems
from pulumi_builds.emulators.validation import SchemaValidator

BASE = "/client/v4/accounts/{account_id}"
NOT_FOUND = (404, 12000, "Not found")
MISSING_TOKEN = (401, 12005, "Missing token from authorization header")
INVALID_TOKEN = (401, 10000, "Authentication error")  # code unverified
BAD_REQUEST_CODE = 12002  # unverified
MAX_VERSION_IDS = 20
MAX_PER_PAGE = 200
DEFAULT_PER_PAGE = 50  # unverified; the page example shows per_page 50
LOG_PAGE_LINES = 100  # lines per logs response; `truncated` says more are waiting
_UUID = re.compile(
    r"\A[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z"
)


class CloudflareError(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def bad_request(message: str) -> CloudflareError:
    return CloudflareError(400, BAD_REQUEST_CODE, message)


def error_response(status: int, code: int | str, message: str) -> Response:
    """Cloudflare's v4 error envelope (also used by the app for injected faults)."""
    return JSONResponse(
        {
            "success": False,
            "errors": [{"code": code, "message": message}],
            "messages": [],
            "result": None,
        },
        status_code=status,
    )


def ok(result: Any, result_info: dict[str, int] | None = None, status: int = 200) -> Response:
    body: dict[str, Any] = {"success": True, "errors": [], "messages": [], "result": result}
    if result_info is not None:
        body["result_info"] = result_info
    return JSONResponse(body, status_code=status)


def check_token(request: Request, expected: str) -> None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise CloudflareError(*MISSING_TOKEN)
    if token.strip() != expected:
        raise CloudflareError(*INVALID_TOKEN)


# -- request parsing ----------------------------------------------------------------------


async def json_object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise bad_request(f"request body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise bad_request("request body must be a JSON object")
    return body


def int_param(request: Request, name: str, default: int, low: int, high: int | None) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"{name}: {raw!r} is not an integer") from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise bad_request(f"{name}: {value} must be {bound}")
    return value


def encode_cursor(line: int) -> str:
    raw = json.dumps({"line": line}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, available: int) -> int:
    """The line index a cursor points at; a cursor this endpoint did not hand out is a 400."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        line = json.loads(raw)["line"]
    except (ValueError, KeyError, TypeError):
        line = None
    if not isinstance(line, int) or isinstance(line, bool) or not 0 <= line <= available:
        raise bad_request(f"cursor: {cursor!r} is not a cursor returned by this endpoint")
    return line


def page_info(total: int, page: int, per_page: int, count: int) -> dict[str, int]:
    return {
        "count": count,
        "page": page,
        "per_page": per_page,
        "total_count": total,
        "total_pages": max(1, math.ceil(total / per_page)),
    }


def check_trigger_fields(body: dict[str, Any], partial: bool) -> None:
    """The Create trigger body rules: every field required (build_caching_enabled optional)."""
    required = (
        *TRIGGER_LIST_FIELDS,
        *TRIGGER_TEXT_FIELDS,
        *TRIGGER_UUID_FIELDS,
        "external_script_id",
    )
    problems: list[str] = []
    for name in required:
        if name not in body:
            if not partial:
                problems.append(f"{name}: required field is missing")
            continue
        value = body[name]
        if name in TRIGGER_LIST_FIELDS:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problems.append(f"{name}: {json.dumps(value)} must be an array of strings")
        elif not isinstance(value, str):
            problems.append(f"{name}: {json.dumps(value)} must be a string")
        elif name in TRIGGER_UUID_FIELDS and not _UUID.match(value):
            problems.append(f"{name}: {value!r} is not a UUID")
        elif name in ("external_script_id", "trigger_name") and not value:
            problems.append(f"{name}: must not be empty")
    if "build_caching_enabled" in body and not isinstance(body["build_caching_enabled"], bool):
        problems.append(
            f"build_caching_enabled: {json.dumps(body['build_caching_enabled'])} must be a boolean"
        )
    if problems:
        raise bad_request("; ".join(problems))


def version_ids(request: Request) -> list[str]:
    raw = request.query_params.get("version_ids")
    if raw is None or not raw.strip():
        raise bad_request("version_ids: required query parameter is missing")
    ids = [v.strip() for v in raw.split(",") if v.strip()]
    if len(ids) > MAX_VERSION_IDS:
        raise bad_request(
            f"version_ids: {len(ids)} ids given; at most {MAX_VERSION_IDS} are allowed"
        )
    return ids


def check_paging(request: Request, _body: dict[str, Any]) -> None:
    int_param(request, "page", 1, 1, None)
    int_param(request, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)


def check_cursor(request: Request, _body: dict[str, Any]) -> None:
    raw = request.query_params.get("cursor")
    if raw:
        decode_cursor(raw, available=2**31)  # the shape only; the handler checks the range


def check_manual_build(_request: Request, body: dict[str, Any]) -> None:
    branch, commit = body.get("branch"), body.get("commit_hash")
    for name, value in (("branch", branch), ("commit_hash", commit)):
        if value is not None and (not isinstance(value, str) or not value):
            raise bad_request(f"{name}: {json.dumps(value)} must be a non-empty string")
    if branch is None and commit is None:
        raise bad_request("branch or commit_hash is required")


# -- routes -------------------------------------------------------------------------------


Handler = Callable[[Request], Awaitable[Response]]
Precheck = Callable[[Request, dict[str, Any]], object]  # raises CloudflareError on bad input


class WorkersBuilds:
    """The Workers Builds operations over one emulator's state: one handler per route."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.state = WorkersBuildsState(emu)
        self.validator = SchemaValidator()

    def endpoint(self, operation: str, handler: Handler, precheck: Precheck | None) -> Handler:
        """Auth, checks and error rendering around one operation's handler. The service's own
        checks run first (their messages are clearer), then the rules only schemas/ states."""

        async def wrapped(request: Request) -> Response:
            try:
                check_token(request, self.emu.config.cloudflare_token)
                body = await json_object(request) if request.method in ("POST", "PATCH") else None
                if precheck is not None:
                    precheck(request, body or {})
                # The schemas/ name of this operation (the route name is only a fallback).
                schema_op = (
                    self.validator.find_rest_operation(SERVICE, request.method, request.url.path)
                    or operation
                )
                problems = schema_problems(self.validator, SERVICE, schema_op, request, body)
                if problems:
                    raise bad_request("; ".join(problems))
                request.state.body = body or {}
                return await handler(request)
            except CloudflareError as error:
                return error_response(error.status, error.code, error.message)

        return wrapped

    def find_build(self, request: Request) -> Build:
        build = self.state.visible_build(
            request.path_params["account_id"], request.path_params["build_uuid"]
        )
        if build is None:
            raise CloudflareError(*NOT_FOUND)
        return build

    async def builds_by_version_ids(self, request: Request) -> Response:
        ids = version_ids(request)
        account_id = request.path_params["account_id"]
        with self.emu.lock:
            self.state.schedule()
            found: dict[str, Any] = {}
            for version_id in ids:
                build = self.state.build_for_version(account_id, version_id)
                if build is not None:
                    found[version_id] = self.state.public_build(build)
        return ok({"builds": found})

    async def get_build(self, request: Request) -> Response:
        with self.emu.lock:
            self.state.schedule()
            return ok(self.state.public_build(self.find_build(request)))

    async def cancel_build(self, request: Request) -> Response:
        with self.emu.lock:
            build = self.find_build(request)
            self.state.schedule()
            status = build.status(self.emu.now())
            if status == "stopped":
                raise bad_request(
                    f"build {build.build_uuid} cannot be cancelled: it is stopped with outcome "
                    f"{build.final_outcome()!r}; only queued or running builds can be cancelled"
                )
            self.state.cancel(build)
            self.emu.count(SERVICE, "builds_cancelled")
            return ok(
                {
                    "build_outcome": build.final_outcome(),
                    "build_uuid": build.build_uuid,
                    "stopped_on": iso(build.end() or self.emu.now()),
                }
            )

    async def build_logs(self, request: Request) -> Response:
        raw = request.query_params.get("cursor")
        with self.emu.lock:
            build = self.find_build(request)
            self.state.schedule()
            lines = self.state.log_lines(build)
        start = 0 if not raw else decode_cursor(raw, len(lines))  # a cursor past the end: 400
        page = lines[start : start + LOG_PAGE_LINES]
        end = start + len(page)
        # Epoch seconds and a base64url JSON cursor, as in the page's example
        # (`[1577470279, "Cloning repository..."]`, cursor "eyJsaW5lIjoyfQ" = {"line":2}).
        return ok(
            {
                "cursor": encode_cursor(end),
                "lines": [[int(at), text] for at, text in page],
                "truncated": end < len(lines),
            }
        )

    async def builds_for_script(self, request: Request) -> Response:
        page = int_param(request, "page", 1, 1, None)
        per_page = int_param(request, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
        with self.emu.lock:
            self.state.schedule()
            builds = self.state.builds_for_script(
                request.path_params["account_id"], request.path_params["external_script_id"]
            )
            chosen = builds[(page - 1) * per_page : page * per_page]
            result = [self.state.public_build(b) for b in chosen]
        return ok(result, page_info(len(builds), page, per_page, len(result)))

    async def create_manual_build(self, request: Request) -> Response:
        body = request.state.body
        branch, commit = body.get("branch"), body.get("commit_hash")
        with self.emu.lock:
            trigger = self.state.live_trigger(
                request.path_params["account_id"], request.path_params["trigger_uuid"]
            )
            if trigger is None:
                raise CloudflareError(*NOT_FOUND)
            build = self.state.create_build(trigger, branch, commit)
            return ok({"build_uuid": build.build_uuid, "created_on": iso(build.created)})

    async def list_triggers(self, request: Request) -> Response:
        account_id = request.path_params["account_id"]
        script = request.path_params["external_script_id"]
        with self.emu.lock:
            found = [
                t.public()
                for t in self.state.triggers.values()
                if t.account_id == account_id
                and t.external_script_id == script
                and t.deleted is None
                and self.emu.is_visible(t.created)
            ]
        return ok(found)

    async def create_trigger(self, request: Request) -> Response:
        body = request.state.body
        with self.emu.lock:
            trigger = self.state.create_trigger(request.path_params["account_id"], body)
            return ok(trigger.public())

    async def update_trigger(self, request: Request) -> Response:
        body = request.state.body
        with self.emu.lock:
            trigger = self.state.live_trigger(
                request.path_params["account_id"], request.path_params["trigger_uuid"]
            )
            if trigger is None:
                raise CloudflareError(*NOT_FOUND)
            for name in (
                *TRIGGER_LIST_FIELDS,
                *TRIGGER_TEXT_FIELDS,
                "build_token_uuid",
                "build_caching_enabled",
            ):
                if name in body:
                    trigger.fields[name] = body[name]
            if "external_script_id" in body:
                trigger.external_script_id = body["external_script_id"]
            if "repo_connection_uuid" in body:
                trigger.repo_connection["repo_connection_uuid"] = body["repo_connection_uuid"]
            trigger.modified = self.emu.now()
            return ok(trigger.public())

    async def delete_trigger(self, request: Request) -> Response:
        with self.emu.lock:
            trigger = self.state.live_trigger(
                request.path_params["account_id"], request.path_params["trigger_uuid"]
            )
            if trigger is None:
                raise CloudflareError(*NOT_FOUND)
            trigger.deleted = trigger.modified = self.emu.now()
        return ok({})

    async def list_versions(self, request: Request) -> Response:
        page = int_param(request, "page", 1, 1, None)
        per_page = int_param(request, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
        with self.emu.lock:
            self.state.schedule()
            versions = self.state.versions(
                request.path_params["account_id"], request.path_params["script_name"]
            )
            items = [
                {
                    "id": b.version_id,
                    "metadata": {
                        "author_email": b.metadata["author"],
                        "author_id": "emulator",
                        "created_on": iso(b.end() or b.created),
                        "hasPreview": False,
                        "modified_on": iso(b.end() or b.created),
                        "source": "wrangler",
                    },
                    "number": number,
                }
                for number, b in enumerate(versions, start=1)
            ]
        items.reverse()  # "The first version in the list is the latest version."
        chosen = items[(page - 1) * per_page : page * per_page]
        return ok({"items": chosen}, page_info(len(items), page, per_page, len(chosen)))

    async def set_account_plan(self, request: Request) -> Response:
        """Emulator setup: the account's plan and concurrent build limit."""
        try:
            body = json.loads(await request.body() or b"{}")
            plan = body.get("plan", "free")
            limit = body.get("max_concurrent_builds")
            with self.emu.lock:
                account = self.state.set_plan(request.path_params["account_id"], plan, limit)
        except (ValueError, AttributeError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(
            {
                "account_id": account.account_id,
                "plan": account.plan,
                "max_concurrent_builds": account.max_concurrent_builds,
                "plans": PLAN_CONCURRENCY,
            }
        )

    def route(
        self,
        path: str,
        method: str,
        operation: str,
        handler: Handler,
        precheck: Precheck | None = None,
    ) -> Route:
        return Route(
            BASE + path,
            self.endpoint(operation, handler, precheck),
            methods=[method],
            name=operation,
        )

    def routes(self) -> list[BaseRoute]:
        return [
            self.route(
                "/builds/builds",
                "GET",
                "GetBuildsByVersionIds",
                self.builds_by_version_ids,
                lambda request, _: version_ids(request),
            ),
            self.route("/builds/builds/{build_uuid}", "GET", "GetBuild", self.get_build),
            self.route(
                "/builds/builds/{build_uuid}/cancel", "PUT", "CancelBuild", self.cancel_build
            ),
            self.route(
                "/builds/builds/{build_uuid}/logs",
                "GET",
                "GetBuildLogs",
                self.build_logs,
                check_cursor,
            ),
            self.route(
                "/builds/workers/{external_script_id}/builds",
                "GET",
                "ListBuildsByScript",
                self.builds_for_script,
                check_paging,
            ),
            self.route(
                "/builds/workers/{external_script_id}/triggers",
                "GET",
                "ListTriggersByScript",
                self.list_triggers,
            ),
            self.route(
                "/builds/triggers",
                "POST",
                "CreateTrigger",
                self.create_trigger,
                lambda _, body: check_trigger_fields(body, partial=False),
            ),
            self.route(
                "/builds/triggers/{trigger_uuid}",
                "PATCH",
                "UpdateTrigger",
                self.update_trigger,
                lambda _, body: check_trigger_fields(body, partial=True),
            ),
            self.route(
                "/builds/triggers/{trigger_uuid}", "DELETE", "DeleteTrigger", self.delete_trigger
            ),
            self.route(
                "/builds/triggers/{trigger_uuid}/builds",
                "POST",
                "CreateManualBuild",
                self.create_manual_build,
                check_manual_build,
            ),
            self.route(
                "/workers/scripts/{script_name}/versions",
                "GET",
                "ListVersions",
                self.list_versions,
                check_paging,
            ),
            Route(
                "/_emulator/cloudflare_builds/accounts/{account_id}",
                self.set_account_plan,
                methods=["POST"],
                name="SetAccountPlan",
            ),
        ]


def routes(emu: Emulator) -> list[BaseRoute]:
    return WorkersBuilds(emu).routes()
