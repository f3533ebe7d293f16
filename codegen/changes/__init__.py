"""Change classification between two versions of the services (issue 6).

Public API (used by `builds-codegen diff` and by `generate` to report what it just changed):
`diff_documents`, `diff_services`, `diff_surfaces`, `changes_for_write`, `render_text`,
`render_json`, `exit_code`, `run_diff`, and the `Change` record.
"""

from pulumi_builds.codegen.changes.command import run_diff
from pulumi_builds.codegen.changes.documents import diff_documents, diff_services
from pulumi_builds.codegen.changes.generation import changes_for_write
from pulumi_builds.codegen.changes.model import LEVELS, Change, Level, sorted_changes
from pulumi_builds.codegen.changes.render import (
    exit_code,
    render_json,
    render_text,
    report,
    summary,
)
from pulumi_builds.codegen.changes.surfaces import diff_surfaces

__all__ = [
    "LEVELS",
    "Change",
    "Level",
    "changes_for_write",
    "diff_documents",
    "diff_services",
    "diff_surfaces",
    "exit_code",
    "render_json",
    "render_text",
    "report",
    "run_diff",
    "sorted_changes",
    "summary",
]
