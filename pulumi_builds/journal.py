"""A local record of every build this project started, written the moment the service answers.

A dynamic provider's `create` that raises records nothing in the Pulumi state, and the provider
process can die while it waits. So before waiting, the build's id is written here under the
resource's trigger token; a later `create` with the same token adopts that build instead of
starting another. One small JSON file per token, written atomically (write + fsync + rename), so
concurrent provider threads and processes never see a half-written record.

Location: `$PULUMI_BUILDS_JOURNAL_DIR`, else `$XDG_STATE_HOME/pulumi-builds/journal`, else
`~/.local/state/pulumi-builds/journal`.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path


def journal_dir() -> Path:
    explicit = os.environ.get("PULUMI_BUILDS_JOURNAL_DIR")
    if explicit:
        return Path(explicit)
    state_home = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state_home) / "pulumi-builds" / "journal"


@dataclass
class Entry:
    token: str
    resource: str  # the resource type and identity, for people reading the journal
    build_id: str
    started_at: float
    # started | succeeded | failed | deleted | lost. A failed, deleted or lost build is never
    # adopted again: the next create with the same inputs takes the next attempt's token.
    state: str = "started"
    attempt: int = 0


RETIRED = frozenset({"failed", "deleted", "lost"})


def _path(token: str) -> Path:
    return journal_dir() / f"{token}.json"


def load(token: str) -> Entry | None:
    try:
        data = json.loads(_path(token).read_text())
    except FileNotFoundError:
        return None
    except ValueError:
        return None  # a torn or foreign file: treated as absent, and rewritten by `record`
    return Entry(**data)


def current(base: str, token_of: Callable[[str, int], str]) -> tuple[int, Entry | None]:
    """The first attempt of `base` whose build is not retired, and its entry (None: start one)."""
    attempt = 0
    entry = load(base)
    while entry is not None and entry.state in RETIRED:
        attempt += 1
        entry = load(token_of(base, attempt))
    return attempt, entry


def retire(base: str, token_of: Callable[[str, int], str], build_id: str, state: str) -> None:
    """Mark the attempt that started `build_id` as `state` (deleted, lost, failed)."""
    attempt = 0
    while (entry := load(token_of(base, attempt))) is not None:
        if entry.build_id == build_id:
            entry.state = state
            record(entry)
            return
        attempt += 1


def build_ids_except(token: str) -> set[str]:
    """Builds journaled under other tokens: never to be adopted by this one."""
    return {e.build_id for e in entries() if e.token != token}


def record(entry: Entry) -> None:
    path = _path(entry.token)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "w") as handle:
        json.dump(asdict(entry), handle, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    # The rename itself must survive a crash too.
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def entries() -> list[Entry]:
    root = journal_dir()
    if not root.is_dir():
        return []
    found = []
    for path in sorted(root.glob("*.json")):
        entry = load(path.stem)
        if entry is not None:
            found.append(entry)
    return found
