"""Recovering member names in the flattened layout, where the page lists only the entry bodies.

The syntax block has every top-level member, alphabetically. The request list gives the required
members first ("In the following list, the required parameters are described first."), each group
in the same alphabetical order; the response list is in syntax order. So the names are the syntax
keys split into two order-preserving groups, and the split must agree with every entry's Type. When
more than one split agrees, the words of each name are looked for in the descriptions; a tie is an
error, never a guess.
"""

from __future__ import annotations

import itertools
import re

from pulumi_builds.codegen.readers import aws_facts as facts
from pulumi_builds.codegen.readers.aws_facts import Entry
from pulumi_builds.codegen.readers.aws_shapes import fits, parse_type
from pulumi_builds.codegen.readers.aws_syntax import Node
from pulumi_builds.codegen.readers.aws_text import Page

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+")


def _fits(entry: Entry, node: Node) -> bool:
    fact = entry.fact("Type")
    spec = parse_type(fact.value) if fact else None
    return spec is None or fits(spec, node)  # an unknown Type is reported later, by name


def _score(entries: list[Entry], names: list[str]) -> int:
    score = 0
    for entry, name in zip(entries, names, strict=True):
        text = entry.description.lower()
        score += sum(word.lower() in text for word in _WORD.findall(name))
    return score


def recover(
    page: Page,
    entries: list[Entry],
    members: list[tuple[str, Node]],
    start: int,
    *,
    required_first: bool,
) -> list[str]:
    """The name of each entry, in entry order."""
    if len(entries) != len(members):
        raise page.error(
            start,
            f"{len(members)} unnamed entries, one per member of the syntax "
            f"block ({', '.join(name for name, _ in members)})",
            f"{len(entries)} entries",
        )
    flags = [False] * len(entries)
    if required_first:
        flags = [bool((fact := e.fact("Required")) and facts.required(page, fact)) for e in entries]
    count = sum(flags)
    if flags != [True] * count + [False] * (len(flags) - count):
        raise page.error(
            entries[count].offset if count < len(entries) else start,
            "the required parameters listed first",
        )
    candidates: list[list[str]] = []
    indexes = range(len(members))
    for chosen in itertools.combinations(indexes, count):
        order = list(chosen) + [i for i in indexes if i not in chosen]
        if all(_fits(entry, members[i][1]) for entry, i in zip(entries, order, strict=True)):
            candidates.append([members[i][0] for i in order])
    if not candidates:
        raise page.error(start, "entries whose Types match the syntax block's members in order")
    if len(candidates) > 1:
        scores = [_score(entries, names) for names in candidates]
        best = max(scores)
        candidates = [
            names for names, score in zip(candidates, scores, strict=True) if score == best
        ]
        if len(candidates) > 1:
            raise page.error(
                start,
                "entries whose member names can be told apart",
                f"{len(candidates)} equally likely orders",
            )
    return candidates[0]
