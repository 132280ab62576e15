"""Where an idle connection's memory goes: tracemalloc over real sockets.

Starts the hall server (this tree's, or ``--tree``'s) with tracemalloc on,
joins guests that stand still in stages (``bench.loadgen``, as the idle runs
of ``bench.run``), has the server take a snapshot after each stage (on
SIGUSR1), and prints the difference between the first and the last stage,
grouped by traceback, per connection. RSS is printed beside it: tracemalloc
sees only Python's allocations (not the kernel's socket buffers, which are
not RSS either, nor the allocator's slack).

    .venv/bin/python bench/idle_profile.py --stages 200,1200 --frames 12 --top 25

The server side of this script (``--serve``) is what the subprocess runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any


def _serve(snapshot_dir: str, frames: int, argv: list[str]) -> int:
    # Started when the driver says (SIGUSR2, before the first join): tracing the
    # server's start-up (imports, migrations) makes it take minutes.
    count = [0]

    def start(signum: int, frame: Any) -> None:
        tracemalloc.start(frames)
        (Path(snapshot_dir) / "started").write_text("")

    def snap(signum: int, frame: Any) -> None:
        import gc

        gc.collect()
        path = Path(snapshot_dir) / f"snap-{count[0]}.bin"
        count[0] += 1
        tracemalloc.take_snapshot().dump(str(path))
        path.with_suffix(".done").write_text("")

    signal.signal(signal.SIGUSR1, snap)
    signal.signal(signal.SIGUSR2, start)
    from hall_server.cli import main

    return main(argv)


def _wait_file(path: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {path}")
        time.sleep(0.2)


def _drive(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench import run as bench_run
    from bench import scene_dense
    from bench.loadgen import Hooks, LoadConfig, run_load

    stages = tuple(int(s) for s in args.stages.split(","))
    with tempfile.TemporaryDirectory(prefix="idle-profile-") as tmp:
        work = Path(tmp)
        scene = scene_dense.write_scene(work / "dense.json")
        snaps = work / "snaps"
        snaps.mkdir()
        port = bench_run.free_port()
        data = work / "data"
        data.mkdir()
        env = {
            **os.environ,
            "HALL_DATA_DIR": str(data),
            "HALL_SCENE_FILES": str(scene),
            "HALL_LOG_LEVEL": "WARNING",
            "HALL_LIMIT_MAX_CONNECTIONS_PER_ADDRESS": "100000",
            "HALL_LIMIT_MAX_AVATARS_PER_HALL": "6000",
        }
        if args.tree:
            env["PYTHONPATH"] = args.tree
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--serve",
            str(snaps),
            "--frames",
            str(args.frames),
            "--",
            "serve",
            "--port",
            str(port),
        ]
        server = bench_run.Server(cmd, env, port, data / "server.log", cwd=args.tree)
        server.wait_ready(600.0)  # minutes on a loaded machine
        taken: list[tuple[int, int]] = []  # (connections, rss)

        def ready() -> None:
            server.proc.send_signal(signal.SIGUSR2)
            _wait_file(snaps / "started", 60.0)

        def take(joined: int) -> None:
            time.sleep(3.0)  # let the welcomes drain
            n = len(taken)
            server.proc.send_signal(signal.SIGUSR1)
            _wait_file(snaps / f"snap-{n}.done", 300.0)
            taken.append((joined, server.rss_bytes()))

        config = LoadConfig(
            base_url=server.base,
            hall=scene_dense.SCENE_ID,
            clients=stages[-1],
            scene_path=str(scene),
            workers=1,
            warmup_s=1.0,
            duration_s=2.0,
            walk=False,
            stages=stages,
            join_timeout_s=args.join_timeout,
        )
        try:
            run_load(config, Hooks(on_ready=ready, on_stage=take))
        finally:
            server.stop()
        if args.keep:
            shutil.copytree(snaps, args.keep, dirs_exist_ok=True)
        (n0, rss0), (n1, rss1) = taken[0], taken[-1]
        per = n1 - n0
        print(f"connections {n0} -> {n1}; RSS {rss0 / 2**20:.1f} -> {rss1 / 2**20:.1f} MiB: ")
        print(f"  {(rss1 - rss0) / per / 1024:.2f} KiB RSS per connection")
        first = tracemalloc.Snapshot.load(str(snaps / "snap-0.bin"))
        last = tracemalloc.Snapshot.load(str(snaps / f"snap-{len(taken) - 1}.bin"))
        filters = [tracemalloc.Filter(False, tracemalloc.__file__)]
        first, last = first.filter_traces(filters), last.filter_traces(filters)
        for key in ("traceback", "lineno"):
            diff = last.compare_to(first, key)
            total = sum(d.size_diff for d in diff)
            print(f"\ntracemalloc by {key}: {total / per / 1024:.2f} KiB per connection")
            for d in diff[: args.top]:
                if d.size_diff < per * 8:
                    break
                print(
                    f"{d.size_diff / per:8.0f} B  {d.count_diff / per:5.2f} blocks/conn",
                )
                lines = d.traceback.format(
                    limit=args.show_frames if key == "traceback" else 1, most_recent_first=True
                )
                for line in lines:
                    if line.strip().startswith("File"):
                        print("    " + line.strip())
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--serve":
        snapshot_dir, rest = argv[1], argv[2:]
        frames = 12
        if rest[:1] == ["--frames"]:
            frames, rest = int(rest[1]), rest[2:]
        if rest[:1] == ["--"]:
            rest = rest[1:]
        return _serve(snapshot_dir, frames, rest)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stages", default="200,1200")
    parser.add_argument("--frames", type=int, default=12)
    parser.add_argument("--show-frames", type=int, default=6, help="newest frames shown")
    parser.add_argument("--keep", default=None, help="copy the snapshots to this directory")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--join-timeout", type=float, default=300.0)
    parser.add_argument("--tree", default=None, help="another source tree's server")
    return _drive(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
