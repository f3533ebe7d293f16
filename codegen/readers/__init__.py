"""Page readers, one per documentation dialect, and the dispatch between them.

Each dialect module (`aws`, `cloudflare`, `cloudfoundry`) offers `looks_like(text)` and
`read_page(text, source)`; what a page draft holds is the reader contract in docs/design.md
("Reader contract"). This module only decides which one reads a page: by content, never by file
name or location, so pages from anywhere on disk can be parsed.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from pulumi_builds.codegen.errors import PageError
from pulumi_builds.codegen.readers import aws, cloudflare, cloudfoundry

# Order matters only when two dialects both claim a page; the more specific sniff goes first.
_READERS: dict[str, ModuleType] = {
    "aws": aws,
    "cloudflare": cloudflare,
    "cloudfoundry": cloudfoundry,
}
DIALECTS = tuple(_READERS)


def detect(text: str, source: str) -> str:
    """The dialect of a page, from its content. PageError when no reader or several claim it."""
    claims = [d for d in DIALECTS if _looks_like(d)(text)]
    if len(claims) == 1:
        return claims[0]
    if not claims:
        known = ", ".join(DIALECTS)
        raise PageError(source, 1, 1, f"a page in a known dialect ({known})", text[:40].strip())
    raise PageError(
        source, 1, 1, "a page only one dialect claims", f"claimed by {', '.join(claims)}"
    )


def _looks_like(dialect: str) -> Callable[[str], bool]:
    function: Callable[[str], bool] = _READERS[dialect].looks_like
    return function


def read_page(text: str, source: str) -> dict[str, Any]:
    """The page draft of one page (reader contract), whatever its dialect."""
    dialect = detect(text, source)
    draft: dict[str, Any] = _READERS[dialect].read_page(text, source)
    if not draft.get("operations") and not draft.get("shapes"):
        # The contract forbids it; a reader bug must not turn into an empty schema written silently.
        raise PageError(source, 1, 1, "at least one operation or data type", "none")
    draft.setdefault("dialect", dialect)
    return draft
