"""The citizen app's hall in Chromium: a guest enters at once, sees the living
hall, walks with the keyboard and by touch, chats nearby, switches language,
and the board fills; phone and desktop."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.server import running_server
from tests.support.browser import (
    ARGS,
    DESKTOP,
    PHONE,
    chromium_or_skip,
    serious_accessibility_problems,
)

HALL = "mpp-kendari"


@pytest.mark.parametrize("device", ["phone", "desktop"])
async def test_a_guest_sees_the_living_hall_walks_chats_and_switches_language(
    tmp_path: Path, device: str
):
    from playwright.async_api import async_playwright, expect

    async with (
        running_server(tmp_path / "data", demo_citizens=12, demo_ticket_chance=0.5) as server,
        async_playwright() as pw,
    ):
        browser = await pw.chromium.launch(executable_path=chromium_or_skip(), args=ARGS)
        context = await browser.new_context(**(PHONE if device == "phone" else DESKTOP))
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await page.goto(server.base + "/")

        # A guest at once; two people who come in after are seen with their names
        # (a citizen sees those around, not the whole hall: docs/protocol.md 6).
        await expect(page.get_by_test_id("status")).to_have_text("Terhubung")
        others = [await server.join(HALL, await server.guest_token(n)) for n in ("Andi", "Rina")]
        await page.wait_for_function(
            "['Andi', 'Rina'].every(n => hallDebug.seen().some(a => a.profile && a.profile.name === n))"
        )
        assert await page.title() == "Mal Pelayanan Publik Virtual"

        # Walk with the keyboard (the plan takes focus), or the joystick on a phone.
        before = await page.evaluate("hallDebug.position()")
        if device == "desktop":
            await page.get_by_test_id("plan").focus()
            await page.keyboard.down("ArrowUp")
            await page.wait_for_function(
                "y => hallDebug.position()[1] > y + 1", arg=before[1], timeout=10_000
            )
            await page.keyboard.up("ArrowUp")
        else:
            stick = page.locator(".joystick")
            box = await stick.bounding_box()
            assert box is not None
            cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            # A touch drag upwards: pointer events as a finger makes them.
            await page.mouse.move(cx, cy)
            await page.mouse.down()
            await page.mouse.move(cx, cy - 40, steps=5)
            await page.wait_for_function(
                "y => hallDebug.position()[1] > y + 1", arg=before[1], timeout=10_000
            )
            await page.mouse.up()
        # The server took the walk: our avatar's state in the view follows.
        await page.wait_for_function(
            "y => { const me = hallDebug.seen().find(a => a.id === hallDebug.me());"
            " return me && me.y > y + 0.5 }",
            arg=before[1],
        )

        # Chat nearby: the line comes back from the server.
        await page.get_by_placeholder("Tulis pesan untuk pengunjung di dekat Anda…").fill(
            "Permisi, loket KTP di mana?"
        )
        await page.get_by_role("button", name="Kirim").click()
        await expect(page.locator(".nearby .lines li").last).to_contain_text("loket KTP")

        # English changes the whole page, and back.
        await page.get_by_role("button", name="Ganti bahasa ke English").click()
        await expect(page.get_by_role("heading", name="Choose a service")).to_be_visible()
        await expect(page.locator("[data-service='KTP-EL']")).to_contain_text("identity card")
        assert await page.evaluate("document.documentElement.lang") == "en"
        await page.get_by_role("button", name="Switch language to Bahasa Indonesia").click()
        await expect(page.get_by_role("heading", name="Pilih layanan")).to_be_visible()

        # The board fills from its feed as the bots call the simulated citizens.
        await page.get_by_role("link", name="Papan antrean").click()
        await expect(page.locator("table.board tbody tr").first).to_be_visible(timeout=30_000)
        await page.screenshot(path=str(tmp_path / f"board-{device}.png"))
        assert await serious_accessibility_problems(page) == []
        await page.get_by_role("link", name="Aula").click()
        await expect(page.get_by_test_id("plan")).to_be_visible()
        assert await serious_accessibility_problems(page) == []
        assert errors == []
        for other in others:
            await other.close()
        await browser.close()
