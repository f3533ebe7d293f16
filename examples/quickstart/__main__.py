"""pulumi-builds quickstart: one build on each of the four services, and each function.

`make demo` runs it against the local emulators; pointed at the real services (see README), the
same program starts real builds. Inputs that name things that must already exist (a Cloudflare
build trigger, a Cloud Foundry package, a CodePipeline job) come from the stack's config.
"""

import pulumi

from pulumi_builds import aws_codebuild, aws_codepipeline, cloudflare_builds, cloudfoundry

config = pulumi.Config()
acct = config.require("cloudflareAccountId")
trigger = config.require("cloudflareTriggerUuid")
package = config.require("cloudfoundryPackageGuid")
job_id = config.require("codepipelineJobId")
version_ids = config.get_object("cloudflareVersionIds") or []

# Resources: each starts one build on `pulumi up` and waits for its outcome.
api = aws_codebuild.Build(
    "api",
    project_name="api",
    source_version="main",
    environment_variables={"STAGE": "prod"},
)
batch = aws_codebuild.BuildBatch("matrix", project_name="matrix", retry_failed_builds=True)
worker = cloudflare_builds.WorkersBuild(
    "site",
    account_id=acct,
    trigger_uuid=trigger,
    branch="main",
    script_id=config.get("cloudflareScriptId"),
)
staged = cloudfoundry.Build("droplet", package_guid=package)

# Functions: read what exists, from the program.
job = aws_codepipeline.get_job_details(job_id=job_id)
found = aws_codebuild.get_builds_output(ids=api.build_id.apply(lambda build_id: [build_id]))
by_version = (
    cloudflare_builds.get_builds_by_version_ids(account_id=acct, version_ids=version_ids)
    if version_ids
    else None
)
listed = staged.state.apply(
    lambda _: cloudfoundry.list_builds(states=["STAGED"], order_by="-created_at")
)

pulumi.export("status", api.build_status)
pulumi.export(
    "builds",
    {
        "api": {
            "id": api.build_id,
            "status": api.build_status,
            "phase": api.current_phase,
            "logs": api.logs_url,
        },
        "matrix": {"id": batch.build_id, "status": batch.build_batch_status},
        "site": {"id": worker.build_id, "status": worker.status, "outcome": worker.build_outcome},
        "droplet": {"id": staged.build_id, "status": staged.state, "droplet": staged.droplet_guid},
    },
)
pulumi.export(
    "job_pipeline",
    job.job_details.data.pipeline_context.pipeline_name
    if job.job_details and job.job_details.data and job.job_details.data.pipeline_context
    else None,
)
pulumi.export("found_builds", found.apply(lambda r: [b.id for b in r.builds or []]))
pulumi.export(
    "builds_by_version",
    sorted(by_version.result.builds or {}) if by_version and by_version.result else [],
)
pulumi.export("staged_builds", listed.apply(lambda r: len(r.resources or [])))
