# Copied by builds-codegen from codegen/shipped/ into generated/, byte for byte. Edit the original.
"""Base classes and field types shared by the generated models (rules: docs/design.md).

Request models are strict: unknown fields and enum values are rejected, constraints enforced.
Response models are tolerant: fields and enum values a newer API adds are accepted and kept.
Secret fields are `SecretStr`: masked in repr, str(), errors and ordinary dumps; `to_wire()` is
the one place they are written out in plain text, because the wire needs them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Self, TypeVar

from pydantic import BaseModel, ConfigDict, PlainSerializer, SecretStr, SerializationInfo

ResultT = TypeVar("ResultT")
"""The varying member of a generic response envelope (`ResultEnvelope[Build]`)."""

# The serialization context that reveals secrets; used by to_wire() only.
WIRE_CONTEXT: Mapping[str, bool] = {"wire": True}


class WireModel(BaseModel):
    """Common behaviour: attributes in snake_case, wire names as aliases, both accepted."""

    # defer_build: a model's validator is built when it first validates, not at import. Every
    # engine operation starts a program and providers that import every model of a service and
    # use a few of them: building them all at import cost each process a tenth of a second.
    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True, defer_build=True)

    def to_wire(self) -> dict[str, Any]:
        """The JSON body for the wire: wire names, secrets in plain text, unset fields left out."""
        return self.model_dump(
            by_alias=True, mode="json", exclude_unset=True, context=dict(WIRE_CONTEXT)
        )

    @classmethod
    def from_wire(cls, data: Any) -> Self:
        """Validate wire JSON (already decoded) into this model."""
        return cls.model_validate(data)


class RequestModel(WireModel):
    """A request: strict, so a mistake is caught before anything is sent."""

    model_config = ConfigDict(extra="forbid")


class SensitiveRequestModel(RequestModel):
    """A request that carries secrets somewhere: validation errors do not echo input values."""

    model_config = ConfigDict(hide_input_in_errors=True)


class ResponseModel(WireModel):
    """A response: tolerant of what a newer API adds (extra fields are kept and dumped back)."""

    model_config = ConfigDict(extra="allow")


class SensitiveResponseModel(ResponseModel):
    """A response that carries secrets somewhere: validation errors do not echo input values."""

    model_config = ConfigDict(hide_input_in_errors=True)


class OpenEnum(StrEnum):
    """An enum of a response: a value this version does not list becomes a member, not an error."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _epoch_seconds(value: datetime) -> int | float:
    """Epoch seconds as the AWS JSON protocol writes them: an int when whole, else a float."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    micros = (value - _EPOCH) // timedelta(microseconds=1)
    return micros // 1_000_000 if micros % 1_000_000 == 0 else micros / 1_000_000


def _iso_datetime(value: datetime) -> str:
    """ISO 8601 as the REST APIs write it: 'Z' for UTC, fraction only as precise as needed."""
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        fraction = f"{value.microsecond:06d}"
        text += "." + (fraction[:3] if fraction.endswith("000") else fraction)
    offset = value.utcoffset()
    if offset is None:
        return text
    if offset == timedelta(0):
        return text + "Z"
    sign, offset = ("-", -offset) if offset < timedelta(0) else ("+", offset)
    hours, rest = divmod(int(offset.total_seconds()), 3600)
    return f"{text}{sign}{hours:02d}:{rest // 60:02d}"


def _secret_value(value: SecretStr, info: SerializationInfo) -> str | SecretStr:
    if info.context and info.context.get("wire"):
        return value.get_secret_value()
    return str(value) if info.mode_is_json() else value


EpochDatetime = Annotated[datetime, PlainSerializer(_epoch_seconds, when_used="json")]
"""An AWS JSON timestamp: a number of seconds since the epoch on the wire, a datetime in Python."""

IsoDatetime = Annotated[datetime, PlainSerializer(_iso_datetime, when_used="json")]
"""An ISO 8601 date-time string on the wire, a datetime in Python."""

SecretString = Annotated[SecretStr, PlainSerializer(_secret_value, when_used="always")]
"""A secret string: masked everywhere except in `to_wire()`."""
