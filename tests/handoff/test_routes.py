"""Back offices per hall: the configuration file, and delivery routed by hall."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from counters.handoff import BackOfficeKind, DeliveryPolicy
from hall_server.backoffice import (
    BackOfficeConfig,
    CivilRegistryClient,
    DeliveryWorker,
    add_to_outbox,
)
from hall_server.backoffice.routes import Route
from hall_server.db.models import ApplicationRow, Hall, OutboxRow
from hall_server.errors import InvalidInput
from hall_server.handoff_setup import backoffice_routes, read_backoffices_file
from hall_server.settings import Settings
from tests.handoff.fake_backoffice import HALL, T0, FakeBackOffice, application_row, serve

Sessions = async_sessionmaker[AsyncSession]
OTHER = "baubau"


def settings_with(tmp_path: Path, text: str | None, **extra: object) -> Settings:
    path = None
    if text is not None:
        path = tmp_path / "backoffices.toml"
        path.write_text(text)
    return Settings.from_env({}, backoffices_file=path, **extra)


def test_a_halls_table_replaces_the_deployment_back_office_and_keeps_the_timeouts(
    tmp_path: Path,
) -> None:
    settings = settings_with(
        tmp_path,
        f'[{OTHER}.permits]\nurl = "https://oss.baubau.example"\napi_key = "k2"\n',
        permits_url="https://oss.example",
        permits_api_key="k1",
        permits_webhook_secret="whsec_AAAA",
        backoffice_timeout_s=4.0,
    )
    routes = backoffice_routes(settings, [HALL, OTHER])
    own = routes[Route("permits", frozenset({OTHER}))]
    assert own == BackOfficeConfig(
        "https://oss.baubau.example", api_key="k2", timeout_s=4.0, connect_timeout_s=3.0
    )
    # The deployment-wide office serves every other hall, and never gets the hall's key.
    default = routes[Route("permits", None, frozenset({OTHER}))]
    assert default.base_url == "https://oss.example" and default.api_key == "k1"
    assert not Route("permits", None, frozenset({OTHER})).serves(OTHER)


def test_halls_naming_the_same_back_office_share_one_route(tmp_path: Path) -> None:
    table = '.civil_registry]\nurl = "https://dukcapil.example"\n'
    settings = settings_with(
        tmp_path,
        f"[{HALL}{table}[{OTHER}{table}",
        civil_registry_url="https://dukcapil.example",
    )
    assert list(backoffice_routes(settings, [HALL, OTHER])) == [Route("civil_registry")]


def test_halls_without_a_deployment_back_office_are_served_only_by_their_own(
    tmp_path: Path,
) -> None:
    settings = settings_with(tmp_path, f'[{OTHER}.permits]\nurl = "http://127.0.0.1:9102"\n')
    assert list(backoffice_routes(settings, [HALL, OTHER])) == [
        Route("permits", frozenset({OTHER}))
    ]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ('[h.notary]\nurl = "http://x"\n', "[h.notary]"),
        ('[h.permits]\napi_key = "k"\n', "url"),
        ('[h.permits]\nurl = "ftp://x"\n', "url"),
        ('[h.permits]\nurl = "http://x"\ntimeout = 3\n', "'timeout'"),
        ('[h.permits]\nurl = "http://x"\ntimeout_s = -1\n', "timeout_s"),
        ("[h.permits\n", "backoffices.toml"),
    ],
)
def test_a_wrong_backoffices_file_is_refused_naming_what_is_wrong(
    tmp_path: Path, text: str, names: str
) -> None:
    settings = settings_with(tmp_path, text)
    assert settings.backoffices_file is not None
    with pytest.raises(InvalidInput) as caught:
        read_backoffices_file(settings.backoffices_file, settings)
    assert names in str(caught.value)


@pytest.fixture
async def two_offices() -> AsyncIterator[tuple[FakeBackOffice, str, FakeBackOffice, str]]:
    first, second = FakeBackOffice(), FakeBackOffice()
    async with serve(first.app()) as first_url, serve(second.app()) as second_url:
        yield first, first_url, second, second_url


async def file(sessions: Sessions, hall_id: str, numbers: range) -> list[str]:
    ids = []
    async with sessions.begin() as db:
        if await db.get(Hall, hall_id) is None:
            db.add(Hall(id=hall_id, name=hall_id, scene_id="demo", created_at=T0))
            await db.flush()
        for n in numbers:
            row = application_row(n)
            row.hall_id = hall_id
            db.add(row)
            await add_to_outbox(db, row, kind=BackOfficeKind.CIVIL_REGISTRY, now=T0)
            ids.append(row.id)
    return ids


async def test_each_halls_applications_go_to_its_own_back_office_and_its_reports_to_it(
    sessions: Sessions, two_offices: tuple[FakeBackOffice, str, FakeBackOffice, str]
) -> None:
    first, first_url, second, second_url = two_offices
    kendari_route = Route("civil_registry", None, frozenset({OTHER}))
    baubau_route = Route("civil_registry", frozenset({OTHER}))
    clients = {
        kendari_route: CivilRegistryClient(BackOfficeConfig(first_url, api_key="secret-key")),
        baubau_route: CivilRegistryClient(BackOfficeConfig(second_url, api_key="secret-key")),
    }
    kendari = await file(sessions, HALL, range(1, 4))
    baubau = await file(sessions, OTHER, range(4, 6))
    worker = DeliveryWorker(sessions, clients, DeliveryPolicy(), lambda: T0, random.Random(1))
    try:
        assert await worker.run_once(T0) == 5
        assert sorted(b["application_id"] for b in first.bodies.values()) == kendari
        assert sorted(b["application_id"] for b in second.bodies.values()) == baubau
        # Both offices count from one: REF-00001 is a Kendari and a Baubau application.
        # Kendari's office approves its REF-00001; only Kendari's application moves.
        first.statuses["REF-00001"] = "approved"
        assert await worker.reconcile_once(T0 + timedelta(hours=1)) == 5
    finally:
        for client in clients.values():
            await client.aclose()
    async with sessions() as db:
        statuses = dict((await db.execute(select(ApplicationRow.id, ApplicationRow.status))).all())
        refs = dict(
            (await db.execute(select(OutboxRow.application_id, OutboxRow.external_ref))).all()
        )
    assert refs[kendari[0]] == refs[baubau[0]] == "REF-00001"
    assert statuses[kendari[0]] == "approved"
    assert statuses[baubau[0]] != "approved"


async def test_a_halls_back_office_that_is_down_does_not_hold_up_the_other_halls(
    sessions: Sessions, two_offices: tuple[FakeBackOffice, str, FakeBackOffice, str]
) -> None:
    first, first_url, second, second_url = two_offices
    second.down = True
    kendari_route = Route("civil_registry", None, frozenset({OTHER}))
    baubau_route = Route("civil_registry", frozenset({OTHER}))
    clients = {
        kendari_route: CivilRegistryClient(BackOfficeConfig(first_url, api_key="secret-key")),
        baubau_route: CivilRegistryClient(BackOfficeConfig(second_url, api_key="secret-key")),
    }
    await file(sessions, OTHER, range(1, 3))
    kendari = await file(sessions, HALL, range(3, 5))
    policy = DeliveryPolicy(breaker_fail_max=1, backoff_base_s=0.001, backoff_cap_s=0.001)
    worker = DeliveryWorker(sessions, clients, policy, lambda: T0, random.Random(1))
    try:
        await worker.run_once(T0)
        await worker.run_once(T0 + timedelta(seconds=1))
    finally:
        for client in clients.values():
            await client.aclose()
    assert worker.breaker_state(baubau_route) == "open"
    assert worker.breaker_state(kendari_route) == "closed"
    assert sorted(b["application_id"] for b in first.bodies.values()) == kendari
    assert not second.bodies
