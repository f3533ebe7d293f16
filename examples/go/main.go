// pulumi-builds from Go: a build on CodeBuild, Workers Builds and Cloud Foundry, and a function,
// through the SDK generated from the package schema (README, "Go").
package main

import (
	"github.com/pulumi-builds/pulumi-builds/sdk/go/pulumibuilds/awscodebuild"
	"github.com/pulumi-builds/pulumi-builds/sdk/go/pulumibuilds/cloudflarebuilds"
	"github.com/pulumi-builds/pulumi-builds/sdk/go/pulumibuilds/cloudfoundry"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		conf := config.New(ctx, "")

		// Each resource starts one build on `pulumi up` and waits for its outcome.
		api, err := awscodebuild.NewBuild(ctx, "api", &awscodebuild.BuildArgs{
			ProjectName:   pulumi.String("api"),
			SourceVersion: pulumi.String("main"),
			// A secret from the stack's config (`pulumi config set --secret deployToken ...`)
			// stays encrypted in the state and hidden in the CLI's output.
			EnvironmentVariables: pulumi.StringMap{
				"STAGE":        pulumi.String("prod"),
				"DEPLOY_TOKEN": conf.RequireSecret("deployToken"),
			},
		})
		if err != nil {
			return err
		}
		site, err := cloudflarebuilds.NewWorkersBuild(ctx, "site", &cloudflarebuilds.WorkersBuildArgs{
			AccountId:   pulumi.String(conf.Require("cloudflareAccountId")),
			TriggerUuid: pulumi.String(conf.Require("cloudflareTriggerUuid")),
			Branch:      pulumi.String("main"),
			ScriptId:    pulumi.StringPtr(conf.Get("cloudflareScriptId")),
		})
		if err != nil {
			return err
		}
		droplet, err := cloudfoundry.NewBuild(ctx, "droplet", &cloudfoundry.BuildArgs{
			PackageGuid: pulumi.String(conf.Require("cloudfoundryPackageGuid")),
		})
		if err != nil {
			return err
		}

		// Functions read what exists; the Output form takes the build's id before it is known.
		found := awscodebuild.GetBuildsOutput(ctx, awscodebuild.GetBuildsOutputArgs{
			Ids: pulumi.StringArray{api.BuildId},
		})

		ctx.Export("apiBuildId", api.BuildId)
		ctx.Export("apiStatus", api.BuildStatus)
		ctx.Export("siteBuildId", site.BuildId)
		ctx.Export("siteOutcome", site.BuildOutcome)
		ctx.Export("dropletBuildId", droplet.BuildId)
		ctx.Export("dropletState", droplet.State)
		ctx.Export("foundBuilds", found.Builds().ApplyT(func(builds []awscodebuild.BuildInfo) []string {
			ids := make([]string, 0, len(builds))
			for _, build := range builds {
				if build.Id != nil {
					ids = append(ids, *build.Id)
				}
			}
			return ids
		}))
		return nil
	})
}
