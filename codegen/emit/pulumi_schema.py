"""The Pulumi package schema, `generated/schema.json`, from the service documents and the mapping.

It describes the native provider `pulumi-resource-pulumi-builds` (pulumi_builds/native/): one
resource per mapping resource and one function per mapping function, the same ones the Python
classes in generated/<service>/resources.py have, typed from the service documents. The CLI's SDK
generators read it (`pulumi package gen-sdk generated/schema.json --language ...`) and the
provider serves it (GetSchema), so a YAML program needs no SDK at all.

Names (stable: programs in every language use them):

| what | rule | example |
|---|---|---|
| package | `pulumi-builds` (so config keys are `pulumi-builds:<key>`, as for the dynamic provider) | |
| module | lower camelCase of the service id | `awsCodebuild`, `cloudfoundry` |
| resource token | `pulumi-builds:<module>:<mapping name>` | `pulumi-builds:awsCodebuild:Build` |
| function token | `pulumi-builds:<module>:<camelCase of the Python name>` | `pulumi-builds:awsCodebuild:getBuilds` |
| resource / function property | lower camelCase of the Python name | `projectName`, `waitTimeout`, `buildId` |
| object type | `<module>:<$defs name>`; `...Info` when a resource has that name | `awsCodebuild:BuildInfo` |
| enum type | `<module>:<owner><Field>` | `awsCodebuild:ProjectSourceType` |
| object and enum members | the wire names and values, unchanged (the provider sends them as they are) | `sourceIdentifier` |

Everything is built by `PackageSchema` below into plain dicts with sorted keys: the same inputs
give the same bytes on any machine.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_builds.codegen.document import ServiceDocument
from pulumi_builds.codegen.emit import resources
from pulumi_builds.codegen.mapping import FunctionMapping, MappingFile, ResourceMapping
from pulumi_builds.codegen.naming import pascal
from pulumi_builds.codegen.shipped._resource_spec import (
    COMMON_OUTPUTS,
    CommonField,
    common_inputs,
)

PACKAGE = "pulumi-builds"
# The project's version (pyproject.toml; a test keeps them equal): SDKs generated with
# `meta.supportPack` carry it (package.json, go.mod) and ask for the provider at it.
VERSION = "0.1.0"
SCHEMA_PATH = "generated/schema.json"
ANY = {"$ref": "pulumi.json#/Any"}
_SCALARS = {"string", "integer", "number", "boolean"}


def camel(name: str) -> str:
    """'project_name' -> 'projectName'; 'aws_codebuild' -> 'awsCodebuild' (the runtime's
    pulumi_builds.native.names.camel is the same rule; a test keeps them equal)."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def module_of(service: str) -> str:
    return camel(service)


@dataclass
class _TypeNames:
    """Type names taken in one module: objects, enums and resources never share one."""

    taken: set[str] = field(default_factory=set)

    def claim(self, wanted: str) -> str:
        name, n = wanted, 2
        while name in self.taken:
            name = f"{wanted}{n}"
            n += 1
        self.taken.add(name)
        return name


@dataclass
class ServiceTypes:
    """The object and enum types one service contributes, found from the properties that use
    them. `$defs` entries keep their names; inline enums are named after owner and field."""

    service: str
    doc: ServiceDocument
    resource_names: frozenset[str]
    types: dict[str, dict[str, Any]] = field(default_factory=dict)
    _def_tokens: dict[str, str] = field(default_factory=dict)
    _enum_tokens: dict[tuple[str, tuple[str, ...]], str] = field(default_factory=dict)
    _names: _TypeNames = field(default_factory=_TypeNames)

    def __post_init__(self) -> None:
        self._names.taken |= set(self.resource_names)

    @property
    def module(self) -> str:
        return module_of(self.service)

    def _token(self, name: str) -> str:
        return f"{PACKAGE}:{self.module}:{name}"

    def _def(self, name: str) -> dict[str, Any]:
        return dict(self.doc.defs[name])

    def type_of(self, schema: Mapping[str, Any] | None, owner: str, prop: str) -> dict[str, Any]:
        """The Pulumi type spec of a JSON Schema (`{"type": ...}` or `{"$ref": ...}`)."""
        schema = dict(schema or {})
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            target = self._def(name)
            if _is_object(target) and target.get("properties"):
                return {"$ref": "#/types/" + self._object(name, target)}
            return self.type_of(target, name, "")
        kinds = schema.get("type")
        if isinstance(kinds, list):
            real = [k for k in kinds if k != "null"]
            if len(real) != 1:
                return dict(ANY)  # several types (`number` or `string`): any JSON value
            kinds = real[0]
            schema = {**schema, "type": kinds}
        if "enum" in schema and kinds == "string":
            return {"$ref": "#/types/" + self._enum(owner + pascal(prop), schema)}
        if kinds in _SCALARS:
            return {"type": kinds}
        if kinds == "array":
            return {"type": "array", "items": self.type_of(schema.get("items"), owner, prop)}
        if _is_object(schema):
            extra = schema.get("additionalProperties")
            if schema.get("properties"):
                return dict(ANY)  # never hoisted (the normalizer hoists every named object)
            values = self.type_of(extra, owner, prop) if isinstance(extra, dict) else dict(ANY)
            return {"type": "object", "additionalProperties": values}
        return dict(ANY)

    def _object(self, def_name: str, schema: Mapping[str, Any]) -> str:
        if def_name in self._def_tokens:
            return self._def_tokens[def_name]
        name = self._names.claim(
            def_name if def_name not in self.resource_names else def_name + "Info"
        )
        token = self._token(name)
        self._def_tokens[def_name] = token
        spec: dict[str, Any] = {"type": "object"}  # placeholder while members refer back
        self.types[token] = spec
        properties = {
            wire: self.property_of(prop, def_name, wire)
            for wire, prop in schema.get("properties", {}).items()
        }
        spec["properties"] = dict(sorted(properties.items()))
        if schema.get("required"):
            spec["required"] = sorted(schema["required"])
        if text := _text(schema):
            spec["description"] = text
        return token

    def _enum(self, wanted: str, schema: Mapping[str, Any]) -> str:
        values = [str(v) for v in schema["enum"] if v is not None]
        key = (wanted, tuple(values))
        if key in self._enum_tokens:  # the same enum reached again from the same owner and field
            return self._enum_tokens[key]
        token = self._token(self._names.claim(wanted))
        self._enum_tokens[key] = token
        spec: dict[str, Any] = {
            "type": "string",
            "enum": [{"name": _enum_member(v), "value": v} for v in values],
        }
        if text := _text(schema):
            spec["description"] = text
        self.types[token] = spec
        return token

    def property_of(
        self, schema: Mapping[str, Any] | None, owner: str, prop: str
    ) -> dict[str, Any]:
        schema = dict(schema or {})
        spec = self.type_of(schema, owner, prop)
        target = self._resolved(schema)
        text = _text(schema) or _text(target)
        if text:
            spec["description"] = text
        if schema.get("x-secret") or target.get("x-secret"):
            spec["secret"] = True
        return spec

    def _resolved(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        if "$ref" in schema:
            return self._def(schema["$ref"].rsplit("/", 1)[-1])
        return dict(schema)


def _is_object(schema: Mapping[str, Any]) -> bool:
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return "object" in kinds or "properties" in schema or "additionalProperties" in schema


def _text(schema: Mapping[str, Any]) -> str:
    return " ".join(str(schema.get("description") or "").split())


def _enum_member(value: str) -> str:
    # SHOUTING_CASE reads better as words: BUILD_GENERAL1_SMALL -> BuildGeneral1Small.
    name = pascal(value.lower() if value.isupper() else value) or "Value"
    return name if not name[0].isdigit() else "Value" + name


@dataclass
class PackageSchema:
    """The whole schema: config, provider, resources, functions and the types they use."""

    docs: Sequence[ServiceDocument]
    mapping: MappingFile
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    functions: dict[str, dict[str, Any]] = field(default_factory=dict)
    types: dict[str, dict[str, Any]] = field(default_factory=dict)

    def build(self) -> dict[str, Any]:
        for doc in sorted(self.docs, key=lambda d: d.id):
            self._service(doc)
        config = self._config()
        schema: dict[str, Any] = {
            "name": PACKAGE,
            "displayName": "pulumi-builds",
            "description": "Trigger and track CI/CD builds (AWS CodeBuild, Cloudflare Workers "
            "Builds, Cloud Foundry v3, CodePipeline jobs) as Pulumi resources.",
            "keywords": ["pulumi", "builds", "ci", "category/utility", "kind/native"],
            "license": "Apache-2.0",
            "version": VERSION,
            # supportPack: the Go SDK gets its own go.mod (module: the importBasePath's parent) and
            # the Node.js one the schema's version instead of a `${VERSION}` placeholder, so both
            # can be used from a directory as `builds-codegen sdk` writes them.
            "meta": {"moduleFormat": "(.*)", "supportPack": True},
            "config": {
                "variables": config,
                "defaults": [],
            },
            "provider": {
                "description": "The pulumi-builds provider: credentials and endpoints of the "
                "services (config wins over the environment).",
                "inputProperties": config,
                "properties": {k: v for k, v in config.items() if k != "pollInterval"},
            },
            "resources": dict(sorted(self.resources.items())),
            "functions": dict(sorted(self.functions.items())),
            "types": dict(sorted(self.types.items())),
            "language": {
                "csharp": {"rootNamespace": "PulumiBuilds", "packageReferences": {"Pulumi": "3.*"}},
                "go": {
                    "importBasePath": "github.com/pulumi-builds/pulumi-builds/sdk/go/pulumibuilds",
                    "generateResourceContainerTypes": True,
                },
                "nodejs": {
                    "packageName": "@pulumi-builds/pulumi-builds",
                    # The service ids as module names, as in Python: the generator lower-cases
                    # camelCase module directories but not its imports of their enums (tsc fails).
                    "moduleToPackage": {module_of(s): s for s in self._services()},
                    "dependencies": {"@pulumi/pulumi": "^3.0.0"},
                },
                "python": {
                    "packageName": "pulumi_builds_sdk",
                    "moduleNameOverrides": {module_of(s): s for s in self._services()},
                    "requires": {"pulumi": ">=3.0.0,<4.0.0"},
                    "pyproject": {"enabled": True},
                },
            },
        }
        return schema

    def _services(self) -> list[str]:
        return sorted(d.id for d in self.docs)

    def _config(self) -> dict[str, dict[str, Any]]:
        config: dict[str, dict[str, Any]] = {}
        for key, entry in sorted(self.mapping.provider.config.items()):
            spec: dict[str, Any] = {"type": entry.type}
            text = entry.description
            if entry.environment:
                text += f" Environment: {', '.join(f'`{e}`' for e in entry.environment)}."
            spec["description"] = text.strip()
            if entry.secret:
                spec["secret"] = True
            config[key] = spec
        return config

    def _service(self, doc: ServiceDocument) -> None:
        entry = self.mapping.service(doc.id)
        if entry is None:
            return
        types = ServiceTypes(doc.id, doc, frozenset(entry.resources))
        for name, res in sorted(entry.resources.items()):
            token = f"{PACKAGE}:{types.module}:{name}"
            self.resources[token] = _resource(doc, types, res)
        for name, fn in sorted(entry.functions.items()):
            token = f"{PACKAGE}:{types.module}:{camel(name)}"
            self.functions[token] = _function(doc, types, fn)
        self.types.update(types.types)


def _resource(view: ServiceDocument, types: ServiceTypes, entry: ResourceMapping) -> dict[str, Any]:
    operation = entry.trigger.operation
    trigger = view.request(operation)
    inputs: dict[str, dict[str, Any]] = {}
    required: list[str] = []
    for param in resources._inputs(view, entry):
        if param.transform == "name_value_list":
            value_type = entry.inputs.transform[param.wire].value_type
            spec: dict[str, Any] = {
                "type": "object",
                "additionalProperties": {"type": value_type},
            }
            if param.description:
                spec["description"] = param.description
        elif param.sent:
            schema = _property_at(view, trigger, param.wire)
            field_name = param.wire.rsplit(".", 1)[-1]
            spec = types.property_of(schema, operation + "Request", field_name)
            spec.pop("description", None)
            if param.description:
                spec["description"] = param.description
        else:
            spec = {"type": "string", "description": param.description}
        if param.secret:
            spec["secret"] = True
        inputs[camel(param.name)] = spec
        if param.required:
            required.append(camel(param.name))
    for common in common_inputs(entry.retry is not None):
        inputs[camel(common.name)] = _common_property(common)
    outputs = dict(inputs)
    read = entry.read
    response = view.response(read.operation)
    item = (
        view.at(response, read.items).get("items", {})
        if read.items
        else view.at(response, read.object)
    )
    for out in resources._outputs(view, entry):
        if out.timestamp:
            spec = {"type": "string"}
            if out.description:
                spec["description"] = out.description + " (ISO 8601)"
        else:
            schema = _property_at(view, item, out.wire)
            spec = types.property_of(schema, read.operation, out.wire.rsplit(".", 1)[-1])
        if out.secret:
            spec["secret"] = True
        outputs[camel(out.name)] = spec
    for common in COMMON_OUTPUTS:
        outputs[camel(common.name)] = _common_property(common)
    return {
        "description": " ".join(entry.description.split()),
        "inputProperties": dict(sorted(inputs.items())),
        "requiredInputs": sorted(required),
        "properties": dict(sorted(outputs.items())),
        "required": sorted({*required, "buildId"}),
    }


def _common_property(common: CommonField) -> dict[str, Any]:
    """A shared input or output as a schema property (a `triggers`-like object: a string map)."""
    spec: dict[str, Any] = {"type": common.type, "description": common.doc}
    if common.type == "object":
        spec["additionalProperties"] = {"type": "string"}
    if common.default is not None:
        spec["default"] = common.default
    return spec


def _property_at(view: ServiceDocument, schema: Mapping[str, Any], path: str) -> dict[str, Any]:
    """The property schema (unresolved, so `$ref`s stay named types) at a dotted wire path."""
    parts = [p for p in path.split(".") if p]
    current: Mapping[str, Any] = view.resolve(schema)
    prop: Mapping[str, Any] = current
    for part in parts:
        prop = current.get("properties", {}).get(part, {})
        current = view.resolve(prop)
    return dict(prop)


def _function(view: ServiceDocument, types: ServiceTypes, fn: FunctionMapping) -> dict[str, Any]:
    operation = fn.operation
    request = view.request(operation)
    inputs: dict[str, dict[str, Any]] = {}
    required: list[str] = []
    for param in resources._function_params(view, fn):
        prop = request.get("properties", {}).get(param.wire, {})
        spec = types.property_of(prop, operation + "Request", param.wire)
        spec.pop("description", None)
        if param.description:
            spec["description"] = param.description
        inputs[camel(param.name)] = spec
        if param.required:
            required.append(camel(param.name))
    response = view.response(operation)
    outputs = {
        wire: types.property_of(prop, operation + "Response", wire)
        for wire, prop in response.get("properties", {}).items()
    }
    op = view.operation(operation)
    text = " ".join((op.summary or str(op.data.get("description") or "")).split())
    return {
        "description": f"{text} (calls {operation})".strip(),
        "inputs": {
            "properties": dict(sorted(inputs.items())),
            "required": sorted(required),
        },
        "outputs": {
            "properties": dict(sorted(outputs.items())),
            "required": sorted(w for w in response.get("required", []) if w in outputs),
        },
    }


def render_pulumi_schema(
    docs: Sequence[Mapping[str, Any]], mapping: MappingFile | None
) -> dict[str, bytes]:
    """`{SCHEMA_PATH: bytes}`: sorted keys, two-space indent, final newline."""
    if mapping is None:
        return {}
    schema = PackageSchema([ServiceDocument(d) for d in docs], mapping).build()
    text = json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return {SCHEMA_PATH: text.encode("utf-8")}


__all__ = ["PACKAGE", "SCHEMA_PATH", "PackageSchema", "camel", "module_of", "render_pulumi_schema"]
