"""Counter calls in the citizen app, in Chromium: with an officer (aiortc) the
call is offered, consent is asked, and the voice goes both ways; with a bot
nothing is offered and nothing is recorded."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.calls.peers import ClientPeer, connect_leg
from tests.e2e.server import RunningServer, running_server
from tests.e2e.test_counters import enter
from tests.support.browser import ARGS, DESKTOP, MEDIA_ARGS, chromium_or_skip
from tests.support.waiting import wait_until

if TYPE_CHECKING:
    from playwright.async_api import Page

# Loopback allowed for ICE: the server and the browser share this machine.
CALL_ARGS = [*ARGS, *MEDIA_ARGS, "--allow-loopback-in-peer-connection"]


@contextlib.asynccontextmanager
async def call_browser(
    tmp_path: Path, *, counter_bots: str
) -> AsyncIterator[tuple[RunningServer, Page, list[str]]]:
    """A hall server on loopback and a Chromium page for calls; collects the page's errors."""
    from playwright.async_api import async_playwright

    async with (
        running_server(
            tmp_path / "data", counter_bots=counter_bots, call_host_addresses="127.0.0.1"
        ) as server,
        async_playwright() as pw,
    ):
        browser = await pw.chromium.launch(executable_path=chromium_or_skip(), args=CALL_ARGS)
        page = await browser.new_page(**DESKTOP)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        yield server, page, errors
        await browser.close()


async def take_a_number_as_a_guest(page: Any, server: RunningServer, service: str) -> None:
    from playwright.async_api import expect

    # The test tone replaces the fake microphone, so each side knows what it hears.
    await page.goto(server.base + "/?test_tone_hz=600")
    await expect(page.get_by_test_id("status")).to_have_text("Terhubung")
    await page.locator(f"[data-service='{service}']").click()
    await page.get_by_role("button", name="Lanjut sebagai tamu (hanya bertanya)").click()
    await page.get_by_role("button", name="Ambil nomor antrean").click()
    await expect(page.get_by_test_id("ticket-number")).to_have_text(re.compile(r"^[A-Z]-\d{3}$"))


async def test_with_an_officer_the_call_asks_consent_and_the_voice_goes_both_ways(
    tmp_path: Path,
):
    from playwright.async_api import expect

    async with call_browser(tmp_path, counter_bots="never") as (server, page, errors):
        officer = await enter(server, await server.staff_token("petugas1"))
        await officer.send(type="counter_open", counter_id="D1")
        await officer.next("counter_state")
        await take_a_number_as_a_guest(page, server, "KTP-EL")
        await officer.send(type="call_next", counter_id="D1")
        await page.get_by_role("button", name="Antar saya ke loket").click()
        await expect(page.get_by_test_id("staffed-by")).to_have_text(
            "Petugas melayani Anda.", timeout=60_000
        )

        # Consent is asked before anything starts; the citizen allows recording.
        call = page.get_by_test_id("call")
        await expect(call).to_contain_text("direkam")
        await call.get_by_role("button", name="Terima, boleh direkam").click()
        await expect(page.get_by_test_id("recording")).to_contain_text("Direkam")
        invite = await officer.next("call_invite", timeout=15)
        officer_peer = ClientPeer("127.0.0.3", 1000)
        await connect_leg(officer, invite["call_id"], officer_peer)

        # The browser's 600 Hz reaches the officer; the officer's 1000 Hz reaches the browser.
        await officer_peer.hears(600, timeout=20)

        async def browser_hears_the_officer() -> bool:
            return bool(abs(await page.evaluate("hallDebug.callHz()") - 1000) <= 15)

        await wait_until(browser_hears_the_officer, 20, "the browser to hear 1000 Hz", 0.2)
        await expect(page.get_by_test_id("call-status")).to_have_text("Tersambung dengan petugas")
        assert officer_peer.remote_addresses() == {"127.0.0.1"}
        await page.screenshot(path=str(tmp_path / "call.png"))

        # Hang up ends it for both.
        await call.get_by_role("button", name="Tutup panggilan").click()
        await officer.next("call_ended", lambda m: m["reason"] == "hangup")
        await expect(page.get_by_text("Panggilan berakhir.")).to_be_visible()
        await officer_peer.close()
        await officer.close()
    assert errors == []


async def test_with_a_bot_no_call_is_offered_and_nothing_is_recorded(tmp_path: Path):
    from playwright.async_api import expect

    async with call_browser(tmp_path, counter_bots="always") as (server, page, errors):
        await take_a_number_as_a_guest(page, server, "NIB")
        await page.get_by_role("button", name="Antar saya ke loket").click(timeout=30_000)
        staffed = page.get_by_test_id("staffed-by")
        await expect(staffed).to_contain_text("Asisten virtual", timeout=60_000)
        await expect(staffed).to_contain_text("tidak ada rekaman")
        # The bot greets in the session's chat; no call panel, no consent question.
        await expect(page.locator(".session .lines li").first).to_be_visible(timeout=15_000)
        await expect(page.get_by_test_id("call")).to_have_count(0)
        assert await page.evaluate("hallDebug.callStatus()") == "none"
    assert errors == []
