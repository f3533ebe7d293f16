"""`builds-emulator serve`: all four emulated build services on one loopback port."""

from __future__ import annotations

import argparse
import sys

import uvicorn

from pulumi_builds.emulators.app import EmulatorApp
from pulumi_builds.emulators.core import (
    DEFAULT_FAULT_KINDS,
    FAULT_KINDS,
    Emulator,
    EmulatorConfig,
    FaultPlan,
)
from pulumi_builds.emulators.server import bind_socket
from pulumi_builds.emulators.validation import ServiceDocumentError


def _fault_kinds(text: str) -> tuple[str, ...]:
    kinds = tuple(k.strip() for k in text.split(",") if k.strip())
    bad = [k for k in kinds if k not in FAULT_KINDS]
    if bad or not kinds:
        raise argparse.ArgumentTypeError(
            f"--faults {text!r}: expected a comma list of {', '.join(FAULT_KINDS)}"
        )
    return kinds


def _comma_list(text: str) -> tuple[str, ...]:
    return tuple(k.strip() for k in text.split(",") if k.strip())


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="builds-emulator", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the emulators until interrupted")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8750)
    serve.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        help="simulated seconds per real second (60: a 10-minute build takes 10 s)",
    )
    serve.add_argument("--seed", type=int, default=0, help="seed of ids and fault decisions")
    serve.add_argument("--fault-rate", type=float, default=0.0, help="probability 0..1")
    serve.add_argument(
        "--faults",
        type=_fault_kinds,
        default=DEFAULT_FAULT_KINDS,
        metavar="KINDS",
        help="comma list of throttle,5xx,latency,drop,lose "
        "(default: all but lose; lose = carried out, answer dropped)",
    )
    serve.add_argument("--latency-ms", type=int, default=200)
    serve.add_argument(
        "--fault-services",
        type=_comma_list,
        default=(),
        metavar="IDS",
        help="limit faults to these services (default: all)",
    )
    serve.add_argument(
        "--fault-operations",
        type=_comma_list,
        default=(),
        metavar="OPS",
        help="limit faults to these operations (default: all)",
    )
    serve.add_argument(
        "--consistency-window",
        type=float,
        default=0.0,
        metavar="S",
        help="simulated seconds a new object stays invisible to reads",
    )
    serve.add_argument(
        "--build-seconds", type=float, default=60.0, help="default simulated duration of a build"
    )
    serve.add_argument("--cloudflare-token", default="emulator-token")
    serve.add_argument("--cloudfoundry-token", default="emulator-token")
    serve.add_argument(
        "--strict",
        action="store_true",
        help="record responses that break schemas/ (GET /_emulator/violations)",
    )
    serve.add_argument("--log-level", default="info")
    return root


def config_from_args(args: argparse.Namespace) -> EmulatorConfig:
    return EmulatorConfig(
        time_scale=args.time_scale,
        seed=args.seed,
        faults=FaultPlan(
            rate=args.fault_rate,
            kinds=args.faults,
            latency_ms=args.latency_ms,
            services=args.fault_services,
            operations=args.fault_operations,
        ),
        consistency_window_s=args.consistency_window,
        cloudflare_token=args.cloudflare_token,
        cloudfoundry_token=args.cloudfoundry_token,
        build_seconds=args.build_seconds,
    )


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        config = config_from_args(args)
    except ValueError as exc:
        print(f"builds-emulator: {exc}", file=sys.stderr)
        return 2
    try:
        app = EmulatorApp(Emulator(config), strict=args.strict)
    except ServiceDocumentError as exc:
        print(f"builds-emulator: {exc}", file=sys.stderr)
        return 1
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as exc:
        print(f"builds-emulator: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    port = sock.getsockname()[1]
    print(
        f"builds-emulator: serving {', '.join(app.registry.services) or 'no services'} "
        f"on http://{args.host}:{port} (control API under /_emulator/)",
        flush=True,
    )
    server = uvicorn.Server(uvicorn.Config(app, log_level=args.log_level, lifespan="off"))
    with sock:
        try:
            server.run(sockets=[sock])
        except KeyboardInterrupt:
            # uvicorn shuts down gracefully on Ctrl-C, then re-raises the signal: a clean stop.
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
