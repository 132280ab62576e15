"""The citizen's whole journey in the web app, in Debian's Chromium, against
the real server: a phone in Bahasa Indonesia, a desktop in English."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.server import RunningServer, running_server
from tests.support.browser import (
    ARGS,
    DESKTOP,
    PHONE,
    chromium_or_skip,
    serious_accessibility_problems,
    tiny_pdf,
    tiny_png,
)
from tests.support.client import HallClient

HALL = "mpp-kendari"
NIK = "7471014101900001"
NIK_MASKED = "7471********0001"
# What a person reads, in each language (web/src/citizen/texts.ts).
TEXT: dict[str, dict[str, str]] = {
    "id": {
        "connected": "Terhubung",
        "sign_in": "Masuk dengan NIK",
        "nik": "NIK (16 angka)",
        "send_code": "Kirim kode",
        "code": "Kode sekali pakai",
        "name": "Nama tampilan di aula",
        "go": "Masuk",
        "signed_in": "Masuk sebagai Siti",
        "standard": "Standar Pelayanan",
        "kk": "Kartu Keluarga (KK)",
        "take": "Ambil nomor antrean",
        "next": "Anda berikutnya",
        "called": "Nomor {n} dipanggil!",
        "take_me": "Antar saya ke loket",
        "bot": "Asisten virtual",
        "tab_form": "Formulir",
        "tab_docs": "Dokumen",
        "variant": "Jenis permohonan",
        "full_name": "Nama lengkap",
        "birth": "Tanggal lahir",
        "kk_no": "Nomor Kartu Keluarga",
        "lost_doc": "Surat keterangan kehilangan",
        "lost_doc_upload": "Surat keterangan kehilangan dari kepolisian",
        "phone": "Nomor HP",
        "confirm": "Saya menyatakan",
        "save": "Simpan formulir",
        "filed": "Permohonan diajukan",
        "status_nav": "Cek status",
        "status_nik": "NIK (16 angka)",
        "status_go": "Cek",
        "lang_switch": "English",
    },
    "en": {
        "connected": "Connected",
        "sign_in": "Sign in with NIK",
        "nik": "NIK (16 digits)",
        "send_code": "Send code",
        "code": "One-time code",
        "name": "Display name in the hall",
        "go": "Sign in",
        "signed_in": "Signed in as Siti",
        "standard": "Service standard",
        "kk": "Family card (KK)",
        "take": "Take a number",
        "next": "You are next",
        "called": "Number {n} is called!",
        "take_me": "Take me there",
        "bot": "virtual assistant",
        "tab_form": "Form",
        "tab_docs": "Documents",
        "variant": "Type of request",
        "full_name": "Full name",
        "birth": "Date of birth",
        "kk_no": "Family card number",
        "lost_doc": "Loss report",
        "lost_doc_upload": "Loss report from the police",
        "phone": "Mobile number",
        "confirm": "I confirm",
        "save": "Save the form",
        "filed": "Application filed",
        "status_nav": "Status",
        "status_nik": "NIK (16 digits)",
        "status_go": "Look up",
        "lang_switch": "Bahasa Indonesia",
    },
}


async def busy_counters(server: RunningServer, service: str) -> list[tuple[HallClient, str]]:
    """Keep every counter of ``service`` busy calling someone who never comes,
    so that the next number waits (its place in line can be seen)."""
    scene = (await server.http.get(f"/api/v1/halls/{HALL}/scene")).json()
    count = sum(1 for c in scene["counters"] if service in c["services"])
    held = []
    for i in range(count):
        client = await server.join(HALL, await server.guest_token(f"Penunggu {i + 1}"))
        await client.send(type="ticket_take", service=service)
        ticket = await client.next("ticket")
        await client.next("called")
        held.append((client, str(ticket["ticket_id"])))
    return held


async def sign_in(page: Any, server: RunningServer, t: dict[str, str], press: Any) -> None:
    """Sign in with NIK and the one-time code (read where a development server delivers it)."""
    from playwright.async_api import expect

    status = page.get_by_test_id("status")
    await press(page.get_by_role("button", name=t["sign_in"]).first)
    with server.sign_in_codes() as codes:
        await page.get_by_label(t["nik"]).fill(NIK)
        await press(page.get_by_role("button", name=t["send_code"]))
        await expect(page.get_by_label(t["code"])).to_be_visible()
        code = codes.code_for(NIK_MASKED)
    await page.get_by_label(t["code"]).fill(code)
    await page.get_by_label(t["name"]).fill("Siti")
    await press(page.get_by_role("button", name=t["go"], exact=True))
    await expect(page.get_by_text(t["signed_in"])).to_be_visible()
    await expect(status).to_have_text(t["connected"])


async def journey(tmp_path: Path, device: str, lang: str) -> None:
    from playwright.async_api import async_playwright, expect

    t = TEXT[lang]
    # HALL_TEST_SHOTS=dir keeps the screenshots (docs/citizen-guide.md uses them).
    shots = Path(os.environ.get("HALL_TEST_SHOTS") or tmp_path / "shots") / f"{device}-{lang}"
    shots.mkdir(parents=True, exist_ok=True)
    async with (
        running_server(tmp_path / "data", demo_citizens=6, demo_ticket_chance=0.0) as server,
        async_playwright() as pw,
    ):
        browser = await pw.chromium.launch(executable_path=chromium_or_skip(), args=ARGS)
        context_options = PHONE if device == "phone" else DESKTOP
        context = await browser.new_context(**context_options)
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        tap = context_options.get("has_touch", False)

        async def shot(name: str, target: Any = None) -> None:
            """A screenshot of the screen, scrolled to ``target`` (a locator)."""
            if target is None:
                await page.evaluate("window.scrollTo(0, 0)")
            else:
                await target.first.evaluate("el => el.scrollIntoView({block: 'start'})")
            await page.screenshot(path=str(shots / f"{name}.png"))

        async def press(locator: Any) -> None:
            await (locator.tap() if tap else locator.click())

        await page.goto(server.base + "/")
        if lang == "en":
            await press(page.get_by_role("button", name="Ganti bahasa ke English"))
        status = page.get_by_test_id("status")
        await expect(status).to_have_text(t["connected"])
        held = await busy_counters(server, "KTP-EL")

        await sign_in(page, server, t, press)
        await shot("1-signed-in")

        # The catalogue, and the Standar Pelayanan before taking a number.
        await press(page.locator("[data-service='KTP-EL']"))
        await expect(page.get_by_text(t["standard"])).to_be_visible()
        await expect(page.get_by_text(t["kk"]).first).to_be_visible()
        await shot("2-standard", page.locator("#service-title"))
        await press(page.get_by_role("button", name=t["take"]))
        number_el = page.get_by_test_id("ticket-number")
        await expect(number_el).to_have_text(re.compile(r"^[A-Z]-\d{3}$"))
        number = await number_el.text_content()
        await expect(page.get_by_test_id("position")).to_have_text(t["next"])
        await shot("3-number")

        # Reloading keeps the number and the place.
        await page.reload()
        await expect(status).to_have_text(t["connected"])
        await expect(number_el).to_have_text(str(number))
        await expect(page.get_by_test_id("position")).to_have_text(t["next"])
        assert NIK not in page.url

        # Walk by tapping the floor, a little north of the plan's centre (on a
        # phone the plan is centred on you; on a desktop it shows the whole hall).
        before = await page.evaluate("hallDebug.position()")
        plan = page.get_by_test_id("plan")
        box = await plan.bounding_box()
        assert box is not None
        spot = {"x": box["width"] / 2, "y": box["height"] / 4}
        await (plan.tap(position=spot) if tap else plan.click(position=spot))
        await page.wait_for_function(
            "p => { const q = hallDebug.position(); return Math.hypot(q[0] - p[0], q[1] - p[1]) > 1 }",
            arg=before,
        )

        # The counters come free; our number is called.
        for client, ticket_id in held:
            await client.send(type="ticket_cancel", ticket_id=ticket_id)
        await expect(page.get_by_text(t["called"].format(n=number))).to_be_visible(timeout=20_000)
        await shot("4-called")
        await expect(page.get_by_test_id("announce")).to_contain_text(str(number))
        await page.wait_for_function("n => document.title.includes(n)", arg=number)

        # "Take me there": along the floor to the counter; the bot serves.
        await press(page.get_by_role("button", name=t["take_me"]))
        await expect(page.get_by_test_id("staffed-by")).to_contain_text(t["bot"], timeout=60_000)
        # With a bot: no call is offered and nothing is recorded.
        await expect(page.get_by_test_id("call")).to_have_count(0)
        await shot("5-at-the-counter", page.locator("#session-title"))

        # Documents from the phone (a photo and a PDF), then the form.
        await press(page.get_by_role("tab", name=t["tab_docs"]))
        await page.locator("input[data-requirement='kk']").set_input_files(
            {"name": "kk.png", "mimeType": "image/png", "buffer": tiny_png()}
        )
        await press(page.get_by_role("tab", name=t["tab_form"]))
        await page.get_by_label(t["variant"]).select_option("HILANG")
        await press(page.get_by_role("tab", name=t["tab_docs"]))
        await page.locator("input[data-requirement='surat_kehilangan']").set_input_files(
            {"name": "laporan.pdf", "mimeType": "application/pdf", "buffer": tiny_pdf()}
        )
        await expect(page.locator(".documents li.done")).to_have_count(2)
        await shot("6-documents", page.locator("#session-title"))
        await press(page.get_by_role("tab", name=t["tab_form"]))
        await page.get_by_label(t["full_name"]).fill("Siti Aminah")
        await page.get_by_label(t["birth"]).fill("1990-01-01")
        await page.get_by_label(t["kk_no"]).fill("7471010101900001")
        await page.get_by_label(t["lost_doc"]).select_option(label=t["lost_doc_upload"])
        await page.get_by_label(t["phone"]).fill("081234567890")
        await page.get_by_label(t["confirm"]).check()
        await shot("7-form", page.get_by_label(t["full_name"]))
        await press(page.get_by_role("button", name=t["save"]))

        # The bot files it: the tracking code is shown, and kept on the device.
        await expect(page.get_by_text(t["filed"])).to_be_visible(timeout=20_000)
        tracking = page.get_by_test_id("tracking-code")
        await expect(tracking).to_have_text(re.compile(r"^MPP-[0-9A-Z]{5}-[0-9A-Z]{5}$"))
        code_text = str(await tracking.text_content())
        await shot("8-filed")

        # Look the application up by tracking code and NIK.
        await press(page.get_by_role("link", name=t["status_nav"]).first)
        await expect(page.get_by_label(re.compile("Kode pelacakan|Tracking code"))).to_have_value(
            code_text
        )
        await page.get_by_label(t["status_nik"]).fill(NIK)
        await press(page.get_by_role("button", name=t["status_go"], exact=True))
        result = page.get_by_test_id("status-result")
        await expect(result).to_contain_text(code_text)
        assert NIK not in page.url
        await shot("9-status")

        assert await serious_accessibility_problems(page) == []
        assert errors == []
        await browser.close()


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_a_citizen_on_a_phone_files_a_ktp_from_sign_in_to_tracking_code(
    tmp_path: Path, lang: str
):
    await journey(tmp_path, "phone", lang)


async def test_a_citizen_on_a_desktop_does_the_same_in_english(tmp_path: Path):
    await journey(tmp_path, "desktop", "en")


async def test_the_number_is_back_on_another_device_after_signing_in(tmp_path: Path):
    from playwright.async_api import async_playwright, expect

    t = TEXT["id"]
    async with (
        running_server(tmp_path / "data", counter_bots="never") as server,
        async_playwright() as pw,
    ):
        # The first device (a plain client) takes a number and goes away.
        first = await server.join(HALL, await server.citizen_token(NIK, "Siti"))
        await first.send(type="ticket_take", service="KK")
        number = (await first.next("ticket"))["number"]
        await first.close()
        # The second device: a phone that signs in with the same NIK sees that number.
        browser = await pw.chromium.launch(executable_path=chromium_or_skip(), args=ARGS)
        page = await (await browser.new_context(**PHONE)).new_page()
        await page.goto(server.base + "/")
        await expect(page.get_by_test_id("status")).to_have_text(t["connected"])
        await sign_in(page, server, t, lambda locator: locator.tap())
        await expect(page.get_by_test_id("ticket-number")).to_have_text(str(number))
        await browser.close()
