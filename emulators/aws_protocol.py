"""The AWS wire protocols the emulator speaks: AWS JSON 1.1 (what botocore 1.44.5 sends) and,
as a plus, Smithy rpc-v2-cbor; plus the SigV4 Authorization header check and error rendering.

Services raise `AwsError`; this module turns it into the body and headers botocore parses:
`{"__type": ..., "message": ...}` with `x-amzn-ErrorType`, HTTP 400 unless stated otherwise.
"""

from __future__ import annotations

import json
import re
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import cbor2
from starlette.requests import Request
from starlette.responses import Response

JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
CBOR_CONTENT_TYPE = "application/cbor"


@dataclass(frozen=True)
class AwsService:
    service_id: str  # emulator service id, e.g. "aws_codebuild"
    target_prefix: str  # X-Amz-Target prefix, e.g. "CodeBuild_20161006"
    signing_name: str  # SigV4 credential-scope service, e.g. "codebuild"


AWS_SERVICES = (
    AwsService("aws_codebuild", "CodeBuild_20161006", "codebuild"),
    AwsService("aws_codepipeline", "CodePipeline_20150709", "codepipeline"),
    AwsService("aws_logs", "Logs_20140328", "logs"),
)
BY_PREFIX = {s.target_prefix: s for s in AWS_SERVICES}


class AwsError(Exception):
    """An error in the AWS JSON shape: `type` is the `__type` botocore turns into the error code."""

    def __init__(self, type: str, message: str, status: int = 400) -> None:
        super().__init__(f"{type}: {message}")
        self.type = type
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Caller:
    """Who signed the request, from the credential scope (no signature check is made)."""

    access_key_id: str
    region: str


# The caller of the request being handled (handlers take only the body, so it travels here).
current_caller: ContextVar[Caller | None] = ContextVar("current_caller", default=None)


def caller() -> Caller:
    return current_caller.get() or Caller("AKIDEMULATOR", "us-east-1")


# `Credential=<akid>/<date>/<region>/<service>/aws4_request`
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/aws4_request")


def check_authorization(headers: Any, service: AwsService) -> Caller:
    """Require a SigV4 Authorization header scoped to the right service; no signature check.

    Error types and messages follow what AWS's JSON services (e.g. DynamoDB) answer: HTTP 400 with
    MissingAuthenticationTokenException / IncompleteSignatureException / InvalidSignatureException.
    The exact status CodeBuild uses for these is unverified (the IAM guide says 403 for signature
    mismatches); 400 is what the JSON 1.1 services document in their common errors.
    """
    auth = headers.get("authorization")
    if not auth:
        raise AwsError("MissingAuthenticationTokenException", "Missing Authentication Token")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        raise AwsError(
            "IncompleteSignatureException",
            f"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
            f"header and the 'AWS4-HMAC-SHA256' algorithm. Authorization={auth.split(' ')[0]}",
        )
    match = _CREDENTIAL.search(auth)
    missing = [p for p in ("Credential", "SignedHeaders", "Signature") if f"{p}=" not in auth]
    if missing or not match:
        parts = missing or ["Credential"]
        raise AwsError(
            "IncompleteSignatureException",
            " ".join(f"Authorization header requires '{p}' parameter." for p in parts),
        )
    if match.group(4) != service.signing_name:
        raise AwsError(
            "InvalidSignatureException",
            f"Credential should be scoped to correct service: '{service.signing_name}'. ",
        )
    return Caller(match.group(1), match.group(3))


def parse_target(target: str | None) -> tuple[AwsService, str]:
    """`CodeBuild_20161006.StartBuild` -> (the CodeBuild service, "StartBuild")."""
    prefix, _, operation = (target or "").partition(".")
    service = BY_PREFIX.get(prefix)
    if service is None or not operation:
        raise AwsError("UnknownOperationException", "")
    return service, operation


@dataclass(frozen=True)
class AwsRequest:
    service: AwsService
    operation: str
    cbor: bool  # rpc-v2-cbor instead of AWS JSON 1.1


def identify(request: Request) -> AwsRequest | None:
    """Which AWS service/operation a request addresses, or None when it is not an AWS request."""
    path = request.url.path
    if request.method == "POST" and path == "/" and "x-amz-target" in request.headers:
        prefix, _, operation = request.headers["x-amz-target"].partition(".")
        service = BY_PREFIX.get(prefix)
        if service is not None and operation:
            return AwsRequest(service, operation, cbor=False)
        return None
    match = re.fullmatch(r"/service/([^/]+)/operation/([^/]+)", path)
    if request.method == "POST" and match and match.group(1) in BY_PREFIX:
        return AwsRequest(BY_PREFIX[match.group(1)], match.group(2), cbor=True)
    return None


def decode_body(raw: bytes, cbor: bool) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        body = cbor2.loads(raw) if cbor else json.loads(raw)
    except (ValueError, cbor2.CBORDecodeError) as exc:
        raise AwsError("SerializationException", f"Could not parse request body: {exc}") from exc
    if not isinstance(body, dict):
        raise AwsError("SerializationException", "Request body must be an object")
    return body


def _headers(req: AwsRequest | None, request_id: str) -> dict[str, str]:
    headers = {"x-amzn-RequestId": request_id}
    if req is not None and req.cbor:
        headers["smithy-protocol"] = "rpc-v2-cbor"
    return headers


def success_response(
    req: AwsRequest, body: dict[str, Any], request_id: str, timestamps: set[str] | None = None
) -> Response:
    if req.cbor:
        payload = cbor2.dumps(_tag_timestamps(body, timestamps or set()))
        return Response(payload, 200, _headers(req, request_id), media_type=CBOR_CONTENT_TYPE)
    return Response(json.dumps(body), 200, _headers(req, request_id), media_type=JSON_CONTENT_TYPE)


def error_response(error: AwsError, request_id: str, req: AwsRequest | None = None) -> Response:
    body = {"__type": error.type, "message": error.message}
    headers = _headers(req, request_id) | {"x-amzn-ErrorType": error.type}
    if req is not None and req.cbor:
        return Response(cbor2.dumps(body), error.status, headers, media_type=CBOR_CONTENT_TYPE)
    return Response(json.dumps(body), error.status, headers, media_type=JSON_CONTENT_TYPE)


def _tag_timestamps(value: Any, names: set[str]) -> Any:
    """rpc-v2-cbor sends timestamps as CBOR tag 1 (epoch seconds); JSON sends plain numbers.
    `names` are the member names the schema marks `x-timestamp`."""
    if isinstance(value, dict):
        return {
            k: cbor2.CBORTag(1, v)
            if k in names and isinstance(v, (int, float)) and not isinstance(v, bool)
            else _tag_timestamps(v, names)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_tag_timestamps(v, names) for v in value]
    return value
