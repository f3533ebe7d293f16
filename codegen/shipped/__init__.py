"""Ordinary modules the generator ships into generated/ unchanged (no template logic in them).

They depend on nothing of the project (pydantic at most, and each other by relative import), so
both sides of the one-way rule may use them: the generator imports them from here, the runtime
and the generated code import the copies in pulumi_builds.generated. See docs/design.md.
"""
