"""Tooling around the Pulumi engine, kept apart from the runtime that Pulumi programs import.

- `install`: provide the `pulumi` CLI and the project's launchers in a virtualenv
  (`python -m pulumi_builds.engine install --venv .venv`, run by `make engine`);
- `local`: drive the real engine on a private `file://` backend (tests, demo, benchmarks);
- `language_host`: the stand-in Python language host for the plain CLI path;
- `emulated`: stack config that points the provider at the local emulators;
- `smoke`: a small dynamic resource proving the engine setup end to end.
"""
