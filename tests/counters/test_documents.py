"""Uploaded documents, pure: the type by content, the size limit, and the floor's rules."""

from __future__ import annotations

import hashlib

import pytest

from counters.documents import (
    DocumentTooLarge,
    UnsupportedDocument,
    describe,
    image_size,
    sniff,
)
from counters.ports import CallOpened
from tests.counters.test_floor import NIB_FORM, World, citizen, guest, officer
from tests.helpers import jpeg_header, png_header, webp_header

JPEG = jpeg_header(pad=10)
PNG = png_header(pad=10)
WEBP = webp_header(pad=10)
PDF = b"%PDF-1.4\n" + bytes(10)


@pytest.mark.parametrize(
    ("data", "media_type"),
    [(JPEG, "image/jpeg"), (PNG, "image/png"), (WEBP, "image/webp"), (PDF, "application/pdf")],
)
def test_the_type_comes_from_the_content(data: bytes, media_type: str) -> None:
    assert sniff(data) == media_type


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"GIF89a" + bytes(10),
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"<html><body>%PDF-</body></html>",  # the magic must be at the start
        b"RIFF\x00\x00\x00\x00WAVEfmt ",  # a RIFF that is not WebP
        b"\xff\xd8",  # too short to be a JPEG
        b"PK\x03\x04",  # a zip (docx, apk...)
    ],
)
def test_anything_else_is_unsupported(data: bytes) -> None:
    with pytest.raises(UnsupportedDocument) as caught:
        sniff(data)
    assert (caught.value.code, caught.value.http_status) == ("unsupported_document", 415)


def test_describe_checks_the_size_first_and_hashes_the_bytes() -> None:
    info = describe("d1", "ktp_el", PNG, max_bytes=len(PNG))
    assert (info.media_type, info.size) == ("image/png", len(PNG))
    assert info.sha256 == hashlib.sha256(PNG).hexdigest()
    assert info.to_json() == {
        "document_id": "d1",
        "requirement": "ktp_el",
        "media_type": "image/png",
        "size": len(PNG),
    }
    with pytest.raises(DocumentTooLarge) as caught:
        describe("d2", "ktp_el", b"not even looked at" + PNG, max_bytes=len(PNG))
    assert (caught.value.code, caught.value.http_status) == ("too_large", 413)


def doc(n: int, requirement: str) -> dict[str, object]:
    return {
        "document_id": f"doc{n}",
        "requirement": requirement,
        "media_type": "image/jpeg",
        "size": 100 + n,
        "sha256": "0" * 64,
    }


def test_an_upload_counts_as_shown_and_the_bot_files_when_the_case_is_complete() -> None:
    world = World()
    siti = world.enter(citizen())
    world.do(siti, type="ticket_take", service="NIB")
    world.wait(0.5)
    session = world.to_counter(siti)
    sid = session["session_id"]
    form = {k: v for k, v in NIB_FORM.items() if k != "nik"}
    world.do(siti, type="form_update", fields=form)
    floor = world.floor
    for n, requirement in enumerate(("ktp_el", "kontak")):
        floor.document_added(sid, "account:1", doc(n, requirement), world.now)
        world.drain()
    listed = world.last(siti, "counter_session")
    assert [d["document_id"] for d in listed["documents"]] == ["doc0", "doc1"]
    assert "sha256" not in listed["documents"][0]
    assert {c["requirement"] for c in listed["checklist"] if c["shown"]} == {"ktp_el", "kontak"}
    assert world.sent(siti, "application_filed") == []
    floor.document_added(sid, "account:1", doc(2, "data_usaha"), world.now)
    world.drain()
    assert world.last(siti, "application_filed")["review"] == "none"
    assert "document_uploaded" in world.audited()


def test_only_the_signed_in_owner_uploads_to_an_open_session_for_a_known_requirement() -> None:
    world = World()
    siti = world.enter(citizen())
    world.do(siti, type="ticket_take", service="NIB")
    world.wait(0.5)
    sid = world.to_counter(siti)["session_id"]
    floor = world.floor

    def refused(session_id: str, subject: str, requirement: str) -> str:
        with pytest.raises(Exception) as caught:
            floor.document_session(session_id, subject, requirement)
        return str(getattr(caught.value, "code", ""))

    assert floor.document_session(sid, "account:1", "ktp_el").session_id == sid
    assert refused(sid, "account:2", "ktp_el") == "unknown_session"
    assert refused("nope", "account:1", "ktp_el") == "unknown_session"
    assert refused(sid, "account:1", "no_such_thing") == "bad_value"


def test_a_guest_may_not_upload() -> None:
    world = World()
    tamu = world.enter(guest())
    world.do(tamu, type="ticket_take", service="NIB")
    world.wait(0.5)
    sid = world.to_counter(tamu)["session_id"]
    with pytest.raises(Exception) as caught:
        world.floor.document_session(sid, "guest:0001", "ktp_el")
    assert getattr(caught.value, "code", None) == "sign_in_required"


def test_the_officer_serving_the_session_and_supervisors_may_view_its_documents() -> None:
    world = World(bots="never")
    budi = world.enter(officer())
    world.do(budi, type="counter_open", counter_id="P1")
    siti = world.enter(citizen())
    world.do(siti, type="ticket_take", service="NIB")
    world.do(budi, type="call_next", counter_id="P1")
    sid = world.to_counter(siti)["session_id"]
    assert any(isinstance(c, CallOpened) for b in world.batches for c in b.calls)
    floor = world.floor
    assert floor.may_view_documents(sid, "account:9", "officer")
    assert not floor.may_view_documents(sid, "account:8", "officer")
    assert floor.may_view_documents(sid, "account:8", "supervisor")
    assert not floor.may_view_documents(sid, "account:1", "citizen")
    world.do(budi, type="finish", counter_id="P1", outcome="served")
    assert not floor.may_view_documents(sid, "account:9", "officer")


@pytest.mark.parametrize(
    ("data", "media_type"),
    [
        (jpeg_header(4032, 3024), "image/jpeg"),
        (png_header(4032, 3024), "image/png"),
        (webp_header(4032, 3024), "image/webp"),
    ],
)
def test_an_image_declares_its_size_and_a_phone_photo_is_taken(data: bytes, media_type: str):
    assert image_size(data, media_type) == (4032, 3024)
    assert describe("d", "ktp_el", data, max_bytes=1 << 20).media_type == media_type


@pytest.mark.parametrize(
    "data",
    [
        png_header(30_000, 30_000),  # a few hundred bytes declaring 900 megapixels
        jpeg_header(20_001, 10),  # a side too long
        webp_header(16_000, 16_000),
        png_header(0, 480),
        b"\xff\xd8\xff\xda" + bytes(200),  # a scan before any frame header: no size
        b"\x89PNG\r\n\x1a\n" + bytes(200),  # no IHDR where it must be
    ],
)
def test_an_image_whose_size_is_unreadable_or_a_decompression_bomb_is_refused(data: bytes):
    with pytest.raises(UnsupportedDocument) as info:
        describe("d", "ktp_el", data, max_bytes=1 << 20)
    assert info.value.code == "unsupported_document"
