"""Shared machinery of the emulators: simulated time, fault injection, scripted outcomes, counters.

Every service module (aws_codebuild, aws_codepipeline, cloudflare_builds, cloudfoundry) keeps its
own state and reads time, randomness and scripted outcomes only through one `Emulator`, so one
process serves all four services on one port with one clock and one fault plan.

Rules the service modules follow:
- Guard mutable state with `emu.lock` (uvicorn serves requests concurrently in one event loop, but
  tests also read state from the test thread).
- Compute state lazily from `emu.now()` and the start time (no background threads), so a changed
  time scale or `emu.advance()` moves every build forward consistently.
- Keep state inside the objects built by `routes(emu)` / `handlers(emu)`: the app rebuilds them
  on `emu.reset()` through `on_reset`, so a reset drops every build, whatever the storage.
- Requests are counted by the app's middleware (`<service>.requests.<Operation>`); a service
  counts only what it creates, e.g. `emu.count("cloudfoundry", "builds_created")`.
"""

from __future__ import annotations

import dataclasses
import random
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# "drop": the connection closes before the service sees the request (nothing happened);
# "lose": the service carries the request out, then the connection closes before the answer
# (something happened, the client cannot know): the hard case for "exactly once".
# "deny" answers as a missing IAM permission would (AccessDeniedException; 403 for REST services)
FAULT_KINDS = ("throttle", "5xx", "latency", "drop", "lose", "deny")
DEFAULT_FAULT_KINDS = FAULT_KINDS[:4]  # "lose" and "deny" are asked for by name
OUTCOME_STATUSES = ("succeeded", "failed", "timed_out", "fault", "stopped")


@dataclass
class FaultPlan:
    rate: float = 0.0  # probability a request gets a fault
    kinds: tuple[str, ...] = DEFAULT_FAULT_KINDS
    latency_ms: int = 200
    services: tuple[str, ...] = ()  # empty = all
    operations: tuple[str, ...] = ()  # empty = all

    def __post_init__(self) -> None:
        self.kinds = tuple(self.kinds)
        self.services = tuple(self.services)
        self.operations = tuple(self.operations)
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"faults.rate: {self.rate!r} must be between 0 and 1")
        unknown = [k for k in self.kinds if k not in FAULT_KINDS]
        if unknown or not self.kinds:
            raise ValueError(
                f"faults.kinds: {list(self.kinds)!r} must be a non-empty subset of {FAULT_KINDS}"
            )
        if self.latency_ms < 0:
            raise ValueError(f"faults.latency_ms: {self.latency_ms!r} must be >= 0")

    def applies_to(self, service: str, operation: str) -> bool:
        return (not self.services or service in self.services) and (
            not self.operations or operation in self.operations
        )


@dataclass
class EmulatorConfig:
    time_scale: float = 1.0  # simulated seconds per real second
    seed: int = 0
    faults: FaultPlan = field(default_factory=FaultPlan)
    consistency_window_s: float = 0.0  # after a create, reads miss the new object this long
    cloudflare_token: str = field(default="emulator-token", repr=False)
    cloudfoundry_token: str = field(default="emulator-token", repr=False)
    build_seconds: float = 60.0  # default simulated duration of a build, split over phases

    def __post_init__(self) -> None:
        if isinstance(self.faults, Mapping):
            self.faults = FaultPlan(**self.faults)
        if self.time_scale <= 0:
            raise ValueError(f"time_scale: {self.time_scale!r} must be > 0")
        if self.consistency_window_s < 0:
            raise ValueError(f"consistency_window_s: {self.consistency_window_s!r} must be >= 0")
        if self.build_seconds <= 0:
            raise ValueError(f"build_seconds: {self.build_seconds!r} must be > 0")


@dataclass
class Outcome:
    """A scripted result for the next matching build(s)."""

    status: str  # "succeeded" | "failed" | "timed_out" | "fault" | "stopped"
    duration_s: float | None = None  # simulated seconds, overrides build_seconds
    failing_phase: str | None = None  # e.g. "BUILD" for CodeBuild
    message: str | None = None
    times: int = 1  # how many builds it applies to (0 = forever)
    # Lines the build prints (CodeBuild: into its log stream, in the failing phase or BUILD);
    # `$NAME` / `${NAME}` take the value of the build's environment variable NAME, as a shell would.
    log: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.log, str) or not all(isinstance(line, str) for line in self.log):
            raise ValueError(f"log: {self.log!r} must be a list of lines (strings)")
        self.log = tuple(self.log)
        if self.status not in OUTCOME_STATUSES:
            raise ValueError(f"status: {self.status!r} must be one of {OUTCOME_STATUSES}")
        if self.duration_s is not None and self.duration_s < 0:
            raise ValueError(f"duration_s: {self.duration_s!r} must be >= 0")
        if self.times < 0:
            raise ValueError(f"times: {self.times!r} must be >= 0 (0 = forever)")


def config_from_dict(base: EmulatorConfig, changes: Mapping[str, Any]) -> EmulatorConfig:
    """A copy of `base` with `changes` applied; `faults` may itself be partial. Unknown keys fail."""
    known = {f.name for f in dataclasses.fields(EmulatorConfig)}
    unknown = sorted(set(changes) - known)
    if unknown:
        raise ValueError(f"unknown config keys {unknown}; valid keys are {sorted(known)}")
    values = dict(changes)
    if "faults" in values and isinstance(values["faults"], Mapping):
        fault_known = {f.name for f in dataclasses.fields(FaultPlan)}
        bad = sorted(set(values["faults"]) - fault_known)
        if bad:
            raise ValueError(f"unknown faults keys {bad}; valid keys are {sorted(fault_known)}")
        values["faults"] = dataclasses.replace(base.faults, **values["faults"])
    return dataclasses.replace(base, **values)


class Emulator:
    """Clock, randomness, fault plan, scripted outcomes and counters shared by all services."""

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.lock = threading.RLock()
        self.config = config or EmulatorConfig()
        self._reset_hooks: list[Callable[[], None]] = []
        # The simulated clock starts at the real time so timestamps look like real ones.
        self._sim_anchor = time.time()
        self._wall_anchor = time.monotonic()
        self._reset_state()

    # -- time -----------------------------------------------------------------------------------

    def now(self) -> float:
        """Simulated epoch seconds: real time since the anchor, scaled by time_scale."""
        with self.lock:
            return (
                self._sim_anchor + (time.monotonic() - self._wall_anchor) * self.config.time_scale
            )

    def elapsed(self, since: float) -> float:
        return self.now() - since

    def advance(self, seconds: float) -> None:
        """Jump the simulated clock forward (tests: expire idempotency tokens, finish builds)."""
        if seconds < 0:
            raise ValueError(f"seconds: {seconds!r} must be >= 0 (time does not go back)")
        with self.lock:
            self._sim_anchor += seconds

    def _reanchor(self) -> None:
        # Keep now() continuous when the time scale changes.
        current = self.now()
        self._sim_anchor, self._wall_anchor = current, time.monotonic()

    def is_visible(self, created_at: float) -> bool:
        """False while an object created at `created_at` is inside the consistency window."""
        return self.elapsed(created_at) >= self.config.consistency_window_s

    # -- configuration and reset ----------------------------------------------------------------

    def configure(self, config: EmulatorConfig | None = None, **changes: Any) -> None:
        """Replace the config (or change some fields); the clock stays continuous."""
        with self.lock:
            new = config if config is not None else config_from_dict(self.config, changes)
            self._reanchor()
            if new.seed != self.config.seed:
                self.rng = random.Random(new.seed)
                self._fault_rng = random.Random(f"faults-{new.seed}")
            self.config = new

    def on_reset(self, hook: Callable[[], None]) -> None:
        """Run `hook` on every reset (the app uses it to rebuild each service's state)."""
        with self.lock:
            self._reset_hooks.append(hook)

    def reset(self, config: EmulatorConfig | None = None) -> None:
        """Forget every build, job, counter and scripted outcome; optionally replace the config."""
        with self.lock:
            if config is not None:
                self._reanchor()
                self.config = config
            self._reset_state()
            for hook in list(self._reset_hooks):
                hook()

    def _reset_state(self) -> None:
        self.rng = random.Random(self.config.seed)
        # A separate stream for faults, so the fault sequence depends only on the request order
        # and not on how many ids the services drew.
        self._fault_rng = random.Random(f"faults-{self.config.seed}")
        self.counters: dict[str, int] = {}
        # A slot per service for state that more than one of its entry points share (e.g. the
        # CodePipeline handlers and its job-enqueue control route); emptied on reset.
        self.state: dict[str, Any] = {}
        self._outcomes: dict[tuple[str, str], list[Outcome]] = {}
        self._forced_faults: dict[tuple[str, str], list[str]] = {}

    # -- ids --------------------------------------------------------------------------------------

    def uuid4(self) -> str:
        """A random (seeded, so reproducible) version-4 UUID string."""
        with self.lock:
            return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    # -- counters ---------------------------------------------------------------------------------

    def count(self, service: str, key: str, n: int = 1) -> None:
        with self.lock:
            name = f"{service}.{key}"
            self.counters[name] = self.counters.get(name, 0) + n

    def counter(self, service: str, key: str) -> int:
        with self.lock:
            return self.counters.get(f"{service}.{key}", 0)

    # -- scripted outcomes ------------------------------------------------------------------------

    def script(self, service: str, selector: str, outcome: Outcome) -> None:
        """Queue `outcome` for the next builds matching `selector` (a project name, trigger uuid,
        app guid..., or "*" for any). Outcomes for one selector apply in the order scripted."""
        with self.lock:
            self._outcomes.setdefault((service, selector), []).append(dataclasses.replace(outcome))

    def take_outcome(self, service: str, selector: str, *fallbacks: str) -> Outcome | None:
        """The outcome for a new build: `selector` first, then each fallback selector, then "*";
        consumes one use of the outcome found."""
        with self.lock:
            for key in [(service, s) for s in (selector, *fallbacks, "*")]:
                queue = self._outcomes.get(key)
                if not queue:
                    continue
                head = queue[0]
                if head.times == 1:
                    queue.pop(0)
                elif head.times > 1:
                    head.times -= 1
                return dataclasses.replace(head, times=1)
            return None

    # -- faults -----------------------------------------------------------------------------------

    def force_fault(self, service: str, operation: str, kind: str, times: int = 1) -> None:
        """Inject `kind` into the next `times` requests of `operation` ("*" = any operation)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind: {kind!r} must be one of {FAULT_KINDS}")
        with self.lock:
            self._forced_faults.setdefault((service, operation), []).extend([kind] * times)

    def fault_for(self, service: str, operation: str) -> str | None:
        """The fault to inject into this request (None = serve normally). Called once per
        request by the app's middleware, before the service sees the request."""
        with self.lock:
            for key in ((service, operation), (service, "*")):
                queue = self._forced_faults.get(key)
                if queue:
                    return queue.pop(0)
            plan = self.config.faults
            if plan.rate <= 0 or not plan.applies_to(service, operation):
                return None
            if self._fault_rng.random() >= plan.rate:
                return None
            return self._fault_rng.choice(plan.kinds)
