// pulumi-builds from TypeScript: a build on CodeBuild, Workers Builds and Cloud Foundry, and a
// function, through the SDK generated from the package schema (README, "TypeScript").
import * as pulumi from "@pulumi/pulumi";
import * as builds from "@pulumi-builds/pulumi-builds";

const config = new pulumi.Config();

// Each resource starts one build on `pulumi up` and waits for its outcome.
const api = new builds.aws_codebuild.Build("api", {
    projectName: "api",
    sourceVersion: "main",
    // A secret from the stack's config (`pulumi config set --secret deployToken ...`) stays
    // encrypted in the state and hidden in the CLI's output.
    environmentVariables: { STAGE: "prod", DEPLOY_TOKEN: config.requireSecret("deployToken") },
});
const site = new builds.cloudflare_builds.WorkersBuild("site", {
    accountId: config.require("cloudflareAccountId"),
    triggerUuid: config.require("cloudflareTriggerUuid"),
    branch: "main",
    scriptId: config.get("cloudflareScriptId"),
});
const droplet = new builds.cloudfoundry.Build("droplet", {
    packageGuid: config.require("cloudfoundryPackageGuid"),
});

// Functions read what exists; the `Output` form takes the build's id before it is known.
const found = builds.aws_codebuild.getBuildsOutput({ ids: [api.buildId] });

export const apiBuildId = api.buildId;
export const apiStatus = api.buildStatus;
export const siteBuildId = site.buildId;
export const siteOutcome = site.buildOutcome;
export const dropletBuildId = droplet.buildId;
export const dropletState = droplet.state;
export const foundBuilds = found.apply(result => (result.builds ?? []).map(build => build.id));
