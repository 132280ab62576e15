"""Shared by the staff pages' browser tests: a Chromium, signing in, axe-core, screenshots."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.browser.test_web_client import ARGS
from tests.e2e.server import RunningServer

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
DOC_IMAGES = ROOT / "docs" / "images"
# Fake media and loopback ICE for the counter call, as tests/browser/test_call_in_chromium.py.
CALL_ARGS = [
    *ARGS,
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--autoplay-policy=no-user-gesture-required",
]
LAPTOP = {"width": 1366, "height": 768}
TV = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}


@contextlib.asynccontextmanager
async def chromium(path: str) -> AsyncIterator[Browser]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=path, args=CALL_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def new_page(browser: Browser, viewport: dict[str, int], errors: list[str]) -> Page:
    """A page in a context of its own (its own local storage), its errors collected."""
    context = await browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    page = await context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page


def password(server: RunningServer, username: str) -> str:
    creds = (server.settings.data_dir / "dev-credentials.txt").read_text().splitlines()
    return next(line.split(": ", 1)[1] for line in creds if line.startswith(username + " "))


async def sign_in(page: Page, server: RunningServer, username: str) -> None:
    await page.fill("#username", username)
    await page.fill("#password", password(server, username))
    await page.click("#signin button[type=submit]")


async def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical findings on the page as it is now."""
    if not await page.evaluate("typeof axe !== 'undefined'"):
        await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("axe.run(document).then(r => r.violations)")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result
        if v["impact"] in ("serious", "critical")
    ]


async def screenshot(page: Page, tmp_path: Path, name: str) -> None:
    """Into tmp_path; into docs/images too when HALL_DOC_SCREENSHOTS=1 (refreshing the guide)."""
    await page.screenshot(path=str(tmp_path / name))
    if os.environ.get("HALL_DOC_SCREENSHOTS") == "1":
        DOC_IMAGES.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(DOC_IMAGES / name))
