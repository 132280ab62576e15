"""The citizen app on a cheap phone (issue 11, "Benchmark"): ``python -m bench.web_budget``.

Debian's Chromium, driven by Playwright, plays a cheap phone on a weak
network: a 360x740 touch screen (tests/support/browser.py ``PHONE``), and
through a DevTools session of its own on every tab
``Network.emulateNetworkConditions`` (400 kbit/s down and up, 400 ms from
request to response headers) and ``Emulation.setCPUThrottlingRate`` 4.

Two hall servers run side by side on loopback, each a real
``hall-server serve --demo`` with a fresh data directory: the citizen app
(this tree, built by ``make web``) and, as the baseline, today's page of
the tree given by ``--old-tree`` (a worktree of commit 433bf35, whose
``/`` is hall_server/web/index.html + hall.js), run with this tree's
Python environment and that tree first on PYTHONPATH.

"Usable" is the same for both pages: the socket has joined the hall as a
guest (an avatar that may take a number), the catalogue is on the page and
the control that takes a number is one step away:

- the app: the status reads "Terhubung" and a service button
  (``[data-service]``) is visible (tapping it shows the Standar Pelayanan
  and "Ambil nomor antrean");
- the old page: it first joins as a spectator; the moment its status reads
  "menonton" the script presses "Masuk sebagai tamu" (from inside the
  page, no round trip to this process; earlier the page cannot take it:
  its own start would replace the guest's socket), and the page is usable
  when the status reads "berjalan sebagai ...", ``#take`` is visible and
  the service list has options.

A script injected before the page's own checks that condition once per
animation frame and keeps ``performance.now()`` (milliseconds since the
navigation started) of the first frame where it holds.

For each page, alternating, ``--runs`` times (default 5):

1. **a first visit** in a fresh browser context (empty cache): the time to
   usable, and the bytes of every HTTP response finished before that
   moment (``Network.loadingFinished`` ``encodedDataLength``: what went over
   the wire, headers included, gzip where the server compressed), with the
   WebSocket bytes received before it apart (handshake and frame payloads);
2. **a returning visit**: the tab is closed and a new one opens the same
   address in the same context (its HTTP cache and local storage); the same
   end condition and figures.

Then two more servers with a full demo hall (``--idle-citizens``, default
60, the most a citizen's view holds is 64) and, per page and run, a first
visit followed by ``--idle-s`` (default 30) seconds of doing nothing: the
WebSocket payload bytes received per second (``Network.webSocketFrameReceived``
payloads, all sockets of the page; WebSocket frame headers and TCP/IP are
not counted).

The machine is shared: every run records the CPU that other processes used
while it ran (all CPUs' process time minus this process and its children:
the servers and the browser), in % of one core. Results go to
``bench/results/web-budget-<time>.json`` and a table is printed.

``--variant NAME=DIR`` adds the app as another source tree serves it (its
own built hall_server/webapp/) to the first and returning visits of the
same run, e.g. to see what a change to how the app is served is worth.

    python -m bench.web_budget [--runs 5] [--old-tree /work/wt-oldpage]
        [--citizens 30] [--idle-citizens 60] [--idle-s 30] [--idle-runs N]
        [--pages app,old] [--variant NAME=DIR ...]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]

from bench.run import RESULTS, ROOT, Server, busy_percent, free_port, machine, proc_stat, source
from tests.support.browser import ARGS, CHROMIUM, PHONE

#: 400 kbit/s each way, in bytes per second (what DevTools' throughput takes).
THROUGHPUT_BPS = 400_000 / 8
LATENCY_MS = 400
CPU_SLOWDOWN = 4
KB = 1000
TARGETS = {"cold_http_kb": 100.0, "cold_s": 3.5, "return_s": 1.0, "idle_kb_s": 2.0}
USABLE_TIMEOUT_MS = 90_000

_WATCH = """
(() => {
  const done = (extra) => { window.__usable = Object.assign(
    {at: performance.now(), origin: performance.timeOrigin}, extra); };
  const visible = (el) => !!el && el.checkVisibility();
  const checks = {
    app() {
      const st = document.querySelector('[data-testid="status"]');
      if (!st || st.textContent.trim() !== "Terhubung") return;
      for (const b of document.querySelectorAll("[data-service]")) {
        if (visible(b)) return done({top: b.getBoundingClientRect().top});
      }
    },
    old() {
      const st = document.getElementById("status");
      if (!st) return;
      const status = st.textContent.trim();
      if (window.__entered === undefined && status === "menonton") {
        window.__entered = performance.now();
        document.querySelector('#enter button[type="submit"]').click();
        return;
      }
      const take = document.getElementById("take");
      const service = document.getElementById("service");
      if (window.__entered !== undefined && status.startsWith("berjalan sebagai") &&
          visible(take) && service.options.length > 0) {
        done({entered: window.__entered, top: take.getBoundingClientRect().top});
      }
    },
  };
  const check = checks[KIND];
  const frame = () => {
    if (window.__usable !== undefined) return;
    check();
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})();
"""


# ------------------------------------------------------------------ servers


def start_server(kind: str, citizens: int, work: Path, tree: str | None) -> Server:
    """``hall-server serve --demo`` on a free port with a fresh data directory (started,
    not yet ready); ``tree``: that source tree's code (the baseline) with this environment."""
    data = Path(tempfile.mkdtemp(prefix=f"{kind}-{citizens}-", dir=work))
    port = free_port()
    env = {**os.environ, "HALL_LOG_LEVEL": "WARNING"}
    env.pop("PYTHONPATH", None)
    if tree:
        env["PYTHONPATH"] = tree  # its packages before the installed (editable) ones
    cmd = [sys.executable, "-m", "hall_server.cli", "serve", "--demo"]
    cmd += ["--demo-citizens", str(citizens), "--port", str(port), "--data-dir", str(data)]
    server = Server(cmd, env, port, data / "server.log", cwd=tree or str(ROOT))
    server.data_dir = data
    return server


# ------------------------------------------------------------ what a tab saw


@dataclass
class Wire:
    """The DevTools network events of one tab, with Chromium's timestamps
    (monotonic seconds) and the navigation's wall time to map page clocks."""

    doc_ts: float | None = None
    doc_wall: float | None = None
    urls: dict[str, str] = field(default_factory=dict)
    http: list[tuple[float, int, str]] = field(default_factory=list)  # end, bytes, path
    sockets: dict[str, str] = field(default_factory=dict)  # request id -> path
    ws_open: list[tuple[float, float, int, str]] = field(default_factory=list)
    frames: list[tuple[float, int, str, int]] = field(default_factory=list)  # ts, bytes, path, op
    _created: dict[str, float] = field(default_factory=dict)
    latest_ts: float = 0.0

    def attach(self, cdp: Any) -> None:
        cdp.on("Network.requestWillBeSent", self._request)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.webSocketCreated", self._ws_created)
        cdp.on("Network.webSocketWillSendHandshakeRequest", self._ws_request)
        cdp.on("Network.webSocketHandshakeResponseReceived", self._ws_response)
        cdp.on("Network.webSocketFrameReceived", self._frame)

    def _seen(self, ts: float) -> None:
        self.latest_ts = max(self.latest_ts, ts)

    def _request(self, ev: dict[str, Any]) -> None:
        path = _path(ev["request"]["url"])
        self.urls[ev["requestId"]] = path
        if ev.get("type") == "Document" and self.doc_ts is None:
            self.doc_ts, self.doc_wall = ev["timestamp"], ev["wallTime"]
        self._seen(ev["timestamp"])

    def _finished(self, ev: dict[str, Any]) -> None:
        path = self.urls.get(ev["requestId"], "?")
        self.http.append((ev["timestamp"], int(ev["encodedDataLength"]), path))
        self._seen(ev["timestamp"])

    def _ws_created(self, ev: dict[str, Any]) -> None:
        self.sockets[ev["requestId"]] = _path(ev["url"])

    def _ws_request(self, ev: dict[str, Any]) -> None:
        self._created[ev["requestId"]] = ev["timestamp"]

    def _ws_response(self, ev: dict[str, Any]) -> None:
        response = ev["response"]
        text = response.get("headersText") or "".join(
            f"{k}: {v}\r\n" for k, v in response.get("headers", {}).items()
        )
        start = self._created.get(ev["requestId"], ev["timestamp"])
        path = self.sockets.get(ev["requestId"], "?")
        self.ws_open.append((ev["timestamp"], ev["timestamp"] - start, len(text) + 2, path))
        self._seen(ev["timestamp"])

    def _frame(self, ev: dict[str, Any]) -> None:
        response = ev["response"]
        data: str = response.get("payloadData", "")
        opcode = int(response.get("opcode", 0))
        # Binary frames come base64-encoded, text frames as text.
        size = len(data) * 3 // 4 - data[-2:].count("=") if opcode == 2 else len(data.encode())
        path = self.sockets.get(ev["requestId"], "?")
        self.frames.append((ev["timestamp"], size, path, opcode))
        self._seen(ev["timestamp"])

    def to_ts(self, wall_s: float) -> float:
        """A wall-clock time (seconds since the epoch) on Chromium's monotonic clock."""
        assert self.doc_ts is not None and self.doc_wall is not None
        return self.doc_ts + (wall_s - self.doc_wall)

    def before(self, cutoff: float) -> dict[str, Any]:
        http = [(ts, n, p) for ts, n, p in self.http if ts <= cutoff]
        opens = [(ts, n) for ts, _, n, _ in self.ws_open if ts <= cutoff]
        frames = [n for ts, n, _, _ in self.frames if ts <= cutoff]
        assert self.doc_ts is not None
        return {
            "http_bytes": sum(n for _, n, _ in http),
            "http_responses": len(http),
            "ws_bytes": sum(n for _, n in opens) + sum(frames),
            "ws_frames": len(frames),
            "responses": [
                {"path": p, "bytes": n, "end_ms": round((ts - self.doc_ts) * 1000)}
                for ts, n, p in sorted(http)
            ],
            "ws_handshake_ms": [round(d * 1000) for _, d, _, _ in self.ws_open],
            "ws_first_frame_ms": self.first_frames(),
        }

    def first_frames(self) -> dict[str, int]:
        """Per socket path: when its handshake ended and its first message came (ms)."""
        assert self.doc_ts is not None
        out: dict[str, int] = {}
        for ts, _, _, path in self.ws_open:
            out.setdefault(f"{path} open", round((ts - self.doc_ts) * 1000))
        for ts, _, path, _ in self.frames:
            out.setdefault(f"{path} first", round((ts - self.doc_ts) * 1000))
        return out


def _path(url: str) -> str:
    """The path and query of a URL (no host: the ports change every run)."""
    rest = url.split("://", 1)[-1]
    return "/" + rest.split("/", 1)[1] if "/" in rest else "/"


# ---------------------------------------------------------------- machine load


class Load:
    """CPU used by other processes between start() and stop(), in % of one core."""

    def __init__(self) -> None:
        self.me = psutil.Process()
        self.stat: dict[str, list[int]] = {}
        self.ours = 0.0
        self.t0 = 0.0

    def _ours(self) -> float:
        total = 0.0
        for proc in [self.me, *self.me.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                t = proc.cpu_times()
                total += t.user + t.system + t.children_user + t.children_system
        return total

    def start(self) -> None:
        self.stat, self.ours, self.t0 = proc_stat(), self._ours(), time.monotonic()

    def stop(self) -> dict[str, float]:
        busy = busy_percent(self.stat, proc_stat())
        wall = max(1e-6, time.monotonic() - self.t0)
        ours = 100.0 * (self._ours() - self.ours) / wall
        return {
            "all_busy_pct": busy,
            "ours_pct": round(ours, 1),
            "others_pct": round(max(0.0, busy - ours), 1),
        }


# ------------------------------------------------------------------- a visit


async def open_tab(context: Any, kind: str) -> tuple[Any, Wire]:
    """A tab on the weak network and the slow CPU, its events recorded."""
    page = await context.new_page()
    cdp = await context.new_cdp_session(page)
    wire = Wire()
    wire.attach(cdp)
    await cdp.send("Network.enable")
    await cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": LATENCY_MS,
            "downloadThroughput": THROUGHPUT_BPS,
            "uploadThroughput": THROUGHPUT_BPS,
        },
    )
    await cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    await page.add_init_script(_WATCH.replace("KIND", json.dumps(kind)))
    return page, wire


async def visit(context: Any, base: str, kind: str) -> tuple[Any, Wire, dict[str, Any]]:
    """Open the page in a new tab and wait until it is usable; the figures."""
    page, wire = await open_tab(context, kind)
    await page.goto(base + "/", wait_until="commit")
    handle = await page.wait_for_function(
        "() => window.__usable", timeout=USABLE_TIMEOUT_MS, polling=100
    )
    usable: dict[str, float] = await handle.json_value()
    cutoff = wire.to_ts((usable["origin"] + usable["at"]) / 1000)
    # Events reach this process a little after the page saw them: wait for one
    # stamped after the moment (snapshot frames keep coming), at most 5 s.
    deadline = time.monotonic() + 5.0
    while wire.latest_ts <= cutoff and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    out = {"usable_s": round(usable["at"] / 1000, 3), **wire.before(cutoff)}
    out["control_top_px"] = round(usable.get("top", -1))
    if "entered" in usable:
        out["entered_s"] = round(usable["entered"] / 1000, 3)
    return page, wire, out


async def cold_and_return(browser: Any, base: str, kind: str) -> dict[str, Any]:
    context = await browser.new_context(**PHONE)
    try:
        page, _, cold = await visit(context, base, kind)
        await page.close()
        page, _, back = await visit(context, base, kind)
        await page.close()
        return {"cold": cold, "return": back}
    finally:
        await context.close()


async def idle(browser: Any, base: str, kind: str, seconds: float) -> dict[str, Any]:
    context = await browser.new_context(**PHONE)
    try:
        page, wire, first = await visit(context, base, kind)
        await asyncio.sleep(2.0)  # the join's burst (welcome, full snapshot, board) passes
        t0 = wire.to_ts(time.time())
        await asyncio.sleep(seconds)  # the measurement window: the page is left alone
        t1 = wire.to_ts(time.time())
        frames = [(n, p, op) for ts, n, p, op in wire.frames if t0 <= ts < t1]
        by_socket: dict[str, int] = {}
        for n, p, _ in frames:
            key = "board" if p.endswith("/board") else "hall"
            by_socket[key] = by_socket.get(key, 0) + n
        span = t1 - t0
        await page.close()
        return {
            "usable_s": first["usable_s"],
            "window_s": round(span, 2),
            "bytes_per_s": round(sum(n for n, _, _ in frames) / span, 1),
            "binary_bytes_per_s": round(sum(n for n, _, op in frames if op == 2) / span, 1),
            "text_bytes_per_s": round(sum(n for n, _, op in frames if op == 1) / span, 1),
            "frames_per_s": round(len(frames) / span, 2),
            "bytes_per_s_by_socket": {k: round(v / span, 1) for k, v in by_socket.items()},
        }
    finally:
        await context.close()


# ----------------------------------------------------------------- the runs


def _order(runs: int, pages: list[str]) -> Iterator[tuple[int, str]]:
    """app, old; old, app; ...: neither page always goes first."""
    for i in range(runs):
        for kind in pages if i % 2 == 0 else reversed(pages):
            yield i, kind


async def measure(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    names = [*args.pages, *args.variants]
    report: dict[str, Any] = {
        "runs": {name: [] for name in names},
        "idle": {name: [] for name in args.pages},
    }
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        report["chromium"] = browser.version

        async def visits(base: str, kind: str) -> dict[str, Any]:
            return await cold_and_return(browser, base, kind)

        async def idling(base: str, kind: str) -> dict[str, Any]:
            return await idle(browser, base, kind, args.idle_s)

        await phase(args, work, args.citizens, args.runs, visits, report["runs"])
        if args.idle_s > 0:  # the variants differ in loading only: not idling
            await phase(args, work, args.idle_citizens, args.idle_runs, idling, report["idle"])
        await browser.close()
    return report


async def phase(
    args: argparse.Namespace,
    work: Path,
    citizens: int,
    runs: int,
    one: Callable[[str, str], Awaitable[dict[str, Any]]],
    into: dict[str, list[dict[str, Any]]],
) -> None:
    """Servers with ``citizens`` demo citizens for the pages of ``into``, then
    ``runs`` alternated runs of each."""
    trees: dict[str, str | None] = {"app": None, "old": args.old_tree, **args.variants}
    names = list(into)
    servers = {name: start_server(name, citizens, work, trees[name]) for name in names}
    try:
        for server in servers.values():
            server.wait_ready()
        _note(f"servers ready ({citizens} demo citizens)")
        for i, name in _order(runs, names):
            load = Load()
            load.start()
            try:
                run = await one(servers[name].base, "old" if name == "old" else "app")
            except Exception as exc:  # a run that fails is reported, not fatal
                run = {"error": f"{type(exc).__name__}: {exc}"[:300]}
            run["load"] = load.stop()
            into[name].append(run)
            _progress(f"run {i + 1} {name}", run)
    finally:
        for server in servers.values():
            server.stop()


def _progress(what: str, run: dict[str, Any]) -> None:
    if "error" in run:
        print(f"{what}: FAILED {run['error']}", file=sys.stderr)
        return
    parts = []
    for phase in ("cold", "return"):
        if phase in run:
            r = run[phase]
            parts.append(f"{phase} {r['usable_s']:.2f} s {r['http_bytes'] / KB:.1f} KB")
    if "bytes_per_s" in run:
        parts.append(f"idle {run['bytes_per_s'] / KB:.2f} KB/s")
    parts.append(f"others {run['load']['others_pct']:.0f} %")
    print(f"{time.strftime('%H:%M:%S')} {what}: " + ", ".join(parts), file=sys.stderr)


def _note(what: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {what}", file=sys.stderr)


# -------------------------------------------------------------- the summary


def _stats(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "n": len(values),
    }


def summarise(report: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind in report["runs"]:
        ok = [r for r in report["runs"][kind] if "error" not in r]
        idle_ok = [r for r in report["idle"].get(kind, []) if "error" not in r]
        out[kind] = {
            "cold_http_kb": _stats([r["cold"]["http_bytes"] / KB for r in ok]),
            "cold_ws_kb": _stats([r["cold"]["ws_bytes"] / KB for r in ok]),
            "cold_responses": _stats([r["cold"]["http_responses"] for r in ok]),
            "cold_s": _stats([r["cold"]["usable_s"] for r in ok]),
            "return_http_kb": _stats([r["return"]["http_bytes"] / KB for r in ok]),
            "return_s": _stats([r["return"]["usable_s"] for r in ok]),
            "idle_kb_s": _stats([r["bytes_per_s"] / KB for r in idle_ok]),
            "idle_frames_s": _stats([r["frames_per_s"] for r in idle_ok]),
            "others_pct": _stats([r["load"]["others_pct"] for r in ok + idle_ok]),
            "failed": len(report["runs"][kind])
            - len(ok)
            + len(report["idle"].get(kind, []))
            - len(idle_ok),
        }
    return out


ROWS = [
    ("cold_http_kb", "first visit: HTTP bytes before usable (KB)", 1),
    ("cold_ws_kb", "first visit: WebSocket bytes before usable (KB)", 1),
    ("cold_responses", "first visit: HTTP responses before usable", 0),
    ("cold_s", "first visit: navigation to usable (s)", 2),
    ("return_http_kb", "returning visit: HTTP bytes before usable (KB)", 1),
    ("return_s", "returning visit: navigation to usable (s)", 2),
    ("idle_kb_s", "idle in a full hall: WebSocket KB/s received", 2),
    ("idle_frames_s", "idle in a full hall: WebSocket messages/s", 1),
    ("others_pct", "other processes' CPU during the runs (% of a core)", 0),
]


def _cell(s: dict[str, float] | None, digits: int) -> str:
    if s is None:
        return "-"
    if s["min"] == s["max"]:
        return f"{s['median']:,.{digits}f}"
    return f"{s['median']:,.{digits}f} ({s['min']:,.{digits}f}-{s['max']:,.{digits}f})"


def table(summary: dict[str, Any]) -> str:
    titles = {"app": "citizen app", "old": "today's page (baseline)"}
    names = sorted(summary, key=lambda n: (n == "old", n != "app", n))
    lines = [
        "| median (min-max) | "
        + " | ".join(titles.get(n, n) for n in names)
        + " | target | app meets it |",
        "|---|" + "---:|" * len(names) + "---:|---|",
    ]
    for key, label, digits in ROWS:
        cells = [_cell(summary[n].get(key), digits) for n in names]
        app = summary.get("app", {}).get(key)
        target = TARGETS.get(key)
        met = "-" if target is None or app is None else ("yes" if app["median"] <= target else "no")
        goal = "-" if target is None else f"<= {target:g}"
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {goal} | {met} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="The citizen app's phone budget against today's page"
    )
    parser.add_argument("--runs", type=int, default=5, help="first+returning visits per page")
    parser.add_argument(
        "--old-tree", default="/work/wt-oldpage", help="source tree of today's page"
    )
    parser.add_argument("--citizens", type=int, default=30, help="demo citizens for the visits")
    parser.add_argument("--idle-citizens", type=int, default=60, help="demo citizens, idle runs")
    parser.add_argument("--idle-s", type=float, default=30.0, help="idle window (0: skip)")
    parser.add_argument("--idle-runs", type=int, help="idle runs per page (default --runs)")
    parser.add_argument("--pages", default="app,old", help="which pages: app, old or both")
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME=DIR",
        help="also the app as served by source tree DIR (built), first and returning visits only",
    )
    args = parser.parse_args(argv)
    args.pages = [p for p in args.pages.split(",") if p]
    if not args.pages or set(args.pages) - {"app", "old"}:
        parser.error("--pages takes app, old or app,old")
    args.variants = dict(v.split("=", 1) for v in args.variant if "=" in v)
    for name, tree in args.variants.items():
        if name in ("app", "old") or not (Path(tree) / "hall_server/webapp/index.html").exists():
            parser.error(f"--variant {name}={tree}: a new name and a tree with a built app")
    args.idle_runs = args.idle_runs or args.runs
    if not (ROOT / "hall_server" / "webapp" / "index.html").exists():
        parser.error("the citizen app is not built: run `make web`")
    if not (Path(args.old_tree) / "hall_server" / "web" / "hall.js").exists():
        parser.error(f"no old page in {args.old_tree}: git worktree add {args.old_tree} 433bf35")

    started = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="web-budget-") as tmp:
        report = asyncio.run(measure(args, Path(tmp)))
    report["summary"] = summarise(report)
    report["machine"] = machine()
    report["machine"]["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report["source"] = source()
    report["baseline"] = {"tree": args.old_tree, "commit": _commit(args.old_tree)}
    report["conditions"] = {
        "throughput_bytes_s": THROUGHPUT_BPS,
        "latency_ms": LATENCY_MS,
        "cpu_slowdown": CPU_SLOWDOWN,
        "viewport": PHONE,
        "citizens": args.citizens,
        "idle_citizens": args.idle_citizens,
        "idle_s": args.idle_s,
        "runs": args.runs,
        "idle_runs": args.idle_runs,
        "pages": args.pages,
        "variants": args.variants,
    }
    report["started"] = started.isoformat()
    report["seconds"] = round((datetime.now(UTC) - started).total_seconds())
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"web-budget-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(report, indent=1))
    print(table(report["summary"]))
    print(f"\nJSON: {path}")
    return 0


def _commit(tree: str) -> str:
    import subprocess

    run = subprocess.run(
        ["git", "log", "-1", "--format=%H %s"],
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    )
    return run.stdout.strip()


if __name__ == "__main__":
    sys.exit(main())
