"""/supervisor's "Sinyal calo/pungli" section in a real Chromium: a broker's numbers raise a
flag, the supervisor looks up the account, records a finding, and finds it under "reviewed"."""

from __future__ import annotations

from pathlib import Path

from tests.browser.staff_pages import LAPTOP, chromium, new_page, screenshot, sign_in
from tests.e2e.server import running_server
from tests.support.browser import PHONE, serious_accessibility_problems

HALL = "mpp-kendari"


async def test_a_supervisor_reviews_a_broker_flag_on_the_dashboard(tmp_path: Path):
    async with (
        running_server(
            tmp_path / "data",
            counter_bots="never",
            signals_scan_s=0.2,
            signals_tickets_per_account=3,
        ) as server,
        chromium() as browser,
    ):
        errors: list[str] = []
        broker = await server.join(HALL, await server.citizen_token("7471014501900001", "Pak Calo"))
        for service in ("KTP-EL", "KK", "AKTA-LAHIR"):
            await broker.send(type="ticket_take", service=service)
            await broker.next("ticket", lambda m, s=service: m["service"] == s)

        page = await new_page(browser, LAPTOP, errors)
        await page.goto(server.base + "/supervisor")
        await sign_in(page, server, "supervisor")
        flag = page.locator("#signals li.signal[data-kind=tickets_account]")
        await flag.wait_for(timeout=60_000)
        text = await flag.inner_text()
        assert "Banyak nomor dari satu akun" in text and "3 (ambang 3)" in text
        assert "Pak Calo" not in text  # pseudonymous until a supervisor asks
        await flag.locator("summary").click()
        assert await flag.locator(".evidence li").count() == 3
        await flag.locator("button.resolve").click()
        await flag.locator(".resolved", has_text="Pak Calo").wait_for()
        await flag.locator("textarea").fill("Tiga nomor dalam beberapa menit; sudah ditegur.")
        assert await serious_accessibility_problems(page) == []
        await page.locator("#signals").scroll_into_view_if_needed()
        await screenshot(page, tmp_path, "supervisor-signals.png")

        await flag.locator("button.confirm").click()
        await page.locator("#toast", has_text="log audit").wait_for()
        await flag.wait_for(state="detached")
        await page.click("#signals-reviewed")
        done = page.locator("#signals li.signal[data-status=confirmed]")
        await done.wait_for()
        assert "Tiga nomor dalam beberapa menit" in await done.inner_text()

        # English, and a phone's width.
        await page.evaluate("localStorage.setItem('hall.lang', 'en')")
        await page.reload()
        await page.click("#signals-reviewed")
        done = page.locator("#signals li.signal[data-status=confirmed]")
        await done.wait_for()
        assert "Many numbers from one account" in await done.inner_text()
        assert "Confirmed" in await done.inner_text()
        await page.set_viewport_size(PHONE["viewport"])
        await page.locator("#signals").scroll_into_view_if_needed()
        await screenshot(page, tmp_path, "supervisor-signals-phone-en.png")
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["viewport"]["width"] + 1
        assert errors == []
        await broker.close()
