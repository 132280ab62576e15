"""The ``hall-server`` command line.

Commands: ``serve`` (run the hall server), ``check-scene FILE...`` (validate
scene files, exit 1 if any has a problem), ``migrate`` (apply database
migrations) and ``add-staff USERNAME`` (create an officer, supervisor or
admin account; the password is read from standard input), ``audit
verify|checkpoint|seal|key`` and ``witness`` (hall_server/audit_cli.py).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import getpass
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hall_server.errors import HallError, SceneError
from hall_server.settings import Settings


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        code: int = args.run(args)
    except HallError as exc:
        print(f"error [{exc.code}]: {exc}", file=sys.stderr)
        return 2
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hall-server",
        description="Virtual public-service hall server. Settings come from HALL_* "
        "environment variables, then from these flags.",
    )
    sub = parser.add_subparsers(title="commands")

    serve = sub.add_parser("serve", help="run the hall server")
    serve.add_argument("--host", help="interface to listen on (HALL_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="TCP port (HALL_PORT, default 8000)")
    serve.add_argument(
        "--data-dir", type=Path, help="data directory (HALL_DATA_DIR, default ./data)"
    )
    serve.add_argument("--database-url", help="SQLAlchemy URL (HALL_DATABASE_URL)")
    serve.add_argument("--tick-hz", type=float, help="ticks per second (HALL_TICK_HZ, default 20)")
    serve.add_argument(
        "--scene",
        type=Path,
        action="append",
        dest="scene_files",
        help="scene file to serve as a hall; repeatable (HALL_SCENE_FILES)",
    )
    serve.add_argument(
        "--demo",
        action="store_true",
        help="add simulated citizens (30 unless --demo-citizens says otherwise)",
    )
    serve.add_argument("--demo-citizens", type=int, help="number of simulated citizens")
    serve.add_argument("--log-json", action="store_true", default=None, help="log JSON lines")
    serve.set_defaults(run=_serve)

    check = sub.add_parser("check-scene", help="validate scene files and list every problem")
    check.add_argument("files", type=Path, nargs="+")
    check.add_argument("--json", action="store_true", help="print problems as JSON")
    check.set_defaults(run=_check_scene)

    migrate = sub.add_parser("migrate", help="apply database migrations and exit")
    migrate.add_argument("--database-url")
    migrate.set_defaults(run=_migrate)

    staff = sub.add_parser("add-staff", help="create a staff account (password on stdin)")
    staff.add_argument("username")
    staff.add_argument("--role", choices=("officer", "supervisor", "admin"), default="officer")
    staff.add_argument("--name", help="display name (default: the username)")
    staff.add_argument("--database-url")
    staff.set_defaults(run=_add_staff)

    from hall_server.sims.cli import add_sim_commands  # the simulated back offices

    add_sim_commands(sub)

    from hall_server.audit_cli import add_audit_commands  # audit verify, witness (docs/trust.md)

    add_audit_commands(sub)
    return parser


def _settings(args: argparse.Namespace, **extra: Any) -> Settings:
    overrides = {
        k: getattr(args, k, None)
        for k in ("host", "port", "data_dir", "database_url", "tick_hz", "log_json")
    }
    if getattr(args, "scene_files", None):
        overrides["scene_files"] = tuple(args.scene_files)
    return Settings.from_env(**overrides, **extra)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from hall_server.app import create_app
    from hall_server.listen import listening_socket
    from hall_server.logs import configure
    from hall_server.serving import uvicorn_config

    demo = args.demo_citizens if args.demo_citizens is not None else (30 if args.demo else None)
    settings = _settings(args, demo_citizens=demo)
    configure(settings.log_level, json_lines=settings.log_json)
    config = uvicorn_config(create_app(settings), settings)
    # Fewer, cheaper collections: at 1,000 avatars full collections of 200+ ms stalled
    # ticks (BENCHMARKS.md). Objects made at start-up are frozen out of them in the lifespan.
    gc.set_threshold(50_000, 20, 100)
    sock = listening_socket(settings.host, settings.port, settings.send_buffer_bytes)
    print(f"hall server on http://{settings.host}:{settings.port}/", file=sys.stderr)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


def _check_scene(args: argparse.Namespace) -> int:
    from scenes.loader import load_scene

    failed = 0
    for path in args.files:
        try:
            scene = load_scene(path)
        except SceneError as exc:
            failed += 1
            if args.json:
                problems = [{"path": p.path, "message": p.message} for p in exc.problems]  # type: ignore[attr-defined]
                print(json.dumps({"file": str(path), "problems": problems}, ensure_ascii=False))
            else:
                print(f"{path}: {len(exc.problems)} problem(s)")
                for problem in exc.problems:
                    print(f"  {problem.path}: {problem.message}")  # type: ignore[attr-defined]
            continue
        if args.json:
            print(json.dumps({"file": str(path), "problems": []}))
        else:
            print(
                f"{path}: ok ({scene.id}: {len(scene.counters)} counters, "
                f"{len(scene.zones)} zones, {len(scene.seats)} seats)"
            )
    return 1 if failed else 0


def _migrate(args: argparse.Namespace) -> int:
    from hall_server.db.migrate import upgrade

    settings = _settings(args)
    asyncio.run(upgrade(settings.resolved_database_url))
    print("database is up to date")
    return 0


def _add_staff(args: argparse.Namespace) -> int:
    from hall_server.auth.staff import create_staff
    from hall_server.db.engine import create_engine, make_sessionmaker
    from hall_server.db.migrate import upgrade

    settings = _settings(args)
    password = getpass.getpass("password: ") if sys.stdin.isatty() else sys.stdin.readline().strip()

    async def run() -> None:
        await upgrade(settings.resolved_database_url)
        engine = create_engine(settings.resolved_database_url)
        try:
            await create_staff(
                make_sessionmaker(engine),
                username=args.username,
                password=password,
                role=args.role,
                display_name=args.name or args.username,
            )
        finally:
            await engine.dispose()

    asyncio.run(run())
    print(f"created {args.role} {args.username}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
