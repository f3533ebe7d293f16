"""The per-service runtime modules a program imports, generated with the service's resources:
`pulumi_builds/<service>.py` (the resources, functions and typed inputs of
generated/<service>/, behind the check that the `provider` extra is installed) and
`pulumi_builds/native/<service>.py` (the same classes bound to the native provider). They hold
nothing but imports and class bindings, so adding a service needs no hand-written module.
"""

from __future__ import annotations

from pulumi_builds.codegen.emit.pulumi_schema import module_of
from pulumi_builds.codegen.emit.templating import render
from pulumi_builds.codegen.mapping import ServiceMapping


def render_runtime_modules(
    service: str, entry: ServiceMapping, has_inputs: bool, header: str
) -> dict[str, str]:
    """{path: text} of the two modules of a service the mapping gives resources or functions."""
    resources = sorted(entry.resources)
    functions = sorted(entry.functions)
    exported = sorted([*resources, *functions, *(f"{f}_output" for f in functions)])
    return {
        f"pulumi_builds/{service}.py": render(
            "runtime_module.py.j2", header=header, service=service, inputs=has_inputs
        ),
        f"pulumi_builds/native/{service}.py": render(
            "native_module.py.j2",
            header=header,
            service=service,
            module=module_of(service),
            resources=resources,
            functions=functions,
            exported=exported,
        ),
    }
