"""The trigger token: the same resource with the same build-defining inputs, against the same
service endpoint, always gives the same token, on any machine.

It is sent to the services (CodeBuild's idempotency token, a Cloud Foundry label) and names the
journal files, so it must not reveal secret inputs: their values enter it only through a slow,
salted hash (PBKDF2), never as plain SHA-256 material that could be brute-forced offline.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_builds.spec import COMMON_INPUTS, ResourceSpec
from pulumi_builds.wire import inputs_of, norm

IDENTITY = "_identity"  # "<project>/<stack>/<parents...>/<type>/<name>", set by the resource class
# Shared inputs whose change forces a new build (`triggers`, like terraform_data's triggers_replace).
REPLACING = tuple(f.name for f in COMMON_INPUTS if f.replaces)
_PBKDF2_ROUNDS = 100_000


def identity(project: str, stack: str, type_path: Sequence[str], name: str) -> str:
    """The resource's identity in its tokens: project, stack, its type path as the provider sees
    it (the dynamic resource: its parents and spec key; the native one: the URN's qualified type)
    and its name. Both providers call this; the path differs, so each keeps its stacks' tokens."""
    return "/".join([project, stack, *type_path, name])


def defining_inputs(spec: ResourceSpec) -> list[str]:
    """Inputs that say which build this is: a change replaces the resource (a new build)."""
    return [i.name for i in spec.inputs if i.sent] + list(REPLACING)


def trigger_token(spec: ResourceSpec, props: Mapping[str, Any], endpoint: str) -> str:
    identity = str(props.get(IDENTITY) or "")
    # Wire names: `{"type": ...}` written as Args, as a dict or (older states) by wire name is
    # the same build.
    on_wire = inputs_of(spec, props).wire.values
    material: dict[str, Any] = {}
    for item in spec.inputs:
        if not item.sent:
            continue
        value = norm(on_wire[item.name])
        if item.secret and value is not None:
            value = _slow_hash(value, identity + item.name)
        material[item.name] = value
    text = json.dumps(
        {
            "resource": spec.key,
            "identity": identity,
            "endpoint": endpoint,
            "inputs": material,
            **{name: norm(props.get(name)) for name in REPLACING},
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return "pb-" + hashlib.sha256(text.encode()).hexdigest()[:40]


def resource_token(spec: ResourceSpec, props: Mapping[str, Any], endpoint: str) -> str:
    """The same for every build of one resource (stack, name, type, endpoint), whatever its
    inputs: sent next to the trigger token so that a look-up can tell which build of the
    resource came last (finder.py). Derived from names only: it holds no input value."""
    text = json.dumps(
        {"resource": spec.key, "identity": str(props.get(IDENTITY) or ""), "endpoint": endpoint},
        sort_keys=True,
        separators=(",", ":"),
    )
    return "pbr-" + hashlib.sha256(text.encode()).hexdigest()[:40]


def attempt_token(base: str, attempt: int) -> str:
    """The token of the n-th build of the same resource and inputs (after failed/deleted ones).

    Same length as the base (CodeBuild takes any length, a Cloud Foundry label value at most 63).
    """
    return base if attempt == 0 else f"{base[:-5]}-{attempt:04d}"


def _slow_hash(value: Any, salt: str) -> str:
    data = json.dumps(value, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.pbkdf2_hmac("sha256", data, salt.encode(), _PBKDF2_ROUNDS).hex()
