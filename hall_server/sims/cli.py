"""The ``sim`` commands: run a simulated back office with uvicorn.

``hall-server sim civil-registry|permits`` (through :func:`add_sim_commands`)
and ``python -m hall_server.sims civil-registry|permits`` (through
:func:`main`) take the same flags. Each command sets ``run`` to a function
of the parsed arguments returning an exit status, like the hall's commands.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from hall_server.sims.config import SimConfig
from hall_server.sims.faults import Faults

#: Default port, database and development API key per sim.
DEFAULTS: dict[str, tuple[int, str, str]] = {
    "civil-registry": (9101, "sim-civil-registry.db", "dev-civil-registry-key"),
    "permits": (9102, "sim-permits.db", "dev-permits-key"),
    "lapor": (9103, "sim-lapor.db", "dev-lapor-key"),
}


def add_sim_commands(subparsers: Any) -> None:
    """Add ``sim civil-registry`` and ``sim permits`` to a parser's subparsers."""
    sim = subparsers.add_parser("sim", help="run a simulated back office (tests and demos)")
    _add_sims(sim.add_subparsers(title="back offices", dest="sim", required=True))


def _add_sims(subparsers: Any) -> None:
    helps = {
        "civil-registry": "simulated civil registry (Dukcapil): identity checks, documents",
        "permits": "simulated permit service (OSS): NIB, PBG, REKLAME",
        "lapor": "simulated SP4N-LAPOR!: complaints forwarded by the hall",
    }
    for name, (port, db, key) in DEFAULTS.items():
        p = subparsers.add_parser(name, help=helps[name])
        p.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
        p.add_argument("--port", type=int, default=port, help=f"TCP port (default {port})")
        p.add_argument("--db", type=Path, default=Path(db), help=f"SQLite file (default {db})")
        p.add_argument("--api-key", default=key, help=f"API key callers must send (default {key})")
        p.add_argument("--callback-url", help="the hall's webhook URL (default: no callbacks)")
        p.add_argument("--webhook-secret", help="Standard Webhooks secret (whsec_<base64> or text)")
        p.add_argument(
            "--time-scale",
            type=float,
            default=1.0,
            help="real seconds per simulated working hour (default 1)",
        )
        p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
        p.add_argument("--reject-rate", type=float, default=0.0, help="share rejected (0..1)")
        p.add_argument("--fail-rate", type=float, default=0.0, help="share answered 500/503")
        p.add_argument("--timeout-rate", type=float, default=0.0, help="share that hang")
        p.add_argument(
            "--timeout-processed-rate",
            type=float,
            default=0.5,
            help="share of hangs processed before the hang (default 0.5)",
        )
        p.add_argument("--hang-s", type=float, default=30.0, help="how long a hang lasts")
        p.add_argument("--slow-ms", type=int, default=0, help="extra delay of every request")
        p.add_argument("--down", action="store_true", help="refuse everything with 503")
        p.add_argument("--drop-webhooks", action="store_true", help="send no callbacks")
        p.set_defaults(run=_run, sim=name)


def config_from_args(args: argparse.Namespace) -> SimConfig:
    """The frozen configuration of the parsed flags; ValueError naming a bad one."""
    faults = Faults().updated(
        {
            "fail_rate": args.fail_rate,
            "timeout_rate": args.timeout_rate,
            "timeout_processed_rate": args.timeout_processed_rate,
            "hang_s": args.hang_s,
            "slow_ms": args.slow_ms,
            "down": args.down,
            "drop_webhooks": args.drop_webhooks,
        }
    )
    if not 0 <= args.reject_rate <= 1:
        raise ValueError("--reject-rate must be between 0 and 1")
    if args.time_scale <= 0:
        raise ValueError("--time-scale must be positive")
    config = SimConfig(
        db_path=args.db,
        api_key=args.api_key,
        callback_url=args.callback_url,
        time_scale_s=args.time_scale,
        seed=args.seed,
        reject_rate=args.reject_rate,
        faults=faults,
    )
    if args.webhook_secret:
        config = replace(config, webhook_secret=args.webhook_secret)
    return config


def _run(args: argparse.Namespace) -> int:
    import uvicorn

    from hall_server.sims import civil_registry, lapor, permits

    try:
        config = config_from_args(args)
    except ValueError as exc:
        print(f"error [bad_value]: {exc}")
        return 2
    factories = {
        "civil-registry": civil_registry.create_app,
        "permits": permits.create_app,
        "lapor": lapor.create_app,
    }
    factory = factories[args.sim]
    uvicorn.run(
        factory(config),
        host=args.host,
        port=args.port,
        log_level="info",
        # A hanging request (timeout fault) must not hold a shutdown for hang_s.
        timeout_graceful_shutdown=1,
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m hall_server.sims``."""
    parser = argparse.ArgumentParser(
        prog="python -m hall_server.sims", description="Run a simulated back office."
    )
    _add_sims(parser.add_subparsers(title="back offices", dest="sim", required=True))
    args = parser.parse_args(argv)
    code: int = args.run(args)
    return code
