# Copied by builds-codegen from codegen/shipped/ into generated/, byte for byte. Edit the original.
"""The types of the operation tables in generated/<service>/operations.py.

A runtime transport reads these tables to build requests; nothing reads schemas/ at run time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from ._base import RequestModel, ResponseModel


@dataclass(frozen=True)
class Service:
    """Facts about one service's API."""

    id: str
    title: str
    protocol: Literal["aws-json-1.1", "rest-json"]
    auth: Literal["aws-sigv4", "bearer"]
    base_path: str = ""
    target_prefix: str | None = None
    signing_name: str | None = None
    endpoint_prefix: str | None = None


@dataclass(frozen=True)
class Parameter:
    """Where one request field goes: `name` on the wire, `attribute` on the request model."""

    name: str
    attribute: str
    location: Literal["path", "query", "header", "body"]
    required: bool
    style: str | None = None
    explode: bool | None = None


@dataclass(frozen=True)
class ErrorSpec:
    """An error the page documents: the service's code, the HTTP status when stated."""

    code: str
    status: int | None = None
    title: str | None = None
    description: str | None = None
    model: type[ResponseModel] | None = None


@dataclass(frozen=True)
class Pagination:
    """How an operation pages: 'token' (AWS), 'page' (Cloudflare) or 'link' (Cloud Foundry)."""

    style: Literal["token", "page", "link"]
    input_token: str | None = None
    output_token: str | None = None
    page_param: str | None = None
    size_param: str | None = None
    items: str | None = None
    info: str | None = None
    next: str | None = None


@dataclass(frozen=True)
class Operation:
    """One operation: how to send it and what comes back."""

    name: str
    method: str
    path: str
    request: type[RequestModel]
    response: type[ResponseModel]
    aws_target: str | None = None
    parameters: tuple[Parameter, ...] = ()
    errors: tuple[ErrorSpec, ...] = ()
    pagination: Pagination | None = None
    summary: str = ""
    extras: Mapping[str, str] = field(default_factory=dict)
