"""/board in a real Chromium, no sign-in: calls appear as the bots call the simulated
citizens, a supervisor's announcement reaches the wall, the call is chimed and spoken
in Bahasa Indonesia once sound is on; on a TV and on a phone."""

from __future__ import annotations

import re
from pathlib import Path

from tests.browser.staff_pages import TV, chromium, new_page, screenshot
from tests.e2e.server import running_server
from tests.support.browser import PHONE, serious_accessibility_problems

HALL = "mpp-kendari"
# Observe what the page asks the browser to say (the speaking itself still happens).
RECORD_SPEECH = """
window.spoken = [];
if (window.speechSynthesis) {
  const speak = speechSynthesis.speak.bind(speechSynthesis);
  speechSynthesis.speak = (u) => { window.spoken.push({text: u.text, lang: u.lang}); speak(u); };
}
"""


#: A documentation address (RFC 5737): what visitors' phones would reach the hall at.
PUBLIC = "http://192.0.2.10:8000"


async def test_a_board_opened_at_a_local_address_shows_no_qr_code_it_would_mislead(
    tmp_path: Path,
):
    async with running_server(tmp_path / "data") as server, chromium() as browser:
        errors: list[str] = []
        tv = await new_page(browser, TV, errors)
        await tv.goto(server.base + "/board")  # http://127.0.0.1:<port>
        await tv.wait_for_selector("#qr-missing")
        assert await tv.locator(".qr svg").count() == 0
        assert "HALL_PUBLIC_URL" in (await tv.text_content("#qr-missing") or "")
        assert errors == []


async def test_the_board_shows_calls_and_announcements_and_speaks_the_numbers(
    tmp_path: Path,
):
    async with (
        running_server(
            tmp_path / "data",
            counter_bots="always",
            demo_citizens=16,
            demo_ticket_chance=0.9,
            public_url=PUBLIC,
        ) as server,
        chromium() as browser,
    ):
        errors: list[str] = []
        tv = await new_page(browser, TV, errors)
        await tv.add_init_script(RECORD_SPEECH)
        await tv.goto(server.base + "/board")
        assert await tv.title() == "Nomor Antrean — Mal Pelayanan Publik Virtual"
        # The QR code carries the hall's public address (HALL_PUBLIC_URL), not 127.0.0.1.
        label = await tv.get_attribute(".qr svg", "aria-label")
        assert label is not None and f"{PUBLIC}/?hall={HALL}" in label
        await tv.click("#sound")
        await tv.wait_for_selector("#sound[aria-pressed=true]")

        # The bots call the simulated citizens: numbers and counters fill the wall.
        await tv.wait_for_selector("#now-serving li", timeout=60_000)
        await tv.wait_for_selector("#waiting li, #waiting-title", timeout=10_000)
        # A call made while the board is up is spoken, in Bahasa Indonesia.
        await tv.wait_for_function("window.spoken.length > 0", timeout=60_000)
        spoken = await tv.evaluate("window.spoken[0]")
        assert spoken["lang"] == "id-ID"
        assert re.fullmatch(
            r"Nomor antrean [A-Z] [a-z ]+, silakan ke loket [A-Z] [a-z ]+\.", spoken["text"]
        )

        token = await server.staff_token("supervisor")
        r = await server.http.post(
            f"/api/v1/halls/{HALL}/announcements",
            json={"id": "Loket D3 tutup sementara.", "en": "Counter D3 is closed for now."},
            headers={"Authorization": f"Bearer {token}"},
        )
        r.raise_for_status()
        await tv.wait_for_function(
            "document.getElementById('announcements')?.textContent.includes('Loket D3 tutup sementara.')"
        )
        await tv.click("#lang")
        await tv.wait_for_function(
            "document.getElementById('announcements').textContent.includes('Counter D3 is closed for now.')"
        )
        await tv.click("#lang")
        assert await serious_accessibility_problems(tv) == []
        await screenshot(tv, tmp_path, "board-tv.png")

        phone = await new_page(browser, PHONE, errors)
        await phone.goto(server.base + "/board")
        await phone.wait_for_selector("#now-serving li", timeout=30_000)
        # Phone: one column, no sideways scrolling.
        width = await phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["viewport"]["width"]
        assert await serious_accessibility_problems(phone) == []
        await screenshot(phone, tmp_path, "board-phone.png")
        assert errors == []
