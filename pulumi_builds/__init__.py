"""pulumi-builds: trigger and track CI/CD builds as Pulumi resources.

    from pulumi_builds import aws_codebuild, aws_codepipeline, cloudflare_builds, cloudfoundry

Each service module re-exports the generated resources and functions of
`generated.<service>.resources`; the runtime behind them (lifecycle, transports, waiting,
secrets) is the rest of this package.
"""
