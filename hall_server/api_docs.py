"""The API's documentation pages, served without any CDN.

FastAPI's /docs and /redoc load Swagger UI and ReDoc from a CDN, so they are
blank on an intranet. The fastapi-offline package ships those files (Swagger
UI's bundle and CSS, ReDoc's standalone script); they are served here from
the installed package under ``/docs-assets``, versioned and cached like the
web client's files (hall_server/web_assets.py).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from starlette.responses import HTMLResponse

from hall_server.web_assets import REVALIDATE, VersionedStaticFiles, Versions

ASSETS = "/docs-assets"


def install_api_docs(app: FastAPI) -> None:
    """/docs (Swagger UI), its OAuth2 redirect and /redoc, with their assets from the package.

    The app must be created with ``docs_url=None, redoc_url=None``.
    """
    directory = Path(str(resources.files("fastapi_offline") / "static"))
    versions = Versions(directory)
    app.mount(
        ASSETS,
        VersionedStaticFiles(directory=directory, versions=versions, mounts={}),
        name="docs-assets",
    )

    def url(name: str) -> str:
        return f"{ASSETS}/{name}?v={versions.of(name)}"

    def no_cache(response: HTMLResponse) -> HTMLResponse:
        response.headers["Cache-Control"] = REVALIDATE
        return response

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return no_cache(
            get_swagger_ui_html(
                openapi_url=str(app.openapi_url),
                title=f"{app.title} - Swagger UI",
                oauth2_redirect_url="/docs/oauth2-redirect",
                swagger_js_url=url("swagger-ui-bundle.js"),
                swagger_css_url=url("swagger-ui.css"),
                swagger_favicon_url=url("favicon.png"),
            )
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return no_cache(
            get_redoc_html(
                openapi_url=str(app.openapi_url),
                title=f"{app.title} - ReDoc",
                redoc_js_url=url("redoc.standalone.js"),
                redoc_favicon_url=url("favicon.png"),
                with_google_fonts=False,
            )
        )
