"""Pulumi's language-host protocol (the gRPC modules generated from its .proto files), loaded
without the rest of the Pulumi SDK.

The stand-in language hosts (language_host.py, nodejs_host.py, go_host.py) speak the protocol
through the modules the SDK ships in pulumi/runtime/proto/, which import only each other, protobuf
and grpc. Importing them the usual way first runs pulumi/__init__.py and pulumi/runtime/__init__.py,
which load the whole SDK (the automation API, asyncio, OpenTelemetry, mocks): about 0.1 s of CPU,
in a process the CLI starts for nearly every command. So, only while they are imported, the two
parent packages stand in sys.modules as bare packages (a `__path__` and nothing run). Afterwards
every `pulumi.*` module this import added is taken out of sys.modules again (this module keeps the
three it needs), so a later `import pulumi` in the same process loads the whole SDK as usual
(protobuf accepts the same descriptors again and hands out the same message classes). Relies on
the SDK's layout pulumi/runtime/proto/, pinned by tests/test_engine_setup.py and every engine
test (each starts these hosts).
"""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path


def _sdk_modules() -> set[str]:
    return {name for name in sys.modules if name == "pulumi" or name.startswith("pulumi.")}


def _enter_bare_parents() -> None:
    """Enter `pulumi` and `pulumi.runtime` as bare packages, unless the SDK is loaded already."""
    if "pulumi.runtime" in sys.modules:
        return
    spec = importlib.util.find_spec("pulumi")
    if spec is None or spec.origin is None:
        raise ImportError("the Pulumi SDK (package pulumi) is not installed")
    root = Path(spec.origin).parent
    for name, folder in (("pulumi", root), ("pulumi.runtime", root / "runtime")):
        package = types.ModuleType(name)
        package.__path__ = [str(folder)]
        sys.modules[name] = package


_loaded_before = _sdk_modules()
_enter_bare_parents()
try:
    from pulumi.runtime.proto import (  # after the bare parents are entered
        language_pb2,
        language_pb2_grpc,
        plugin_pb2,
    )
finally:
    for _name in _sdk_modules() - _loaded_before:
        del sys.modules[_name]

__all__ = ["language_pb2", "language_pb2_grpc", "plugin_pb2"]
