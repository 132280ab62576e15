"""/officer in a real Chromium against the real server: an officer takes D1 from the
bot, calls a citizen (a HallClient), they chat, the officer finishes; /board, open at
the same time, shows the call; a token of the wrong role shows the sign-in only."""

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
from tests.support.browser import PHONE, serious_accessibility_problems, tiny_pdf, tiny_png
from tests.support.waiting import wait_until

HALL = "mpp-kendari"


async def test_an_officer_takes_d1_from_the_bot_calls_chats_and_finishes_while_the_board_shows_it(
    tmp_path: Path,
):
    async with (
        running_server(
            tmp_path / "data",
            counter_bots="always",
            max_speed_m_s=20.0,
            call_host_addresses="127.0.0.1",
        ) as server,
        chromium() as browser,
    ):
        errors: list[str] = []
        # D2 also serves KTP-EL: a supervisor takes it from its bot and leaves it idle,
        # so that only the officer under test calls the citizen.
        supervisor = await server.join(HALL, await server.staff_token("supervisor"))
        await supervisor.send(type="counter_open", counter_id="D2")
        await supervisor.next("counter_state", lambda m: m["counter_id"] == "D2")

        board = await new_page(browser, LAPTOP, errors)
        await board.goto(server.base + "/board")
        await board.wait_for_selector("#serving-title")

        page = await new_page(browser, LAPTOP, errors)
        await page.goto(server.base + "/officer")
        await page.wait_for_selector("#signin")
        assert await page.locator("#counters").count() == 0  # nothing before signing in
        await sign_in(page, server, "petugas1")
        await page.wait_for_selector("#counters button[data-counter=D1]:not([disabled])")
        assert await serious_accessibility_problems(page) == []
        await page.click("#counters button[data-counter=D1]")
        await page.wait_for_selector("#counter[data-status=open]")
        status = await page.text_content("#counter-status")
        assert status == "Status: buka · dilayani petugas"

        citizen = await server.join(HALL, await server.citizen_token(str(NIB_FORM["nik"]), "Siti"))
        await citizen.send(type="ticket_take", service="KTP-EL")
        ticket = await citizen.next("ticket")
        number = ticket["number"]
        # The queue is polled: the number shows up with its service.
        await page.wait_for_selector(f"#queue tr[data-number='{number}']", timeout=15_000)

        await page.keyboard.press("n")  # call next
        called = await citizen.next("called")
        assert called["counter"]["id"] == "D1"
        await board.wait_for_selector(
            f"#now-serving li[data-counter=D1][data-number='{number}']", timeout=5_000
        )

        await citizen.walk_to(tuple(called["counter"]["position"]))
        session = await citizen.next("counter_session", lambda m: m["staffed_by"] == "officer")
        await page.wait_for_function(
            f"document.getElementById('session-number')?.textContent === {json.dumps(number)}"
        )
        assert "terverifikasi" in (await page.text_content("#identity") or "")

        await citizen.send(type="chat", channel=session["channel"], text="Saya mau ganti KTP")
        await page.wait_for_function(
            "document.getElementById('chat').textContent.includes('Siti: Saya mau ganti KTP')"
        )
        assert await page.text_content("#citizen-name") == "Siti"
        await page.fill("#chat-text", "Baik, Bu Siti. Saya cek dulu.")
        await page.press("#chat-text", "Enter")
        line = await citizen.next("chat", lambda m: m["text"] == "Baik, Bu Siti. Saya cek dulu.")
        assert line["channel"] == session["channel"]

        assert await serious_accessibility_problems(page) == []
        await screenshot(page, tmp_path, "officer.png")

        await page.locator("body").click(position={"x": 5, "y": 5})  # focus off the chat field
        await page.keyboard.press("f")
        await page.wait_for_selector("#finish-form")
        await page.click("#finish-go")
        ended = await citizen.next("session_ended")
        assert ended["outcome"] == "served"
        await page.wait_for_function("document.getElementById('session-number') === null")
        await board.wait_for_function(
            f"!document.querySelector(\"#now-serving li[data-number='{number}']\")"
        )
        # Hand D1 back to the bot.
        await page.click("#close-counter")
        await page.wait_for_selector("#counters")
        assert errors == []
        await citizen.close()
        await supervisor.close()


async def test_the_console_takes_the_counter_back_after_signing_in_again(
    tmp_path: Path,
):
    """An expired sign-in asks to sign in again over the console; the counter stays."""
    async with (
        running_server(tmp_path / "data", counter_bots="never") as server,
        chromium() as browser,
    ):
        errors: list[str] = []
        page = await new_page(browser, LAPTOP, errors)
        await page.goto(server.base + "/officer")
        await sign_in(page, server, "petugas1")
        await page.click("#counters button[data-counter=D3]:not([disabled])")
        await page.wait_for_selector("#counter[data-status=open]")
        # The token's time is up: make the kept token look expired and reload, as a
        # browser coming back the next morning would.
        await page.evaluate(
            "(() => { const k = 'hall.staff.officer'; const a = JSON.parse(localStorage.getItem(k));"
            " a.expires_at = 1; localStorage.setItem(k, JSON.stringify(a)); })()"
        )
        await page.reload()
        await page.wait_for_selector("#signin")
        await sign_in(page, server, "petugas1")
        # The kept counter is taken back without choosing it again.
        await page.wait_for_selector("#counter[data-status=open]")
        assert "D3" in (await page.text_content("#counter-title") or "")
        assert errors == []


async def test_a_citizen_token_on_the_officer_page_gets_the_sign_in_and_no_data(
    tmp_path: Path,
):
    async with (
        running_server(tmp_path / "data", counter_bots="never") as server,
        chromium() as browser,
    ):
        errors: list[str] = []
        token = await server.citizen_token(str(NIB_FORM["nik"]), "Siti")
        page = await new_page(browser, PHONE, errors)
        await page.goto(server.base + "/officer")
        kept = json.dumps(
            {"token": token, "role": "citizen", "username": "Siti", "expires_at": 4102444800}
        )
        await page.evaluate(f"localStorage.setItem('hall.staff.officer', {json.dumps(kept)})")
        await page.reload()
        await page.wait_for_selector("#signin")
        assert await page.locator("#counters, #queue, #session").count() == 0
        assert await serious_accessibility_problems(page) == []
        assert errors == []


async def test_the_officer_talks_with_the_citizen_both_ways_and_sees_the_recording_state(
    tmp_path: Path,
):
    """The staff leg from the console (a 700 Hz test tone in place of the microphone),
    the citizen's leg from aiortc (1000 Hz): each hears the other through the hall."""
    from tests.calls.peers import ClientPeer, connect_leg

    async with (
        running_server(
            tmp_path / "data",
            counter_bots="never",
            max_speed_m_s=20.0,
            call_host_addresses="127.0.0.1",
        ) as server,
        chromium() as browser,
    ):
        errors: list[str] = []
        page = await new_page(browser, LAPTOP, errors)
        await page.goto(server.base + "/officer?test_tone_hz=700")
        await sign_in(page, server, "petugas1")
        await page.click("#counters button[data-counter=D1]:not([disabled])")
        await page.wait_for_selector("#counter[data-status=open]")

        citizen = await server.join(HALL, await server.citizen_token(str(NIB_FORM["nik"]), "Siti"))
        await citizen.send(type="ticket_take", service="KTP-EL")
        await citizen.next("ticket")
        await page.click("#call-next")
        called = await citizen.next("called")
        await citizen.walk_to(tuple(called["counter"]["position"]))
        invite = await citizen.next("call_invite")
        await citizen.send(type="call_accept", call_id=invite["call_id"], record=True)
        await citizen.next("call_accepted")

        # The console shows the recording state as soon as there is a call, then joins it.
        await page.wait_for_selector("#call-join")
        assert "DIREKAM" in (await page.text_content("#recording") or "")
        await page.click("#call-join")
        peer = ClientPeer("127.0.0.3", 1000)
        await connect_leg(citizen, invite["call_id"], peer)
        await peer.hears(700, timeout=20)

        async def console_hears_the_citizen() -> bool:
            hz = await page.evaluate("window.officerLeg ? window.officerLeg.dominantHz() : 0")
            return abs(hz - 1000) <= 15

        await wait_until(console_hears_the_citizen, 20, "the console to hear 1000 Hz", 0.2)
        await page.wait_for_function(
            "document.getElementById('call-status').textContent.includes('Tersambung')"
        )
        assert "DIREKAM" in (await page.text_content("#recording") or "")
        await page.click("[data-testid=call] button.danger")
        await citizen.next("call_ended", lambda m: m["reason"] == "hangup")
        await peer.close()
        await citizen.close()
        assert errors == []


async def test_the_console_calls_a_given_number_recalls_parks_unparks_and_transfers(
    tmp_path: Path,
):
    async with (
        running_server(tmp_path / "data", counter_bots="never", max_speed_m_s=20.0) as server,
        chromium() as browser,
    ):
        errors: list[str] = []
        page = await new_page(browser, LAPTOP, errors)
        await page.goto(server.base + "/officer")
        await sign_in(page, server, "petugas2")
        await page.click("#counters button[data-counter=D2]:not([disabled])")  # KTP-EL and KK
        await page.wait_for_selector("#counter[data-status=open]")

        first = await server.join(HALL, await server.guest_token("Ani"))
        await first.send(type="ticket_take", service="KTP-EL")
        a = await first.next("ticket")
        second = await server.join(HALL, await server.guest_token("Budi"))
        await second.send(type="ticket_take", service="KK")
        b = await second.next("ticket")
        await page.wait_for_selector(f"#queue tr[data-number='{b['number']}']", timeout=15_000)
        # The queue stays inside its card, its Call buttons in view (they spilled out at
        # 1366x768, and were hidden in English).
        for _ in range(2):
            inside = await page.evaluate(
                """() => {
                    const card = document.querySelector('#queue').getBoundingClientRect();
                    const b = document.querySelector('#queue tbody button').getBoundingClientRect();
                    return b.right <= card.right && b.left >= card.left;
                }"""
            )
            assert inside
            await page.click("#lang")

        # Out of order, with a reason: the second number first.
        await page.click(f"#queue tr[data-number='{b['number']}'] button")
        await page.fill("#call-reason", "Sudah menunggu di loket lain")
        await page.click("#call-given button[type=submit]")
        called = await second.next("called")
        assert called["number"] == b["number"]

        await page.keyboard.press("r")  # recall
        await second.next("called", lambda m: m["recalls"] == 1)

        await page.keyboard.press("p")  # park, with an optional reason
        await page.fill("#park-reason", "Dokumen tertinggal")
        await page.press("#park-reason", "Enter")
        await second.next("ticket", lambda m: m["state"] == "parked")
        await page.wait_for_selector(f"#parked li:has-text('{b['number']}')")
        await page.click("#parked button")
        await second.next("ticket", lambda m: m["state"] == "waiting")
        await page.wait_for_selector("#parked", state="detached")

        # The first citizen is called next, reaches the counter, and is transferred to KK.
        await page.click("#call-next")
        called = await first.next("called")
        assert called["number"] == a["number"]
        await first.walk_to(tuple(called["counter"]["position"]))
        await page.wait_for_selector("#session-number")
        await page.select_option("#transfer", "KK")
        await page.click("form:has(#transfer) button[type=submit]")
        moved = await first.next("ticket", lambda m: m["service"] == "KK")
        assert moved["ticket_id"] == a["ticket_id"]
        assert errors == []
        await first.close()
        await second.close()


async def test_the_officer_views_the_uploaded_documents_submits_and_the_citizen_gets_the_code(
    tmp_path: Path,
):
    async with (
        running_server(tmp_path / "data", counter_bots="never", max_speed_m_s=20.0) as server,
        chromium() as browser,
    ):
        errors: list[str] = []
        page = await new_page(browser, LAPTOP, errors)
        await page.goto(server.base + "/officer")
        await sign_in(page, server, "petugas1")
        await page.click("#counters button[data-counter=P1]:not([disabled])")
        await page.wait_for_selector("#counter[data-status=open]")

        token = await server.citizen_token(str(NIB_FORM["nik"]), "Siti")
        citizen = await server.join(HALL, token)
        await citizen.send(type="ticket_take", service="NIB")
        await citizen.next("ticket")
        await page.wait_for_selector("#queue tr[data-number]", timeout=15_000)
        await page.keyboard.press("n")
        called = await citizen.next("called")
        await citizen.walk_to(tuple(called["counter"]["position"]))
        session = await citizen.next("counter_session")

        form = {k: v for k, v in NIB_FORM.items() if k != "nik"}
        await citizen.send(type="form_update", fields=form)
        await citizen.next("form_result", lambda m: m["errors"] == {})
        for requirement, body in (("ktp_el", tiny_png()), ("data_usaha", tiny_pdf())):
            r = await server.http.put(
                f"/api/v1/counter-sessions/{session['session_id']}/documents/{requirement}",
                content=body,
                headers={"Authorization": f"Bearer {token}"},
            )
            assert r.status_code == 201, r.text
        await citizen.send(type="documents_show", requirements=["kontak"])

        # The form as filled in (the NIK masked), the documents in the viewer.
        await page.wait_for_function(
            "document.getElementById('form')?.textContent.includes('Warung Sinar')"
        )
        form_text = await page.text_content("#form") or ""
        assert "7471********0001" in form_text and "7471014101900001" not in form_text
        await page.wait_for_selector("#documents li:nth-of-type(2)")
        await page.click("#documents li:has-text('image/png') button")
        await page.wait_for_function(
            "document.querySelector('#viewer img')?.complete"
            " && document.querySelector('#viewer img').naturalWidth === 2"
        )
        await page.click("#documents li:has-text('application/pdf') button")
        await page.wait_for_selector("#viewer iframe[src^='blob:']")
        assert await serious_accessibility_problems(page) == []

        await page.click("#submit")
        filed = await citizen.next("application_filed")
        await page.wait_for_function(
            f"document.getElementById('tracking')?.textContent.includes({json.dumps(filed['tracking_code'])})"
        )
        await page.click("#finish")
        await page.click("#finish-go")
        ended = await citizen.next("session_ended")
        assert ended["outcome"] in ("served", "filed")
        assert errors == []
        await citizen.close()


async def test_a_sign_in_that_lapses_while_the_console_is_open_is_renewed_over_it(
    tmp_path: Path,
):
    """The token's time runs out with the console open: the sign-in comes over the
    page, which keeps everything under it, and the counter is still open after."""
    async with (
        running_server(tmp_path / "data", counter_bots="never", token_ttl_s=15) as server,
        chromium() as browser,
    ):
        errors: list[str] = []
        page = await new_page(browser, LAPTOP, errors)
        await page.goto(server.base + "/officer")
        await sign_in(page, server, "petugas1")
        await page.click("#counters button[data-counter=D4]:not([disabled])")
        await page.wait_for_selector("#counter[data-status=open]")
        await page.wait_for_selector(".overlay #signin", timeout=30_000)
        assert await page.locator("#counter[data-status=open]").count() == 1  # kept under it
        assert "habis" in (await page.text_content(".overlay .notice") or "")
        assert await serious_accessibility_problems(page) == []
        await sign_in(page, server, "petugas1")
        await page.wait_for_selector(".overlay", state="detached")
        # Still the counter's officer: a command on it is answered, not refused.
        await page.click("#pause")
        await page.wait_for_selector("#counter[data-status=paused]")
        assert errors == []


async def test_an_officer_taking_a_counter_from_a_bot_mid_service_sees_the_case_at_once(
    tmp_path: Path,
):
    async with (
        running_server(tmp_path / "data", counter_bots="always", max_speed_m_s=20.0) as server,
        chromium() as browser,
    ):
        errors: list[str] = []
        # D2 also serves KTP-EL: a supervisor holds it idle, so D1's bot serves the citizen.
        supervisor = await server.join(HALL, await server.staff_token("supervisor"))
        await supervisor.send(type="counter_open", counter_id="D2")
        await supervisor.next("counter_state", lambda m: m["counter_id"] == "D2")
        citizen = await server.join(HALL, await server.citizen_token(str(NIB_FORM["nik"]), "Siti"))
        await citizen.send(type="ticket_take", service="KTP-EL")
        ticket = await citizen.next("ticket")
        called = await citizen.next("called")
        assert called["counter"]["id"] == "D1"
        await citizen.walk_to(tuple(called["counter"]["position"]))
        await citizen.next("counter_session", lambda m: m["staffed_by"] == "bot")

        page = await new_page(browser, LAPTOP, errors)
        await page.goto(server.base + "/officer")
        await sign_in(page, server, "petugas1")
        await page.wait_for_selector("#counters button[data-counter=D1]:not([disabled])")
        await page.click("#counters button[data-counter=D1]")
        # The session handed over by the bot shows without a reload, and the next
        # number cannot be called over it.
        await page.wait_for_function(
            "document.getElementById('session-number')?.textContent === "
            + json.dumps(ticket["number"]),
            timeout=15_000,
        )
        assert await page.text_content("#citizen-name") == "Siti"
        await citizen.next("counter_session", lambda m: m["staffed_by"] == "officer")
        # In English, the catalogue follows: the transfer list names the services in English.
        assert "Kartu Keluarga" in (await page.text_content("#transfer option[value=KK]") or "")
        await page.click("#lang")
        await page.wait_for_function(
            "document.querySelector('#transfer option[value=KK]')?.textContent"
            ".includes('Family card')"
        )
        assert errors == []
        await citizen.close()
        await supervisor.close()
