"""Assemble the one ASGI app serving all four emulated services, the control API and faults.

Layout of the URL space:
- `POST /` with `X-Amz-Target` (AWS JSON 1.1) and `POST /service/<Svc>/operation/<Op>`
  (rpc-v2-cbor): the AWS services, dispatched to `handlers(emu)` of the AWS modules.
- Routes returned by each REST module's `routes(emu)`, mounted as given (full paths such as
  `/client/v4/accounts/{account_id}/builds/...` and `/v3/builds`, plus any setup helpers under
  `/_emulator/<service>/...`).
- `/_emulator/...`: the control API (health, counters, config, outcomes, reset, advance, faults).

Every service module is imported here: a missing one is an import error, never a service
silently left out. Every request to a service is counted (`<service>.requests.<Operation>`)
and may get a fault BEFORE the service sees it, so a faulted request never creates anything.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pulumi_builds.emulators import (
    aws_codebuild,
    aws_codepipeline,
    aws_logs,
    aws_protocol,
    cloudflare_builds,
    cloudfoundry,
)
from pulumi_builds.emulators.aws_protocol import AwsError, AwsRequest
from pulumi_builds.emulators.core import Emulator, FaultPlan, Outcome, config_from_dict
from pulumi_builds.emulators.validation import SchemaValidator, aws_message

log = logging.getLogger("pulumi_builds.emulators")

# service id -> module
AWS_MODULES: dict[str, ModuleType] = {
    "aws_codebuild": aws_codebuild,
    "aws_codepipeline": aws_codepipeline,
    "aws_logs": aws_logs,
}
REST_MODULES: dict[str, ModuleType] = {
    "cloudflare_builds": cloudflare_builds,
    "cloudfoundry": cloudfoundry,
}

AwsHandler = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass
class ServiceRegistry:
    """The service modules and the state-holding handlers/routes built from them."""

    emu: Emulator
    aws_modules: dict[str, ModuleType] = field(default_factory=dict)
    rest_modules: dict[str, ModuleType] = field(default_factory=dict)
    aws_handlers: dict[str, dict[str, AwsHandler]] = field(default_factory=dict)
    rest_routes: dict[str, list[BaseRoute]] = field(default_factory=dict)
    setup_routes: list[BaseRoute] = field(default_factory=list)

    def load(self) -> None:
        self.aws_modules = dict(AWS_MODULES)
        self.rest_modules = dict(REST_MODULES)
        self.build()

    def build(self) -> None:
        """(Re)create every service's state: called at start and on each `emu.reset()`."""
        self.aws_handlers = {s: m.handlers(self.emu) for s, m in self.aws_modules.items()}
        self.rest_routes = {s: list(m.routes(self.emu)) for s, m in self.rest_modules.items()}
        # AWS modules may add setup routes under /_emulator/<service>/ (not service requests).
        self.setup_routes = [
            route
            for module in self.aws_modules.values()
            if hasattr(module, "routes")
            for route in module.routes(self.emu)
        ]

    @property
    def services(self) -> list[str]:
        return sorted([*self.aws_modules, *self.rest_modules])


# -- faults rendered in each service's format ----------------------------------------------------

# Cloudflare's code for 5xx is unverified (its docs list 10000 for internal errors in some APIs).
_REST_FAULTS: dict[str, dict[str, tuple[int, int | str, str]]] = {
    "cloudflare_builds": {
        "throttle": (429, 971, "Please wait and consider throttling your request speed"),
        "5xx": (503, 10000, "Service unavailable"),
    },
    "cloudfoundry": {
        "throttle": (429, 10013, "Rate Limit Exceeded"),
        "5xx": (503, 10015, "The service is currently unavailable"),
    },
}


def _rest_fault_headers(service: str, kind: str) -> dict[str, str]:
    if kind != "throttle":
        return {}
    if service == "cloudflare_builds":
        return {
            "retry-after": "1",
            "Ratelimit": '"default";r=0;t=1',
            "Ratelimit-Policy": '"default";q=1200;w=300',
        }
    if service == "cloudfoundry":
        return {
            "Retry-After": "1",
            "X-RateLimit-Limit": "20000",
            "X-RateLimit-Remaining": "0",
            # A wall-clock epoch: clients compare it with their own clock, not the simulated one.
            "X-RateLimit-Reset": str(int(time.time()) + 1),
        }
    return {"Retry-After": "1"}


# -- the middleware ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    service: str
    operation: str
    aws: AwsRequest | None = None
    schema_operation: str | None = None  # REST: the schemas/ operation, to check the response


class EmulatorMiddleware:
    """Outermost ASGI layer: counts each service request, injects faults, checks REST responses.

    It sits outside Starlette so that `send` is the server's own: a "drop" fault then closes the
    TCP connection without any response bytes, like a crashed load balancer.
    """

    def __init__(
        self, app: ASGIApp, emu: Emulator, registry: ServiceRegistry, validator: SchemaValidator
    ) -> None:
        self.app = app
        self.emu = emu
        self.registry = registry
        self.validator = validator

    def classify(self, scope: Scope) -> Target | None:
        if scope["type"] != "http" or scope["path"].startswith("/_emulator/"):
            return None
        request = Request(scope)
        aws = aws_protocol.identify(request)
        if aws is not None:
            return Target(aws.service.service_id, aws.operation, aws=aws)
        for service, routes in self.registry.rest_routes.items():
            for route in routes:
                match, _ = route.matches(scope)
                if match == Match.FULL:
                    op = self.validator.find_rest_operation(service, scope["method"], scope["path"])
                    name = op or getattr(route, "name", None) or scope["path"]
                    return Target(service, name, schema_operation=op)
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        target = self.classify(scope)
        if target is None:
            await self.app(scope, receive, send)
            return
        self.emu.count(target.service, f"requests.{target.operation}")
        kind = self.emu.fault_for(target.service, target.operation)
        if kind is not None:
            self.emu.count(target.service, f"faults.{kind}")
        if kind == "latency":
            await asyncio.sleep(self.emu.config.faults.latency_ms / 1000)
        elif kind == "drop":
            await _drop_connection(send)
            return
        elif kind == "lose":
            await self.app(scope, receive, _swallow)
            await _drop_connection(send)
            return
        elif kind in ("throttle", "5xx", "deny"):
            await self.fault_response(target, kind)(scope, receive, send)
            return
        if target.schema_operation is not None and self.validator.strict:
            send = self._checking_send(target, send)
        await self.app(scope, receive, send)

    def fault_response(self, target: Target, kind: str) -> Response:
        if target.aws is not None:
            error = {
                "throttle": AwsError("ThrottlingException", "Rate exceeded"),
                "deny": AwsError(
                    "AccessDeniedException",
                    f"User is not authorized to perform: {_iam_action(target)} "
                    "because no identity-based policy allows the action",
                ),
            }.get(kind, AwsError("ServiceUnavailableException", "Service Unavailable", status=503))
            return aws_protocol.error_response(error, str(uuid.uuid4()), target.aws)
        default_status = {"throttle": 429, "deny": 403}.get(kind, 503)
        status, code, message = _REST_FAULTS.get(target.service, {}).get(
            kind, (default_status, kind, "fault injected")
        )
        module = self.registry.rest_modules[target.service]
        response: Response = module.error_response(status, code, message)
        for name, value in _rest_fault_headers(target.service, kind).items():
            response.headers[name] = value
        return response

    def _checking_send(self, target: Target, send: Send) -> Send:
        """Pass the response through and check a 2xx JSON body against the schema afterwards."""
        status = 0
        chunks: list[bytes] = []

        async def checking_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False) and 200 <= status < 300:
                    self._check_rest_body(target, b"".join(chunks))
            await send(message)

        return checking_send

    def _check_rest_body(self, target: Target, raw: bytes) -> None:
        assert target.schema_operation is not None
        if not raw:
            body: Any = None
        else:
            try:
                body = json.loads(raw)
            except ValueError:
                self.validator.violations.append(
                    f"{target.service}.{target.schema_operation} response is not JSON"
                )
                return
        if body is not None:
            self.validator.check_response(target.service, target.schema_operation, body)


def _iam_action(target: Target) -> str:
    """`logs:GetLogEvents`: the IAM action a denied AWS request needed."""
    assert target.aws is not None
    return f"{target.aws.service.signing_name}:{target.operation}"


async def _swallow(message: Message) -> None:
    """A `send` that discards the answer: the "lose" fault drops it after the work is done."""


async def _drop_connection(send: Send) -> None:
    """Close the connection without a response. With uvicorn, `send` is a bound method of the
    request cycle that owns the transport: abort it and mark the cycle disconnected so uvicorn
    does not try to write a 500 afterwards. Elsewhere, fall back to an exception after the
    response started, which servers answer by closing the connection."""
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is not None:
        transport.abort()
        cycle.disconnected = True  # type: ignore[union-attr]
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    raise ConnectionAbortedError("emulator fault: connection dropped")


# -- the AWS endpoint ----------------------------------------------------------------------------


def _aws_endpoint(
    emu: Emulator, registry: ServiceRegistry, validator: SchemaValidator
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        request_id = str(uuid.uuid4())
        req = aws_protocol.identify(request)
        if req is None:
            return aws_protocol.error_response(
                AwsError("UnknownOperationException", ""), request_id
            )
        try:
            caller = aws_protocol.check_authorization(request.headers, req.service)
            aws_protocol.current_caller.set(caller)
            body = aws_protocol.decode_body(await request.body(), req.cbor)
            handlers = registry.aws_handlers.get(req.service.service_id, {})
            handler = handlers.get(req.operation)
            if handler is None:
                raise AwsError("UnknownOperationException", "")
            module = registry.aws_modules[req.service.service_id]
            problems = validator.request_problems(req.service.service_id, req.operation, body)
            if problems:
                error_type = getattr(module, "VALIDATION_ERROR", "ValidationException")
                raise AwsError(error_type, aws_message(problems))
            with emu.lock:
                result = handler(body)
        except AwsError as error:
            return aws_protocol.error_response(error, request_id, req)
        validator.check_response(req.service.service_id, req.operation, result)
        timestamps: set[str] = getattr(
            registry.aws_modules[req.service.service_id], "TIMESTAMPS", set()
        )
        return aws_protocol.success_response(req, result, request_id, timestamps)

    return endpoint


# -- the control API -----------------------------------------------------------------------------


def _config_json(emu: Emulator) -> dict[str, Any]:
    data = dataclasses.asdict(emu.config)
    for secret in ("cloudflare_token", "cloudfoundry_token"):
        data[secret] = "***"  # tokens never leave the process in clear text
    return data


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = json.loads(raw) if raw.strip() else {}
    except ValueError as exc:
        raise ValueError(f"request body is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise TypeError("request body must be a JSON object")
    return body


def _control_routes(
    emu: Emulator, registry: ServiceRegistry, validator: SchemaValidator
) -> list[BaseRoute]:
    def bad(message: str) -> JSONResponse:
        return JSONResponse({"error": message}, status_code=400)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "services": registry.services, "now": emu.now()})

    async def counters(request: Request) -> Response:
        with emu.lock:
            return JSONResponse(dict(sorted(emu.counters.items())))

    async def config(request: Request) -> Response:
        if request.method == "POST":
            try:
                emu.configure(config_from_dict(emu.config, await _json_body(request)))
            except (ValueError, TypeError) as exc:
                return bad(str(exc))
        return JSONResponse(_config_json(emu))

    async def outcomes(request: Request) -> Response:
        try:
            body = await _json_body(request)
            service, selector = body.pop("service"), body.pop("selector", "*")
            emu.script(service, selector, Outcome(**body))
        except KeyError as exc:
            return bad(f"missing field {exc}")
        except (ValueError, TypeError) as exc:
            return bad(str(exc))
        return JSONResponse({"scripted": {"service": service, "selector": selector}})

    async def reset(request: Request) -> Response:
        emu.reset()
        return JSONResponse({"reset": True})

    async def advance(request: Request) -> Response:
        try:
            emu.advance(float((await _json_body(request))["seconds"]))
        except KeyError:
            return bad("missing field 'seconds'")
        except (ValueError, TypeError) as exc:
            return bad(str(exc))
        return JSONResponse({"now": emu.now()})

    async def faults(request: Request) -> Response:
        try:
            body = await _json_body(request)
            emu.force_fault(
                body["service"], body.get("operation", "*"), body["kind"], int(body.get("times", 1))
            )
        except KeyError as exc:
            return bad(f"missing field {exc}")
        except (ValueError, TypeError) as exc:
            return bad(str(exc))
        return JSONResponse({"forced": body})

    async def violations(request: Request) -> Response:
        return JSONResponse({"violations": list(validator.violations)})

    return [
        Route("/_emulator/health", health, methods=["GET"]),
        Route("/_emulator/counters", counters, methods=["GET"]),
        Route("/_emulator/config", config, methods=["GET", "POST"]),
        Route("/_emulator/outcomes", outcomes, methods=["POST"]),
        Route("/_emulator/reset", reset, methods=["POST"]),
        Route("/_emulator/advance", advance, methods=["POST"]),
        Route("/_emulator/faults", faults, methods=["POST"]),
        Route("/_emulator/violations", violations, methods=["GET"]),
    ]


# -- assembly ------------------------------------------------------------------------------------


class EmulatorApp:
    """The ASGI app: middleware around a Starlette app whose routes are rebuilt on reset."""

    def __init__(self, emu: Emulator, strict: bool = False) -> None:
        self.emu = emu
        self.validator = SchemaValidator(strict=strict)
        self.registry = ServiceRegistry(emu)
        self.registry.load()
        # Fail at start, not at the first request, when a service document is missing.
        for service in (*self.registry.aws_modules, *self.registry.rest_modules):
            self.validator.document(service)
        self.starlette = Starlette(routes=self._routes())
        self.asgi = EmulatorMiddleware(self.starlette, emu, self.registry, self.validator)
        emu.on_reset(self._rebuild)

    def _routes(self) -> list[BaseRoute]:
        aws = _aws_endpoint(self.emu, self.registry, self.validator)
        routes: list[BaseRoute] = _control_routes(self.emu, self.registry, self.validator)
        routes += [
            Route("/", aws, methods=["POST"]),
            Route("/service/{service}/operation/{operation}", aws, methods=["POST"]),
        ]
        routes += self.registry.setup_routes
        for service_routes in self.registry.rest_routes.values():
            routes += service_routes
        return routes

    def _rebuild(self) -> None:
        self.registry.build()
        self.starlette.router.routes[:] = self._routes()
        self.validator.violations.clear()
        self.validator.checked.clear()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.asgi(scope, receive, send)


def build_app(emu: Emulator | None = None, strict: bool = False) -> EmulatorApp:
    return EmulatorApp(emu or Emulator(), strict=strict)


__all__ = ["EmulatorApp", "FaultPlan", "build_app"]
