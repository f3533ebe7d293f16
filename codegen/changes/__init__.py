"""Change classification between two versions of the services (issue 6).

Public API (used by `builds-codegen diff` and by `generate` to report what it just changed):
`diff_documents`, `diff_services`, `diff_surfaces`, `changes_for_write`, `render_text`,
`render_json`, `exit_code`, `run_diff`, and the `Change` record.
"""
from codegen.changes.command import run_diff
from codegen.changes.documents import diff_documents, diff_services
from codegen.changes.generation import changes_for_write
from codegen.changes.model import LEVELS, Change, Level, sorted_changes
from codegen.changes.render import exit_code, render_json, render_text, report, summary
from codegen.changes.surfaces import diff_surfaces

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
