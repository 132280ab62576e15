"""Swagger UI at /docs renders in a real Chromium with every other origin unreachable,
as on a hall's intranet."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from tests.e2e.server import running_server
from tests.support.browser import ARGS, chromium_or_skip


async def test_swagger_ui_lists_the_operations_with_no_other_origin_reachable(
    tmp_path: Path,
) -> None:
    from playwright.async_api import Route, async_playwright

    async with (
        running_server(tmp_path / "data", counter_bots="never") as server,
        async_playwright() as pw,
    ):
        browser = await pw.chromium.launch(executable_path=chromium_or_skip(), args=ARGS)
        page = await browser.new_page()
        origin = urlsplit(server.base).netloc
        elsewhere: list[str] = []

        async def only_this_server(route: Route) -> None:
            if urlsplit(route.request.url).netloc == origin:
                await route.continue_()
            else:
                elsewhere.append(route.request.url)
                await route.abort("internetdisconnected")

        await page.route("**/*", only_this_server)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await page.goto(server.base + "/docs")
        # Swagger UI built its operation list from /openapi.json.
        operation = page.locator(".opblock-summary-path", has_text="/api/v1/applications/lookup")
        await operation.first.wait_for(state="visible", timeout=30_000)
        assert await page.locator(".opblock").count() >= 10
        await browser.close()
    assert elsewhere == []
    assert errors == []
