"""/docs and /redoc load nothing from another origin: their files come from the server."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hall_server.web_assets import IMMUTABLE
from tests.e2e.server import RunningServer, running_server


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[RunningServer]:
    async with running_server(tmp_path / "data", counter_bots="never") as srv:
        yield srv


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_every_file_of_the_docs_pages_is_same_origin_and_answers(
    server: RunningServer, page: str
) -> None:
    html = (await server.http.get(page)).text
    urls = re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"', html)
    assert len(urls) >= 2, html
    for url in urls:
        # Same origin: a path on this server, never a scheme or a host.
        assert url.startswith("/") and not url.startswith("//"), url
        answer = await server.http.get(url)
        assert answer.status_code == 200, url
        assert answer.headers["cache-control"] == IMMUTABLE, url
    assert "http://" not in html and "https://" not in html
