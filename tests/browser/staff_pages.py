"""Shared by the staff pages' browser tests: a Chromium, signing in, screenshots.

Devices, Chromium's flags and axe-core come from tests/support/browser.py.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.e2e.server import RunningServer
from tests.support.browser import ARGS, MEDIA_ARGS, chromium_or_skip

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

DOC_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
#: The officer's call: fake media, and loopback ICE (the hall relays on 127.0.0.1).
CALL_ARGS = [*ARGS, *MEDIA_ARGS, "--allow-loopback-in-peer-connection"]
LAPTOP: dict[str, Any] = {"viewport": {"width": 1366, "height": 768}}
TV: dict[str, Any] = {"viewport": {"width": 1920, "height": 1080}}


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    from playwright.async_api import async_playwright

    path = chromium_or_skip()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=path, args=CALL_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def new_page(browser: Browser, device: dict[str, Any], errors: list[str]) -> Page:
    """A page in a context of its own (its own local storage), its errors collected."""
    context = await browser.new_context(**device)
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


async def screenshot(page: Page, tmp_path: Path, name: str) -> None:
    """Into tmp_path; into docs/images too when HALL_DOC_SCREENSHOTS=1 (refreshing the guide)."""
    await page.screenshot(path=str(tmp_path / name))
    if os.environ.get("HALL_DOC_SCREENSHOTS") == "1":
        DOC_IMAGES.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(DOC_IMAGES / name))
