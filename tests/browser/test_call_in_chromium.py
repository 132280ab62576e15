"""A counter call from a real browser: headless Chromium as the citizen, aiortc as the officer."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

from scenes.bundled import load_demo_scene
from scenes.spatial import Floorplan
from tests.browser.test_web_client import ARGS, chromium_path  # noqa: F401 (fixture)
from tests.calls.peers import ClientPeer, connect_leg
from tests.e2e.server import RunningServer, running_server
from tests.e2e.test_counters import enter
from tests.support.waiting import wait_until

if TYPE_CHECKING:
    from playwright.async_api import Page

HALL = "mpp-kendari"
FLOOR = Floorplan.from_scene(load_demo_scene())
# A closed network: fake media devices, no permission prompt, loopback allowed for ICE.
CALL_ARGS = [
    *ARGS,
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--autoplay-policy=no-user-gesture-required",
]


@contextlib.asynccontextmanager
async def call_browser(
    tmp_path: Path, chromium: str, *, counter_bots: str
) -> AsyncIterator[tuple[RunningServer, Page, list[str]]]:
    """A hall server on loopback and a Chromium page for calls; collects the page's errors."""
    from playwright.async_api import async_playwright

    async with (
        running_server(
            tmp_path / "data",
            max_speed_m_s=20.0,
            counter_bots=counter_bots,
            call_host_addresses="127.0.0.1",
        ) as server,
        async_playwright() as pw,
    ):
        browser = await pw.chromium.launch(executable_path=chromium, args=CALL_ARGS)
        page = await browser.new_page(viewport={"width": 1200, "height": 800})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        yield server, page, errors
        await browser.close()


async def test_a_citizen_in_chromium_talks_with_an_aiortc_officer_both_ways(
    tmp_path: Path,
    chromium_path: str,  # noqa: F811
):
    async with call_browser(tmp_path, chromium_path, counter_bots="never") as (
        server,
        page,
        errors,
    ):
        officer = await enter(server, await server.staff_token("petugas1"))
        await officer.send(type="counter_open", counter_id="D1")
        await officer.next("counter_state")
        await page.goto(server.base + "/web/call.html")
        await page.evaluate(f"callPage.join({json.dumps(HALL)}, 'Warga Uji')")
        await page.evaluate("callPage.send({type: 'ticket_take', service: 'KTP-EL'})")
        await page.wait_for_function(
            "callPage.state.messages.some(m => m.type === 'ticket')", timeout=10_000
        )
        await officer.send(type="call_next", counter_id="D1")
        await page.wait_for_function(
            "callPage.state.messages.some(m => m.type === 'called')", timeout=10_000
        )
        called = await page.evaluate(
            "callPage.state.messages.find(m => m.type === 'called').counter.position"
        )
        start = await page.evaluate("[callPage.state.x, callPage.state.y]")
        route = FLOOR.route(tuple(start), tuple(called))
        assert route is not None
        await page.evaluate(f"callPage.walk({json.dumps([list(p) for p in route])})")

        # The consent question appears; the citizen says yes.
        await page.wait_for_selector("#consent:not([hidden])", timeout=15_000)
        assert "direkam" in (await page.text_content("#consent-text") or "")
        await page.click("#yes")
        invite = await officer.next("call_invite", timeout=15)
        officer_peer = ClientPeer("127.0.0.3", 1000)
        await connect_leg(officer, invite["call_id"], officer_peer)

        # The browser's 600 Hz reaches the officer; the officer's 1000 Hz reaches the browser.
        await officer_peer.hears(600, timeout=20)

        async def browser_hears_the_officer() -> bool:
            return bool(abs(await page.evaluate("callPage.dominantHz()") - 1000) <= 15)

        await wait_until(browser_hears_the_officer, 20, "the browser to hear 1000 Hz", 0.2)
        assert "connected" in (await page.text_content("#status") or "")
        assert officer_peer.remote_addresses() == {"127.0.0.1"}
        await page.screenshot(path=str(tmp_path / "call.png"))

        await page.click("#hangup")
        await officer.next("call_ended", lambda m: m["reason"] == "hangup")
        await page.wait_for_function("callPage.state.status.includes('hangup')")
        await officer_peer.close()
        await officer.close()
    assert errors == []


async def test_the_hall_page_offers_no_call_at_a_bot_counter(
    tmp_path: Path,
    chromium_path: str,  # noqa: F811
):
    """Issue 11: with a bot the citizen is not asked to speak to nobody, nor recorded."""
    async with call_browser(tmp_path, chromium_path, counter_bots="always") as (
        server,
        page,
        errors,
    ):
        await page.goto(server.base + "/")
        await page.wait_for_function("document.getElementById('status').textContent === 'menonton'")
        await page.fill("#name", "Warga Uji")
        await page.click("#enter button")
        await page.wait_for_function("me && view.has(me.id)")
        # Keep the control messages the page gets (to know where to walk, and what came).
        await page.evaluate(
            """() => { window.msgs = []; const shown = onControl;
                       onControl = (m) => { msgs.push(m); shown(m); }; }"""
        )
        await page.select_option("#service", "NIB")
        await page.click("#take")
        await page.wait_for_function("msgs.some((m) => m.type === 'called')", timeout=15_000)
        goal = await page.evaluate("msgs.find((m) => m.type === 'called').counter.position")
        start = await page.evaluate("[view.get(me.id).x, view.get(me.id).y]")
        route = FLOOR.route(tuple(start), tuple(goal))
        assert route is not None
        await page.evaluate(
            """async (points) => {
              let [x, y] = [view.get(me.id).x, view.get(me.id).y];
              for (const [wx, wy] of points) {
                for (;;) {
                  const d = Math.hypot(wx - x, wy - y);
                  if (d < 1e-6) break;
                  const step = Math.min(0.8, d);
                  x += (wx - x) / d * step; y += (wy - y) / d * step;
                  ws.send(JSON.stringify({type: "move", x, y, yaw: 0, anim: "walk"}));
                  await new Promise((ok) => setTimeout(ok, 70));
                }
              }
            }""",
            [list(p) for p in route],
        )
        # The bot serves: its session arrives and it greets in the session's chat.
        await page.wait_for_function(
            "msgs.some((m) => m.type === 'counter_session' && m.staffed_by === 'bot')",
            timeout=20_000,
        )
        await page.wait_for_function(
            """(() => { const s = msgs.find((m) => m.type === 'counter_session');
                        return msgs.some((m) => m.type === 'chat' && m.channel === s.channel); })()""",
            timeout=20_000,
        )
        assert await page.evaluate("msgs.filter((m) => m.type === 'call_invite').length") == 0
        assert await page.is_hidden("#call-consent")
    assert errors == []
