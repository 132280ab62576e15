"""Text answers are compressed (never the WebSockets), and static files have versioned URLs:
a versioned request is cached for a year, everything else is revalidated."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

import scenes
from hall_server.web_assets import IMMUTABLE, REVALIDATE
from tests.e2e.server import WEBSOCKETS, RunningServer, running_server
from tests.support.client import HallClient

HALL = "mpp-kendari"
GZIP = {"Accept-Encoding": "gzip"}


@pytest.fixture(params=sorted(WEBSOCKETS))
async def server(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[RunningServer]:
    async with running_server(
        tmp_path / "data", counter_bots="never", uvicorn_options=WEBSOCKETS[request.param]
    ) as srv:
        yield srv


def references(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


async def app_script(server: RunningServer) -> str:
    """The citizen app's script as the page names it, without its version."""
    index = (await server.http.get("/")).text
    return next(u for u in references(index) if u.endswith(".js") or ".js?" in u).split("?")[0]


async def test_text_answers_are_gzipped_and_websockets_still_work(server: RunningServer) -> None:
    script = await app_script(server)
    # (The page itself is under the 1,000 bytes worth compressing.)
    for url in ("/openapi.json", script, f"/api/v1/halls/{HALL}/scene"):
        answer = await server.http.get(url, headers=GZIP)
        assert answer.status_code == 200, url
        assert answer.headers.get("content-encoding") == "gzip", url
        assert "accept-encoding" in answer.headers.get("vary", "").lower(), url
    plain = await server.http.get("/openapi.json", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    # A browser sends Accept-Encoding on its WebSocket handshake too: the hall socket
    # (raw ASGI) and the board feed (through FastAPI's middleware) must be untouched.
    token = await server.guest_token("Tamu")
    ws = HallClient(await connect(server.ws_url(HALL), additional_headers=GZIP, compression=None))
    assert (await ws.join(token))["type"] == "welcome"
    await ws.close()
    feed_url = f"ws://127.0.0.1:{server.port}/ws/v1/halls/{HALL}/board"
    feed = HallClient(await connect(feed_url, additional_headers=GZIP, compression=None))
    assert (await feed.next("board", timeout=20))["hall"] == HALL
    await feed.close()


async def test_pages_name_versioned_files_that_are_cached_for_a_year(
    server: RunningServer,
) -> None:
    for page in ("/",):
        answer = await server.http.get(page)
        assert answer.status_code == 200
        assert answer.headers["cache-control"] == REVALIDATE, page
        named = [u for u in references(answer.text) if u.startswith("/app/")]
        assert named, page
        for url in named:
            assert re.search(r"\?v=[0-9a-f]{16}$", url), url
            asset = await server.http.get(url)
            assert asset.status_code == 200, url
            assert asset.headers["cache-control"] == IMMUTABLE, url
    # Unversioned or stale: revalidated, and unchanged files answer 304.
    script = await app_script(server)
    for url in (script, f"{script}?v=0123456789abcdef", "/assets/avatars/default.glb"):
        answer = await server.http.get(url)
        assert answer.status_code == 200, url
        assert answer.headers["cache-control"] == REVALIDATE, url
        again = await server.http.get(url, headers={"If-None-Match": answer.headers["etag"]})
        assert again.status_code == 304, url
    # Scene assets too, when asked with their version (the file's content hash).
    glb = Path(scenes.__file__).parent / "assets" / "avatars" / "default.glb"
    version = hashlib.sha256(glb.read_bytes()).hexdigest()[:16]
    answer = await server.http.get(f"/assets/avatars/default.glb?v={version}")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == IMMUTABLE
