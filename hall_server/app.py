"""The FastAPI app factory.

``create_app(settings)`` builds routes only; everything with a life (the
database engine, the bus, the halls and their tick tasks) is created in the
lifespan and torn down when it ends. Nothing is built at import time.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import math
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request, Response, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException

from counters.catalogue import load_catalogue
from hall_server.api_docs import install_api_docs
from hall_server.audit_api import audit_router, start_audit_pump, stop_audit_pump
from hall_server.audit_log import AuditLog, audit_signing_key
from hall_server.auth.codes import LogCodeSender, NoCodeSender
from hall_server.auth.routes import auth_router, require_role
from hall_server.auth.service import AuthService
from hall_server.auth.staff import seed_dev_staff
from hall_server.auth.tokens import Claims
from hall_server.calls_setup import start_calls
from hall_server.cluster.lease_store import Fence, LeaseStore
from hall_server.cluster.node import Node
from hall_server.cluster.presence import Presence
from hall_server.complaints_api import complaints_router
from hall_server.counters_setup import start_counters
from hall_server.db.engine import create_engine, make_sessionmaker
from hall_server.db.migrate import upgrade
from hall_server.document_store import SqlDocumentStore
from hall_server.documents_api import documents_router, start_document_sweep, stop_document_sweep
from hall_server.error_texts import text_for
from hall_server.errors import HallError, LimitExceeded, NotFound
from hall_server.errors_api import errors_router
from hall_server.halls import HallSpec, build_runtime, identity_from_claims, load_hall_specs
from hall_server.handoff_api import handoff_router
from hall_server.handoff_setup import Handoff
from hall_server.journal import DatabaseJournal
from hall_server.kpi_api import kpi_router
from hall_server.kpi_live import start_kpi
from hall_server.metrics import Metrics
from hall_server.openapi import describe_errors
from hall_server.paths_api import paths_router
from hall_server.request_guard import RequestGuard
from hall_server.secrets import resolve_secret_key
from hall_server.services_api import services_router
from hall_server.settings import Settings
from hall_server.signals_api import attach_signals, signals_router, start_signals
from hall_server.survey_api import survey_router
from hall_server.trust_setup import start_trust
from hall_server.web_assets import VersionedStaticFiles, Versions, page
from realtime.asgi import AsgiSocket
from realtime.bus import Bus, InProcessBus, RedisBus
from realtime.counter_hub import CounterHub
from realtime.endpoint import Gateway
from realtime.hall import Identity
from realtime.runtime import HallRuntime
from realtime.tick_stats import tick_stats

log = logging.getLogger(__name__)


_HALL_SOCKET = "/ws/v1/halls/"


class HallApp(FastAPI):
    """The FastAPI app, with the hall socket (``/ws/v1/halls/{hall_id}``) served
    as raw ASGI by the gateway, ahead of FastAPI's middleware and routing.

    Those layers do nothing for this route (no dependencies, no HTTP
    middleware applies to a WebSocket) but keep their coroutine frames alive
    for as long as a connection lasts, about 10 KB per connection, and add
    a wrapper call to every message. Everything else, the board feed
    included, goes through FastAPI.
    """

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":
            path: str = scope["path"]
            root = scope.get("root_path", "")
            if root and path.startswith(root):
                path = path[len(root) :]
            if path.startswith(_HALL_SOCKET):
                hall_id = path[len(_HALL_SOCKET) :]
                gateway: Gateway | None = getattr(self.state, "gateway", None)
                if hall_id and "/" not in hall_id and gateway is not None:
                    await gateway.serve(AsgiSocket(scope, receive, send), hall_id)
                    return
        await super().__call__(scope, receive, send)

    def openapi(self) -> dict[str, Any]:
        """FastAPI's description with the errors this server really answers (hall_server/openapi.py)."""
        if self.openapi_schema is None:
            self.openapi_schema = describe_errors(super().openapi())
        return self.openapi_schema


class HallSummary(BaseModel):
    id: str
    name: dict[str, str]
    scene_id: str
    scene_url: str
    websocket_url: str
    avatars: int
    connections: int
    #: this node runs the hall (counts are its own); False: another node does (counts 0)
    served_here: bool = True
    #: where people reach the hall (HALL_PUBLIC_URL), for a QR code; None: not set
    public_url: str | None = None


class Announcement(BaseModel):
    id: str = Field(min_length=1, max_length=500, description="Text in Bahasa Indonesia")
    en: str = Field(min_length=1, max_length=500, description="Text in English")


def create_app(settings: Settings) -> FastAPI:
    """Build the hall server's ASGI app for ``settings``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        secret = resolve_secret_key(settings)
        url = settings.resolved_database_url
        await upgrade(url)
        engine = create_engine(url)
        sessions = make_sessionmaker(engine)
        if settings.environment == "development":
            await seed_dev_staff(sessions, settings.data_dir)
        auth = AuthService(
            sessions,
            secret,
            # Development prints codes to the log; production must never do that.
            LogCodeSender() if settings.environment == "development" else NoCodeSender(),
            token_ttl_s=settings.token_ttl_s,
            code_ttl_s=settings.code_ttl_s,
        )
        bus: Bus = RedisBus(settings.bus_url) if settings.bus_url else InProcessBus()
        metrics = Metrics()
        specs = load_hall_specs(settings)
        app.state.catalogue = load_catalogue()
        journal = DatabaseJournal(sessions)
        journal.start()
        runtimes: dict[str, HallRuntime] = {}
        # Before the counters: they hand out survey tokens (issue 14).
        app.state.trust = start_trust(settings, secret, sessions)
        # Before the counters too: their numbers are sightings for the broker signals.
        app.state.signals = start_signals(
            settings,
            sessions,
            secret,
            app.state.catalogue,
            [spec.hall_id for spec in specs.values() if spec.scene.counters],
        )
        counter_hubs: dict[str, CounterHub] = {}
        app.state.kpi = {}
        # Before the counters: their filings wake the delivery worker.
        handoff = Handoff(settings, sessions, runtimes, known_halls=specs.keys())
        for spec in specs.values():
            await journal.register_hall(
                hall_id=spec.hall_id, name=spec.name["id"], scene_id=spec.scene_id
            )
        calls = start_calls(settings, sessions, metrics, runtimes)
        await calls.manager.start()
        presence = Presence(
            settings.bus_url if settings.cluster else None, keep_s=settings.resume_grace_s
        )

        async def start_hall(hall_id: str, fence: Fence) -> None:
            # Who was in the hall on its previous owner, placed before anyone joins.
            entries = await presence.load(hall_id)
            log.info("taking hall %s over, %d people may resume", hall_id, len(entries))
            spec = specs[hall_id]
            runtime = build_runtime(
                spec, settings, bus=bus, metrics=metrics, journal=journal, restore=entries
            )
            runtimes[hall_id] = runtime
            # Calls reach this hall's people (halls come and go with their leases, so
            # the call manager is told here, not once at start-up).
            calls.manager.attach_hall(runtime.hall, runtime.flush)
            if settings.cluster:
                runtime.on_attach = functools.partial(save_soon, hall_id)
            await runtime.start()
            if spec.scene.counters:
                hub = await start_counters(
                    runtime,
                    spec,
                    app.state.catalogue,
                    sessions,
                    bus,
                    settings,
                    calls=calls.manager,
                    on_filed=handoff.filed,
                    survey_tokens=app.state.trust.tokens,
                    fence=fence,
                )
                attach_signals(app.state.signals, hub)
                counter_hubs[hall_id] = hub
                app.state.kpi.update(
                    await start_kpi(
                        {hall_id: hub}, settings, sessions, metrics, app.state.catalogue
                    )
                )

        saving: dict[str, asyncio.Task[None]] = {}

        def save_soon(hall_id: str) -> None:
            # Someone joined or resumed: in the presence within a moment, not only at the
            # next lease round (a node starved of CPU may lose its lease before that).
            if hall_id in saving:
                return

            async def save() -> None:
                try:
                    await asyncio.sleep(0.2)  # one write for a burst of joins
                    await save_hall(hall_id)
                except Exception:
                    log.warning("presence not saved", extra={"hall": hall_id}, exc_info=True)
                finally:
                    saving.pop(hall_id, None)

            saving[hall_id] = asyncio.create_task(save())

        async def save_hall(hall_id: str) -> None:
            runtime = runtimes.get(hall_id)
            if runtime is not None:
                saved = await presence.save(runtime.hall)
                log.debug("presence of hall %s saved: %d people", hall_id, saved)

        async def stop_hall(hall_id: str, lost: bool) -> None:
            if not lost and not presence.kept:
                log.info(
                    "stopping hall %s; presence is kept only with Redis: "
                    "people join afresh, with their tickets",
                    hall_id,
                )
            elif not lost:  # the final flush: who is here, for the next owner
                runtime = runtimes.get(hall_id)
                try:
                    saved = await presence.save(runtime.hall) if runtime is not None else 0
                    log.info("handing hall %s over, %d people may resume", hall_id, saved)
                except Exception:
                    log.warning("presence not saved", extra={"hall": hall_id}, exc_info=True)
            hub = counter_hubs.pop(hall_id, None)
            if hub is not None:
                await hub.stop()
            app.state.kpi.pop(hall_id, None)
            runtime = runtimes.pop(hall_id, None)
            if runtime is not None:
                await runtime.stop(moved=settings.cluster)

        node = Node(
            LeaseStore(sessions),
            node_id=settings.node_id or f"{socket.gethostname()}:{settings.port}",
            url=settings.resolved_node_url,
            hall_ids=specs.keys(),
            clustered=settings.cluster,
            ttl_s=settings.lease_ttl_s,
            renew_s=settings.lease_renew_s,
            start_hall=start_hall,
            stop_hall=stop_hall,
            save_hall=save_hall,
        )
        app.state.node = node
        app.state.counters = counter_hubs
        app.state.calls = calls
        app.state.documents = SqlDocumentStore(sessions, settings.document_retention_s)
        document_sweep = start_document_sweep(app.state.documents, settings.recording_sweep_s)
        app.state.audit = AuditLog(
            sessions, key=audit_signing_key(secret), origin=settings.audit_origin
        )
        audit_pump = start_audit_pump(
            app.state.audit,
            settings.audit_checkpoint_interval_s,
            settings.audit_witness_url,
            settings.backoffice_timeout_s,
        )

        def authenticate(token: str) -> tuple[Identity, str | None]:
            claims = auth.verify(token)
            return identity_from_claims(claims, auth.nik_of(claims)), claims.hall

        handoff.start()
        app.state.handoff = handoff
        app.state.sessions = sessions
        app.state.settings = settings
        app.state.engine = engine
        app.state.auth = auth
        app.state.bus = bus
        app.state.metrics = metrics
        app.state.specs = specs
        app.state.runtimes = runtimes
        app.state.gateway = Gateway(
            runtimes,
            counters=counter_hubs,
            authenticate=authenticate,
            limits=settings.limits,
            join_timeout_s=settings.join_timeout_s,
            metrics=metrics,
            model_url_prefixes=settings.model_url_prefixes,
            locate=node.owner_url,
        )
        app.state.gateway.counters = counter_hubs  # the halls come and go with their leases
        await node.start()
        # Start-up objects (scenes, catalogue, engine) never die: keep them out of GC scans.
        gc.collect()
        gc.freeze()
        log.info("hall server ready", extra={"halls": sorted(runtimes)})
        try:
            yield
        finally:
            await calls.stop()  # ends every call (audit rows, recordings closed) first
            await stop_document_sweep(document_sweep)
            await stop_audit_pump(audit_pump)
            await app.state.signals.stop()
            # Each hall after a final flush, its lease released for another node to take.
            await node.drain()
            await presence.close()
            await handoff.stop()
            await app.state.trust.stop()
            await journal.stop()
            await bus.close()
            await engine.dispose()

    app = HallApp(
        title="Virtual service hall",
        version="1.0.0",
        summary="Backend of a virtual public-service hall (Mal Pelayanan Publik).",
        lifespan=lifespan,
        # Served by install_api_docs from the package: FastAPI's own load from a CDN.
        docs_url=None,
        redoc_url=None,
    )
    # Compress text answers. HTTP only: GZipMiddleware passes WebSockets through, and
    # the hall socket is served ahead of every middleware (HallApp.__call__).
    app.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=6)
    # Outside the compression: a body too large or holding a NUL never reaches a route.
    app.add_middleware(RequestGuard, max_body_bytes=settings.limits.max_body_bytes)
    install_api_docs(app)
    _install_error_handlers(app)
    _install_request_metrics(app)
    app.include_router(auth_router(), prefix="/api/v1/auth", tags=["auth"])
    app.include_router(services_router())
    app.include_router(handoff_router())
    app.include_router(errors_router())
    app.include_router(kpi_router())
    app.include_router(documents_router())
    app.include_router(paths_router())
    app.include_router(audit_router())
    app.include_router(survey_router())
    app.include_router(complaints_router())
    app.include_router(signals_router())

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"])
    async def readyz(request: Request) -> JSONResponse:
        """Readiness: the database answers and every hall ticks."""
        problems: list[str] = []
        try:
            async with request.app.state.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:
            problems.append("database")
        for hall_id, runtime in request.app.state.runtimes.items():
            if not runtime.ticking:
                problems.append(f"hall:{hall_id}")
        status = 503 if problems else 200
        return JSONResponse({"ready": not problems, "problems": problems}, status_code=status)

    @app.get("/metrics", tags=["operations"], include_in_schema=False)
    async def metrics(request: Request) -> Response:
        body = request.app.state.metrics.exposition()
        return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")

    @app.get("/api/v1/halls", tags=["halls"])
    async def list_halls(request: Request) -> list[HallSummary]:
        """Every hall this server runs, with where to get its scene and socket."""
        return [_summary(request, spec) for spec in request.app.state.specs.values()]

    @app.get("/api/v1/halls/{hall_id}", tags=["halls"])
    async def get_hall(request: Request, hall_id: str) -> HallSummary:
        return _summary(request, _spec(request, hall_id))

    @app.get("/api/v1/halls/{hall_id}/scene", tags=["halls"])
    async def get_scene(request: Request, hall_id: str) -> FileResponse:
        """The hall's scene file (docs/scene-format.md)."""
        return FileResponse(_spec(request, hall_id).scene_path, media_type="application/json")

    @app.get("/api/v1/halls/{hall_id}/stats", tags=["halls"])
    async def hall_stats(
        request: Request,
        hall_id: str,
        _claims: Annotated[Claims, Depends(require_role("supervisor", "admin"))],
        since_tick: Annotated[int | None, Query(ge=0)] = None,
    ) -> dict[str, Any]:
        """Tick statistics (supervisors and admins): duration and how late ticks
        started (ms, p50/p99/max) and the achieved tick rate, over the ticks after
        ``since_tick`` (as given by ``tick`` in an earlier answer) or over the
        latest 4,000 ticks."""
        runtime: HallRuntime | None = request.app.state.runtimes.get(hall_id)
        if runtime is None:
            raise NotFound("no hall with this id", code="unknown_hall")
        bodies, attached = runtime.hall.counts()
        return {
            "avatars": bodies,
            "connections": attached,
            "tick": runtime.hall.tick_count,
            **tick_stats(
                runtime.tick_log, since_tick=since_tick, tick_hz=runtime.hall.rules.tick_hz
            ),
        }

    @app.get("/api/v1/halls/{hall_id}/board", tags=["counters"])
    async def board(request: Request, hall_id: str) -> dict[str, Any]:
        """The "now serving" board: numbers at each counter and how many wait per service.

        Public, like the display screen of a physical hall: numbers only, no names.
        """
        counters: CounterHub | None = request.app.state.counters.get(hall_id)
        if counters is None:
            raise NotFound("no hall with counters with this id", code="unknown_hall")
        return counters.current_board()

    @app.websocket("/ws/v1/halls/{hall_id}/board")
    async def board_feed(websocket: WebSocket, hall_id: str) -> None:
        """The board as a feed: the current board, then every change."""
        counters: CounterHub | None = websocket.app.state.counters.get(hall_id)
        gateway: Gateway = websocket.app.state.gateway
        address = websocket.client.host if websocket.client else "unknown"
        await websocket.accept()
        # Counted with the hall sockets: one per-address limit for every socket.
        if not gateway.addresses.acquire(address):
            await gateway.refuse_too_many(websocket)
            return
        try:
            await _feed_board(websocket, counters)
        finally:
            gateway.addresses.release(address)

    async def _feed_board(websocket: WebSocket, counters: CounterHub | None) -> None:
        if counters is None:
            # As on the hall socket: the error (with its texts) first, then the close.
            message = "no hall with counters with this id"
            error = {"type": "error", "code": "unknown_hall", "message": message}
            await websocket.send_json({**error, "text": text_for("unknown_hall")})
            await websocket.close(4004, message)
            return
        bus = websocket.app.state.bus
        sub = await bus.subscribe(counters.board_topic)
        # The hall's announcements too: a wall screen shows them without joining
        # the hall as a spectator (which would stream every avatar to it).
        runtime: HallRuntime = websocket.app.state.runtimes[counters.hall.hall_id]
        said = await bus.subscribe(runtime.announce_topic)

        async def forward() -> None:
            await websocket.send_json({"type": "board", **counters.current_board()})
            async for payload in sub:
                await websocket.send_json({"type": "board", **payload})

        async def announce() -> None:
            async for payload in said:
                await websocket.send_json({"type": "announcement", "text": payload["text"]})

        async def until_gone() -> None:
            # A quiet board sends nothing for minutes: without reading, a display that
            # went away would hold this handler (and a server shutdown) until the next change.
            while (await websocket.receive())["type"] != "websocket.disconnect":
                pass

        tasks = [asyncio.create_task(job()) for job in (forward, announce, until_gone)]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await sub.close()
            await said.close()

    @app.post("/api/v1/halls/{hall_id}/announcements", tags=["halls"], status_code=202)
    async def announce(
        request: Request,
        hall_id: str,
        body: Announcement,
        _claims: Annotated[Claims, Depends(require_role("supervisor", "admin"))],
    ) -> dict[str, bool]:
        """Show an announcement to everyone in the hall (supervisors and admins)."""
        spec = _spec(request, hall_id)
        # Over the bus: whichever node serves the hall shows it (HallRuntime.announce_topic).
        await request.app.state.bus.publish(
            f"hall.{spec.hall_id}.announce", {"text": {"id": body.id, "en": body.en}}
        )
        return {"accepted": True}

    # Versioned URLs and cache headers: hall_server/web_assets.py.
    # The pages are built from web/ by `make web` (npm + Vite) into webapp/.
    webapp = Path(str(resources.files("hall_server") / "webapp"))
    assets = Path(str(resources.files("scenes") / "assets"))
    mounts = {"/app": Versions(webapp), "/assets": Versions(assets)}

    def built_page(name: str) -> HTMLResponse:
        try:
            html = (webapp / name).read_text(encoding="utf-8")
        except FileNotFoundError:
            return HTMLResponse(_NOT_BUILT, status_code=503, headers={"Cache-Control": "no-store"})
        return page(html, mounts)

    @app.get("/", include_in_schema=False)
    async def index() -> HTMLResponse:
        """The citizen app."""
        return built_page("index.html")

    # The staff pages and the wall board: each checks the token's role itself,
    # and every call it makes is role-checked by the server.
    @app.get("/officer", include_in_schema=False)
    async def officer_page() -> HTMLResponse:
        """The officer console."""
        return built_page("officer.html")

    @app.get("/supervisor", include_in_schema=False)
    async def supervisor_page() -> HTMLResponse:
        """The supervisor dashboard."""
        return built_page("supervisor.html")

    @app.get("/board", include_in_schema=False)
    async def board_page() -> HTMLResponse:
        """The public "now serving" board (no sign-in)."""
        return built_page("board.html")

    @app.get("/ikm", include_in_schema=False)
    async def ikm_page() -> HTMLResponse:
        """The public IKM page (citizen satisfaction index; no sign-in)."""
        return built_page("ikm.html")

    for prefix, versions in mounts.items():
        static = VersionedStaticFiles(
            directory=versions.directory, versions=versions, mounts=mounts
        )
        app.mount(prefix, static, name=prefix.strip("/"))
    return app


_NOT_BUILT = """<!doctype html><html lang="en"><meta charset="utf-8"><title>Not built</title>
<p>The web pages are not built. Run <code>make web</code> (or <code>make run</code>), which
needs Node.js and npm.</p></html>"""


def _spec(request: Request, hall_id: str) -> HallSpec:
    spec: HallSpec | None = request.app.state.specs.get(hall_id)
    if spec is None:
        raise NotFound("no hall with this id", code="unknown_hall")
    return spec


def _summary(request: Request, spec: HallSpec) -> HallSummary:
    runtime: HallRuntime | None = request.app.state.runtimes.get(spec.hall_id)
    bodies, attached = runtime.hall.counts() if runtime is not None else (0, 0)
    path = f"/ws/v1/halls/{spec.hall_id}"
    # Many nodes: the owner's address when another node serves the hall (ask again if
    # empty: it is changing hands); this node's halls keep the relative path.
    owner = request.app.state.node.owner_url(spec.hall_id) if runtime is None else None
    return HallSummary(
        id=spec.hall_id,
        name=spec.name,
        scene_id=spec.scene_id,
        scene_url=f"/api/v1/halls/{spec.hall_id}/scene",
        websocket_url=f"{owner}{path}" if owner else path,
        public_url=request.app.state.settings.public_url or None,
        avatars=bodies,
        connections=attached,
        served_here=runtime is not None,
    )


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HallError)
    async def hall_error(request: Request, exc: HallError) -> JSONResponse:
        _count_error(request, exc.code)
        error = {"code": exc.code, "message": str(exc), "text": text_for(exc.code)}
        headers: dict[str, str] = {}
        if isinstance(exc, LimitExceeded) and exc.retry_after_s is not None:
            headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after_s)))
        return JSONResponse({"error": error}, status_code=exc.http_status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        # Name the fields, never echo the values (they may hold a NIK).
        fields = [".".join(str(p) for p in err.get("loc", ())) for err in exc.errors()]
        _count_error(request, "bad_request")
        message = "invalid fields: " + ", ".join(fields)
        error = {"code": "bad_request", "message": message, "text": text_for("bad_request")}
        return JSONResponse({"error": error}, status_code=422)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # A defect, not the client's fault: the documented body, counted, and logged
        # once with the route's template (never the URL: it may carry a code or a NIK).
        route = request.scope.get("route")
        log.error(
            "unexpected error in %s %s",
            request.method,
            getattr(route, "path", "?"),
            exc_info=(type(exc), exc, exc.__traceback__),
        )
        _count_error(request, "internal")
        error = {
            "code": "internal",
            "message": "internal error; it was logged",
            "text": text_for("internal"),
        }
        return JSONResponse({"error": error}, status_code=500)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Routing's own answers (no such path, wrong method) in the same shape as ours.
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code)
        if code is None:
            code = "bad_request" if exc.status_code < 500 else "internal"
        _count_error(request, code)
        error = {"code": code, "message": str(exc.detail), "text": text_for(code)}
        return JSONResponse(
            {"error": error}, status_code=exc.status_code, headers=getattr(exc, "headers", None)
        )


def _count_error(request: Request, code: str) -> None:
    metrics: Metrics | None = getattr(request.app.state, "metrics", None)
    if metrics is not None:
        metrics.errors.labels(code).inc()


def _install_request_metrics(app: FastAPI) -> None:
    access = logging.getLogger("hall_server.access")

    @app.middleware("http")
    async def observe(request: Request, call_next: Any) -> Response:
        started = time.perf_counter()
        response: Response = await call_next(request)
        route = request.scope.get("route")
        template = getattr(route, "path", None)
        if template is None:  # static mounts: name the mount, never the full URL
            first = request.url.path.split("/")[1] if request.url.path != "/" else ""
            template = f"/{first}/*" if first in ("assets", "app", "docs-assets") else "unmatched"
        metrics: Metrics | None = getattr(request.app.state, "metrics", None)
        if metrics is not None:
            metrics.http_requests.labels(template, str(response.status_code)).inc()
        # The route template, not the URL, and no client address: nothing personal.
        access.info(
            "%s %s %d",
            request.method,
            template,
            response.status_code,
            extra={"duration_ms": round((time.perf_counter() - started) * 1000, 1)},
        )
        return response
