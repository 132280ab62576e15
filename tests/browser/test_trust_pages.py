"""The survey and complaint screens in Debian's Chromium against the real server:
a citizen on a phone answers the survey after a bot served them, the public IKM page
counts it, they file a complaint and follow it by its tracking code, and a supervisor
on a desktop moves it a stage."""

from __future__ import annotations

import re
from pathlib import Path

from tests.browser.staff_pages import chromium, new_page, screenshot
from tests.browser.staff_pages import sign_in as staff_sign_in
from tests.browser.test_citizen_app import TEXT
from tests.browser.test_citizen_app import sign_in as citizen_sign_in
from tests.e2e.server import running_server
from tests.support.browser import DESKTOP, PHONE, serious_accessibility_problems, tiny_png

NIB = {
    "nama_lengkap": "Siti Aminah",
    "nama_usaha": "Warung Sinar",
    "kbli": "56103",
    "alamat_usaha": "Jl. Sao-Sao No. 10, Kendari",
    "modal_usaha": "25000000",
    "no_hp": "081234567890",
    "email": "siti@example.id",
}
COMPLAINT = "Ada orang yang menawarkan jasa mengurus NIB dengan bayaran di depan loket."


async def test_survey_after_a_bot_served_session_then_a_complaint_a_supervisor_verifies(
    tmp_path: Path,
):
    from playwright.async_api import expect

    t = TEXT["id"]
    async with (
        running_server(
            tmp_path / "data",
            counter_bots="always",
            survey_min_group=1,
            demo_citizens=0,
        ) as server,
        chromium() as browser,
    ):
        errors: list[str] = []
        page = await new_page(browser, PHONE, errors)

        async def press(locator: object) -> None:
            await locator.tap()  # type: ignore[attr-defined]

        await page.goto(server.base + "/")
        await expect(page.get_by_test_id("status")).to_have_text(t["connected"])
        await citizen_sign_in(page, server, t, press)

        # A bot files a NIB: three documents from the phone, then the form.
        await press(page.locator("[data-service='NIB']"))
        await press(page.get_by_role("button", name=t["take"]))
        await expect(page.get_by_role("button", name=t["take_me"])).to_be_visible(timeout=30_000)
        await press(page.get_by_role("button", name=t["take_me"]))
        await expect(page.get_by_test_id("staffed-by")).to_contain_text(t["bot"], timeout=60_000)
        await press(page.get_by_role("tab", name=t["tab_docs"]))
        for requirement in ("ktp_el", "kontak", "data_usaha"):
            await page.locator(f"input[data-requirement='{requirement}']").set_input_files(
                {"name": f"{requirement}.png", "mimeType": "image/png", "buffer": tiny_png()}
            )
        await expect(page.locator(".documents li.done")).to_have_count(3)
        await press(page.get_by_role("tab", name=t["tab_form"]))
        for name, value in NIB.items():
            await page.locator(f"#f-{name}").fill(value)
        await page.locator("#f-konfirmasi").check()
        await press(page.get_by_role("button", name=t["save"]))

        # The survey is offered once the service finished.
        survey = page.get_by_test_id("survey")
        await expect(survey).to_be_visible(timeout=30_000)
        await survey.evaluate("el => el.scrollIntoView({block: 'start'})")
        await screenshot(page, tmp_path, "trust-1-survey-phone-id.png")
        for i in range(1, 10):
            await press(
                page.locator(f"fieldset[data-element='U{i}'] label").nth(3 if i != 3 else 2)
            )
        await press(page.get_by_test_id("survey-send"))
        await expect(page.get_by_test_id("survey-thanks")).to_be_visible()
        assert await serious_accessibility_problems(page) == []

        # The public IKM page counts it: eight 4s and a 3 -> 25 x 35/9 = 97.22, A.
        ikm = await new_page(browser, PHONE, errors)
        await ikm.goto(server.base + "/ikm")
        await expect(ikm.get_by_test_id("ikm-value")).to_have_text("97.22")
        await expect(ikm.locator("#ikm-served-by")).to_contain_text("Bot")
        await screenshot(ikm, tmp_path, "trust-2-ikm-phone-id.png")
        assert await serious_accessibility_problems(ikm) == []

        # A complaint from the menu, anonymous; its status page by tracking code.
        await press(page.get_by_role("link", name="Pengaduan").first)
        await page.get_by_label("Jenis pengaduan").select_option("calo")
        await page.get_by_label(re.compile("^Isi pengaduan")).fill(COMPLAINT)
        await page.get_by_label(re.compile("^Anonim")).check()
        await press(page.get_by_test_id("complaint-send"))
        code_el = page.get_by_test_id("complaint-code")
        await expect(code_el).to_have_text(re.compile(r"^ADU-[0-9A-Z]{5}-[0-9A-Z]{5}$"))
        code = str(await code_el.text_content())
        assert page.url.endswith(f"#/pengaduan/{code}")
        await expect(page.get_by_test_id("complaint-stage")).to_have_text("Diterima")
        await screenshot(page, tmp_path, "trust-3-complaint-phone-id.png")
        assert await serious_accessibility_problems(page) == []

        # A supervisor verifies it from the dashboard.
        desk = await new_page(browser, DESKTOP, errors)
        await desk.goto(server.base + "/supervisor")
        await staff_sign_in(desk, server, "supervisor")
        item = desk.locator("li.complaint")
        await expect(item).to_have_count(1, timeout=30_000)
        await expect(item).to_contain_text(COMPLAINT)
        await expect(item).to_contain_text("anonim")
        await item.get_by_role("button", name="Verifikasi").click()
        await expect(desk.locator("li.complaint[data-stage='verified']")).to_have_count(1)
        await expect(desk.locator("#ikm-table")).to_contain_text("97.22")
        await desk.locator("#complaints").scroll_into_view_if_needed()
        await screenshot(desk, tmp_path, "trust-4-supervisor-desktop-id.png")
        assert await serious_accessibility_problems(desk) == []

        # The reporter sees the new stage.
        await page.reload()
        await expect(page.get_by_test_id("complaint-stage")).to_have_text("Diverifikasi")
        assert errors == []
