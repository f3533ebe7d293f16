"""AWS CodePipeline custom-action jobs (target prefix CodePipeline_20150709).

A job worker's view of CodePipeline: jobs for custom action types are enqueued through the
control route `POST /_emulator/aws_codepipeline/jobs` (standing in for a pipeline reaching the
action), then PollForJobs -> AcknowledgeJob (nonce) -> GetJobDetails -> PutJobSuccessResult /
PutJobFailureResult, with the statuses Queued -> Dispatched -> InProgress -> Succeeded | Failed |
TimedOut. `GET /_emulator/aws_codepipeline/jobs/{id}` shows a job's status and result (the real
API shows them only in the pipeline's execution history).
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from pulumi_builds.emulators.aws_protocol import AwsError
from pulumi_builds.emulators.core import Emulator
from pulumi_builds.emulators.validation import Problem, aws_message

SERVICE = "aws_codepipeline"
VALIDATION_ERROR = "ValidationException"
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
TIMESTAMPS: set[str] = set()
JOB_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
CATEGORIES = ("Source", "Build", "Deploy", "Test", "Invoke", "Approval", "Compute")
FAILURE_TYPES = (
    "JobFailed",
    "ConfigurationError",
    "PermissionError",
    "RevisionOutOfSync",
    "RevisionUnavailable",
    "SystemUnavailable",
)
DEFAULT_JOB_TIMEOUT_S = 3600.0  # a dispatched job not finished within this times out
TERMINAL = ("Succeeded", "Failed", "TimedOut")


def validation(*problems: Problem) -> AwsError:
    return AwsError(VALIDATION_ERROR, aws_message(list(problems)))


def require(body: dict[str, Any], *members: str) -> None:
    missing = [Problem(m, None, "Member must not be null") for m in members if body.get(m) is None]
    if missing:
        raise validation(*missing)


def check_job_id(job_id: Any) -> str:
    if not isinstance(job_id, str) or not JOB_ID.fullmatch(job_id):
        raise validation(
            Problem(
                "jobId", job_id, f"Member must satisfy regular expression pattern: {JOB_ID.pattern}"
            )
        )
    return job_id


def action_key(action_type: dict[str, Any]) -> tuple[str, str, str, str]:
    return (
        action_type.get("category", ""),
        action_type.get("owner", ""),
        action_type.get("provider", ""),
        action_type.get("version", ""),
    )


@dataclass
class Job:
    id: str
    action_type: dict[str, str]
    data: dict[str, Any]
    created: float
    timeout_s: float
    status: str = "Queued"
    nonce: str | None = None
    dispatched_at: float | None = None
    result: dict[str, Any] | None = None
    history: list[str] = field(default_factory=lambda: ["Created", "Queued"])

    def set_status(self, status: str) -> None:
        self.status = status
        self.history.append(status)

    def expire(self, now: float) -> None:
        """A dispatched job that is not finished within its timeout times out."""
        if (
            self.status in ("Dispatched", "InProgress")
            and self.dispatched_at is not None
            and now - self.dispatched_at >= self.timeout_s
        ):
            self.set_status("TimedOut")

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "history": self.history,
            "actionTypeId": self.action_type,
            "result": self.result,
        }


@dataclass
class CodePipeline:
    emu: Emulator
    jobs: dict[str, Job] = field(default_factory=dict)
    action_types: set[tuple[str, str, str, str]] = field(default_factory=set)

    # -- helpers ----------------------------------------------------------------------------

    def _random(self, alphabet: str, length: int) -> str:
        return "".join(self.emu.rng.choice(alphabet) for _ in range(length))

    def _credentials(self) -> dict[str, str]:
        """Temporary S3 credentials for the job's artifacts (random, never real)."""
        return {
            "accessKeyId": "ASIA" + self._random(string.ascii_uppercase + string.digits, 16),
            "secretAccessKey": self._random(string.ascii_letters + string.digits + "/+", 40),
            "sessionToken": "IQoJb3JpZ2luX2Vj" + self._random(string.ascii_letters + "/+=", 120),
        }

    def job(self, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None or not self.emu.is_visible(job.created):
            raise AwsError("JobNotFoundException", f"Job not found: {job_id}")
        job.expire(self.emu.now())
        return job

    def job_details(self, job: Job) -> dict[str, Any]:
        return {"id": job.id, "data": job.data, "accountId": ACCOUNT_ID}

    # -- setup (control route) ---------------------------------------------------------------

    def enqueue(self, body: dict[str, Any]) -> Job:
        """Queue a job for a custom action, as a pipeline execution reaching the action would."""
        action_type = body.get("actionTypeId")
        if not isinstance(action_type, dict):
            raise TypeError(
                "actionTypeId: required, an object {category, owner, provider, version}"
            )
        missing = [
            k
            for k in ("category", "owner", "provider", "version")
            if not isinstance(action_type.get(k), str) or not action_type[k]
        ]
        if missing:
            raise ValueError(f"actionTypeId: missing or empty {missing}")
        if action_type["owner"] != "Custom":
            raise ValueError(
                f"actionTypeId.owner: {action_type['owner']!r}; job workers only "
                f"get jobs of action types owned by 'Custom'"
            )
        if action_type["category"] not in CATEGORIES:
            raise ValueError(
                f"actionTypeId.category: {action_type['category']!r} is not one of "
                f"{list(CATEGORIES)}"
            )
        configuration = body.get("configuration", {})
        if not isinstance(configuration, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in configuration.items()
        ):
            raise ValueError("configuration: must be an object of string values")
        pipeline = body.get("pipelineName", "emulated-pipeline")
        execution_id = body.get("pipelineExecutionId") or self.emu.uuid4()
        data: dict[str, Any] = {
            "actionTypeId": {
                k: action_type[k] for k in ("category", "owner", "provider", "version")
            },
            "actionConfiguration": {"configuration": configuration},
            "pipelineContext": {
                "pipelineName": pipeline,
                "stage": {"name": body.get("stageName", "Build")},
                "action": {
                    "name": body.get("actionName", action_type["provider"]),
                    "actionExecutionId": self.emu.uuid4(),
                },
                "pipelineArn": f"arn:aws:codepipeline:{REGION}:{ACCOUNT_ID}:{pipeline}",
                "pipelineExecutionId": execution_id,
            },
            "inputArtifacts": [self._artifact(a, pipeline) for a in body.get("inputArtifacts", [])],
            "outputArtifacts": [
                self._artifact(a, pipeline) for a in body.get("outputArtifacts", [])
            ],
            "artifactCredentials": self._credentials(),
        }
        timeout = body.get("timeout_s", DEFAULT_JOB_TIMEOUT_S)
        if not isinstance(timeout, (int, float)) or timeout <= 0:
            raise ValueError(f"timeout_s: {timeout!r} must be a number > 0")
        return self._add_job(data, float(timeout))

    def continue_job(self, job: Job, continuation_token: str) -> Job:
        """The next job of an action whose worker returned a continuation token."""
        data = json.loads(json.dumps(job.data))  # same action, configuration and artifacts
        data["artifactCredentials"] = self._credentials()
        data["continuationToken"] = continuation_token
        return self._add_job(data, job.timeout_s)

    def _add_job(self, data: dict[str, Any], timeout_s: float) -> Job:
        job = Job(self.emu.uuid4(), data["actionTypeId"], data, self.emu.now(), timeout_s)
        self.jobs[job.id] = job
        self.action_types.add(action_key(data["actionTypeId"]))
        self.emu.count(SERVICE, "jobs_created")
        return job

    def _artifact(self, artifact: Any, pipeline: str) -> dict[str, Any]:
        if isinstance(artifact, str):
            artifact = {"name": artifact}
        if not isinstance(artifact, dict) or not isinstance(artifact.get("name"), str):
            raise TypeError(f"artifact: {artifact!r} needs a name")
        name = artifact["name"]
        return {
            "name": name,
            **({"revision": artifact["revision"]} if "revision" in artifact else {}),
            "location": {
                "type": "S3",
                "s3Location": {
                    "bucketName": artifact.get("bucketName", f"codepipeline-{REGION}-emulator"),
                    "objectKey": artifact.get(
                        "objectKey", f"{pipeline}/{name}/{self._random('0123456789abcdef', 7)}"
                    ),
                },
            },
        }

    # -- operations ----------------------------------------------------------------------------

    def poll_for_jobs(self, body: dict[str, Any]) -> dict[str, Any]:
        require(body, "actionTypeId")
        action_type = body["actionTypeId"]
        max_batch = body.get("maxBatchSize", 1)
        if not isinstance(max_batch, int) or max_batch < 1:
            raise validation(
                Problem(
                    "maxBatchSize", max_batch, "Member must have value greater than or equal to 1"
                )
            )
        query = body.get("queryParam") or {}
        if len(query) > 1:
            raise validation(
                Problem("queryParam", query, "Member must have length less than or equal to 1")
            )
        if action_type.get("owner") != "Custom":
            # Wording unverified; the API serves jobs only for Custom-owned action types.
            raise validation(
                Problem(
                    "actionTypeId.owner",
                    action_type.get("owner"),
                    "Member must satisfy enum value set: [Custom]",
                )
            )
        key = action_key(action_type)
        if key not in self.action_types:
            raise AwsError(
                "ActionTypeNotFoundException",
                "ActionType not found: category={}, owner={}, provider={}, version={}".format(*key),
            )
        now = self.emu.now()
        jobs: list[dict[str, Any]] = []
        for job in self.jobs.values():
            if len(jobs) >= max_batch:
                break
            job.expire(now)
            configuration = job.data["actionConfiguration"]["configuration"]
            if (
                job.status != "Queued"
                or action_key(job.action_type) != key
                or not self.emu.is_visible(job.created)
                or any(configuration.get(k) != v for k, v in query.items())
            ):
                continue
            job.nonce = str(self.emu.rng.randint(1, 999_999))
            job.dispatched_at = now
            job.set_status("Dispatched")
            jobs.append(
                {"id": job.id, "data": job.data, "nonce": job.nonce, "accountId": ACCOUNT_ID}
            )
        return {"jobs": jobs}

    def acknowledge_job(self, body: dict[str, Any]) -> dict[str, Any]:
        require(body, "jobId", "nonce")
        job_id = check_job_id(body["jobId"])
        nonce = body["nonce"]
        if not isinstance(nonce, str) or not 1 <= len(nonce) <= 50:
            raise validation(Problem("nonce", nonce, "Member must have length between 1 and 50"))
        job = self.job(job_id)
        if job.nonce is None or nonce != job.nonce:
            raise AwsError("InvalidNonceException", "Nonce does not match the job's nonce")
        if job.status == "Dispatched":
            job.set_status("InProgress")
        return {"status": job.status}

    def get_job_details(self, body: dict[str, Any]) -> dict[str, Any]:
        require(body, "jobId")
        job = self.job(check_job_id(body["jobId"]))
        return {"jobDetails": self.job_details(job)}

    def _in_progress(self, job_id: Any) -> Job:
        job = self.job(check_job_id(job_id))
        if job.status != "InProgress":
            raise AwsError(
                "InvalidJobStateException", f"Job {job.id} is in state {job.status}, not InProgress"
            )
        return job

    def put_job_success_result(self, body: dict[str, Any]) -> dict[str, Any]:
        require(body, "jobId")
        details = body.get("executionDetails") or {}
        percent = details.get("percentComplete")
        if percent is not None and not 0 <= percent <= 100:
            raise validation(
                Problem(
                    "executionDetails.percentComplete",
                    percent,
                    "Member must have value between 0 and 100",
                )
            )
        if len(details.get("summary") or "") > 2048:
            raise validation(
                Problem(
                    "executionDetails.summary",
                    details["summary"],
                    "Member must have length less than or equal to 2048",
                )
            )
        if body.get("continuationToken") is not None and body.get("outputVariables"):
            raise validation(
                Problem(
                    "outputVariables",
                    body["outputVariables"],
                    "Member must be null when continuationToken is set",
                )
            )
        job = self._in_progress(body["jobId"])
        job.set_status("Succeeded")
        job.result = {k: v for k, v in body.items() if k != "jobId"}
        if body.get("continuationToken"):
            # The action is not finished: CodePipeline queues another job for it.
            follow_up = self.continue_job(job, body["continuationToken"])
            job.result["continuationJobId"] = follow_up.id
        return {}

    def put_job_failure_result(self, body: dict[str, Any]) -> dict[str, Any]:
        require(body, "jobId", "failureDetails")
        failure = body["failureDetails"]
        problems = []
        if failure.get("type") not in FAILURE_TYPES:
            problems.append(
                Problem(
                    "failureDetails.type",
                    failure.get("type"),
                    f"Member must satisfy enum value set: [{', '.join(FAILURE_TYPES)}]",
                )
            )
        message = failure.get("message")
        if not isinstance(message, str) or not 1 <= len(message) <= 5000:
            problems.append(
                Problem(
                    "failureDetails.message", message, "Member must have length between 1 and 5000"
                )
            )
        if problems:
            raise validation(*problems)
        job = self._in_progress(body["jobId"])
        job.set_status("Failed")
        job.result = {"failureDetails": failure}
        return {}

    def operations(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "PollForJobs": self.poll_for_jobs,
            "AcknowledgeJob": self.acknowledge_job,
            "GetJobDetails": self.get_job_details,
            "PutJobSuccessResult": self.put_job_success_result,
            "PutJobFailureResult": self.put_job_failure_result,
        }


def _state(emu: Emulator) -> CodePipeline:
    """The one CodePipeline of this emulator (a reset empties `emu.state`, making a new one)."""
    with emu.lock:
        state = emu.state.get(SERVICE)
        if state is None:
            state = emu.state[SERVICE] = CodePipeline(emu)
        return state


def handlers(emu: Emulator) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
    state = _state(emu)
    return {name: _locked(emu, op) for name, op in state.operations().items()}


def _locked(
    emu: Emulator, op: Callable[[dict[str, Any]], dict[str, Any]]
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def run(body: dict[str, Any]) -> dict[str, Any]:
        with emu.lock:
            return op(body)

    return run


def routes(emu: Emulator) -> list[BaseRoute]:
    """Setup routes: enqueue a job (201 with its id) and look at a job's status and result."""

    async def enqueue(request: Request) -> Response:
        try:
            body = json.loads(await request.body() or b"{}")
            if not isinstance(body, dict):
                raise TypeError("body must be a JSON object")
            with emu.lock:
                job = _state(emu).enqueue(body)
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"jobId": job.id, "status": job.status}, status_code=201)

    async def show(request: Request) -> Response:
        with emu.lock:
            job = _state(emu).jobs.get(request.path_params["job_id"])
            if job is None:
                return JSONResponse({"error": "job not found"}, status_code=404)
            job.expire(emu.now())
            return JSONResponse(job.summary())

    return [
        Route("/_emulator/aws_codepipeline/jobs", enqueue, methods=["POST"]),
        Route("/_emulator/aws_codepipeline/jobs/{job_id}", show, methods=["GET"]),
    ]
