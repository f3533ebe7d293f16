"""The files generated for one service: generated/<service>/{__init__,models,operations}.py..."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pulumi_builds.codegen.document import ServiceDocument
from pulumi_builds.codegen.emit import resources
from pulumi_builds.codegen.emit.emission import Emission, emission
from pulumi_builds.codegen.emit.formatting import format_python
from pulumi_builds.codegen.emit.inputs import InputTypes
from pulumi_builds.codegen.emit.model_index import ModelIndex, read_models
from pulumi_builds.codegen.emit.models import field_attributes, generate_models
from pulumi_builds.codegen.emit.operations import operations_context
from pulumi_builds.codegen.emit.runtime_modules import render_runtime_modules
from pulumi_builds.codegen.emit.templating import HEADER, render
from pulumi_builds.codegen.mapping import MappingFile


def render_service_files(
    data: Mapping[str, Any], mapping: MappingFile | None, root: Path
) -> dict[str, bytes]:
    doc = ServiceDocument(data)
    service = doc.service
    service_id = doc.id
    header = HEADER.format(source=f"schemas/{service_id}.json")
    package = f"generated/{service_id}"
    texts: dict[str, str] = {}
    texts[f"{package}/__init__.py"] = render("service_init.py.j2", header=header, service=service)
    emitted = emission(doc)
    models = generate_models(emitted, header)
    texts[f"{package}/models.py"] = models
    index = read_models(models)  # the one reading of the models, for every file below
    if emitted.aliases:
        texts[f"{package}/_constrained.py"] = render(
            "constrained.py.j2",
            header=header,
            service=service,
            aliases=[(name, *emitted.aliases[name]) for name in sorted(emitted.aliases)],
        )
    texts[f"{package}/operations.py"] = render(
        "operations.py.j2", header=header, **operations_context(doc, field_attributes(index))
    )
    if mapping is not None:
        texts.update(_resources(doc, mapping, package, index, emitted, header))
    files = {path: format_python(text, path, root).encode("utf-8") for path, text in texts.items()}
    files[f"{package}/py.typed"] = b""
    return files


def _resources(
    doc: ServiceDocument,
    mapping: MappingFile,
    package: str,
    index: ModelIndex,
    emitted: Emission,
    header: str,
) -> dict[str, str]:
    """generated/<service>/resources.py and _inputs.py (emit/resources.py) when mapped."""
    types = InputTypes(index, {name: python for name, (python, _) in emitted.aliases.items()})
    text = resources.render(doc, mapping, types)
    if text is None:
        return {}
    texts = {f"{package}/resources.py": text}
    has_inputs = bool(types.types or types.enums)
    entry = mapping.service(doc.id)
    assert entry is not None  # resources.render found it
    texts.update(
        render_runtime_modules(
            doc.id, entry, has_inputs, header.replace(".json.", ".json and schemas/mapping.json.")
        )
    )
    if has_inputs:
        texts[f"{package}/_inputs.py"] = render(
            "inputs.py.j2",
            header=header.replace(".json.", ".json and schemas/mapping.json."),
            service=doc.id,
            title=doc.title,
            types=types.sorted_types(),
            enums=sorted(types.enums),
        )
    return texts
