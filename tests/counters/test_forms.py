"""Form validation and the requirements checklist, on the bundled catalogue."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from counters.catalogue import Catalogue, Service, load_catalogue
from counters.forms import UNKNOWN_FIELDS, FormInvalid, checklist, missing, validate_form
from hall_server.errors import InvalidInput

TODAY = date(2025, 6, 5)
NIK = "7471014101900001"  # Kota Kendari, a woman born 1 January 1990
NIK_FATHER = "7471010101880002"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="module")
def ktp(catalogue: Catalogue) -> Service:
    return catalogue.service("KTP-EL")


@pytest.fixture(scope="module")
def birth(catalogue: Catalogue) -> Service:
    return catalogue.service("AKTA-LAHIR")


def good_birth() -> dict[str, Any]:
    return {
        "nik": NIK,
        "nama_anak": "Andi Saputra",
        "tanggal_lahir_anak": "2025-05-20",
        "tempat_lahir": "Kendari",
        "jenis_kelamin": "laki_laki",
        "nik_ibu": "7471 0141 0190 0001",
        "no_kk": "7471010101010001",
        "dokumen_surat_lahir": "upload-7f3a",
        "no_hp": "0812-3456-7890",
        "konfirmasi": True,
    }


def invalid(service: Service, data: dict[str, Any]) -> dict[str, dict[str, str]]:
    with pytest.raises(FormInvalid) as exc:
        validate_form(service, data, today=TODAY)
    assert exc.value.code == "invalid_form"
    assert isinstance(exc.value, InvalidInput)
    return exc.value.fields


def test_good_birth_registration_is_cleaned(birth: Service) -> None:
    assert validate_form(birth, good_birth(), today=TODAY) == {
        "nik": NIK,
        "nama_anak": "Andi Saputra",
        "tanggal_lahir_anak": "2025-05-20",
        "tempat_lahir": "Kendari",
        "jenis_kelamin": "laki_laki",
        "nik_ibu": NIK,
        "no_kk": "7471010101010001",
        "dokumen_surat_lahir": "upload-7f3a",
        "no_hp": "+6281234567890",
        "konfirmasi": "true",
    }


def test_optional_fields_are_cleaned_when_given(birth: Service) -> None:
    data = good_birth() | {"nik_ayah": NIK_FATHER, "email": "Ibu.Andi@Mail.Example.ID"}
    cleaned = validate_form(birth, data, today=TODAY)
    assert cleaned["nik_ayah"] == NIK_FATHER
    assert cleaned["email"] == "Ibu.Andi@mail.example.id"


def test_every_invalid_field_is_named_at_once(birth: Service) -> None:
    data = good_birth() | {
        "nik": "7471014101900000",
        "tanggal_lahir_anak": "2025-06-06",
        "jenis_kelamin": "x",
        "no_hp": "021-555-1234",
        "email": "not-an-email",
        "konfirmasi": False,
        "nama_anak": "",
    }
    del data["dokumen_surat_lahir"]
    fields = invalid(birth, data)
    assert set(fields) == {
        "nik",
        "tanggal_lahir_anak",
        "jenis_kelamin",
        "no_hp",
        "email",
        "konfirmasi",
        "nama_anak",
        "dokumen_surat_lahir",
    }
    assert fields["tanggal_lahir_anak"] == {
        "id": "Tidak boleh di masa depan",
        "en": "Cannot be in the future",
    }
    assert fields["nama_anak"]["en"] == "Required"
    assert fields["konfirmasi"]["id"] == "Harus dicentang"
    for message in fields.values():
        assert set(message) == {"id", "en"}


def test_bad_nik_gives_the_reason_in_both_languages_without_the_digits(birth: Service) -> None:
    bad = "7471019901900001"  # day 99
    fields = invalid(birth, good_birth() | {"nik": bad, "nik_ibu": "12345"})
    assert "birth day" in fields["nik"]["en"] and "tanggal lahir" in fields["nik"]["id"].lower()
    assert fields["nik_ibu"] == {"id": "NIK harus 16 angka", "en": "NIK must have 16 digits, not 5"}
    with pytest.raises(FormInvalid) as exc:
        validate_form(birth, good_birth() | {"nik": bad}, today=TODAY)
    shown = str(exc.value) + repr(exc.value.fields)
    assert bad not in shown and "74710199" not in shown


def test_unknown_fields_are_named_but_values_in_their_place_are_not_repeated(
    birth: Service,
) -> None:
    fields = invalid(birth, good_birth() | {"hobi": "x", NIK: "oops"})
    assert set(fields) == {"hobi", UNKNOWN_FIELDS}


def test_text_length_and_pattern(birth: Service) -> None:
    fields = invalid(birth, good_birth() | {"no_kk": "7471-0101", "tempat_lahir": "K"})
    assert fields["no_kk"] == {
        "id": "Format tidak sesuai (16 angka)",
        "en": "Wrong format (16 digits)",
    }
    assert fields["tempat_lahir"]["en"] == "At least 2 characters"


def test_dates_must_be_iso_and_within_their_bounds(birth: Service) -> None:
    assert invalid(birth, good_birth() | {"tanggal_lahir_anak": "20/05/2025"})[
        "tanggal_lahir_anak"
    ]["en"].startswith("Invalid date")
    assert (
        invalid(birth, good_birth() | {"tanggal_lahir_anak": "1890-01-01"})["tanggal_lahir_anak"][
            "en"
        ]
        == "No earlier than 1895-06-05"
    )


@pytest.mark.parametrize(
    ("typed", "cleaned"),
    [
        ("081234567890", "+6281234567890"),
        ("+62 812-3456-789", "+628123456789"),
        ("6285212345678", "+6285212345678"),
        ("0812345678", "+62812345678"),
    ],
)
def test_indonesian_mobile_numbers_are_normalised(birth: Service, typed: str, cleaned: str) -> None:
    assert validate_form(birth, good_birth() | {"no_hp": typed}, today=TODAY)["no_hp"] == cleaned


@pytest.mark.parametrize("typed", ["0212345678", "+6581234567", "081234567", "08123456789012", 812])
def test_other_phone_numbers_are_refused(birth: Service, typed: object) -> None:
    assert "no_hp" in invalid(birth, good_birth() | {"no_hp": typed})


def test_numbers_respect_min_max_and_integer(catalogue: Catalogue) -> None:
    reklame = catalogue.service("REKLAME")
    good = {
        "nik": NIK,
        "nama_lengkap": "Toko Maju",
        "jenis_reklame": "papan",
        "ukuran_m2": "12,5",
        "lokasi": "Jl. Ahmad Yani, Kendari",
        "durasi_bulan": 6,
        "dokumen_desain": "upload-1",
        "no_hp": "085212345678",
        "konfirmasi": "ya",
    }
    cleaned = validate_form(reklame, good, today=TODAY)
    assert (cleaned["ukuran_m2"], cleaned["durasi_bulan"], cleaned["konfirmasi"]) == (
        "12.5",
        "6",
        "true",
    )
    fields = invalid(reklame, good | {"ukuran_m2": "lebar", "durasi_bulan": 1.5})
    assert fields["ukuran_m2"]["en"] == "Must be a number"
    assert fields["durasi_bulan"]["en"] == "Must be a whole number"
    fields = invalid(reklame, good | {"ukuran_m2": 0, "durasi_bulan": 13, "dokumen_desain": "../x"})
    assert fields["ukuran_m2"]["en"] == "At least 0.1"
    assert fields["durasi_bulan"]["id"] == "Paling besar 12"
    assert fields["dokumen_desain"]["en"] == "Invalid document reference"


def test_variant_decides_which_fields_are_asked(ktp: Service) -> None:
    common = {
        "nik": NIK,
        "nama_lengkap": "Wa Ode Sitti",
        "tanggal_lahir": "1990-01-01",
        "no_kk": "7471010101010001",
        "no_hp": "081234567890",
        "konfirmasi": True,
    }
    damaged = validate_form(
        ktp, common | {"variant": "RUSAK", "dokumen_ktp_rusak": "shown-1"}, today=TODAY
    )
    assert damaged["variant"] == "RUSAK" and "dokumen_kehilangan" not in damaged
    assert set(invalid(ktp, common | {"variant": "PERUBAHAN"})) == {
        "data_diubah",
        "dokumen_perubahan",
    }
    assert set(invalid(ktp, common | {"variant": "CURI"})) == {"variant"}
    assert set(invalid(ktp, common)) == {"variant"}


def test_checklist_marks_each_requirement_of_the_variant(ktp: Service, birth: Service) -> None:
    items = checklist(ktp, {"kk"}, variant="HILANG")
    assert [(r.id, met) for r, met in items] == [("kk", True), ("surat_kehilangan", False)]
    assert [r.id for r in missing(items)] == ["surat_kehilangan"]
    first = checklist(ktp, {"kk"}, variant="BARU")
    assert [(r.id, met) for r, met in first] == [("kk", True), ("buku_nikah", False)]
    assert missing(first) == []  # the marriage book is only for those under 17
    assert len(checklist(ktp, set())) == len(ktp.standar.requirements)


def test_checklist_accepts_any_alternative_document(birth: Service) -> None:
    items = checklist(birth, {"sptjm_kelahiran", "akta_perkawinan", "kk"})
    assert [(r.id, met) for r, met in items] == [
        ("surat_lahir", True),
        ("buku_nikah", True),
        ("kk", True),
        ("ktp_el_orang_tua", False),
    ]
