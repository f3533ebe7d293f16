"""The runtime's view of a resource: the spec dataclasses and dotted-path helpers.

The dataclasses are one dependency-free module the code generator owns and ships into
`generated/_resource_spec.py` (the generator parses schemas/mapping.json into them; the runtime
reads the `ResourceSpec(...)` literals of `generated/<service>/resources.py`).
Paths are dotted wire paths into a request or response (`build.id`, `package.guid`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_builds.generated._resource_spec import (
    BEHAVIOUR_INPUTS,
    COMMON_INPUTS,
    COMMON_OUTPUTS,
    RULES,
    ActionSpec,
    CommonField,
    FailureSpec,
    FindSpec,
    FunctionSpec,
    InputSpec,
    ListReadSpec,
    LogsSpec,
    LogStreamSpec,
    MarkerItemSpec,
    MemberBuildsSpec,
    OutputSpec,
    ReadSpec,
    RecentSpec,
    ResourceSpec,
    StatusSpec,
    common_input,
    common_inputs,
)

__all__ = [
    "BEHAVIOUR_INPUTS",
    "COMMON_INPUTS",
    "COMMON_OUTPUTS",
    "RULES",
    "ActionSpec",
    "CommonField",
    "FailureSpec",
    "FindSpec",
    "FunctionSpec",
    "InputSpec",
    "ListReadSpec",
    "LogStreamSpec",
    "LogsSpec",
    "MarkerItemSpec",
    "MemberBuildsSpec",
    "OutputSpec",
    "ReadSpec",
    "RecentSpec",
    "ResourceSpec",
    "StatusSpec",
    "common_input",
    "common_inputs",
    "get_path",
    "set_path",
]


def get_path(data: Any, path: str | None) -> Any:
    """`get_path({"a": {"b": 1}}, "a.b") == 1`; None when any step is missing."""
    if path is None:
        return data
    for part in path.split("."):
        if not isinstance(data, Mapping) or part not in data:
            return None
        data = data[part]
    return data


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        data = data.setdefault(part, {})
    data[parts[-1]] = value
