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
    resource: str        # the resource type and identity, for people reading the journal
    build_id: str
    started_at: float
    state: str = "started"   # started | succeeded | failed (a failed build is retried with a new token)
    attempt: int = 0


def _path(token: str) -> Path:
    return journal_dir() / f"{token}.json"


def load(token: str) -> Entry | None:
    try:
        data = json.loads(_path(token).read_text())
    except FileNotFoundError:
        return None
    return Entry(**data)


def record(entry: Entry) -> None:
    path = _path(entry.token)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "w") as handle:
        json.dump(asdict(entry), handle, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def entries() -> list[Entry]:
    root = journal_dir()
    if not root.is_dir():
        return []
    return [Entry(**json.loads(p.read_text())) for p in sorted(root.glob("*.json"))]
