"""/supervisor in a real Chromium: a supervisor signs in and sees the counters live,
opens and closes one remotely, announces to the hall; an officer's account and a
citizen's token get no data."""

from __future__ import annotations

import json
from pathlib import Path

from tests.browser.staff_pages import (
    LAPTOP,
    chromium,
    new_page,
    screenshot,
    sign_in,
)
from tests.e2e.server import running_server
from tests.helpers import NIB_FORM
from tests.support.browser import PHONE, serious_accessibility_problems

HALL = "mpp-kendari"


async def test_a_supervisor_sees_the_counters_opens_and_closes_one_and_announces(
    tmp_path: Path,
):
    async with (
        running_server(tmp_path / "data", counter_bots="never") as server,
        chromium() as browser,
    ):
        errors: list[str] = []
        citizen = await server.join(HALL, await server.guest_token("Siti"))
        await citizen.send(type="ticket_take", service="KTP-EL")
        await citizen.next("ticket")

        page = await new_page(browser, LAPTOP, errors)
        kpi_requests: list[str] = []
        page.on(
            "request",
            lambda r: kpi_requests.append(r.url) if r.url.split("?")[0].endswith("/kpi") else None,
        )
        feeds: list[str] = []
        page.on("websocket", lambda ws: feeds.append(ws.url) if ws.url.endswith("/kpi") else None)
        await page.goto(server.base + "/supervisor")
        await page.wait_for_selector("#signin")
        assert await page.locator("#counter-table").count() == 0
        await sign_in(page, server, "supervisor")
        # Every counter of the hall, live from the socket; D1's queue holds the citizen.
        await page.wait_for_selector("#counter-table tr[data-counter=P4]")
        await page.wait_for_function(
            "document.querySelector('#counter-table tr[data-counter=D1] td:nth-of-type(3)')"
            "?.textContent === '1'"
        )
        # The day's figures: the citizen waits for KTP-EL; the day's CSV downloads.
        await page.wait_for_function(
            "document.querySelector('#hall-tiles [data-kpi=waiting_now] dd')?.textContent === '1'"
        )
        await page.wait_for_function(
            "document.querySelector('#services tr[data-service=KTP-EL] td')?.textContent === '1'"
        )
        # The figures are pushed by the live feed: another number shows without a poll.
        assert feeds and feeds[0].endswith(f"/ws/v1/halls/{HALL}/kpi")
        polled = len(kpi_requests)
        other = await server.join(HALL, await server.guest_token("Budi"))
        await other.send(type="ticket_take", service="KK")
        await other.next("ticket")
        await page.wait_for_function(
            "document.querySelector('#hall-tiles [data-kpi=waiting_now] dd')?.textContent === '2'"
        )
        assert len(kpi_requests) == polled
        await other.close()
        async with page.expect_download() as download:
            await page.click("#csv")
        assert (await download.value).suggested_filename.startswith(f"kpi-{HALL}-")

        await page.click("#counter-table tr[data-counter=D1] button")
        await page.wait_for_selector("#counter-table tr[data-counter=D1][data-status=open]")
        await page.click("#counter-table tr[data-counter=D1] button")
        await page.wait_for_selector("#counter-table tr[data-counter=D1][data-status=closed]")

        await page.fill("#announce-id", "Loket D1 dibuka pukul 13.00.")
        await page.fill("#announce-en", "Counter D1 opens at 1 pm.")
        await page.click("#announce button[type=submit]")
        said = await citizen.next("announcement")
        assert said["text"] == {
            "id": "Loket D1 dibuka pukul 13.00.",
            "en": "Counter D1 opens at 1 pm.",
        }

        assert await serious_accessibility_problems(page) == []
        await page.evaluate("window.scrollTo(0, 0)")
        await screenshot(page, tmp_path, "supervisor.png")

        await page.set_viewport_size(PHONE["viewport"])
        # The charts follow their box on the next layout (a ResizeObserver), which a
        # loaded machine runs late: wait for the page to settle within the phone's width.
        await page.wait_for_function(
            f"document.documentElement.scrollWidth <= {PHONE['viewport']['width'] + 1}",
            timeout=15_000,
        )
        assert errors == []
        await citizen.close()


async def test_an_officer_account_and_a_citizen_token_get_no_dashboard(
    tmp_path: Path,
):
    async with (
        running_server(tmp_path / "data", counter_bots="never") as server,
        chromium() as browser,
    ):
        errors: list[str] = []
        page = await new_page(browser, PHONE, errors)
        await page.goto(server.base + "/supervisor")
        await sign_in(page, server, "petugas1")
        await page.wait_for_function(
            "document.getElementById('signin-error').textContent.includes('officer')"
        )
        assert await page.locator("#counter-table, #kpi").count() == 0
        assert await page.evaluate("localStorage.getItem('hall.staff.supervisor')") is None

        # A citizen's token kept as if it were a supervisor's: the hall says who it is
        # (the welcome), and the page signs it out before showing anything.
        token = await server.citizen_token(str(NIB_FORM["nik"]), "Siti")
        kept = json.dumps(
            {"token": token, "role": "supervisor", "username": "x", "expires_at": 4102444800}
        )
        await page.evaluate(f"localStorage.setItem('hall.staff.supervisor', {json.dumps(kept)})")
        await page.reload()
        await page.wait_for_selector("#signin")
        assert await page.locator("#counter-table tbody tr, #hall-tiles").count() == 0
        assert await page.evaluate("localStorage.getItem('hall.staff.supervisor')") is None
        assert await serious_accessibility_problems(page) == []
        assert errors == []
