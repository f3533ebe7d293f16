"""AWS CodeBuild emulator (target prefix CodeBuild_20161006): projects, builds, batch builds.

`handlers(emu)` returns the operations keyed by name; each takes the request body and returns
the response body, raising `AwsError` for the service's errors. State lives in one `CodeBuild`
object per `handlers()` call (the app rebuilds it on reset). Builds are timelines planned at
start (pulumi_builds.emulators.aws_codebuild_builds) and rendered at the simulated time of each read.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pulumi_builds.emulators.aws_codebuild_batches import Batch, BatchRunner, groups_from_buildspec
from pulumi_builds.emulators.aws_codebuild_builds import Timeline, plan, resolved_source_version
from pulumi_builds.emulators.aws_codebuild_logs import log_lines
from pulumi_builds.emulators.aws_logs_store import store as log_store
from pulumi_builds.emulators.aws_protocol import AwsError, caller
from pulumi_builds.emulators.core import Emulator, Outcome
from pulumi_builds.emulators.validation import Problem, aws_message

SERVICE = "aws_codebuild"
VALIDATION_ERROR = "InvalidInputException"  # CodeBuild's model lists no ValidationException
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
IDEMPOTENCY_WINDOW_S = 300.0  # "valid for five minutes"
PAGE_SIZE = 100
# Members sent as timestamps (CBOR tag 1 in rpc-v2-cbor; plain epoch numbers in JSON).
TIMESTAMPS = {"startTime", "endTime", "requestedOn", "created", "lastModified"}


def project_arn(name: str) -> str:
    return f"arn:aws:codebuild:{REGION}:{ACCOUNT_ID}:project/{name}"


def log_group(project_name: str) -> str:
    """The CloudWatch Logs group CodeBuild writes a project's builds to by default."""
    return f"/aws/codebuild/{project_name}"


def invalid(message: str) -> AwsError:
    return AwsError("InvalidInputException", message)


# -- hand-written checks the service makes but botocore does not (it checks only minimums) ------


@dataclass(frozen=True)
class Limit:
    member: str
    min: int | None = None
    max: int | None = None


LIMITS: dict[str, list[Limit]] = {
    "BatchGetBuilds": [Limit("ids", 1, 100)],
    "BatchGetBuildBatches": [Limit("ids", None, 100)],
    "ListBuildBatchesForProject": [Limit("maxResults", 1, 100)],
    "StartBuild": [
        Limit("timeoutInMinutesOverride", 5, 2160),
        Limit("queuedTimeoutInMinutesOverride", 5, 480),
    ],
    "StartBuildBatch": [
        Limit("buildTimeoutInMinutesOverride", 5, 2160),
        Limit("queuedTimeoutInMinutesOverride", 5, 480),
    ],
}
REQUIRED: dict[str, list[str]] = {
    "CreateProject": ["name", "source", "artifacts", "environment", "serviceRole"],
    "StartBuild": ["projectName"],
    "StartBuildBatch": ["projectName"],
    "BatchGetBuilds": ["ids"],
    "StopBuild": ["id"],
    "StopBuildBatch": ["id"],
    "ListBuildsForProject": ["projectName"],
}


def check_limits(operation: str, body: dict[str, Any]) -> None:
    problems = [
        Problem(m, None, "Member must not be null")
        for m in REQUIRED.get(operation, [])
        if body.get(m) is None
    ]
    for limit in LIMITS.get(operation, []):
        value = body.get(limit.member)
        if value is None:
            continue
        if isinstance(value, list):
            size, unit = len(value), "length"
        elif isinstance(value, int) and not isinstance(value, bool):
            size, unit = value, "value"
        else:
            continue
        if limit.max is not None and size > limit.max:
            problems.append(
                Problem(
                    limit.member,
                    value,
                    f"Member must have {unit} less than or equal to {limit.max}",
                )
            )
        if limit.min is not None and size < limit.min:
            problems.append(
                Problem(
                    limit.member,
                    value,
                    f"Member must have {unit} greater than or equal to {limit.min}",
                )
            )
    if problems:
        raise invalid(aws_message(problems))


# -- records ----------------------------------------------------------------------------------


@dataclass
class Build:
    id: str
    arn: str
    number: int
    project: dict[str, Any]  # the project as it was when the build started
    start: float
    created: float  # for the consistency window (the request time, even for a past start)
    timeline: Timeline
    initiator: str
    environment: dict[str, Any]
    source_version: str | None
    timeout_minutes: int
    queued_timeout_minutes: int
    log_stream: str
    request: dict[str, Any]  # the StartBuild parameters, for RetryBuild
    batch_arn: str | None = None

    def render(self, now: float) -> dict[str, Any]:
        phases, current, status = self.timeline.render(now)
        name = self.project["name"]
        group = log_group(name)
        build: dict[str, Any] = {
            "id": self.id,
            "arn": self.arn,
            "buildNumber": self.number,
            "startTime": self.start,
        }
        if self.timeline.done(now):
            build["endTime"] = self.timeline.end
        build |= {"currentPhase": current, "buildStatus": status}
        if self.source_version is not None:
            build["sourceVersion"] = self.source_version
        if self.timeline.phase_ended("DOWNLOAD_SOURCE", now):
            build["resolvedSourceVersion"] = resolved_source_version(name, self.source_version)
        build |= {
            "projectName": name,
            "phases": phases,
            "source": self.project["source"],
            "secondarySources": [],
            "secondarySourceVersions": [],
            "artifacts": {"location": ""},
            "cache": self.project.get("cache", {"type": "NO_CACHE"}),
            "environment": self.environment,
            "serviceRole": self.project["serviceRole"],
            "logs": {
                "groupName": group,
                "streamName": self.log_stream,
                "deepLink": (
                    f"https://console.aws.amazon.com/cloudwatch/home?region={REGION}"
                    f"#logEvent:group={group};stream={self.log_stream}"
                ),
                "cloudWatchLogsArn": (
                    f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{group}"
                    f":log-stream:{self.log_stream}"
                ),
                "cloudWatchLogs": {"status": "ENABLED"},
                "s3Logs": {"status": "DISABLED", "encryptionDisabled": False},
            },
            "timeoutInMinutes": self.timeout_minutes,
            "queuedTimeoutInMinutes": self.queued_timeout_minutes,
            "buildComplete": self.timeline.done(now),
            "initiator": self.initiator,
            "encryptionKey": self.project["encryptionKey"],
        }
        if self.batch_arn is not None:
            build["buildBatchArn"] = self.batch_arn
        return build


@dataclass
class TokenUse:
    fingerprint: str
    object_id: str
    used_at: float


@dataclass
class CodeBuild:
    emu: Emulator
    projects: dict[str, dict[str, Any]] = field(default_factory=dict)
    builds: dict[str, Build] = field(default_factory=dict)
    build_order: list[str] = field(default_factory=list)  # ids in start order
    batches: dict[str, Batch] = field(default_factory=dict)
    numbers: dict[tuple[str, str], int] = field(default_factory=dict)
    tokens: dict[tuple[str, str], TokenUse] = field(default_factory=dict)

    # -- helpers --------------------------------------------------------------------------

    def next_number(self, kind: str, project: str) -> int:
        key = (kind, project)
        self.numbers[key] = self.numbers.get(key, 0) + 1
        return self.numbers[key]

    def project(self, name: str) -> dict[str, Any]:
        project = self.projects.get(name)
        if project is None:
            raise AwsError(
                "ResourceNotFoundException", f"Project cannot be found: {project_arn(name)}"
            )
        return project

    def idempotent(self, operation: str, body: dict[str, Any], create: Callable[[], str]) -> str:
        """Run `create` unless the same token came with the same parameters in the last five
        minutes (then return that object's id); the same token with other parameters fails."""
        token = body.get("idempotencyToken")
        if token is None:
            return create()
        now = self.emu.now()
        fingerprint = json.dumps(
            {k: v for k, v in body.items() if k != "idempotencyToken"}, sort_keys=True
        )
        key = (operation, token)  # tokens are case sensitive: the key is the exact string
        used = self.tokens.get(key)
        if used is not None and now - used.used_at < IDEMPOTENCY_WINDOW_S:
            if used.fingerprint != fingerprint:
                # Wording unverified: the docs say only "returns a parameter mismatch error".
                raise invalid(
                    f"Idempotency token {token} was used with different request parameters "
                    f"(parameter mismatch)"
                )
            return used.object_id
        object_id = create()
        self.tokens[key] = TokenUse(fingerprint, object_id, now)
        return object_id

    def visible(self, created: float) -> bool:
        return self.emu.is_visible(created)

    def environment_for(
        self,
        project: dict[str, Any],
        overrides: list[dict[str, Any]] | None,
        image: str | None = None,
        compute_type: str | None = None,
    ) -> dict[str, Any]:
        environment: dict[str, Any] = json.loads(json.dumps(project["environment"]))  # deep copy
        variables = {v["name"]: v for v in environment.get("environmentVariables", [])}
        for override in overrides or []:
            variables[override["name"]] = {
                "name": override["name"],
                "value": override.get("value", ""),
                "type": override.get("type", "PLAINTEXT"),
            }
        environment["environmentVariables"] = list(variables.values())
        if image:
            environment["image"] = image
        if compute_type:
            environment["computeType"] = compute_type
        return environment

    def new_build(
        self,
        project: dict[str, Any],
        request: dict[str, Any],
        start: float,
        initiator: str,
        batch_arn: str | None = None,
        selectors: tuple[str, ...] = (),
    ) -> Build:
        """Create a build of `project` starting at `start` with a scripted outcome, if any."""
        name = project["name"]
        build_uuid = self.emu.uuid4()
        timeout = int(request.get("timeoutInMinutesOverride") or project["timeoutInMinutes"])
        queued = int(
            request.get("queuedTimeoutInMinutesOverride") or project["queuedTimeoutInMinutes"]
        )
        # Batch builds look for "<project>/<group identifier>" before the project name.
        outcome = self.emu.take_outcome(SERVICE, *selectors, name)
        timeline = plan(
            start, outcome or Outcome("succeeded"), self.emu.config.build_seconds, timeout
        )
        build = Build(
            id=f"{name}:{build_uuid}",
            arn=f"arn:aws:codebuild:{REGION}:{ACCOUNT_ID}:build/{name}:{build_uuid}",
            number=self.next_number("build", name),
            project=project,
            start=start,
            created=self.emu.now(),
            timeline=timeline,
            initiator=initiator,
            environment=self.environment_for(
                project,
                request.get("environmentVariablesOverride"),
                request.get("imageOverride"),
                request.get("computeTypeOverride"),
            ),
            source_version=request.get("sourceVersion")
            or project["source"].get("sourceVersion")
            or project.get("sourceVersion"),
            timeout_minutes=timeout,
            queued_timeout_minutes=queued,
            log_stream=build_uuid,
            request=dict(request),
            batch_arn=batch_arn,
        )
        self.builds[build.id] = build
        self.build_order.append(build.id)
        self.emu.count(SERVICE, "builds_created")
        self._write_log(build, outcome.log if outcome else ())
        return build

    def _write_log(self, build: Build, printed: tuple[str, ...]) -> None:
        """The build's stream in its project's log group, rendered from its timeline when read."""
        variables = {
            v["name"]: str(v.get("value", ""))
            for v in build.environment.get("environmentVariables", [])
            if v.get("type", "PLAINTEXT") == "PLAINTEXT"
        }
        log_store(self.emu).add_stream(
            log_group(build.project["name"]),
            build.log_stream,
            build.start,
            source=lambda now: log_lines(build.timeline, printed, variables, now),
        )

    def build(self, build_id: str) -> Build:
        build = self.builds.get(build_id)
        if build is None or not self.visible(build.created):
            # Wording unverified (CodeBuild's model only says "resource cannot be found").
            raise AwsError("ResourceNotFoundException", f"Build {build_id} does not exist")
        return build

    def batch(self, batch_id: str) -> Batch:
        batch = self.batches.get(batch_id)
        if batch is None or not self.visible(batch.created):
            raise AwsError("ResourceNotFoundException", f"Build batch {batch_id} does not exist")
        return batch

    def runner(self) -> BatchRunner:
        return BatchRunner(self.emu, self.builds, self.new_build)

    # -- operations -----------------------------------------------------------------------

    def create_project(self, body: dict[str, Any]) -> dict[str, Any]:
        check_limits("CreateProject", body)
        name = body["name"]
        if name in self.projects:
            raise AwsError(
                "ResourceAlreadyExistsException", f"Project already exists: {project_arn(name)}"
            )
        now = self.emu.now()
        environment = {
            "environmentVariables": [],
            "privilegedMode": False,
            "imagePullCredentialsType": "CODEBUILD",
            **body["environment"],
        }
        project = {
            "name": name,
            "arn": project_arn(name),
            **({"description": body["description"]} if "description" in body else {}),
            "source": body["source"],
            "secondarySources": body.get("secondarySources", []),
            **({"sourceVersion": body["sourceVersion"]} if "sourceVersion" in body else {}),
            "artifacts": body["artifacts"],
            "cache": body.get("cache", {"type": "NO_CACHE"}),
            "environment": environment,
            "serviceRole": body["serviceRole"],
            "timeoutInMinutes": body.get("timeoutInMinutes", 60),
            "queuedTimeoutInMinutes": body.get("queuedTimeoutInMinutes", 480),
            "encryptionKey": body.get(
                "encryptionKey", f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:alias/aws/s3"
            ),
            "tags": body.get("tags", []),
            "created": now,
            "lastModified": now,
            "badge": {"badgeEnabled": False},
            "logsConfig": {
                "cloudWatchLogs": {"status": "ENABLED"},
                "s3Logs": {"status": "DISABLED", "encryptionDisabled": False},
            },
            "projectVisibility": "PRIVATE",
        }
        if "buildBatchConfig" in body:
            project["buildBatchConfig"] = body["buildBatchConfig"]
        self.projects[name] = project
        self.emu.count(SERVICE, "projects_created")
        return {"project": project}

    def start_build(self, body: dict[str, Any]) -> dict[str, Any]:
        check_limits("StartBuild", body)
        project = self.project(body["projectName"])

        def create() -> str:
            request = {k: v for k, v in body.items() if k != "idempotencyToken"}
            return self.new_build(project, request, self.emu.now(), caller().access_key_id).id

        build_id = self.idempotent("StartBuild", body, create)
        return {"build": self.builds[build_id].render(self.emu.now())}

    def batch_get_builds(self, body: dict[str, Any]) -> dict[str, Any]:
        check_limits("BatchGetBuilds", body)
        now = self.emu.now()
        found, missing = [], []
        for build_id in dict.fromkeys(body["ids"]):  # duplicates are answered once
            build = self.builds.get(build_id)
            if build is not None and self.visible(build.created):
                found.append(build.render(now))
            else:
                missing.append(build_id)
        result: dict[str, Any] = {"builds": found}
        if missing:  # the model gives buildsNotFound at least one member when present
            result["buildsNotFound"] = missing
        return result

    def stop_build(self, body: dict[str, Any]) -> dict[str, Any]:
        check_limits("StopBuild", body)
        build = self.build(body["id"])
        now = self.emu.now()
        build.timeline.stop(now)  # a completed build stays as it is
        return {"build": build.render(now)}

    def retry_build(self, body: dict[str, Any]) -> dict[str, Any]:
        if not body.get("id"):
            raise invalid(aws_message([Problem("id", None, "Member must not be null")]))
        original = self.build(body["id"])

        def create() -> str:
            project = self.project(original.project["name"])
            return self.new_build(
                project, original.request, self.emu.now(), caller().access_key_id
            ).id

        build_id = self.idempotent("RetryBuild", body, create)
        return {"build": self.builds[build_id].render(self.emu.now())}

    def list_builds_for_project(self, body: dict[str, Any]) -> dict[str, Any]:
        check_limits("ListBuildsForProject", body)
        name = body["projectName"]
        self.project(name)
        order = _sort_order(body)
        ids = [
            i
            for i in self.build_order
            if self.builds[i].project["name"] == name and self.visible(self.builds[i].created)
        ]
        if order == "DESCENDING":
            ids.reverse()
        offset = self._decode_token(body.get("nextToken"), name, order)
        page = ids[offset : offset + PAGE_SIZE]
        # The model gives `ids` at least one member, so a project without builds answers {}.
        result: dict[str, Any] = {"ids": page} if page else {}
        if offset + PAGE_SIZE < len(ids):
            result["nextToken"] = self._encode_token(name, order, offset + PAGE_SIZE)
        return result

    def list_build_batches_for_project(self, body: dict[str, Any]) -> dict[str, Any]:
        check_limits("ListBuildBatchesForProject", body)
        # The page marks projectName optional; the service still needs a project to list.
        name = body.get("projectName") or ""
        self.project(name)
        order = _sort_order(body)
        wanted = (body.get("filter") or {}).get("status")
        now = self.emu.now()
        # The page says "by identifier"; like ListBuildsForProject, the emulator lists newest
        # first for DESCENDING (start order), which is what clients rely on for recent batches.
        ids = [
            batch.id
            for batch in self.batches.values()
            if batch.project["name"] == name
            and self.visible(batch.created)
            and (wanted is None or batch.status(now, self.builds) == wanted)
        ]
        if order == "DESCENDING":
            ids.reverse()
        size = int(body.get("maxResults") or PAGE_SIZE)
        offset = self._decode_token(body.get("nextToken"), name, order)
        page = ids[offset : offset + size]
        result: dict[str, Any] = {"ids": page}  # this model allows an empty list
        if offset + size < len(ids):
            result["nextToken"] = self._encode_token(name, order, offset + size)
        return result

    @staticmethod
    def _encode_token(project: str, order: str, offset: int) -> str:
        raw = json.dumps({"p": project, "o": order, "n": offset}).encode()
        return base64.urlsafe_b64encode(raw).decode()

    @staticmethod
    def _decode_token(token: str | None, project: str, order: str) -> int:
        if token is None:
            return 0
        try:
            data = json.loads(base64.urlsafe_b64decode(token.encode()))
            if data["p"] == project and data["o"] == order and int(data["n"]) >= 0:
                return int(data["n"])
        except (ValueError, KeyError, TypeError, binascii.Error):
            pass
        # A token from another project or sort order is rejected like a malformed one.
        raise invalid(f"Invalid nextToken: {token}")

    # -- batch builds ---------------------------------------------------------------------

    def start_build_batch(self, body: dict[str, Any]) -> dict[str, Any]:
        check_limits("StartBuildBatch", body)
        project = self.project(body["projectName"])

        def create() -> str:
            request = {k: v for k, v in body.items() if k != "idempotencyToken"}
            name = project["name"]
            batch_uuid = self.emu.uuid4()
            config = {
                "serviceRole": project["serviceRole"],
                "combineArtifacts": False,
                "restrictions": {"maximumBuildsAllowed": 100},
                "timeoutInMins": 480,
                **project.get("buildBatchConfig", {}),
                **request.get("buildBatchConfigOverride", {}),
            }
            spec = request.get("buildspecOverride") or project["source"].get("buildspec")
            now = self.emu.now()
            batch = Batch(
                id=f"{name}:{batch_uuid}",
                arn=f"arn:aws:codebuild:{REGION}:{ACCOUNT_ID}:build-batch/{name}:{batch_uuid}",
                number=self.next_number("batch", name),
                project=project,
                start=now,
                created=now,
                initiator=caller().access_key_id,
                request=request,
                config=config,
                environment=self.environment_for(
                    project,
                    request.get("environmentVariablesOverride"),
                    request.get("imageOverride"),
                    request.get("computeTypeOverride"),
                ),
                groups=groups_from_buildspec(spec),
                build_seconds=self.emu.config.build_seconds,
            )
            self.batches[batch.id] = batch
            self.emu.count(SERVICE, "build_batches_created")
            self.runner().advance(batch, now)
            return batch.id

        batch_id = self.idempotent("StartBuildBatch", body, create)
        return {"buildBatch": self.render_batch(self.batches[batch_id])}

    def render_batch(self, batch: Batch) -> dict[str, Any]:
        now = self.emu.now()
        self.runner().advance(batch, now)
        return batch.render(now, self.builds)

    def batch_get_build_batches(self, body: dict[str, Any]) -> dict[str, Any]:
        check_limits("BatchGetBuildBatches", body)
        found, missing = [], []
        for batch_id in dict.fromkeys(body.get("ids", [])):
            batch = self.batches.get(batch_id)
            if batch is not None and self.visible(batch.created):
                found.append(self.render_batch(batch))
            else:
                missing.append(batch_id)
        result: dict[str, Any] = {"buildBatches": found}
        if missing:
            result["buildBatchesNotFound"] = missing
        return result

    def stop_build_batch(self, body: dict[str, Any]) -> dict[str, Any]:
        check_limits("StopBuildBatch", body)
        batch = self.batch(body["id"])
        now = self.emu.now()
        self.runner().advance(batch, now)
        batch.stop(now, self.builds)
        return {"buildBatch": batch.render(now, self.builds)}

    def retry_build_batch(self, body: dict[str, Any]) -> dict[str, Any]:
        if not body.get("id"):
            raise invalid(aws_message([Problem("id", None, "Member must not be null")]))
        retry_type = body.get("retryType", "RETRY_ALL_BUILDS")  # default unverified
        if retry_type not in ("RETRY_ALL_BUILDS", "RETRY_FAILED_BUILDS"):
            raise invalid(
                aws_message(
                    [
                        Problem(
                            "retryType",
                            retry_type,
                            "Member must satisfy enum value set: [RETRY_ALL_BUILDS, RETRY_FAILED_BUILDS]",
                        )
                    ]
                )
            )
        batch = self.batch(body["id"])

        def retry() -> str:
            now = self.emu.now()
            runner = self.runner()
            runner.advance(batch, now)
            if batch.status(now, self.builds) != "FAILED":
                raise invalid("Only batch builds that have failed can be retried")
            batch.retry(now, retry_type == "RETRY_FAILED_BUILDS", self.builds)
            runner.advance(batch, now)
            return batch.id

        self.idempotent("RetryBuildBatch", body, retry)
        return {"buildBatch": self.render_batch(batch)}

    def advance_batches(self) -> None:
        """Create the batch builds whose turn has come, so every read sees them."""
        now = self.emu.now()
        runner = self.runner()
        for batch in self.batches.values():
            if batch.status(now, self.builds) == "IN_PROGRESS":
                runner.advance(batch, now)

    def operations(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        def after_batches(
            operation: Callable[[dict[str, Any]], dict[str, Any]],
        ) -> Callable[[dict[str, Any]], dict[str, Any]]:
            def run(body: dict[str, Any]) -> dict[str, Any]:
                self.advance_batches()
                return operation(body)

            return run

        return {name: after_batches(op) for name, op in self._operations().items()}

    def _operations(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "CreateProject": self.create_project,
            "StartBuild": self.start_build,
            "BatchGetBuilds": self.batch_get_builds,
            "StopBuild": self.stop_build,
            "RetryBuild": self.retry_build,
            "ListBuildsForProject": self.list_builds_for_project,
            "StartBuildBatch": self.start_build_batch,
            "BatchGetBuildBatches": self.batch_get_build_batches,
            "ListBuildBatchesForProject": self.list_build_batches_for_project,
            "StopBuildBatch": self.stop_build_batch,
            "RetryBuildBatch": self.retry_build_batch,
        }


def _sort_order(body: dict[str, Any]) -> str:
    order = str(body.get("sortOrder", "DESCENDING"))
    if order not in ("ASCENDING", "DESCENDING"):
        raise invalid(
            aws_message(
                [
                    Problem(
                        "sortOrder",
                        order,
                        "Member must satisfy enum value set: [ASCENDING, DESCENDING]",
                    )
                ]
            )
        )
    return order


def handlers(emu: Emulator) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
    return CodeBuild(emu).operations()
