# Copied by builds-codegen from codegen/shipped/ into generated/, byte for byte. Edit the original.
"""The runtime form of one entry of the declarative resource mapping (schemas/mapping.json).

The code generator parses schemas/mapping.json into these dataclasses (codegen/mapping.py: the
defaults live here, nowhere else) and writes each resource's `ResourceSpec(...)` literal into
`generated/<service>/resources.py`; the lifecycle engine reads nothing else about a service.
Paths are dotted wire paths into a request or response (`build.id`, `package.guid`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FunctionSpec:
    """A function (`get_builds`): one operation called from the program or the native provider's
    Invoke, its batches or pages, and which parts of its answer are secret."""

    service: str
    operation: str
    name: str = ""  # the Python name; the package schema's token uses its lower camelCase
    params: Mapping[str, str] = field(default_factory=dict)  # Python argument -> wire name
    secret_outputs: tuple[str, ...] = ()  # top-level answer fields that hold a secret below
    batch_param: str | None = None  # the list parameter to split
    batch_max: int = 0  # at most this many per call
    merge: tuple[str, ...] = ()  # response paths to merge across calls (lists or maps)
    pages: bool = False  # follow pagination to the last page
    page_param: str = "page"
    items: str | None = None  # the list of items in a page
    total_pages: str | None = None  # path of the page count in a page


@dataclass(frozen=True)
class ConfigSpec:
    """A `pulumi-builds:<key>` setting of the provider as schemas/mapping.json declares it
    (generated/_config.py lists them; pulumi_builds/settings.py reads that list)."""

    key: str  # `awsRegion`
    environment: tuple[str, ...] = ()  # variables read when the key is not set, in order
    secret: bool = False
    default: str | None = None


@dataclass(frozen=True)
class CommonField:
    """An input or output every build resource has besides its own, declared once: the Python
    class signature and docstring (templates/resources.py.j2), the package schema
    (emit/pulumi_schema.py), validation at `check` and the lifecycle all read this table."""

    name: str  # the Python (and state) name; the package schema's is its lower camelCase
    type: str  # Pulumi schema type: boolean | number | integer | string | object (a string map)
    python: str  # the annotation of the class's keyword argument (inputs) or output
    doc: str  # one text for the docstring and the schema's description
    default: Any = None  # the keyword argument's default, declared in the schema when not None
    when_unset: Any = None  # what the lifecycle uses when the state holds no value
    rule: str | None = None  # checked at `check`: a key of RULES
    retry_only: bool = False  # only resources that can retry a failed build (spec.retry)
    replaces: bool = False  # a change means a new build (else: an update in place)


# rule -> (accepts the value, what the failure says): `x` = 5 breaks the rule: <text>
RULES: Mapping[str, tuple[Callable[[Any], bool], str]] = {
    "boolean": (lambda v: isinstance(v, bool), "must be true or false"),
    "positive": (
        lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0,
        "seconds, greater than 0",
    ),
    "count": (
        lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0,
        "a whole number >= 0",
    ),
}

COMMON_INPUTS: tuple[CommonField, ...] = (
    CommonField(
        "wait",
        "boolean",
        "bool",
        "Wait until the build is finished (the default), so dependents see its outcome; false "
        "returns as soon as the build exists (`pulumi refresh` tracks it).",
        default=True,
        when_unset=True,
        rule="boolean",
    ),
    CommonField(
        "wait_timeout",
        "number",
        "float | None",
        "Seconds to wait at most (default 3600); the build keeps running and the next `up` "
        "adopts it.",
        when_unset=3600.0,
        rule="positive",
    ),
    CommonField(
        "stop_on_delete",
        "boolean",
        "bool",
        "On delete, stop the build if it still runs (default true); otherwise the build is "
        "forgotten.",
        default=True,
        when_unset=True,
        rule="boolean",
    ),
    CommonField(
        "retry_failed_builds",
        "boolean",
        "bool",
        "Retry a failed build before failing the update.",
        default=False,
        when_unset=False,
        rule="boolean",
        retry_only=True,
    ),
    CommonField(
        "max_retries",
        "integer",
        "int",
        "How many retries at most (default 1).",
        default=1,
        when_unset=1,
        rule="count",
        retry_only=True,
    ),
    CommonField(
        "triggers",
        "object",
        "Mapping[str, str] | None",
        "Any change to this map starts a new build (like Terraform's "
        "`terraform_data.triggers_replace`).",
        replaces=True,
    ),
)

COMMON_OUTPUTS: tuple[CommonField, ...] = (
    CommonField("build_id", "string", "str", "The service's id of the build."),
    CommonField(
        "succeeded",
        "boolean",
        "bool | None",
        "True when the build finished successfully, false when it failed, absent while it runs.",
    ),
)

# Inputs every resource has that shape how it behaves, not which build it is: changing them is an
# update in place, never a new build.
BEHAVIOUR_INPUTS = tuple(f.name for f in COMMON_INPUTS if not f.replaces)


def common_inputs(retry: bool) -> tuple[CommonField, ...]:
    """The shared inputs of a resource (`retry`: it can retry a failed build)."""
    return tuple(f for f in COMMON_INPUTS if retry or not f.retry_only)


def common_input(name: str) -> CommonField:
    return next(f for f in COMMON_INPUTS if f.name == name)


@dataclass(frozen=True)
class InputSpec:
    name: str  # the Python (and state) name: `environment_variables`
    wire: str  # dotted path in the trigger request: `environmentVariablesOverride`
    transform: str = (
        "value"  # value | name_value_list (a {name: value} map sent as [{name, value, ...}])
    )
    item_defaults: Mapping[str, Any] = field(default_factory=dict)
    secret: bool = False
    context: bool = False  # also needed by read/stop calls (e.g. Cloudflare's account_id)
    sent: bool = True  # False: used by the provider only (e.g. to find a lost build), not sent
    type: str | None = None  # the model its value holds, a key of ResourceSpec.wire_names
    type_is_map: bool = False  # a map whose values are that model


@dataclass(frozen=True)
class ReadSpec:
    operation: str
    id_param: str  # where the id (or the list of ids) goes
    items: str | None = None  # batched reads: path of the list of objects in the response
    item_id: str = "id"  # the id field inside each object
    object: str | None = None  # single reads: path of the object in the response
    max_ids: int = 1  # > 1: a batched read, at most this many ids per call
    not_found: str | None = None  # path of the list of ids the service did not find
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ListReadSpec:
    """Waiting builds read many at a time through a list operation, where `read` takes one id
    (Cloud Foundry: ListBuilds by `package_guids`; Workers Builds: ListBuildsByScript). The
    waiting builds are grouped by the value of one of their inputs (`key_input`), and one call
    asks for the builds of up to `max_keys` of those values; a build the answer leaves out (no
    key, an older page, not listed yet) is read with `read`, one by one."""

    operation: str
    key_param: str  # where the keys go: a list (comma list on the wire), or one value (max 1)
    key_input: str  # the input (Python name) whose value is a build's key
    items: str  # path of the list of build objects in the answer
    item_id: str = "id"  # the id field inside each object
    max_keys: int = 1
    extra: Mapping[str, Any] = field(default_factory=dict)  # fixed parameters (page size, order)


@dataclass(frozen=True)
class FindSpec:
    """Read-before-retry for triggers with no idempotency token: how to find a build we may
    already have started. Parameter values are templates: `{token}` or `{input:<name>}`."""

    operation: str
    params: Mapping[str, str]
    items: str
    item_id: str
    match: Mapping[str, str] = field(default_factory=dict)  # item path -> template, all must equal


@dataclass(frozen=True)
class MarkerItemSpec:
    """The token carried as one item of a list the service returns on reads (CodeBuild: an
    environment variable override `{name: PULUMI_BUILDS_TOKEN, value: <token>, type: PLAINTEXT}`
    that BatchGetBuilds reports back under `environment.environmentVariables`)."""

    request_list: str  # the list in the trigger request the item is appended to
    read_list: str  # the same list in the build object as reads return it
    key_field: str  # the item field that names it (`name`)
    key: str  # its name (`PULUMI_BUILDS_TOKEN`)
    value_field: str  # the item field that holds the token (`value`)
    # A second item naming the resource (any inputs): tells which build of it came last.
    resource_key: str | None = None  # `PULUMI_BUILDS_RESOURCE`
    extra: Mapping[str, Any] = field(default_factory=dict)  # fixed fields of the items (`type`)


@dataclass(frozen=True)
class RecentSpec:
    """Look-up before the first trigger, for builds that carry their token (MarkerItemSpec): the
    ids of the project's most recent builds, newest first, from a list operation, then one
    batched read (the resource's `read`) of at most `window` builds; the token must match exactly.
    Parameter values are templates like FindSpec's."""

    operation: str
    params: Mapping[str, Any]
    ids: str  # path of the id list in the answer
    next_token: str | None = None  # the answer's (and the request's) next-page token
    window: int = 100  # at most this many recent builds are read


@dataclass(frozen=True)
class LogsSpec:
    """A log API in scope for the failure message: its lines, read page by page to the end."""

    operation: str
    id_param: str
    lines: str  # path of the list of lines; a line is text or [timestamp, text]
    cursor_param: str | None = None
    cursor: str | None = None  # path of the next page's cursor in the answer
    more: str | None = None  # path of the flag that says more lines are waiting


@dataclass(frozen=True)
class LogStreamSpec:
    """The build's log in another service's log API (CodeBuild: a CloudWatch Logs stream), where
    the build object names it. The failure message reads its last lines; the native provider's
    rows show its newest line, read for many builds at once (pulumi_builds/cloudwatch_logs.py)."""

    service: str  # the log API's service id: `aws_logs`
    group: str  # path of the log group's name in the build object: `logs.groupName`
    stream: str  # path of the stream's name: `logs.streamName`


@dataclass(frozen=True)
class MemberBuildsSpec:
    """A batch whose builds are resources' builds of their own (CodeBuild batches): a failed
    batch's message shows the log of its first failed build, read as `resource` reads builds."""

    items: str  # path of the list of members in the batch object: `buildGroups`
    arn: str  # path of a member build's ARN inside an item: `currentBuildSummary.arn`
    status: str  # path of a member build's status inside an item
    resource: str  # the resource of the member builds (same service): `Build`
    id_after: str  # a build's id is what follows this in its ARN: `:build/`


@dataclass(frozen=True)
class ActionSpec:
    operation: str
    id_param: str
    token_param: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StatusSpec:
    field: str  # `buildStatus`, `state`, `status`
    terminal: tuple[str, ...]  # values of `field` after which nothing changes
    success: tuple[str, ...]  # values of `outcome_field` that count as success
    outcome_field: str | None = None  # Cloudflare: `status` says stopped, `build_outcome` says how


@dataclass(frozen=True)
class FailureSpec:
    phases: str | None = None  # CodeBuild: list of phases
    phase_name: str = "phaseType"
    phase_status: str = "phaseStatus"
    phase_messages: str = "contexts"  # list of {statusCode, message} in a failed phase
    message: str | None = None  # Cloud Foundry: `error`
    log_link: str | None = None  # CodeBuild: `logs.deepLink`, the console page of the build log
    logs: LogsSpec | None = None  # Cloudflare: the build's log lines
    log_stream: LogStreamSpec | None = None  # CodeBuild: its CloudWatch Logs stream
    member_builds: MemberBuildsSpec | None = None  # CodeBuild batches: their builds' logs


@dataclass(frozen=True)
class OutputSpec:
    name: str  # Python / state name: `build_status`
    wire: str  # dotted path in the build object: `logs.deepLink`
    secret: bool = False
    timestamp: bool = False  # kept in the state as ISO 8601 text, whatever the wire sends


@dataclass(frozen=True)
class ResourceSpec:
    key: str  # `aws_codebuild.Build`
    service: str  # `aws_codebuild`
    trigger: str  # the operation that starts a build
    trigger_id: str  # path of the new build's id in the trigger response
    read: ReadSpec
    status: StatusSpec
    inputs: tuple[InputSpec, ...]
    outputs: tuple[OutputSpec, ...]
    trigger_object: str | None = None  # path of the full build object in the trigger response
    idempotency_param: str | None = None  # the trigger's idempotency token parameter
    marker_param: str | None = None  # no token: a field (label) carrying the token, for `find`
    find: FindSpec | None = None  # how to find a build we may have started (read-before-retry)
    marker_item: MarkerItemSpec | None = None  # the token as a list item that reads return
    recent: RecentSpec | None = None  # how to find it among the recent builds (any machine)
    list_read: ListReadSpec | None = None  # many waiting builds in one call where read takes one
    stop: ActionSpec | None = None
    # On delete, rewrite the build's marker (`marker_param`) so that no look-up for the same
    # token finds it again: the same inputs after a destroy mean a new build (Cloud Foundry).
    unmark: ActionSpec | None = None
    retry: ActionSpec | None = None  # retry a failed build (CodeBuild batches)
    failure: FailureSpec = field(default_factory=FailureSpec)
    # Nested inputs' keys: model -> {Python name: (wire name, model below, a map of it)}.
    wire_names: Mapping[str, Mapping[str, tuple[str, str | None, bool]]] = field(
        default_factory=dict
    )

    def input(self, name: str) -> InputSpec:
        return next(i for i in self.inputs if i.name == name)

    @property
    def secret_inputs(self) -> frozenset[str]:
        """Inputs kept as Pulumi secrets (in the state, in outputs, in logs)."""
        return frozenset(i.name for i in self.inputs if i.secret)

    @property
    def secret_names(self) -> frozenset[str]:
        """Every input and output kept as a Pulumi secret."""
        return self.secret_inputs | {o.name for o in self.outputs if o.secret}

    @property
    def context_inputs(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.inputs if i.context)
