"""Pure modules import no web stack, database, event loop or network library.

Each module is imported in a fresh interpreter (an import in this process
would see whatever earlier tests loaded), and the loaded modules are checked.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: The domain cores and their building blocks (docs/architecture.md, "Pure cores").
PURE = [
    "hall_server.errors",
    "hall_server.error_texts",
    "hall_server.cluster.lease",
    "hall_server.cluster.placement",
    "avatars.model",
    "avatars.movement",
    "avatars.nik",
    "avatars.crowd",
    "counters.audit_note",
    "counters.audit_tree",
    "counters.audit_verify",
    "counters.bot",
    "counters.catalogue",
    "counters.commands",
    "counters.complaints",
    "counters.desk",
    "counters.documents",
    "counters.estimate",
    "counters.floor",
    "counters.forms",
    "counters.kpi",
    "counters.ports",
    "counters.queue",
    "counters.records",
    "counters.skm",
    "counters.statuses",
    "counters.tickets",
    "counters.views",
    "counters.workdays",
    "scenes.model",
    "scenes.geometry",
    "scenes.spatial",
    "scenes.paths",
    "scenes.loader",
    "realtime.codec",
    "realtime.hall",
    "realtime.interest",
]

FORBIDDEN = (
    "fastapi",
    "starlette",
    "sqlalchemy",
    "asyncio",
    "redis",
    "aiortc",
    "uvicorn",
    "httpx",
    "websockets",
)

_PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
roots = sorted({name.split(".")[0] for name in sys.modules})
print(json.dumps(roots))
"""


@pytest.mark.parametrize("module", PURE)
def test_a_pure_module_loads_no_io_library(module: str) -> None:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, module], capture_output=True, text=True, check=True
    )
    loaded = set(json.loads(out.stdout))
    assert loaded.isdisjoint(FORBIDDEN), sorted(loaded & set(FORBIDDEN))
