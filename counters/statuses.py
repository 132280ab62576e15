"""Where an application stands: the hall's statuses and the back offices' (pure).

The hall keeps one status per application, whichever back office serves it.
Each back office reports in its own words (the civil registry: ``received``,
``verifying``...; OSS permits: ``kd_status`` codes such as ``"45"``), and
:func:`from_backoffice` translates them. :func:`can_move` says which moves are
allowed: statuses only move forward, so a late or duplicated update from a
back office is ignored rather than moving an application backwards::

    new = from_backoffice("permits", "45")          # Status.IN_PROGRESS
    if can_move(current, new): ...                  # else: ignore it, quietly

The only move "back" is an officer's: a dead letter returned to the queue.
:data:`TEXTS` gives each status in plain Bahasa Indonesia and English: what it
means and what happens next.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from counters.catalogue import Lang, Text

#: The kinds of back office (see counters/handoff.py).
Kind = Literal["civil_registry", "permits"]


class Status(StrEnum):
    """The hall's status of an application, from filing to a final answer."""

    #: Filed at a counter; not yet in the outbox.
    FILED = "filed"
    #: In the outbox, waiting for delivery (also while the back office is down).
    QUEUED = "queued"
    #: A delivery attempt is under way or its answer was lost; it will be retried.
    SENT = "sent"
    #: The back office confirmed it received the application (it has a reference).
    ACKNOWLEDGED = "acknowledged"
    #: The back office is working on it (verifying, validating, inspecting).
    IN_PROGRESS = "in_progress"
    #: The back office waits for the citizen (more documents, a correction).
    NEEDS_MORE = "needs_more"
    #: The back office waits for a payment (permit retributions; never population documents).
    AWAITING_PAYMENT = "awaiting_payment"
    #: Approved; the document is being produced.
    APPROVED = "approved"
    #: Rejected, with a reason. Final.
    REJECTED = "rejected"
    #: The document or permit is issued. Final.
    COMPLETED = "completed"
    #: Delivery failed for good (refused or too many attempts); an officer must act.
    DEAD_LETTER = "dead_letter"


#: Statuses nothing moves away from.
FINAL = frozenset({Status.COMPLETED, Status.REJECTED})

#: How far along each status is; a move to a lower rank is a move backwards.
RANK: dict[Status, int] = {
    Status.FILED: 0,
    Status.QUEUED: 1,
    Status.SENT: 2,
    Status.ACKNOWLEDGED: 3,
    Status.IN_PROGRESS: 4,
    Status.NEEDS_MORE: 4,
    Status.AWAITING_PAYMENT: 4,
    Status.APPROVED: 5,
    Status.COMPLETED: 6,
    Status.REJECTED: 6,
    Status.DEAD_LETTER: 2,
}

#: Civil registry (Dukcapil-style) statuses.
CIVIL_REGISTRY: dict[str, Status] = {
    "received": Status.ACKNOWLEDGED,
    "verifying": Status.IN_PROGRESS,
    "approved": Status.APPROVED,
    "printed": Status.COMPLETED,
    "rejected": Status.REJECTED,
}


def _codes(codes: range | tuple[int, ...], status: Status) -> dict[str, Status]:
    return {f"{code:02d}": status for code in codes}


#: OSS-RBA ``kd_status`` codes (oss-rba.github.io; docs/handoff.md and
#: docs/backoffice-sims.md). Within 41-44 the hall follows the simulated permit
#: service: 41 clock stopped for the applicant's correction, 43 for a field
#: inspection, 42/44 resumed. Check against the real integration guide.
PERMITS: dict[str, Status] = {
    **_codes((9, 11), Status.IN_PROGRESS),  # received; documents complete
    **_codes((10,), Status.NEEDS_MORE),  # documents incomplete, returned for correction
    **_codes((20,), Status.IN_PROGRESS),  # validation
    **_codes(range(30, 35), Status.AWAITING_PAYMENT),  # payment
    **_codes((40,), Status.IN_PROGRESS),  # inspection
    **_codes((41,), Status.NEEDS_MORE),  # SLA clock stopped: waiting for the applicant
    **_codes((42, 43, 44), Status.IN_PROGRESS),  # resumed; stopped for a field inspection
    **_codes((45,), Status.IN_PROGRESS),  # verified by the technical agency
    **_codes((50,), Status.COMPLETED),  # approved: the NIB or permit is issued in OSS
    **_codes((52,), Status.IN_PROGRESS),  # provisional: not yet a final permit
    **_codes((57,), Status.COMPLETED),  # approved by default (fiktif-positif)
    **_codes((90, 93), Status.REJECTED),
}

#: SP4N-LAPOR!'s stages of a forwarded complaint (issue 14).
LAPOR: dict[str, Status] = {
    "received": Status.ACKNOWLEDGED,
    "verified": Status.IN_PROGRESS,
    "followed_up": Status.IN_PROGRESS,
    "closed": Status.COMPLETED,
}

_BY_KIND: dict[str, dict[str, Status]] = {
    "civil_registry": CIVIL_REGISTRY,
    "permits": PERMITS,
    "lapor": LAPOR,
}


class UnknownStatus(ValueError):
    """A back office reported a status the hall does not know."""


def from_backoffice(kind: str, status: str) -> Status:
    """The hall status for a back office's status; :class:`UnknownStatus` if unknown.

    OSS codes are accepted with or without the leading zero (``"9"``, ``"09"``).
    """
    table = _BY_KIND.get(kind)
    if table is None:
        raise UnknownStatus(f"unknown back office kind {kind[:32]!r}")
    key = status.strip().lower()
    if kind == "permits" and key.isdigit():
        key = f"{int(key):02d}"
    try:
        return table[key]
    except KeyError:
        raise UnknownStatus(f"unknown {kind} status {status[:16]!r}") from None


def can_move(current: Status, new: Status, *, by_officer: bool = False) -> bool:
    """True when an application in ``current`` may move to ``new``.

    - Nothing leaves a final status, and a status never "moves" to itself.
    - Forward only: a lower rank is a late or duplicated update.
    - Within the working rank (in progress, needs more, awaiting payment) the
      back office may go back and forth: the SLA clock stops and resumes.
    - A dead letter comes only from an undelivered application (queued or
      sent), and goes back to ``queued`` only by an officer (``by_officer``).
    - A back-office status (acknowledged and later) may overtake a dead
      letter: the back office evidently has the application.
    """
    if current == new or current in FINAL:
        return False
    if new == Status.DEAD_LETTER:
        return current in (Status.FILED, Status.QUEUED, Status.SENT)
    if current == Status.DEAD_LETTER:
        if new == Status.QUEUED:
            return by_officer
        return RANK[new] >= RANK[Status.ACKNOWLEDGED]
    if RANK[new] == RANK[current] == RANK[Status.IN_PROGRESS]:
        return True
    return RANK[new] > RANK[current]


def is_final(status: Status) -> bool:
    return status in FINAL


def parse(status: str) -> Status:
    """A stored hall status; the counters' desk statuses read as :attr:`Status.FILED`."""
    try:
        return Status(status)
    except ValueError:
        # counters.desk.Application.status: "completed" means the bot finished
        # filing, "awaiting_officer" that an officer decides; both are filed.
        return Status.FILED


#: Citizen-facing texts: what the status means and what happens next.
TEXTS: dict[Status, Text] = {
    Status.FILED: Text(
        "Permohonan Anda sudah dicatat di loket. Kami segera mengirimkannya ke kantor yang berwenang.",
        "Your application has been recorded at the counter. We will send it to the responsible office shortly.",
    ),
    Status.QUEUED: Text(
        "Permohonan Anda sudah tersimpan dan menunggu dikirim ke kantor yang berwenang. Jika kantor itu sedang tutup atau sibuk, kami kirim otomatis begitu bisa. Anda tidak perlu mengajukan ulang.",
        "Your application is saved and waiting to be sent to the responsible office. If that office is closed or busy, we send it automatically as soon as we can. You do not need to apply again.",
    ),
    Status.SENT: Text(
        "Permohonan Anda sedang dikirim ke kantor yang berwenang. Kami menunggu konfirmasi penerimaan dan akan mencoba lagi bila perlu.",
        "Your application is being sent to the responsible office. We are waiting for it to confirm receipt and will try again if needed.",
    ),
    Status.ACKNOWLEDGED: Text(
        "Kantor yang berwenang sudah menerima permohonan Anda. Berikutnya berkas Anda akan diperiksa.",
        "The responsible office has received your application. Next, your documents will be checked.",
    ),
    Status.IN_PROGRESS: Text(
        "Permohonan Anda sedang diproses (diperiksa atau diverifikasi). Anda tidak perlu berbuat apa-apa; kami kabari bila ada perubahan.",
        "Your application is being processed (checked or verified). You do not need to do anything; we will tell you when it changes.",
    ),
    Status.NEEDS_MORE: Text(
        "Kantor yang berwenang memerlukan dokumen atau perbaikan dari Anda. Proses berhenti sampai Anda melengkapinya; silakan datang ke loket atau hubungi petugas.",
        "The responsible office needs a document or a correction from you. Processing is paused until you provide it; please visit a counter or contact an officer.",
    ),
    Status.AWAITING_PAYMENT: Text(
        "Permohonan izin Anda menunggu pembayaran retribusi resmi. Bayar hanya melalui kanal resmi yang tertera; petugas tidak boleh menerima uang.",
        "Your permit application is waiting for the official fee to be paid. Pay only through the official channel shown; officers may not take money.",
    ),
    Status.APPROVED: Text(
        "Permohonan Anda disetujui. Dokumen Anda sedang dicetak atau diterbitkan; kami kabari bila sudah siap.",
        "Your application has been approved. Your document is being printed or issued; we will tell you when it is ready.",
    ),
    Status.REJECTED: Text(
        "Permohonan Anda ditolak. Alasannya tercantum di riwayat. Anda dapat mengajukan kembali atau menyampaikan pengaduan di loket.",
        "Your application was rejected. The reason is shown in the history. You may apply again or file a complaint at a counter.",
    ),
    Status.COMPLETED: Text(
        "Selesai: dokumen atau izin Anda sudah terbit.",
        "Done: your document or permit has been issued.",
    ),
    Status.DEAD_LETTER: Text(
        "Permohonan Anda belum berhasil dikirim ke kantor yang berwenang. Petugas kami sudah diberi tahu dan akan menanganinya; permohonan Anda tidak hilang.",
        "We could not yet send your application to the responsible office. Our officers have been told and will handle it; your application is not lost.",
    ),
}


def text(status: Status, lang: Lang = "id") -> str:
    """The citizen-facing text of ``status`` in ``lang``."""
    return TEXTS[status].get(lang)
