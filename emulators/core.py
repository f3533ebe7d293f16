"""Shared machinery of the emulators: simulated time, fault injection, scripted outcomes, counters.

Every service module (aws_codebuild, aws_codepipeline, cloudflare_builds, cloudfoundry) keeps its
own state and reads time and faults only through an `Emulator` instance, so one process serves all
four services on one port with one clock and one fault plan.

Interface contract (the service modules rely on exactly this):

    emu.now() -> float                      simulated epoch seconds (wall time scaled by time_scale)
    emu.elapsed(since: float) -> float       simulated seconds since `since`
    emu.rng                                  random.Random seeded from EmulatorConfig.seed
    emu.config                               the EmulatorConfig (time_scale, faults, ...)
    emu.count(service, key)                  bump a counter (requests per operation, builds created)
    emu.counters                             dict[str, int] keyed "service.key"
    emu.take_outcome(service, selector)      pop a scripted outcome for a new build (or None)
    emu.fault_for(service, operation)        the fault to inject for this request, or None

A service module exposes `routes(emu) -> list[starlette.routing.BaseRoute]` (REST services) or is
dispatched by `X-Amz-Target` (AWS). The app in `emulators/app.py` mounts them all plus the control
API under `/_emulator/` (config, outcomes, counters, reset).
"""
# Filled in by the emulator work (issue 4); this file fixes the names the service modules use.
