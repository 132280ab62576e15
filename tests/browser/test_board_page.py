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


async def test_the_board_shows_calls_and_announcements_and_speaks_the_numbers(
    tmp_path: Path,
):
    async with (
        running_server(
            tmp_path / "data", counter_bots="always", demo_citizens=16, demo_ticket_chance=0.9
        ) as server,
        chromium() as browser,
    ):
        errors: list[str] = []
        tv = await new_page(browser, TV, errors)
        await tv.add_init_script(RECORD_SPEECH)
        await tv.goto(server.base + "/board")
        assert await tv.title() == "Nomor Antrean — Mal Pelayanan Publik Virtual"
        # The QR code carries the hall's address.
        label = await tv.get_attribute(".qr svg", "aria-label")
        assert label is not None and f"{server.base}/?hall={HALL}" in label
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
