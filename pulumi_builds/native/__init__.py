"""The native Pulumi provider of the package `pulumi-builds`, and Python classes bound to it.

Python programs use the dynamic provider by default (`from pulumi_builds import aws_codebuild`).
The same classes bound to the native provider instead:

    from pulumi_builds.native import aws_codebuild
    api = aws_codebuild.Build("api", project_name="api")   # type pulumi-builds:awsCodebuild:Build

Same arguments, outputs and functions; what differs (import, get, partial state, progress, any
language) is in README.md, "Native provider". The provider process is `python -m
pulumi_builds.native` (server.py, provider.py); its schema is generated/schema.json.
"""
