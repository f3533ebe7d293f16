"""The parts of the native provider that mirror SDK internals (pulumi_builds/native/server.py)
are pinned to the SDK they were copied from: a new SDK fails here, so the copy gets reviewed
instead of drifting silently. And the pure helpers of the provider."""

from __future__ import annotations

import hashlib
import inspect
from importlib import metadata

import pytest
from pulumi.provider.experimental import server as sdk_server
from pulumi.provider.experimental.property_value import Computed, PropertyValue
from pulumi.runtime import rpc

from pulumi_builds.native import server
from pulumi_builds.native.provider import _spec, identity_of, plain, wrap

# sha256 of the SDK source each piece of server.py stands in for or builds on (pulumi 3.259.0).
PINNED = {
    "main": "6ea312acfb4f799565622542da8b682603ed9291c487f215b523b21179f9f0be",  # serve() copied
    "Create": "f06876ad740aa04b817c421b74a748d470cfb7b1c713178d3d4c048d7cc3437e",  # wrapped
    "Update": "9fe2846b29114b86d7df4fc966ade2534c5084614c5ad72b01c88392ce2ceb4a",  # wrapped
    "DiffConfig": "0fdeadc96b6554751a7a2bfc7d5333bfecc9062ba8f67c20fb97a1cdde634735",  # replaced
    "__init__": "707a4878c1f2b3b287c4a66009b8a38dc13ce546810923976d9c42e40ecb6421",  # called
}


def test_the_sdk_is_the_pinned_release() -> None:
    assert metadata.version("pulumi") == "3.259.0"


@pytest.mark.parametrize("name", sorted(PINNED))
def test_the_sdk_code_server_py_mirrors_is_unchanged(name: str) -> None:
    source = sdk_server.main if name == "main" else getattr(sdk_server.ProviderServicer, name)
    digest = hashlib.sha256(inspect.getsource(source).encode()).hexdigest()
    assert digest == PINNED[name], (
        f"pulumi.provider.experimental.server: {name} changed; review "
        "pulumi_builds/native/server.py against it, then update PINNED"
    )


def test_servicer_overrides_what_it_must() -> None:
    for name in ("Create", "Update", "DiffConfig"):
        assert name in vars(server.BuildsServicer)


def test_worker_count() -> None:
    assert server.worker_count({}) == server.DEFAULT_WORKERS
    assert server.worker_count({server.WORKERS_VARIABLE: "9"}) == 9
    with pytest.raises(ValueError, match="must be a positive integer"):
        server.worker_count({server.WORKERS_VARIABLE: "0"})


def test_property_values_round_trip_and_unknowns() -> None:
    value = {"a": [1, "x", True, None], "b": {"c": 2.5}}
    assert plain(wrap(value)) == {"a": [1.0, "x", True, None], "b": {"c": 2.5}}
    assert wrap("s", secret=True).is_secret
    assert plain(PropertyValue(Computed())) == rpc.UNKNOWN


def test_identity_names_project_stack_type_path_and_name() -> None:
    urn = "urn:pulumi:dev::proj::my:Comp$pulumi-builds:awsCodebuild:Build::api"
    assert identity_of(urn) == "proj/dev/my:Comp$pulumi-builds:awsCodebuild:Build/api"


def test_a_resource_under_a_component_is_found_by_its_own_type() -> None:
    for urn in (
        "urn:pulumi:dev::proj::pulumi-builds:awsCodebuild:Build::api",
        "urn:pulumi:dev::proj::my:Comp$pulumi-builds:awsCodebuild:Build::api",
        "urn:pulumi:dev::proj::my:Outer$my:Comp$pulumi-builds:awsCodebuild:Build::a::b",
    ):
        assert _spec(urn).key == "aws_codebuild.Build"
    with pytest.raises(ValueError, match="unknown resource type"):
        _spec("urn:pulumi:dev::proj::my:Comp::api")
    with pytest.raises(ValueError, match="unknown resource type 'pulumi-builds:awsCodebuild:Nope'"):
        _spec("urn:pulumi:dev::proj::pulumi-builds:awsCodebuild:Nope::api")
