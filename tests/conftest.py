"""Shared fixtures live in tests/fixtures/, one module per concern."""

pytest_plugins = [
    "tests.fixtures.pulumi_engine",
    "tests.fixtures.emulator",
    "tests.fixtures.codebuild_transport",
    "tests.fixtures.dist",
]
