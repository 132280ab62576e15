"""Documents a citizen uploads at the counter: what a file is, judged by its bytes (pure).

A phone sends a photo or a PDF of a requirement (a KTP, a family card...).
The type a client declares is not trusted: the first bytes decide, and only
the formats an officer's browser shows safely are taken (JPEG, PNG, WebP,
PDF). Anything else is ``unsupported_document`` (415); a file above the
hall's limit is ``too_large`` (413). docs/protocol.md section 11.5.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from hall_server.errors import InvalidInput

#: Default upper size of one document (``HALL_DOCUMENT_MAX_BYTES``): a phone photo fits.
DEFAULT_MAX_BYTES = 8 * 1024 * 1024


class DocumentTooLarge(InvalidInput):
    """The file is larger than the hall takes."""

    code = "too_large"
    http_status = 413


class UnsupportedDocument(InvalidInput):
    """The file is not a JPEG, PNG, WebP or PDF (judged by its content)."""

    code = "unsupported_document"
    http_status = 415


def sniff(data: bytes) -> str:
    """The media type of ``data`` by its magic bytes, or :class:`UnsupportedDocument`."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    raise UnsupportedDocument(
        "the file is not a JPEG, PNG or WebP photo or a PDF (checked by its content)",
        code="unsupported_document",
    )


#: Most pixels an image may declare: a 108-megapixel phone camera's photo fits; a
#: small file declaring 30000 x 30000 (a decompression bomb for the officer's or the
#: supervisor's browser) does not.
MAX_PIXELS = 110_000_000
#: Longest side an image may declare.
MAX_SIDE = 20_000


def image_size(data: bytes, media_type: str) -> tuple[int, int] | None:
    """(width, height) an image declares in its header, None if it cannot be read."""
    if media_type == "image/png":
        if len(data) >= 24 and data[12:16] == b"IHDR":
            return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        return None
    if media_type == "image/jpeg":
        return _jpeg_size(data)
    if media_type == "image/webp":
        return _webp_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    at = 2
    while at + 9 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length
            at += 2
            continue
        length = int.from_bytes(data[at + 2 : at + 4], "big")
        # SOF0..SOF15 but DHT (C4), JPG (C8) and DAC (CC): the frame's size
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height = int.from_bytes(data[at + 5 : at + 7], "big")
            width = int.from_bytes(data[at + 7 : at + 9], "big")
            return width, height
        if marker == 0xDA or length < 2:  # the scan began before any frame header
            return None
        at += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30:
        return (
            int.from_bytes(data[26:28], "little") & 0x3FFF,
            int.from_bytes(data[28:30], "little") & 0x3FFF,
        )
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    return None


def check_image(data: bytes, media_type: str) -> None:
    """Refuse an image whose size cannot be read or is beyond what a browser should decode."""
    if not media_type.startswith("image/"):
        return
    size = image_size(data, media_type)
    if size is None:
        raise UnsupportedDocument(
            "the image's size cannot be read from it (a damaged or unusual file)",
            code="unsupported_document",
        )
    width, height = size
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE and width * height <= MAX_PIXELS):
        raise UnsupportedDocument(
            f"the image is {width} x {height} pixels; at most {MAX_SIDE} on a side and "
            f"{MAX_PIXELS // 1_000_000} megapixels are taken",
            code="unsupported_document",
        )


def check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise DocumentTooLarge(f"the file is larger than {max_bytes} bytes", code="too_large")


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """What the counter session and the officer see of an uploaded document (no bytes)."""

    document_id: str
    requirement: str
    media_type: str
    size: int
    sha256: str

    def to_json(self) -> dict[str, Any]:
        """As the session lists it: ``{document_id, requirement, media_type, size}``."""
        return {
            "document_id": self.document_id,
            "requirement": self.requirement,
            "media_type": self.media_type,
            "size": self.size,
        }


def describe(document_id: str, requirement: str, data: bytes, max_bytes: int) -> DocumentInfo:
    """Check an uploaded file (size, then type by content) and describe it."""
    check_size(len(data), max_bytes)
    media_type = sniff(data)
    check_image(data, media_type)
    return DocumentInfo(
        document_id, requirement, media_type, len(data), hashlib.sha256(data).hexdigest()
    )
