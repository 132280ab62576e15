"""The hall in 3D (issue 13, "Benchmark"): ``python -m bench.web_3d``.

Debian's Chromium (Playwright) with software WebGL (SwiftShader: there is no
GPU here, so read ratios, not absolute frame rates), against a real
``hall-server serve --demo`` with no demo citizens (bench/web_budget.py's
start_server):

1. **Frame time** with 0, 50 and 200 avatars in view: the desktop page
   ``/?mode=3d&test3d=1`` (1280x800), then ``hallDebug3d.crowd(n)`` places n
   synthetic avatars in rows in front of the camera (the test build's crowd:
   the same instanced drawing as real avatars, without 200 sockets that would
   measure the server instead), and ``hallDebug3d.timeFrames(60)`` draws 60
   frames back to back, each finished (a 1-pixel readPixels waits for the
   GPU process), in ms per frame; ``--runs`` repetitions, the median. The
   target: 200 avatars within 1.5x the empty hall's frame time.
2. **Sizes**: the gzip size (level 6, as the server's GZipMiddleware) of the
   3D chunk (three.js and web/src/three/), of the app's first chunk for
   comparison, and of the models the 3D view loads (meshopt copies) against
   the originals.
3. **Lite to 3D**: the slow phone profile of bench/web_budget.py (360x740,
   400 kbit/s, 400 ms latency, CPU slowed 4x): ``/?mode=3d`` in a fresh
   context; the time the page became usable (web_budget's condition: status
   "Terhubung" and a service button visible; the lite plan is on screen) and
   the time the 3D view was ready (``hallDebug3d.ready``: three.js and every
   model loaded, the first frame drawn), each once per animation frame from a
   script injected before the page's own; the difference is the figure.

Results go to ``bench/results/web-3d-<time>.json``; a table is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.run import RESULTS, ROOT, machine, source
from bench.web_budget import Load, open_tab, start_server
from tests.support.browser import ARGS, CHROMIUM, DESKTOP, PHONE

GL_ARGS = [*ARGS, "--use-angle=swiftshader", "--enable-unsafe-swiftshader"]
CROWDS = (0, 50, 200)
READY_MS = 180_000
WEBAPP = ROOT / "hall_server" / "webapp" / "assets"
MODELS = ROOT / "scenes" / "assets"

_READY_3D = """
(() => {
  const frame = () => {
    if (window.__ready3d !== undefined) return;
    if (window.hallDebug3d && window.hallDebug3d.ready) { window.__ready3d = performance.now(); return; }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})();
"""


def gz(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=6))


def sizes() -> dict[str, Any]:
    chunk = next(WEBAPP.glob("hall3d-*.js"))
    first = next(WEBAPP.glob("index-*.js"))
    copies = sorted((MODELS / "meshopt").rglob("*.glb"))
    originals = [MODELS / p.relative_to(MODELS / "meshopt") for p in copies]
    return {
        "chunk_3d": {"file": chunk.name, "bytes": chunk.stat().st_size, "gzip": gz(chunk)},
        "first_chunk": {"file": first.name, "bytes": first.stat().st_size, "gzip": gz(first)},
        "models_meshopt": {
            "files": len(copies),
            "bytes": sum(p.stat().st_size for p in copies),
            "gzip": sum(gz(p) for p in copies),
        },
        "models_original": {
            "files": len(originals),
            "bytes": sum(p.stat().st_size for p in originals),
            "gzip": sum(gz(p) for p in originals),
        },
    }


async def frame_times(browser: Any, base: str, runs: int) -> dict[str, Any]:
    page = await browser.new_page(**DESKTOP)
    await page.goto(base + "/?mode=3d&test3d=1")
    await page.wait_for_function("window.hallDebug3d && window.hallDebug3d.ready", timeout=READY_MS)
    await page.wait_for_function("hallDebug.position() !== null", timeout=READY_MS)
    out: dict[str, Any] = {}
    for n in CROWDS:
        await page.evaluate("n => hallDebug3d.crowd(n)", n)
        await page.evaluate("hallDebug3d.timeFrames(10)")  # warm: buffers grown, shaders in
        ms = [await page.evaluate("hallDebug3d.timeFrames(60)") for _ in range(runs)]
        stats = await page.evaluate("hallDebug3d.stats()")
        out[str(n)] = {
            "ms": [round(v, 2) for v in ms],
            "median_ms": round(statistics.median(ms), 2),
        }
        out[str(n)].update({k: stats[k] for k in ("calls", "triangles", "avatars")})
        print(f"  {n} avatars: {out[str(n)]}", flush=True)
    await page.close()
    return out


async def lite_to_3d(browser: Any, base: str) -> dict[str, Any]:
    context = await browser.new_context(**PHONE)
    try:
        page, _ = await open_tab(context, "app")
        await page.add_init_script(_READY_3D)
        await page.goto(base + "/?mode=3d", wait_until="commit")
        await page.wait_for_function("() => window.__ready3d", timeout=READY_MS, polling=100)
        usable = await page.evaluate("window.__usable && window.__usable.at")
        ready = await page.evaluate("window.__ready3d")
        return {
            "usable_s": round(usable / 1000, 3),
            "ready_3d_s": round(ready / 1000, 3),
            "lite_to_3d_s": round((ready - usable) / 1000, 3),
        }
    finally:
        await context.close()


async def measure(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    server = start_server("app", 0, work, None)
    try:
        server.wait_ready()
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=GL_ARGS)
            load = Load()
            load.start()
            frames = await frame_times(browser, server.base, args.runs)
            frames_load = load.stop()
            visits = []
            for i in range(args.runs):
                load = Load()
                load.start()
                run = await lite_to_3d(browser, server.base)
                run["load"] = load.stop()
                print(f"  lite to 3D run {i + 1}: {run}", flush=True)
                visits.append(run)
            await browser.close()
    finally:
        server.stop()
    return {"frames": frames, "frames_load": frames_load, "lite_to_3d": visits}


def table(report: dict[str, Any]) -> str:
    f = report["frames"]
    empty = f["0"]["median_ms"]
    lines = [
        "| avatars in view | ms per frame (median) | ratio to empty | draw calls | triangles |"
    ]
    lines.append("|---:|---:|---:|---:|---:|")
    for n in CROWDS:
        row = f[str(n)]
        ratio = row["median_ms"] / empty if empty else float("nan")
        lines.append(
            f"| {n} | {row['median_ms']:.2f} | {ratio:.2f} | {row['calls']} | {row['triangles']} |"
        )
    s = report["sizes"]
    lines.append("")
    lines.append(
        f"3D chunk: {s['chunk_3d']['bytes'] / 1000:.1f} KB, gzip {s['chunk_3d']['gzip'] / 1000:.1f} KB"
    )
    lines.append(
        f"models (meshopt): {s['models_meshopt']['bytes'] / 1000:.1f} KB, gzip "
        f"{s['models_meshopt']['gzip'] / 1000:.1f} KB; originals {s['models_original']['bytes'] / 1000:.1f} KB, "
        f"gzip {s['models_original']['gzip'] / 1000:.1f} KB"
    )
    gaps = [v["lite_to_3d_s"] for v in report["lite_to_3d"]]
    lines.append(
        f"slow phone, usable lite page to 3D ready: median {statistics.median(gaps):.2f} s "
        f"({min(gaps):.2f}-{max(gaps):.2f}) over {len(gaps)} runs"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="repetitions of each measurement")
    args = parser.parse_args(argv)
    started = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    with tempfile.TemporaryDirectory(prefix="web-3d-") as tmp:
        report: dict[str, Any] = {"started": started, "machine": machine(), "source": source()}
        report["sizes"] = sizes()
        report.update(asyncio.run(measure(args, Path(tmp))))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"web-3d-{started}.json"
    out.write_text(json.dumps(report, indent=2))
    print(table(report))
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
