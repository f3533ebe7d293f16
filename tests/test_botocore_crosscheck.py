"""The AWS reader's drafts against botocore's own service models (the test oracle, never read by
the reader): member names, nesting, types, shape names, required, enums, constraints, patterns
and error names, for every AWS page in schemas/pages/.

What a page can state decides what is compared. Members listed under "Request Parameters" /
"Response Elements" carry Type, Required, Valid Values and constraint lines, so everything is
compared for them (and for the items of their arrays and the values of their maps). Members of
nested shapes appear only in the syntax block, which shows names, nesting and `"string"` /
`number` / `boolean` placeholders and nothing else: for them names, nesting and types (the
number rules) are compared, and enums, constraints and required are not, because no page
states them. The remaining differences are listed in KNOWN with the reason for each.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.model import ServiceModel, Shape

from pulumi_builds.codegen.readers import aws
from pulumi_builds.codegen.readers.aws_numbers import number_schema

PAGES = Path(__file__).resolve().parent.parent / "schemas" / "pages"
SERVICES = {"aws_codebuild": "codebuild", "aws_codepipeline": "codepipeline"}

# The published BatchGetBuilds and RetryBuildBatch pages are older than botocore 1.44.5's model:
# their Build and BuildBatch lack members added since. The pages written for this project draw
# Build and BuildBatch exactly as the published pages do, so that every operation returns one
# Build and one BuildBatch shape (not a second, newer variant beside each); they share the gaps.
_OLDER_BUILD = {"environment": "ProjectEnvironment.hostKernel"}
_OLDER_BATCH = {
    "": "BuildBatch.reportArns",
    "buildBatchConfig.restrictions": "BatchRestrictions.fleetsAllowed",
    "cache": "ProjectCache.cacheNamespace",
    "environment": "ProjectEnvironment.computeConfiguration, dockerServer and hostKernel",
}
_BUILD_AT = {
    "BatchGetBuilds": "response.builds[]",
    "StartBuild": "response.build",
    "StopBuild": "response.build",
    "RetryBuild": "response.build",
}
_BATCH_AT = {
    "RetryBuildBatch": "response.buildBatch",
    "StartBuildBatch": "response.buildBatch",
    "StopBuildBatch": "response.buildBatch",
    "BatchGetBuildBatches": "response.buildBatches[]",
}

# (page, JSON-pointer-like path, what) -> why the page cannot state it.
KNOWN: dict[tuple[str, str, str], str] = {
    (
        "RetryBuildBatch",
        "request.retryType",
        "enum",
    ): "the flattened page lost its 'Valid Values:' line (an empty line stands where it was)",
    **{
        (
            page,
            f"{at}.{inner}".rstrip("."),
            "members",
        ): f"drawn as the published page draws it, which predates {added}"
        for older, where in ((_OLDER_BUILD, _BUILD_AT), (_OLDER_BATCH, _BATCH_AT))
        for page, at in where.items()
        for inner, added in older.items()
    },
}


def _model(service_id: str) -> ServiceModel:
    return botocore.session.get_session().get_service_model(SERVICES[service_id])


def _shape_kind(shape: Shape) -> str:
    return {
        "string": "string",
        "blob": "string",
        "integer": "integer",
        "long": "integer",
        "float": "float",
        "double": "float",
        "timestamp": "timestamp",
        "boolean": "boolean",
        "list": "list",
        "map": "map",
        "structure": "structure",
    }[shape.type_name]


def _schema_kind(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if kind == "number":
        return "timestamp" if schema.get("x-timestamp") == "epoch-seconds" else "float"
    if kind == "array":
        return "list"
    if kind == "object":
        return "map" if "additionalProperties" in schema else "structure"
    return str(kind)


_BOUNDS = {
    "string": ("minLength", "maxLength"),
    "list": ("minItems", "maxItems"),
    "map": ("minProperties", "maxProperties"),
    "integer": ("minimum", "maximum"),
    "float": ("minimum", "maximum"),
}


def _set_diff(ours: set[str], theirs: set[str]) -> str:
    return f"missing {sorted(theirs - ours)}, not in botocore {sorted(ours - theirs)}"


def compare(
    schema: dict[str, Any], shape: Shape, path: str, stated: bool, out: list[tuple[str, str, str]]
) -> None:
    """Appends (path, what, detail) for each difference between a parsed schema and a shape."""
    kind, expected = _schema_kind(schema), _shape_kind(shape)
    if kind != expected:
        out.append((path, "type", f"parsed {kind}, botocore {expected} ({shape.name})"))
        return
    if "title" in schema and schema["title"] != shape.name:
        out.append((path, "title", f"parsed {schema['title']}, botocore {shape.name}"))
    if stated:
        meta = shape.metadata
        if kind in _BOUNDS:
            low, high = _BOUNDS[kind]
            for key, ours in ((low, schema.get(low)), (high, schema.get(high))):
                theirs = meta.get("min" if key == low else "max")
                if ours != theirs:
                    out.append((path, key, f"parsed {ours}, botocore {theirs}"))
        if kind == "string":
            if schema.get("enum") != (shape.enum or None):
                out.append((path, "enum", f"parsed {schema.get('enum')}, botocore {shape.enum}"))
            if schema.get("pattern") != meta.get("pattern"):
                out.append(
                    (
                        path,
                        "pattern",
                        f"parsed {schema.get('pattern')!r}, botocore {meta.get('pattern')!r}",
                    )
                )
    if kind == "list":
        compare(schema.get("items", {}), shape.member, path + "[]", stated, out)
    elif kind == "map":
        if stated:  # keys: only their string constraints can be stated ("Key Pattern: ...")
            keys = {"type": "string", **schema.get("propertyNames", {})}
            compare(keys, shape.key, path + "{key}", stated, out)
        compare(schema["additionalProperties"], shape.value, path + "{}", stated, out)
    elif kind == "structure":
        ours_props = schema.get("properties", {})
        theirs = shape.members
        if set(ours_props) != set(theirs):
            out.append((path, "members", _set_diff(set(ours_props), set(theirs))))
        for name in ours_props:
            if name in theirs:
                compare(ours_props[name], theirs[name], f"{path}.{name}", False, out)


def compare_body(
    schema: dict[str, Any], shape: Shape | None, side: str, request: bool
) -> list[tuple[str, str, str]]:
    """Top level: every member is a listed one, so everything is compared."""
    out: list[tuple[str, str, str]] = []
    ours = schema.get("properties", {})
    theirs = shape.members if shape is not None else {}
    if set(ours) != set(theirs):
        out.append((side, "members", _set_diff(set(ours), set(theirs))))
    for name in ours:
        if name in theirs:
            compare(ours[name], theirs[name], f"{side}.{name}", True, out)
    if request:
        required = set(shape.required_members) if shape is not None else set()
        if set(schema.get("required", [])) != required:
            detail = f"parsed {schema.get('required')}, botocore {sorted(required)}"
            out.append((side, "required", detail))
    return out


def _pages() -> list[Path]:
    return sorted(p for sid in SERVICES for p in (PAGES / sid).glob("*.txt"))


def mismatches(page: Path) -> list[tuple[str, str, str]]:
    draft = aws.read_page(page.read_text(encoding="utf-8"), str(page))
    ((name, op),) = draft["operations"].items()
    model = _model(page.parent.name).operation_model(name)
    out = compare_body(op["request"], model.input_shape, "request", True)
    out += compare_body(op["response"], model.output_shape, "response", False)
    errors = {error["code"] for error in op["errors"]}
    modelled = {shape.name for shape in model.error_shapes}
    if errors != modelled:
        out.append(("errors", "members", _set_diff(errors, modelled)))
    return out


@pytest.mark.parametrize("page", _pages(), ids=lambda p: p.stem)
def test_page_matches_botocore(page: Path) -> None:
    found = mismatches(page)
    unexpected = [m for m in found if (page.stem, m[0], m[1]) not in KNOWN]
    assert not unexpected, "\n".join(
        f"{page.stem} {p}: {what}: {detail}" for p, what, detail in unexpected
    )


def test_known_mismatches_still_occur() -> None:
    """A KNOWN entry that no longer happens is stale: remove it rather than hide a regression."""
    found = {(page.stem, p, what) for page in _pages() for p, what, _ in mismatches(page)}
    stale = sorted(set(KNOWN) - found)
    assert not stale, f"KNOWN entries that no longer occur: {stale}"


def test_every_aws_operation_of_the_project_has_a_page() -> None:
    """The trigger operations the resources use are all read from pages (issue 2)."""
    names = {page.stem for page in _pages()}
    assert {
        "StartBuild",
        "StopBuild",
        "BatchGetBuilds",
        "RetryBuild",
        "StartBuildBatch",
        "BatchGetBuildBatches",
        "StopBuildBatch",
        "RetryBuildBatch",
        "ListBuildsForProject",
        "PollForJobs",
        "AcknowledgeJob",
        "GetJobDetails",
        "PutJobSuccessResult",
        "PutJobFailureResult",
    } <= names


@pytest.mark.parametrize("service_id", sorted(SERVICES))
def test_number_rules_on_every_member_of_the_models(service_id: str) -> None:
    """The `number` naming rules hold for every numeric member of the two models, not only for
    those on the bundled pages: other pages of these services are read with the same rules."""
    model = _model(service_id)
    wrong = []
    for shape_name in model.shape_names:
        shape = model.shape_for(shape_name)
        if shape.type_name != "structure":
            continue
        for name, member in shape.members.items():
            kind = _shape_kind(member)
            if kind in ("integer", "float", "timestamp"):
                parsed = _schema_kind(number_schema(name, None))
                if parsed != kind:
                    wrong.append(f"{shape_name}.{name}: parsed {parsed}, botocore {kind}")
    assert not wrong, "\n".join(wrong)


def test_comparison_detects_a_wrong_number_type() -> None:
    """The oracle itself: a timestamp parsed as an integer is reported, not waved through."""
    shape = _model("aws_codebuild").shape_for("BuildPhase")
    schema = {"type": "object", "properties": {name: {"type": "string"} for name in shape.members}}
    schema["properties"]["startTime"] = {"type": "integer"}
    out: list[tuple[str, str, str]] = []
    compare(schema, shape, "phase", False, out)
    assert ("phase.startTime", "type") in {(p, w) for p, w, _ in out}
