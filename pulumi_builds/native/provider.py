"""The native provider: `pulumi.provider.experimental.Provider` over the one lifecycle
(pulumi_builds/lifecycle.py) that the dynamic provider uses too.

What it adds to the dynamic provider, and how:
- Read with an id alone (`pulumi import`, `Resource.get`) returns the build's inputs and outputs.
- A failed build is recorded (partial state): `create` raises `ResourceInitFailed` with the build
  id and outputs, which the server (server.py) turns into the engine's ErrorResourceInitFailed;
  Diff then replaces a resource whose build failed, so the next `up` starts a new build.
- No cap on concurrent calls, and no thread per waiting build: the blocking calls (triggers,
  reads, journal) run in threads (`asyncio.to_thread`), never on the event loop, and a waiting
  `create` awaits the shared tracker on the loop (lifecycle_async.py).
- Ctrl-C (the engine's Cancel) ends every wait at once; each build still running is recorded as
  partial state (its id and outputs) and the next `up` waits for it (cancellation.py). A refresh
  keeps it so while the build runs: Read reports a waiting resource's running build as partial
  state too, else the refresh would clear it and the next `up` would never wait for the build.
- Progress: each status or phase change of a waiting build is sent to the engine as an
  ephemeral log on the resource's URN, which `pulumi up` shows on that resource's row.
- Credentials only from the provider's configuration (`pulumi-builds:` keys) or the environment
  (settings.py); secret inputs and outputs are returned as secrets.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import pydantic
from pulumi.provider.experimental import provider as p
from pulumi.provider.experimental.property_value import Computed, PropertyValue
from pulumi.runtime import rpc

from pulumi_builds import cancellation, lifecycle, lifecycle_async, services, settings
from pulumi_builds.functions import call
from pulumi_builds.native import names
from pulumi_builds.spec import ResourceSpec
from pulumi_builds.tokens import IDENTITY, identity
from pulumi_builds.wire import is_unknown

Log = Callable[[str, str], None]  # (urn, message): shown on the resource's row while it runs


class ResourceInitFailed(Exception):
    """The build exists but failed, or was not waited for to its end: record `build_id` and
    `properties` (and `inputs`, when a Read knows them), fail with `reason`."""

    def __init__(
        self,
        build_id: str,
        properties: dict[str, PropertyValue],
        reason: str,
        inputs: dict[str, PropertyValue] | None = None,
    ):
        super().__init__(reason)
        self.build_id = build_id
        self.properties = properties
        self.reason = reason
        self.inputs = properties if inputs is None else inputs


SCHEMA_VARIABLE = "PULUMI_BUILDS_SCHEMA"


def schema_text() -> str:
    """The package schema: the released one when the plugin archive names it (it adds the
    pluginDownloadURL, engine/dist.py), else the wheel's generated/schema.json."""
    released = os.environ.get(SCHEMA_VARIABLE)
    if released:
        return Path(released).read_text("utf-8")
    return resources.files("pulumi_builds.generated").joinpath("schema.json").read_text("utf-8")


def plain(value: PropertyValue) -> Any:
    """A PropertyValue as plain Python (unknowns as the SDK's UNKNOWN sentinel)."""
    inner = value.value
    if isinstance(inner, Computed):
        return rpc.UNKNOWN
    if isinstance(inner, Mapping):
        return {k: plain(v) for k, v in inner.items()}
    if isinstance(inner, tuple):
        return [plain(v) for v in inner]
    return inner


def wrap(value: Any, secret: bool = False) -> PropertyValue:
    """Plain Python as a PropertyValue (numbers as floats, as the engine has them)."""
    if isinstance(value, PropertyValue):
        return value
    if isinstance(value, Mapping):
        inner: Any = {str(k): wrap(v) for k, v in value.items()}
    elif isinstance(value, (list, tuple)):
        inner = [wrap(v) for v in value]
    elif isinstance(value, bool) or value is None or isinstance(value, str):
        inner = value
    elif isinstance(value, (int, float)):
        inner = float(value)
    else:
        inner = str(value)
    return PropertyValue(inner, is_secret=secret)


def identity_of(urn: str) -> str:
    """The resource's identity for the trigger token: project, stack, type path and name."""
    # urn:pulumi:<stack>::<project>::<qualified type>::<name>
    parts = urn.split("::")
    stack = parts[0].rsplit(":", 1)[-1]
    return identity(parts[1], stack, [parts[2]], "::".join(parts[3:]))


class BuildsProvider(p.Provider):
    def __init__(self, log: Log | None = None) -> None:
        self._log = log

    # -- package ------------------------------------------------------------------------------

    async def get_schema(self, request: p.GetSchemaRequest) -> p.GetSchemaResponse:
        return p.GetSchemaResponse(schema=schema_text())

    async def check_config(self, request: p.CheckRequest) -> p.CheckResponse:
        return p.CheckResponse(inputs=request.new_inputs, failures=[])

    async def diff_config(self, request: p.DiffRequest) -> p.DiffResponse:
        # The SDK's DiffConfig reads a missing attribute (3.259.0); server.py answers it itself.
        return p.DiffResponse(changes=False)

    async def configure(self, request: p.ConfigureRequest) -> p.ConfigureResponse:
        settings.configure(lambda key: _config_value(request, key))
        services.reset_transports()
        return p.ConfigureResponse(accept_secrets=True, supports_preview=False)

    async def cancel(self) -> None:
        """The first Ctrl-C: every wait ends now, each started build recorded (partial state)."""
        cancellation.cancel()

    # -- preview ------------------------------------------------------------------------------

    async def check(self, request: p.CheckRequest) -> p.CheckResponse:
        spec = _spec(request.urn)
        news = names.property_names(spec.key).python(_plain_map(request.new_inputs))
        failures = await asyncio.to_thread(lifecycle.check, spec, news)
        return p.CheckResponse(
            inputs=request.new_inputs,
            failures=[p.CheckFailure(names.camel(k), reason) for k, reason in failures],
        )

    async def diff(self, request: p.DiffRequest) -> p.DiffResponse:
        spec = _spec(request.urn)
        convert = names.property_names(spec.key)
        olds = convert.python(_plain_map(request.old_state))
        news = convert.python(_plain_map(request.new_inputs))
        # A recorded build that failed (partial state) is replaced: the next `up` starts one.
        replaces, updates = lifecycle.diff(spec, olds, news, replace_failed=True)
        changed = [names.camel(k) for k in (*replaces, *updates)]
        return p.DiffResponse(
            changes=bool(changed),
            replaces=[names.camel(k) for k in replaces],
            diffs=changed,
            delete_before_replace=False,
        )

    # -- up -----------------------------------------------------------------------------------

    async def create(self, request: p.CreateRequest) -> p.CreateResponse:
        spec = _spec(request.urn)
        props = self._props(spec, request.urn, request.properties)
        progress = self._progress(request.urn)
        try:
            build_id, outs = await lifecycle_async.create(spec, props, progress)
        except (lifecycle.BuildFailed, cancellation.Interrupted) as failed:
            if not failed.build_id:
                raise
            raise ResourceInitFailed(
                failed.build_id, self._state(spec, failed.outputs, request.properties), str(failed)
            ) from failed
        return p.CreateResponse(build_id, self._state(spec, outs, request.properties))

    async def update(self, request: p.UpdateRequest) -> p.UpdateResponse:
        spec = _spec(request.urn)
        olds = self._props(spec, request.urn, request.olds)
        news = self._props(spec, request.urn, request.news)
        progress = self._progress(request.urn)
        try:
            outs = await lifecycle_async.update(spec, request.resource_id, olds, news, progress)
        except (lifecycle.BuildFailed, cancellation.Interrupted) as failed:
            raise ResourceInitFailed(
                request.resource_id, self._state(spec, failed.outputs, request.news), str(failed)
            ) from failed
        return p.UpdateResponse(self._state(spec, outs, request.news))

    # -- refresh, import, get, destroy --------------------------------------------------------

    async def read(self, request: p.ReadRequest) -> p.ReadResponse:
        spec = _spec(request.urn)
        state = {**request.inputs, **request.properties}
        props = names.property_names(spec.key).python(_plain_map(state))
        found = await asyncio.to_thread(lifecycle.read, spec, request.resource_id, props)
        if found is None:
            return p.ReadResponse(resource_id="", properties={}, inputs={})  # gone
        outs, inputs = found
        properties = self._state(spec, outs, state)
        recorded_inputs = self._state(spec, inputs, state)
        if request.inputs and lifecycle.waits(props) and outs.get("succeeded") is None:
            # A refresh of a resource whose `up` did not see its build end (Ctrl-C): still
            # partial state, so the next `up` waits for the build (import and get, with no
            # inputs, just read it).
            raise ResourceInitFailed(
                request.resource_id,
                properties,
                f"build {request.resource_id} is still running: the next `pulumi up` waits for it",
                inputs=recorded_inputs,
            )
        return p.ReadResponse(
            resource_id=request.resource_id, properties=properties, inputs=recorded_inputs
        )

    async def delete(self, request: p.DeleteRequest) -> None:
        spec = _spec(request.urn)
        props = self._props(spec, request.urn, request.properties)
        await asyncio.to_thread(lifecycle.delete, spec, request.resource_id, props)

    # -- functions ----------------------------------------------------------------------------

    async def invoke(self, request: p.InvokeRequest) -> p.InvokeResponse:
        function = names.function_by_token(request.tok)
        if function is None:
            known = sorted(names.functions_by_token())
            raise ValueError(f"unknown function {request.tok!r} (pulumi-builds {known})")
        operation = services.operations(function.service)[function.operation]
        wires = {names.camel(name): wire for name, wire in function.params.items()}
        args = {wires.get(k, k): v for k, v in _plain_map(request.args).items()}
        try:
            result = await asyncio.to_thread(
                call, function, args, operation.response, operation.request
            )
        except (ValueError, pydantic.ValidationError) as exc:
            return p.InvokeResponse(failures=[p.CheckFailure("", settings.redactor()(str(exc)))])
        return p.InvokeResponse(
            return_value={
                k: wrap(v, k in function.secret_outputs) for k, v in result.to_wire().items()
            }
        )

    # -- helpers ------------------------------------------------------------------------------

    def _props(
        self, spec: ResourceSpec, urn: str, values: Mapping[str, PropertyValue]
    ) -> dict[str, Any]:
        props = names.property_names(spec.key).python(_plain_map(values))
        props[IDENTITY] = identity_of(urn)
        return props

    def _state(
        self,
        spec: ResourceSpec,
        outs: Mapping[str, Any],
        given: Mapping[str, PropertyValue],
    ) -> dict[str, PropertyValue]:
        """Outputs in schema names; secret where the spec says so or the program sent a secret."""
        secret = spec.secret_names
        secret_given = {k for k, v in given.items() if v.contains_secret()}
        state: dict[str, PropertyValue] = {}
        for key, value in outs.items():
            if key.startswith("_") or is_unknown(value):
                continue
            name = names.camel(key)
            state[name] = wrap(value, key in secret or name in secret_given)
        return state

    def _progress(self, urn: str) -> lifecycle.Progress | None:
        log = self._log
        if log is None:
            return None

        def show(text: str) -> None:
            log(urn, settings.redactor()(text))

        return show


def _spec(urn: str) -> ResourceSpec:
    # urn:pulumi:<stack>::<project>::<parent types $ ...>$<type>::<name>: the resource's own type
    token = urn.split("::")[2].rsplit("$", 1)[-1] if urn.count("::") >= 3 else ""
    spec = names.resource_by_token(token)
    if spec is None:
        raise ValueError(
            f"unknown resource type {token!r} (pulumi-builds {sorted(names.resources_by_token())})"
        )
    return spec


def _plain_map(values: Mapping[str, PropertyValue]) -> dict[str, Any]:
    return {k: plain(v) for k, v in values.items()}


def _config_value(request: p.ConfigureRequest, key: str) -> Any:
    """A setting from the provider's inputs (an explicit provider resource), else its variables
    (`pulumi-builds:config:<key>`, or `pulumi-builds:<key>`)."""
    arg = plain(request.args[key]) if key in request.args else None
    if arg is not None and arg != rpc.UNKNOWN:
        return arg
    for name in (f"{settings.NAMESPACE}:config:{key}", f"{settings.NAMESPACE}:{key}"):
        if name in request.variables:
            return request.variables[name]
    return None
