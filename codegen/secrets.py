"""Which fields carry secrets: the rules are data (codegen/corrections/secrets.json), not code."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from pulumi_builds.codegen.naming import lower_words


@dataclass(frozen=True)
class SecretRules:
    qualifiers: frozenset[str]
    not_secret_endings: tuple[tuple[str, ...], ...]
    secret_endings: tuple[tuple[str, ...], ...]
    secret_anywhere: frozenset[str]
    container_endings: frozenset[str]

    def is_secret(self, name: str) -> bool:
        """True when a string field called `name` holds a credential, token, password or key."""
        parts = tuple(lower_words(name))
        if not parts or parts[-1] in self.qualifiers:
            return False
        if any(parts[-len(end) :] == end for end in self.not_secret_endings):
            return False
        if any(parts[-len(end) :] == end for end in self.secret_endings):
            return True
        return any(part in self.secret_anywhere for part in parts)

    def is_container(self, name: str) -> bool:
        """True when every string inside an object called `name` is secret ('artifactCredentials')."""
        parts = lower_words(name)
        return bool(parts) and parts[-1] in self.container_endings


@cache
def load_rules() -> SecretRules:
    text = (
        resources.files("pulumi_builds.codegen")
        .joinpath("corrections/secrets.json")
        .read_text("utf-8")
    )
    table = json.loads(text)
    return SecretRules(
        qualifiers=frozenset(table["qualifiers"]),
        not_secret_endings=tuple(tuple(end) for end in table["not_secret_endings"]),
        secret_endings=tuple(tuple(end) for end in table["secret_endings"]),
        secret_anywhere=frozenset(table["secret_anywhere"]),
        container_endings=frozenset(table["container_endings"]),
    )
