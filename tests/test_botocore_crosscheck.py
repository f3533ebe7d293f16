"""The AWS reader's drafts against botocore's own service models (the test oracle, never read by
the reader): member names, nesting, types, shape names, required, enums, constraints, patterns
and error names, for every AWS page in schemas/pages/.

What a page can state decides what is compared. Members listed under "Request Parameters" /
"Response Elements" carry Type, Required, Valid Values and constraint lines, so everything is
compared for them (and for the items of their arrays and the values of their maps). Members of
nested shapes appear only in the syntax block, which shows names, nesting and `"string"` /
`number` / `boolean` placeholders and nothing else: for them names, nesting and types (the
number rules) are compared. Where AWS publishes a data-type page for the nested shape
(schemas/pages/aws_*/API_<Shape>.md), its members' facts are merged in (codegen/datatypes.py), so
everything is compared for them too, and each data-type page is compared with botocore's shape
on its own. The remaining differences are listed in KNOWN with the reason for each.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.model import ServiceModel, Shape

from pulumi_builds.codegen import datatypes
from pulumi_builds.codegen.readers import aws
from pulumi_builds.codegen.readers.aws_numbers import number_schema

PAGES = Path(__file__).resolve().parent.parent / "schemas" / "pages"
SERVICES = {"aws_codebuild": "codebuild", "aws_codepipeline": "codepipeline", "aws_logs": "logs"}

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
    schema: dict[str, Any],
    shape: Shape,
    path: str,
    stated: bool,
    out: list[tuple[str, str, str]],
    paged: frozenset[str] = frozenset(),
    request: bool = False,
    reached: bool = False,
) -> None:
    """Appends (path, what, detail) for each difference between a parsed schema and a shape.

    `paged`: shapes with a data-type page, whose members state everything when the pages lead
    there (`reached`: a member the operation page types, or a member of a reached paged shape;
    a shape inside one without a page, e.g. ProjectEnvironment's, is not reached); `request`: the
    schema is on the request side, where a paged shape's required members are compared."""
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
        item = shape.member
        compare(schema.get("items", {}), item, path + "[]", stated, out, paged, request, reached)
    elif kind == "map":
        if stated:  # keys: only their string constraints can be stated ("Key Pattern: ...")
            keys = {"type": "string", **schema.get("propertyNames", {})}
            compare(keys, shape.key, path + "{key}", stated, out)
        value = schema["additionalProperties"]
        compare(value, shape.value, path + "{}", stated, out, paged, request, reached)
    elif kind == "structure":
        ours_props = schema.get("properties", {})
        theirs = shape.members
        if set(ours_props) != set(theirs):
            out.append((path, "members", _set_diff(set(ours_props), set(theirs))))
        inner = reached and shape.name in paged
        for name in ours_props:
            if name in theirs:
                member = ours_props[name]
                where = f"{path}.{name}"
                compare(member, theirs[name], where, inner, out, paged, request, inner)
        if inner and request:
            required = set(shape.required_members) & set(ours_props)
            if set(schema.get("required", [])) != required:
                detail = f"parsed {schema.get('required')}, botocore {sorted(required)}"
                out.append((path, "required", detail))


def compare_body(
    schema: dict[str, Any],
    shape: Shape | None,
    side: str,
    request: bool,
    paged: frozenset[str] = frozenset(),
) -> list[tuple[str, str, str]]:
    """Top level: every member is a listed one, so everything is compared."""
    out: list[tuple[str, str, str]] = []
    ours = schema.get("properties", {})
    theirs = shape.members if shape is not None else {}
    if set(ours) != set(theirs):
        out.append((side, "members", _set_diff(set(ours), set(theirs))))
    for name in ours:
        if name in theirs:
            compare(ours[name], theirs[name], f"{side}.{name}", True, out, paged, request, True)
    if request:
        required = set(shape.required_members) if shape is not None else set()
        if set(schema.get("required", [])) != required:
            detail = f"parsed {schema.get('required')}, botocore {sorted(required)}"
            out.append((side, "required", detail))
    return out


def _pages() -> list[Path]:
    return sorted(p for sid in SERVICES for p in (PAGES / sid).glob("*.txt"))


def _datatype_pages() -> list[Path]:
    return sorted(p for sid in SERVICES for p in (PAGES / sid).glob("API_*.md"))


def _datatypes(service_id: str) -> dict[str, datatypes.DataType]:
    pages = [p for p in _datatype_pages() if p.parent.name == service_id]
    return datatypes.collect(
        (str(p), aws.read_page(p.read_text(encoding="utf-8"), str(p))) for p in pages
    )


def mismatches(page: Path) -> list[tuple[str, str, str]]:
    draft = aws.read_page(page.read_text(encoding="utf-8"), str(page))
    ((name, op),) = draft["operations"].items()
    service_id = page.parent.name
    shapes = _datatypes(service_id)
    for side in ("request", "response"):
        where = f"{page.name} {name} {side}"
        datatypes.merge(service_id, shapes, op[side], request=side == "request", where=where)
    paged = frozenset(shapes)
    model = _model(service_id).operation_model(name)
    out = compare_body(op["request"], model.input_shape, "request", True, paged)
    out += compare_body(op["response"], model.output_shape, "response", False, paged)
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


# CloudWatch Logs writes its times as Long milliseconds, which the naming rules (made for CodeBuild
# and CodePipeline, whose times are epoch-second timestamps) would read as timestamps. The rules
# decide no CloudWatch Logs member: every `number` its bundled pages show only in a syntax block
# (the events' times) has its data-type page (OutputLogEvent, FilteredLogEvent), whose Type lines
# win; test_every_aws_logs_number_comes_from_a_type_line checks that.
_NUMBER_RULE_SERVICES = sorted(set(SERVICES) - {"aws_logs"})


@pytest.mark.parametrize("service_id", _NUMBER_RULE_SERVICES)
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


def datatype_mismatches(page: Path) -> list[tuple[str, str, str]]:
    draft = aws.read_page(page.read_text(encoding="utf-8"), str(page))
    ((name, schema),) = draft["shapes"].items()
    shape = _model(page.parent.name).shape_for(name)
    out = compare_body(schema, shape, name, request=True)
    # Members typed 'X object' are drawn by name only: their members are compared on X's page.
    return [(path, what, detail) for path, what, detail in out if path == name or what != "members"]


@pytest.mark.parametrize("page", _datatype_pages(), ids=lambda p: p.stem)
def test_datatype_page_matches_botocore(page: Path) -> None:
    """Every member of a data-type page: type, shape name, enum, bounds, pattern, required."""
    found = datatype_mismatches(page)
    assert not found, "\n".join(f"{page.stem} {p}: {what}: {detail}" for p, what, detail in found)


def test_nested_facts_come_from_the_datatype_pages() -> None:
    """The oracle compares nested members of paged shapes in full: without the data-type pages'
    facts merged, BatchGetBuilds' Build.buildStatus and BuildPhase.phaseType lack their enums
    (the operation page's syntax block shows only "string")."""
    page = PAGES / "aws_codebuild" / "BatchGetBuilds.txt"
    draft = aws.read_page(page.read_text(encoding="utf-8"), str(page))
    op = draft["operations"]["BatchGetBuilds"]
    paged = frozenset(_datatypes("aws_codebuild"))
    shape = _model("aws_codebuild").operation_model("BatchGetBuilds").output_shape
    found = {
        (p, what) for p, what, _ in compare_body(op["response"], shape, "response", False, paged)
    }
    assert ("response.builds[].buildStatus", "enum") in found
    assert ("response.builds[].phases[].phaseType", "enum") in found
    assert not any(p.startswith("response.builds[].environment.") for p, _ in found)


def test_every_aws_logs_number_comes_from_a_type_line() -> None:
    """No CloudWatch Logs time is typed by the naming rules: each numeric member of the document is
    an integer (Long milliseconds), as botocore has it, never an epoch-seconds timestamp."""
    document = json.loads((PAGES.parent / "aws_logs.json").read_text(encoding="utf-8"))
    numbers = [
        (shape, name, prop)
        for shape, schema in document["$defs"].items()
        for name, prop in schema.get("properties", {}).items()
        if prop.get("type") in ("integer", "number")
    ]
    assert numbers
    model = _model("aws_logs")
    for shape, name, prop in numbers:
        assert prop["type"] == "integer" and "x-timestamp" not in prop, (shape, name, prop)
        assert _shape_kind(model.shape_for(shape).members[name]) == "integer", (shape, name)
