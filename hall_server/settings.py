"""Frozen settings, read once at the edge.

This is the only module that reads ``os.environ``. ``Settings.from_env``
reads ``HALL_*`` variables, then applies explicit overrides (the CLI's
flags), and returns a frozen value that the rest of the program receives as
an argument. Nothing here touches the disk: resolving a missing development
secret (generate once, persist under ``data_dir``) happens in
:func:`hall_server.secrets.resolve_secret_key`, called by the app factory.

Units are in the names (``_s`` seconds, ``_m`` metres, ``_hz`` per second,
``_bytes``). ``None`` means "off" or "not set".
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from avatars.model_urls import is_allowed_prefix
from hall_server.errors import InvalidInput

Environment = Literal["development", "production"]

PREFIX = "HALL_"


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-connection and per-hall limits; each breach has a documented error."""

    #: Largest WebSocket message a client may send, in bytes.
    max_message_bytes: int = 4096
    #: Sustained messages per second per client (token bucket rate).
    messages_per_s: float = 30.0
    #: Burst allowance of the token bucket.
    message_burst: int = 60
    #: Rate-limit breaches within 10 s after which the client is closed as abusive.
    abuse_strikes: int = 20
    #: Avatars (with a body) per hall; spectators do not count.
    max_avatars_per_hall: int = 2000
    #: Open WebSocket connections per client IP address.
    max_connections_per_address: int = 50
    #: Longest chat message, in characters.
    max_chat_chars: int = 500
    #: Walking paths (``GET .../path``) per second per client address, sustained.
    path_requests_per_s: float = 1.0
    #: Burst allowance of the path requests' token bucket: each search takes the tick's
    #: core for tens of ms in a big hall (a burst of 20 delayed one tick by 0.84 s).
    path_burst: int = 8
    #: Complaints filed per hour per client address, sustained (anyone may file one,
    #: signed in or not, so a flood would otherwise fill the database).
    complaints_per_hour: float = 6.0
    #: Burst allowance of the complaints' token bucket.
    complaint_burst: int = 5
    #: Largest HTTP request body, bytes, but for the raw uploads (documents, complaint
    #: photos), which have their own: a JSON body is read whole before a route runs.
    max_body_bytes: int = 65536
    #: Staff sign-ins (passwords) per minute per client address, sustained: password
    #: guessing costs argon2 time the hall shares.
    staff_signins_per_minute: float = 20.0
    #: Burst allowance of the staff sign-ins' token bucket.
    staff_signin_burst: int = 20
    #: Citizens' one-time sign-in codes asked per hour per client address, sustained
    #: (each is a text message to a phone with a real gateway).
    sign_in_codes_per_hour: float = 60.0
    #: Burst allowance of the sign-in codes' token bucket (a family signing in one
    #: after another from one home network).
    sign_in_code_burst: int = 20


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything configurable about a hall server process."""

    #: Interface to listen on.
    host: str = "127.0.0.1"
    #: TCP port to listen on.
    port: int = 8000
    #: "development" generates missing secrets and prints sign-in codes to the log;
    #: "production" refuses to start without a configured secret.
    environment: Environment = "development"
    #: Directory for the SQLite database, generated secrets and recordings.
    data_dir: Path = Path("data")
    #: SQLAlchemy async URL; None means a SQLite file ``hall.db`` under ``data_dir``.
    database_url: str | None = None
    #: Redis URL for the hall event bus; None means the in-process bus (one process).
    bus_url: str | None = None
    #: HMAC key for tokens; None means "generate and persist one" (development only).
    secret_key: str | None = None
    #: How long a sign-in token stays valid.
    token_ttl_s: int = 1800
    #: How long a one-time sign-in code stays valid.
    code_ttl_s: int = 300
    #: Simulation and send rate of the hall (snapshots per second).
    tick_hz: float = 20.0
    #: Side of an area-of-interest cell; a client sees its cell and the 8 around it.
    #: None: the scene's own (``aoi_cell_m`` in the scene file), else 10 m.
    aoi_cell_m: float | None = None
    #: Most other avatars one client is sent: the nearest in its area of interest, with
    #: hysteresis, always including the staff of its counter (docs/protocol.md section 6).
    view_max_avatars: int = 64
    #: Most avatars a spectator (display screen) is sent, the nearest to the hall's
    #: centre; 0: the whole hall.
    view_spectator_max_avatars: int = 0
    #: Proximity chat is heard within this distance.
    chat_radius_m: float = 8.0
    #: Highest walking speed accepted from a client.
    max_speed_m_s: float = 3.0
    #: A dropped client may resume its avatar within this time.
    resume_grace_s: float = 60.0
    #: A client whose outbound mailbox has not drained for this long is closed (4008).
    stall_close_s: float = 10.0
    #: Kernel send buffer of each connection (None: the OS default, autotuned to MBs),
    #: which bounds how long a client that stopped reading goes unnoticed.
    send_buffer_bytes: int | None = 131072
    #: The join message must arrive within this time after the WebSocket opens.
    join_timeout_s: float = 10.0
    #: When bot clerks staff counters that no officer staffs: "always" (24/7 and the
    #: demo), "off_hours" (outside office hours only) or "never".
    counter_bots: str = "always"
    #: A bot recalls a called citizen who has not come to the counter after this long.
    counter_recall_after_s: float = 90.0
    #: Recalls before the next one marks the ticket no-show.
    counter_max_recalls: int = 2
    #: A called ticket not started this long after its last (re)call is no-show.
    counter_no_show_s: float = 300.0
    #: A citizen called or served who is gone from the hall (left, or dropped and not
    #: back) this long ends with outcome citizen_left; the counter takes the next.
    counter_citizen_left_s: float = 60.0
    #: A citizen at a bot's counter who does nothing (no form, document or chat line)
    #: this long ends with citizen_left, reason idle; the counter takes the next.
    counter_bot_idle_s: float = 300.0
    #: An officer whose connection dropped keeps the counter this long; then a bot
    #: takes it with its session (when bots are on duty), or it closes.
    counter_officer_grace_s: float = 120.0
    #: The halls' local time zone (IANA name): ticket numbers and the supervisors'
    #: daily figures start again at its midnight. Asia/Makassar is WITA (Kendari).
    timezone: str = "Asia/Makassar"
    #: Service-level target: a citizen first called within this wait counts as
    #: "within target" on the supervisors' dashboard (docs/kpi.md).
    kpi_target_s: float = 900.0
    #: Per-service targets overriding ``kpi_target_s``: "KTP-EL=1200,KK=600" (seconds).
    kpi_targets: str = ""
    #: Chance per counter step (0.5 s) that an idle simulated citizen takes a number.
    demo_ticket_chance: float = 0.01
    #: Seed of the demo's random choices (which service a simulated citizen takes,
    #: how long a bot serves it); None: a new seed each start.
    demo_seed: int | None = None
    #: Simulated citizens walking in each demo hall (0 = none).
    demo_citizens: int = 0
    #: Scene files served as halls; empty means the bundled demo scene.
    scene_files: tuple[Path, ...] = ()
    #: Civil-registry (Dukcapil) back office base URL; None: applications wait in the outbox.
    civil_registry_url: str | None = None
    #: Its API key (sent as X-Api-Key).
    civil_registry_api_key: str | None = None
    #: Secret of its signed callbacks; None refuses its callbacks.
    civil_registry_webhook_secret: str | None = None
    #: Permit (OSS / DPMPTSP) back office base URL; None: applications wait in the outbox.
    permits_url: str | None = None
    #: Its API key (sent as user_key).
    permits_api_key: str | None = None
    #: Secret of its signed callbacks; None refuses its callbacks.
    permits_webhook_secret: str | None = None
    #: SP4N-LAPOR! base URL (complaints forwarded); None: forwarding is refused.
    lapor_url: str | None = None
    #: Its API key (sent as X-Api-Key).
    lapor_api_key: str | None = None
    #: Secret of its signed callbacks; None refuses its callbacks.
    lapor_webhook_secret: str | None = None
    #: Whole-request timeout of a back-office call.
    backoffice_timeout_s: float = 10.0
    #: Connect timeout of a back-office call (a down back office fails fast).
    backoffice_connect_timeout_s: float = 3.0
    #: Sends before an application becomes a dead letter (officers can retry it).
    handoff_max_attempts: int = 10
    #: First full-jitter backoff window.
    handoff_backoff_base_s: float = 1.0
    #: Largest backoff window.
    handoff_backoff_cap_s: float = 300.0
    #: Consecutive failures that open a back office's circuit breaker.
    handoff_breaker_fail_max: int = 5
    #: Cool-down of an open breaker before a trial delivery.
    handoff_breaker_reset_s: float = 30.0
    #: Poll delivered, unfinished applications not heard of for this long (lost callbacks).
    handoff_reconcile_after_s: float = 900.0
    #: How long a delivery in flight is hidden from other workers; a live worker renews
    #: it (three times per lease), so after a crash its deliveries resume this soon.
    handoff_claim_lease_s: float = 5.0
    #: How often an idle delivery worker looks for due applications (filed by another
    #: process, or a retry coming due); an application filed in this process wakes it.
    handoff_idle_s: float = 0.1
    #: TOML file pointing single halls at their own back offices (docs/handoff.md);
    #: None: every hall uses the back offices above.
    backoffices_file: Path | None = None
    #: Accepted clock difference of a signed callback's timestamp.
    webhook_tolerance_s: float = 300.0
    #: Voice and video at the counter (WebRTC, relayed by this server).
    calls_enabled: bool = True
    #: Concurrent counter calls this process relays; the next citizen hears
    #: "busy, try again" (BENCHMARKS.md, section 4, measures the capacity).
    call_max_concurrent: int = 20
    #: ICE servers as JSON, e.g. '[{"urls": "turn:turn.example.go.id:3478",
    #: "username": "u", "credential": "p"}]'. Empty: none at all (no public STUN
    #: server is ever used by default: a hall may have no internet).
    call_ice_servers: str = "[]"
    #: Comma-separated local addresses the server's WebRTC peers offer (e.g. the
    #: address citizens reach, or 127.0.0.1 on one machine); empty: every
    #: non-loopback address of the machine.
    call_host_addresses: str = ""
    #: Where call recordings go; None: ``recordings`` under ``data_dir``.
    recordings_dir: Path | None = None
    #: Recordings are deleted this long after the call (default 90 days).
    recording_retention_s: float = 90 * 86400.0
    #: How often expired recordings are looked for.
    recording_sweep_s: float = 3600.0
    #: Largest document a citizen may upload at the counter (a photo or a PDF; 8 MiB).
    document_max_bytes: int = 8 * 1024 * 1024
    #: Uploaded documents are deleted this long after their upload (default 90 days,
    #: like the recordings); the sweep runs every ``recording_sweep_s``.
    document_retention_s: float = 90 * 86400.0
    #: Comma-separated URL prefixes (``https://host/path/``) under which avatar models
    #: may be named in ``appearance.model_url``, besides the hall's own ``/assets/``.
    #: Empty: the hall's assets only (a model URL is fetched by every viewer).
    model_url_allow: str = ""
    #: How often new audit rows are sealed into the audit Merkle tree and a checkpoint
    #: is signed (docs/trust.md).
    audit_checkpoint_interval_s: float = 60.0
    #: Origin line of the audit checkpoints and name of the hall's signing key: a
    #: name unique to this hall, e.g. ``mpp.kendarikota.go.id/audit``.
    audit_origin: str = "hall.local/audit"
    #: URL a new checkpoint is POSTed to for a witness to cosign
    #: (``hall-server witness``: ``http://host:port/add-checkpoint``); None: no witness.
    audit_witness_url: str | None = None
    #: Survey (SKM): a finished transaction's survey token is valid this long (7 days).
    survey_token_ttl_s: float = 7 * 86400.0
    #: A breakdown group (a counter, a service, bot or officer) shows its IKM only from
    #: this many respondents: below it an officer could guess whose rating it was.
    survey_min_group: int = 5
    #: Complaints: working days to verify, to follow up, and of silence before closing.
    complaint_verify_days: int = 3
    complaint_follow_up_days: int = 5
    complaint_close_after_days: int = 10
    #: Extra non-working days (cuti bersama), comma-separated YYYY-MM-DD.
    extra_holidays: str = ""
    #: Largest photo attached to a complaint (checked like a counter document).
    complaint_photo_max_bytes: int = 4 * 1024 * 1024
    #: How often followed-up complaints are checked for closing after silence.
    complaint_sweep_s: float = 3600.0
    #: Broker (calo) and pungli signals (docs/signals.md): how often the hall's records
    #: are read for them; 0 switches the signals off.
    signals_scan_s: float = 300.0
    #: Distinct people one account files for (on_behalf) within the window, to raise a flag.
    signals_on_behalf_people: int = 5
    signals_on_behalf_window_s: float = 30 * 86400.0
    #: Numbers taken from one account, one device, one network address within the window.
    signals_tickets_per_account: int = 6
    signals_tickets_per_device: int = 8
    signals_tickets_per_address: int = 20
    signals_tickets_window_s: float = 86400.0
    #: One contact phone on applications of this many accounts, or this many applications.
    signals_phone_accounts: int = 3
    signals_phone_applications: int = 8
    signals_phone_window_s: float = 30 * 86400.0
    #: No-shows of one account within the window.
    signals_no_shows: int = 3
    signals_no_show_window_s: float = 14 * 86400.0
    #: Officer lines asking for money in a free civil-registry service within the window.
    signals_money_lines: int = 1
    signals_money_window_s: float = 30 * 86400.0
    #: Weak signs (lower counts of the signals above, in their windows): an account
    #: showing WEAK_SIGNS of them at once is flagged ``weak_signs``.
    signals_weak_signs: int = 3
    signals_weak_phone_accounts: int = 2
    signals_weak_on_behalf_people: int = 3
    signals_weak_tickets: int = 4
    signals_weak_no_shows: int = 2
    #: Log as one JSON object per line.
    log_json: bool = False
    #: Log level name.
    log_level: str = "INFO"
    #: Several nodes share the database (PostgreSQL) and Redis (HALL_BUS_URL); each hall is
    #: owned by one node at a time through a lease (docs/architecture.md, "Many nodes").
    cluster: bool = False
    #: This node's name in the lease table; empty: "<hostname>:<port>".
    node_id: str = ""
    #: Where clients reach this node's hall sockets (ws:// or wss://, no path), as given to
    #: clients sent here by another node; empty: "ws://<host>:<port>".
    node_url: str = ""
    #: The address people use to reach the hall (http(s)://host[:port], no path), for what
    #: points them at it: the board's QR code. Empty: the address the page was opened at
    #: (which on an exhibitor's laptop is 127.0.0.1, unreachable from a visitor's phone).
    public_url: str = ""
    #: A hall lease lasts this long unrenewed: the failover time after a node dies is at
    #: most about this plus one renewal interval.
    lease_ttl_s: float = 5.0
    #: How often a node renews its leases, beats its heartbeat and rebalances halls.
    lease_renew_s: float = 1.0
    #: Connection and message limits.
    limits: Limits = field(default_factory=Limits)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'hall.db'}"

    @property
    def resolved_node_url(self) -> str:
        return (self.node_url or f"ws://{self.host}:{self.port}").rstrip("/")

    @property
    def resolved_recordings_dir(self) -> Path:
        return self.recordings_dir or self.data_dir / "recordings"

    @property
    def ice_servers(self) -> tuple[dict[str, Any], ...]:
        """``call_ice_servers`` parsed (checked by :meth:`check`)."""
        return tuple(json.loads(self.call_ice_servers or "[]"))

    @property
    def model_url_prefixes(self) -> tuple[str, ...]:
        """``model_url_allow`` split (checked by :meth:`check`)."""
        return tuple(p.strip() for p in self.model_url_allow.split(",") if p.strip())

    @property
    def kpi_target_map(self) -> dict[str, float]:
        """``kpi_targets`` parsed (checked by :meth:`check`)."""
        out: dict[str, float] = {}
        for item in self.kpi_targets.split(","):
            if item.strip():
                code, _, seconds = item.partition("=")
                out[code.strip()] = float(seconds)
        return out

    @property
    def host_addresses(self) -> tuple[str, ...] | None:
        chosen = tuple(a.strip() for a in self.call_host_addresses.split(",") if a.strip())
        return chosen or None

    @property
    def signals_thresholds_valid(self) -> bool:
        """Every ``signals_*`` count is >= 1 and every window positive."""
        counts = [v for k, v in self._signals().items() if not k.endswith("_s")]
        windows = [v for k, v in self._signals().items() if k.endswith("window_s")]
        return min(counts) >= 1 and min(windows) > 0

    def _signals(self) -> dict[str, float]:
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.name.startswith("signals_") and f.name != "signals_scan_s"
        }

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> Settings:
        """Read ``HALL_*`` variables, then apply ``overrides`` (None values ignored).

        Limit fields are read from ``HALL_LIMIT_<NAME>`` (for example
        ``HALL_LIMIT_MAX_MESSAGE_BYTES``). Raises :class:`InvalidInput` naming
        the variable when a value does not parse.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name == "limits":
                continue
            raw = env.get(PREFIX + f.name.upper())
            if raw is not None:
                values[f.name] = _parse(PREFIX + f.name.upper(), f.type, raw)
        limit_values: dict[str, Any] = {}
        for f in dataclasses.fields(Limits):
            name = f"{PREFIX}LIMIT_{f.name.upper()}"
            raw = env.get(name)
            if raw is not None:
                limit_values[f.name] = _parse(name, f.type, raw)
        for key, value in overrides.items():
            if value is None:
                continue
            if key in {f.name for f in dataclasses.fields(Limits)}:
                limit_values[key] = value
            else:
                values[key] = value
        settings = cls(**values, limits=Limits(**limit_values))
        settings.check()
        return settings

    def check(self) -> None:
        """Reject values that cannot work, naming the setting."""
        if self.environment not in ("development", "production"):
            raise InvalidInput("HALL_ENVIRONMENT must be 'development' or 'production'")
        if not 1 <= self.tick_hz <= 120:
            raise InvalidInput("HALL_TICK_HZ must be between 1 and 120")
        if not (self.limits.path_requests_per_s > 0 and self.limits.path_burst >= 1):
            raise InvalidInput(
                "HALL_LIMIT_PATH_REQUESTS_PER_S must be positive and HALL_LIMIT_PATH_BURST at least 1"
            )
        lim = self.limits
        if lim.max_body_bytes < 1024:
            raise InvalidInput("HALL_LIMIT_MAX_BODY_BYTES must be at least 1024")
        if not (lim.staff_signins_per_minute > 0 and lim.staff_signin_burst >= 1):
            raise InvalidInput(
                "HALL_LIMIT_STAFF_SIGNINS_PER_MINUTE must be positive and "
                "HALL_LIMIT_STAFF_SIGNIN_BURST at least 1"
            )
        if not (lim.sign_in_codes_per_hour > 0 and lim.sign_in_code_burst >= 1):
            raise InvalidInput(
                "HALL_LIMIT_SIGN_IN_CODES_PER_HOUR must be positive and "
                "HALL_LIMIT_SIGN_IN_CODE_BURST at least 1"
            )
        if not (self.limits.complaints_per_hour > 0 and self.limits.complaint_burst >= 1):
            raise InvalidInput(
                "HALL_LIMIT_COMPLAINTS_PER_HOUR must be positive and HALL_LIMIT_COMPLAINT_BURST"
                " at least 1"
            )
        if self.public_url and not re.fullmatch(
            r"https?://[A-Za-z0-9.-]+(:\d{1,5})?", self.public_url
        ):
            raise InvalidInput("HALL_PUBLIC_URL must be http(s)://host[:port], without a path")
        if not 0 < self.port < 65536:
            raise InvalidInput("HALL_PORT must be between 1 and 65535")
        aoi = self.aoi_cell_m
        if (aoi is not None and aoi <= 0) or self.chat_radius_m <= 0 or self.max_speed_m_s <= 0:
            raise InvalidInput("distances and speeds must be positive")
        if not 1 <= self.view_max_avatars <= 10000 or self.view_spectator_max_avatars < 0:
            raise InvalidInput(
                "HALL_VIEW_MAX_AVATARS must be 1 to 10000, HALL_VIEW_SPECTATOR_MAX_AVATARS 0 or more"
            )
        _check_ice_servers(self.call_ice_servers)
        if self.call_max_concurrent < 0:
            raise InvalidInput("HALL_CALL_MAX_CONCURRENT must be 0 or more")
        if self.recording_retention_s <= 0 or self.recording_sweep_s <= 0:
            raise InvalidInput(
                "HALL_RECORDING_RETENTION_S and HALL_RECORDING_SWEEP_S must be positive"
            )
        if self.document_max_bytes <= 0 or self.document_retention_s <= 0:
            raise InvalidInput(
                "HALL_DOCUMENT_MAX_BYTES and HALL_DOCUMENT_RETENTION_S must be positive"
            )
        if self.counter_bots not in ("always", "off_hours", "never"):
            raise InvalidInput("HALL_COUNTER_BOTS must be always, off_hours or never")
        if (
            self.counter_max_recalls < 0
            or min(
                self.counter_recall_after_s,
                self.counter_no_show_s,
                self.counter_citizen_left_s,
                self.counter_bot_idle_s,
                self.counter_officer_grace_s,
            )
            <= 0
        ):
            raise InvalidInput(
                "HALL_COUNTER_MAX_RECALLS must be 0 or more and the HALL_COUNTER_*_S times positive"
            )
        for prefix in self.model_url_prefixes:
            if not is_allowed_prefix(prefix):
                raise InvalidInput(
                    "HALL_MODEL_URL_ALLOW entries must be http(s)://host/path/ ending in '/'"
                )
        try:
            targets = self.kpi_target_map
        except ValueError:
            targets = {"": -1.0}
        values = [self.kpi_target_s, *targets.values()]
        if not all(v > 0 and math.isfinite(v) for v in values) or "" in targets:
            raise InvalidInput(
                "HALL_KPI_TARGET_S must be positive and HALL_KPI_TARGETS 'CODE=seconds,...'"
                " with positive seconds"
            )
        if not self.timezone.strip():
            raise InvalidInput("HALL_TIMEZONE must name a time zone, e.g. Asia/Makassar")
        if self.handoff_claim_lease_s <= 0:
            raise InvalidInput("HALL_HANDOFF_CLAIM_LEASE_S must be positive")
        origin = self.audit_origin
        if (
            self.audit_checkpoint_interval_s <= 0
            or not origin
            or "+" in origin
            or origin != "".join(origin.split())
        ):
            # The origin names the signing key in C2SP notes: no spaces, no '+'.
            raise InvalidInput(
                "HALL_AUDIT_CHECKPOINT_INTERVAL_S must be positive and HALL_AUDIT_ORIGIN"
                " a name without spaces or '+', e.g. mpp.kendarikota.go.id/audit"
            )
        if not 0 < self.lease_renew_s <= self.lease_ttl_s / 2:
            raise InvalidInput(
                "HALL_LEASE_RENEW_S must be positive and at most HALL_LEASE_TTL_S / 2"
            )
        if self.node_url and not self.node_url.startswith(("ws://", "wss://")):
            raise InvalidInput("HALL_NODE_URL must start with ws:// or wss://")
        if self.cluster and (
            not self.bus_url or not self.resolved_database_url.startswith("postgresql")
        ):
            raise InvalidInput("HALL_CLUSTER needs HALL_BUS_URL (Redis) and a PostgreSQL database")
        if self.environment == "production" and not self.secret_key:
            raise InvalidInput("HALL_SECRET_KEY is required when HALL_ENVIRONMENT=production")
        if self.signals_scan_s < 0 or not self.signals_thresholds_valid:
            raise InvalidInput(
                "HALL_SIGNALS_SCAN_S must be 0 or more, the HALL_SIGNALS_* counts 1 or more"
                " and their windows positive"
            )
        self._check_trust()

    def _check_trust(self) -> None:
        """The survey's and the complaints' settings (docs/survey-and-complaints.md)."""
        days = (
            self.complaint_verify_days,
            self.complaint_follow_up_days,
            self.complaint_close_after_days,
        )
        if min(days) < 1 or self.survey_min_group < 1:
            raise InvalidInput("HALL_COMPLAINT_*_DAYS and HALL_SURVEY_MIN_GROUP must be 1 or more")
        if min(self.survey_token_ttl_s, self.complaint_sweep_s) <= 0:
            raise InvalidInput(
                "HALL_SURVEY_TOKEN_TTL_S and HALL_COMPLAINT_SWEEP_S must be positive"
            )
        if self.complaint_photo_max_bytes <= 0:
            raise InvalidInput("HALL_COMPLAINT_PHOTO_MAX_BYTES must be positive")
        try:
            self.extra_holiday_dates  # noqa: B018 (parsed to check)
        except ValueError:
            raise InvalidInput(
                "HALL_EXTRA_HOLIDAYS must be YYYY-MM-DD dates, comma-separated"
            ) from None

    @property
    def extra_holiday_dates(self) -> tuple[date, ...]:
        """``extra_holidays`` parsed (checked by :meth:`check`)."""
        return tuple(
            date.fromisoformat(d.strip()) for d in self.extra_holidays.split(",") if d.strip()
        )


def _check_ice_servers(raw: str) -> None:
    try:
        servers = json.loads(raw or "[]")
    except ValueError:
        raise InvalidInput("HALL_CALL_ICE_SERVERS must be a JSON list") from None
    if not isinstance(servers, list):
        raise InvalidInput("HALL_CALL_ICE_SERVERS must be a JSON list")
    for i, server in enumerate(servers):
        urls = server.get("urls") if isinstance(server, dict) else None
        if not (isinstance(urls, str) or (isinstance(urls, list) and urls)):
            raise InvalidInput(f"HALL_CALL_ICE_SERVERS[{i}] needs 'urls'")
        for url in [urls] if isinstance(urls, str) else urls:
            if not isinstance(url, str) or not url.startswith(("stun:", "turn:", "turns:")):
                raise InvalidInput(
                    f"HALL_CALL_ICE_SERVERS[{i}]: urls must be stun:, turn: or turns:"
                )


def _parse(name: str, annotation: object, raw: str) -> Any:
    kind = str(annotation)
    try:
        if "Path" in kind and "tuple" in kind:
            return tuple(Path(p) for p in raw.split(os.pathsep) if p)
        if "Path" in kind:
            return Path(raw)
        if kind.startswith("bool"):
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if kind.startswith("int"):
            return int(raw)
        if kind.startswith("float"):
            return float(raw)
    except ValueError:
        raise InvalidInput(f"{name} does not parse as {kind}") from None
    return raw
