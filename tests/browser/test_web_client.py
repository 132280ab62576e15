"""The web client in a real headless Chromium (Debian's), against the real server."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.e2e.server import running_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# A closed network: no background requests, no sandbox (CI runs as root).
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        # A failure where skips are forbidden (CI): tests/support/no_skips.py.
        pytest.skip("chromium is not installed")
    return CHROMIUM


async def test_the_demo_page_shows_the_living_hall_and_lets_a_guest_walk_and_chat(
    tmp_path: Path, chromium_path: str
):
    from playwright.async_api import async_playwright

    async with (
        running_server(tmp_path / "data", demo_citizens=12, demo_ticket_chance=0.5) as server,
        async_playwright() as pw,
    ):
        browser = await pw.chromium.launch(executable_path=chromium_path, args=ARGS)
        page = await browser.new_page(viewport={"width": 1200, "height": 800})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await page.goto(server.base + "/")

        # Watching: a spectator sees the whole hall, simulated citizens included.
        await page.wait_for_function("document.getElementById('status').textContent === 'menonton'")
        await page.wait_for_function("view.size >= 12")
        assert await page.title() == "Mal Pelayanan Publik Virtual"
        # The "now serving" board fills from its feed as the bots call the simulated citizens.
        await page.wait_for_function("document.querySelectorAll('#board li').length > 0")
        await page.screenshot(path=str(tmp_path / "watching.png"))

        # Switch to English and back: the texts follow.
        await page.click("#lang")
        assert await page.text_content("#enter button") == "Enter as a guest"
        await page.click("#lang")

        # Enter as a guest and walk north with the arrow key; the server's frames
        # (not the local prediction) must show the avatar further north.
        await page.fill("#name", "Tamu Uji")
        await page.click("#enter button")
        await page.wait_for_function("me && me.name === 'Tamu Uji' && view.has(me.id)")
        y0 = await page.evaluate("view.get(me.id).y")
        # The key is held until the server's frames show the avatar 1 m further north.
        await page.keyboard.down("ArrowUp")
        await page.wait_for_function(f"view.get(me.id).y > {y0} + 1.0")
        await page.keyboard.up("ArrowUp")

        # Proximity chat: the speaker hears itself.
        await page.fill("#text", "Selamat pagi, Kendari!")
        await page.press("#text", "Enter")
        await page.wait_for_function(
            "document.getElementById('chat').textContent.includes('Tamu Uji: Selamat pagi, Kendari!')"
        )
        # Take a number at the virtual kiosk: the page shows it with the place in line.
        await page.select_option("#service", "PBG")
        await page.click("#take")
        await page.wait_for_function(
            "document.getElementById('myticket').textContent.startsWith('Nomor H-')"
        )
        await page.screenshot(path=str(tmp_path / "walking.png"))
        await browser.close()
        assert errors == []
