"""The "Examples" section: a raw HTTP sample request and response, each with a JSON body."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from pulumi_builds.codegen.readers.aws_text import Page

_TARGET = re.compile(r"(?mi)^[ \t]*X-Amz-Target:[ \t]*(\S+)[ \t]*$")
_BODY = re.compile(r"(?m)^[ \t]*[{\[]")
_KNOWN_BROKEN = Path(__file__).resolve().parent.parent / "corrections" / "aws_examples.json"


@cache
def _known_broken() -> dict[str, dict[str, str]]:
    """operation -> {"request"|"response": why its published sample is not JSON}."""
    table: dict[str, dict[str, str]] = json.loads(_KNOWN_BROKEN.read_text(encoding="utf-8"))
    return {k: v for k, v in table.items() if not k.startswith("$")}


def read_examples(page: Page, start: int, operation: str = "") -> tuple[dict[str, Any], str | None]:
    """({"request": ..., "response": ...}, X-Amz-Target of the sample request) of the first example.

    The section runs from `start` to "See Also" (or the end). A sample whose body is not JSON is
    an error: the samples are checked against the generated models, so a half-read one is worse
    than none; unless codegen/corrections/aws_examples.json lists it as published broken, then it
    is left out.
    """
    broken = _known_broken().get(operation, {})
    see_also = re.compile(r"(?m)^[ \t]*See Also[ \t]*$").search(page.text, start)
    end = see_also.start() if see_also else len(page.text)
    markers = list(
        re.compile(r"(?m)^[ \t]*Sample (Request|Response)[ \t]*$").finditer(page.text, start, end)
    )
    examples: dict[str, Any] = {}
    target: str | None = None
    for index, marker in enumerate(markers):
        key = marker.group(1).lower()
        if key in examples:
            continue  # only the first example of each kind
        stop = markers[index + 1].start() if index + 1 < len(markers) else end
        if key == "request" and (header := _TARGET.search(page.text, marker.end(), stop)):
            target = header.group(1)
        body = _BODY.search(page.text, marker.end(), stop)
        if body is None:
            continue  # a sample without a body (e.g. an empty 200 response)
        offset = body.end() - 1
        try:
            value, _ = json.JSONDecoder().raw_decode(page.text[offset:stop])
        except json.JSONDecodeError as exc:
            if key in broken:
                examples[key] = None
                continue
            raise page.error(
                offset + exc.pos, f"valid JSON in the sample {key} ({exc.msg})"
            ) from None
        examples[key] = value
    return {k: v for k, v in examples.items() if v is not None}, target
