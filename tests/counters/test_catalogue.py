"""The service catalogue: the bundled data, the loader's checks, lookups, and the HTTP API."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from counters.catalogue import (
    VARIANT_FIELD,
    BotCapability,
    Catalogue,
    CatalogueError,
    DateBound,
    FeeKind,
    Text,
    check_against_scene,
    check_catalogue,
    load_catalogue,
    parse_catalogue,
)
from hall_server.errors import HallError, NotFound
from hall_server.services_api import services_router
from scenes.bundled import load_demo_scene
from scenes.model import Scene

Json = dict[str, Any]
DATA_FILE = Path(__file__).parents[2] / "counters" / "data" / "services.json"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="module")
def scene() -> Scene:
    return load_demo_scene()


@pytest.fixture
def data() -> Json:
    return copy.deepcopy(json.loads(DATA_FILE.read_text("utf-8")))


def index(data: Json, code: str) -> int:
    return next(i for i, s in enumerate(data["services"]) if s["code"] == code)


def texts(value: object) -> Iterator[object]:
    """Every Text inside a frozen value, recursively."""
    if isinstance(value, Text):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from texts(getattr(value, f.name))
    elif isinstance(value, tuple):
        for item in value:
            yield from texts(item)


# The bundled catalogue -----------------------------------------------------------------


def test_bundled_catalogue_loads_with_the_services_of_the_demo_hall(catalogue: Catalogue) -> None:
    assert catalogue.codes == (
        "KTP-EL",
        "KK",
        "AKTA-LAHIR",
        "AKTA-MATI",
        "PINDAH-DATANG",
        "NIB",
        "PBG",
        "REKLAME",
    )
    assert check_catalogue(json.loads(DATA_FILE.read_text("utf-8"))) == []
    assert load_catalogue(DATA_FILE) == catalogue


def test_group_letters_are_the_documented_ones(catalogue: Catalogue) -> None:
    assert {s.code: s.group for s in catalogue} == {
        "KTP-EL": "A",
        "KK": "B",
        "AKTA-LAHIR": "C",
        "AKTA-MATI": "E",
        "PINDAH-DATANG": "F",
        "NIB": "G",
        "PBG": "H",
        "REKLAME": "J",
    }


def test_every_civil_registry_service_is_free_and_says_so(catalogue: Catalogue) -> None:
    civil = [s for s in catalogue if s.civil_registry]
    assert {s.code for s in civil} == {"KTP-EL", "KK", "AKTA-LAHIR", "AKTA-MATI", "PINDAH-DATANG"}
    for service in civil:
        fee = service.standar.fee
        assert (fee.kind, fee.amount_idr) == (FeeKind.FREE, 0)
        assert "79A" in fee.text.id and "79A" in fee.text.en


def test_nib_is_free_and_pbg_levy_is_a_formula_not_a_number(catalogue: Catalogue) -> None:
    assert catalogue.service("NIB").standar.fee.amount_idr == 0
    pbg = catalogue.service("PBG").standar.fee
    assert pbg.kind is FeeKind.LEVY and pbg.amount_idr is None
    assert "SHST" in pbg.text.id and "Perda" in pbg.text.id


def test_every_text_has_both_languages(catalogue: Catalogue) -> None:
    found = 0
    for service in catalogue:
        for text in texts(service):
            assert isinstance(text, Text)
            assert text.id.strip() and text.en.strip()
            found += 1
    assert found > 200  # names, steps, labels, options... all reached


def test_no_requirement_asks_for_an_rt_rw_cover_letter(catalogue: Catalogue) -> None:
    for service in catalogue:
        for requirement in service.standar.requirements:
            assert "RT/RW" not in requirement.text.id


def test_demo_scene_and_catalogue_agree(catalogue: Catalogue, scene: Scene) -> None:
    assert check_against_scene(catalogue, scene) == []
    for counter in scene.counters:
        for code in counter.services:
            assert code in catalogue
    for service in catalogue:
        assert service.counters == tuple(c.id for c in scene.counters_for(service.code))


def test_check_against_scene_reports_unserved_and_unknown_services(
    catalogue: Catalogue, scene: Scene
) -> None:
    d1 = dataclasses.replace(scene.counter("D1"), services=("KTP-EL", "SIM"))
    p4 = dataclasses.replace(scene.counter("P4"), services=("NIB",))
    counters = tuple({"D1": d1, "P4": p4}.get(c.id, c) for c in scene.counters)
    problems = check_against_scene(catalogue, dataclasses.replace(scene, counters=counters))
    assert {(p.service, p.counter) for p in problems} == {
        ("SIM", "D1"),
        ("REKLAME", None),
        ("REKLAME", "P4"),
    }


def test_ktp_el_variants_decide_what_a_bot_may_do(catalogue: Catalogue) -> None:
    ktp = catalogue.service("KTP-EL")
    assert [v.code for v in ktp.variants] == ["BARU", "HILANG", "RUSAK", "PERUBAHAN"]
    assert ktp.bot_for("BARU") is BotCapability.OFFICER
    assert ktp.bot_for("RUSAK") is BotCapability.FILE
    assert ktp.bot is BotCapability.FILE
    assert ktp.fields[0].name == VARIANT_FIELD
    assert [o.value for o in ktp.fields[0].options] == ["BARU", "HILANG", "RUSAK", "PERUBAHAN"]
    assert catalogue.service("NIB").bot_for(None) is BotCapability.COMPLETE


# Lookups ------------------------------------------------------------------------------


def test_lookups_by_code_group_and_counter(catalogue: Catalogue, scene: Scene) -> None:
    assert catalogue.by_group("C").code == "AKTA-LAHIR"
    assert [s.code for s in catalogue.services_for_counter("D5")] == ["AKTA-LAHIR", "PINDAH-DATANG"]
    assert [s.code for s in catalogue.services_for_counter(scene.counter("D5"))] == [
        "PINDAH-DATANG",
        "AKTA-LAHIR",
    ]
    assert "KK" in catalogue and "SIM" not in catalogue


def test_unknown_code_and_group_are_not_found(catalogue: Catalogue) -> None:
    with pytest.raises(NotFound) as exc:
        catalogue.service("SIM")
    assert exc.value.code == "unknown_service"
    with pytest.raises(NotFound) as exc:
        catalogue.by_group("Z")
    assert exc.value.code == "unknown_group"


def test_services_are_frozen(catalogue: Catalogue) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        catalogue.service("KK").group = "Z"  # type: ignore[misc]


def test_to_json_resolves_every_text_to_one_language(catalogue: Catalogue) -> None:
    en = catalogue.service("AKTA-LAHIR").to_json("en")
    id_ = catalogue.service("AKTA-LAHIR").to_json("id")
    assert (en["name"], id_["name"]) == ("Birth certificate", "Akta kelahiran")
    assert en["standar"]["fee"] == {
        "kind": "free",
        "amount_idr": 0,
        "text": catalogue.service("AKTA-LAHIR").standar.fee.text.en,
    }
    assert json.loads(json.dumps(catalogue.to_json("en")))[0]["code"] == "KTP-EL"


def test_relative_date_bounds_resolve_against_today() -> None:
    from datetime import date

    today = date(2024, 2, 29)
    assert DateBound.parse("today").resolve(today) == today
    assert DateBound.parse("today-60d").resolve(today) == date(2023, 12, 31)
    assert DateBound.parse("today-1y").resolve(today) == date(2023, 2, 28)
    assert DateBound.parse("2000-01-31").resolve(today) == date(2000, 1, 31)


# The loader's checks -------------------------------------------------------------------


def test_civil_registry_service_with_a_fee_is_rejected(data: Json) -> None:
    fee = data["services"][index(data, "AKTA-LAHIR")]["standar"]["fee"]
    fee["kind"], fee["amount_idr"] = "fixed", 50000
    with pytest.raises(CatalogueError) as exc:
        parse_catalogue(data)
    assert exc.value.code == "catalogue_invalid"
    assert isinstance(exc.value, HallError)
    [problem] = exc.value.problems
    assert problem.path == "$.services[2].standar.fee"
    assert "79A" in problem.message


def test_civil_registry_service_cannot_be_free_with_an_amount(data: Json) -> None:
    data["services"][0]["standar"]["fee"]["amount_idr"] = 1
    assert [p.path for p in check_catalogue(data)] == ["$.services[0].standar.fee"]


def test_duplicate_codes_and_group_letters_are_rejected(data: Json) -> None:
    data["services"][1]["code"] = "KTP-EL"
    data["services"][2]["group"] = "A"
    assert sorted(p.path for p in check_catalogue(data)) == [
        "$.services[1].code",
        "$.services[2].group",
    ]


def test_schema_problems_carry_their_json_path(data: Json) -> None:
    del data["services"][3]["name"]["en"]
    data["services"][5]["avg_service_min"] = 0
    paths = [p.path for p in check_catalogue(data)]
    assert paths == ["$.services[3].name", "$.services[5].avg_service_min"]


def test_semantic_checks_name_each_broken_reference(data: Json) -> None:
    ktp = data["services"][0]
    ktp["fields"][3]["variants"] = ["HILANG", "CURI"]
    ktp["standar"]["requirements"][1]["id"] = "kk"
    ktp["bot"] = "complete"
    kk = data["services"][1]
    kk["fields"][0]["name"] = VARIANT_FIELD
    nib = data["services"][index(data, "NIB")]
    nib["fields"][3]["pattern"] = "([0-9]"
    nib["standar"]["fee"]["kind"] = "levy"
    pbg = data["services"][index(data, "PBG")]
    pbg["fields"][3]["min"] = 10000000
    assert sorted(p.path for p in check_catalogue(data)) == [
        "$.services[0].bot",
        "$.services[0].fields[3].variants",
        "$.services[0].standar.requirements[1].id",
        "$.services[1].fields[0].name",
        "$.services[5].fields[3].pattern",
        "$.services[5].standar.fee.amount_idr",
        "$.services[6].fields[3].min",
    ]


def test_load_catalogue_rejects_a_file_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "services.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(CatalogueError):
        load_catalogue(path)


# The HTTP API --------------------------------------------------------------------------


def _app(catalogue: Catalogue | None) -> FastAPI:
    app = FastAPI()
    app.state.catalogue = catalogue
    app.include_router(services_router())

    @app.exception_handler(HallError)
    async def hall_error(request: Request, exc: HallError) -> JSONResponse:
        return JSONResponse(
            {"error": {"code": exc.code, "message": str(exc)}}, status_code=exc.http_status
        )

    return app


@pytest.fixture
async def client(catalogue: Catalogue) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=_app(catalogue))
    async with httpx.AsyncClient(transport=transport, base_url="http://hall") as client:
        yield client


async def test_services_are_listed_in_indonesian_by_default(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/services")
    assert response.status_code == 200
    body = response.json()
    assert body["lang"] == "id"
    ktp = body["services"][0]
    assert ktp["name"] == "KTP-el" and ktp["group"] == "A"
    assert ktp["standar"]["fee"]["amount_idr"] == 0
    assert set(ktp["standar"]) == {
        "requirements",
        "steps",
        "completion",
        "fee",
        "product",
        "complaints",
    }
    assert len(body["services"]) == 8


async def test_services_are_listed_in_english(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/v1/services", params={"lang": "en"})).json()
    assert body["lang"] == "en"
    names = {s["code"]: s["name"] for s in body["services"]}
    assert names["AKTA-MATI"] == "Death certificate"
    assert body["services"][0]["fields"][0]["options"][0]["label"].startswith("First issue")


async def test_one_service_by_code(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/v1/services/PBG", params={"lang": "en"})).json()
    assert body["code"] == "PBG"
    assert body["standar"]["fee"]["kind"] == "levy"
    assert body["standar"]["fee"]["amount_idr"] is None
    assert body["bot"] == "officer"


async def test_unknown_service_is_404_unknown_service(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/services/SIM")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_service"


async def test_openapi_describes_the_service_models(client: httpx.AsyncClient) -> None:
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    assert {"ServiceOut", "StandarPelayananOut", "FormFieldOut"} <= set(schemas)


async def test_missing_catalogue_is_503() -> None:
    transport = httpx.ASGITransport(app=_app(None))
    async with httpx.AsyncClient(transport=transport, base_url="http://hall") as client:
        response = await client.get("/api/v1/services")
    assert response.status_code == 503
