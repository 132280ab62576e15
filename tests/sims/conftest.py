"""Fixtures of the sim tests: a webhook receiver and sim processes stopped after each test.

``start_sim("civil-registry", "--fail-rate", "1")`` starts a sim (tests/sims/support.py)
with a database under the test's tmp_path and its callbacks going to ``receiver``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.sims.support import Receiver, SimProcess, StartSim


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    yield r
    await r.stop()


@pytest.fixture
async def start_sim(tmp_path: Path, receiver: Receiver) -> AsyncIterator[StartSim]:
    started: list[SimProcess] = []

    async def start(kind: str, *flags: str, callback: bool = True) -> SimProcess:
        extra = ("--callback-url", receiver.url) if callback else ()
        sim = SimProcess(
            kind, tmp_path / f"{kind}-{len(started)}.db", tmp_path / f"{kind}.log", (*extra, *flags)
        )
        started.append(sim)
        await sim.start()
        return sim

    yield start
    for sim in started:
        await sim.stop()
