"""The frozen configuration of one simulated back office, read once from its flags."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from hall_server.sims.faults import Faults


@dataclass(frozen=True, slots=True)
class SimConfig:
    """Everything configurable about a simulated back office process."""

    #: SQLite file holding the sim's own records; created when missing.
    db_path: Path
    #: Value callers must send in the sim's API key header.
    api_key: str
    #: The hall's callback URL for signed status webhooks; None sends none.
    callback_url: str | None = None
    #: Standard Webhooks secret: ``whsec_`` + base64 key, or any other string used as UTF-8.
    webhook_secret: str = "whsec_c2ltLWRldmVsb3BtZW50LXNlY3JldA=="
    #: Real seconds per simulated working hour (status changes are hours apart).
    time_scale_s: float = 1.0
    #: Seed of the random generator behind faults and outcomes (reproducible runs).
    seed: int = 0
    #: Share of applications that end rejected (0..1) unless the form asks otherwise.
    reject_rate: float = 0.0
    #: Faults in force at start; POST /admin/faults changes them at run time.
    faults: Faults = field(default_factory=Faults)
    #: Attempts per webhook before it is marked failed.
    webhook_attempts: int = 5
    #: Timeout of each webhook POST.
    webhook_timeout_s: float = 5.0
