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
    return DocumentInfo(
        document_id, requirement, media_type, len(data), hashlib.sha256(data).hexdigest()
    )
