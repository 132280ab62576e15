"""Static files with versioned URLs and cache headers, and the HTML that names them.

A page (``/``, ``/web/*.html``) is sent with ``Cache-Control: no-cache`` and
its ``src``/``href`` attributes that name a file of a static mount get
``?v=<content hash>``. A request carrying the file's current hash is
answered ``public, max-age=31536000, immutable``: a browser never asks for
it again, and a new release changes the hash, so the URL. Any other request
(no ``v``, or a stale one) gets ``no-cache``: the browser revalidates with
the ETag and gets a 304 while the file is unchanged.

Hashes are computed on first use and kept per file (path, size, mtime), so
nothing is read at import time and an edited file gets a new version.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import parse_qs

from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

#: src="/prefix/file" or href="/prefix/file" (no query yet) in a page.
_REFERENCE = re.compile(r'(?P<attr>\b(?:src|href)=")(?P<url>/[^"?#]+)"')


class Versions:
    """Content hashes of the files under ``directory``, cached per (size, mtime)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory.resolve()
        self._known: dict[str, tuple[int, int, str]] = {}

    def of(self, relative: str) -> str | None:
        """The version of ``relative`` (16 hex digits of its SHA-256), None if no such file."""
        path = (self.directory / relative).resolve()
        if not path.is_relative_to(self.directory):
            return None
        try:
            stat = path.stat()
        except OSError:
            return None
        known = self._known.get(relative)
        if known is not None and known[:2] == (stat.st_size, stat.st_mtime_ns):
            return known[2]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        self._known[relative] = (stat.st_size, stat.st_mtime_ns, digest)
        return digest


def versioned_html(html: str, mounts: Mapping[str, Versions]) -> str:
    """``html`` with ``?v=<hash>`` on every src/href naming a file of ``mounts``
    (URL prefix, e.g. "/web", -> its versions)."""

    def add_version(match: re.Match[str]) -> str:
        url = match["url"]
        for prefix, versions in mounts.items():
            if url.startswith(prefix + "/"):
                version = versions.of(url[len(prefix) + 1 :])
                if version is not None:
                    return f'{match["attr"]}{url}?v={version}"'
        return match[0]

    return _REFERENCE.sub(add_version, html)


def page(html: str, mounts: Mapping[str, Versions]) -> HTMLResponse:
    """A page: its references versioned, itself revalidated on every load."""
    return HTMLResponse(versioned_html(html, mounts), headers={"Cache-Control": REVALIDATE})


class VersionedStaticFiles(StaticFiles):
    """A static mount whose answers carry the cache headers above; its HTML pages are
    versioned with ``mounts`` (this mount and any other they refer to)."""

    def __init__(
        self, *, directory: Path, versions: Versions, mounts: Mapping[str, Versions]
    ) -> None:
        # check_dir=False: the web app may not be built yet (the pages say so).
        super().__init__(directory=str(directory), check_dir=False)
        self.versions = versions
        self.mounts = mounts

    async def get_response(self, path: str, scope: Scope) -> Response:
        if path.endswith(".html") and scope["method"] in ("GET", "HEAD"):
            full, stat = self.lookup_path(path)
            if stat is not None:
                text = Path(full).read_text(encoding="utf-8")
                return page(text, self.mounts)
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            asked = query.get("v", [None])[0]
            current = self.versions.of(path.replace(os.sep, "/"))
            fresh = asked is not None and asked == current
            response.headers["Cache-Control"] = IMMUTABLE if fresh else REVALIDATE
        return response
