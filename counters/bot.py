"""The bot clerk who staffs a counter when no officer is on duty (pure).

It talks by text, in Bahasa Indonesia and English: it greets the citizen,
confirms the NIK was verified at sign-in, lists the requirements of the
Standar Pelayanan, asks for the form, explains what is wrong field by field,
and then either completes the service (bot-capable services) or files the
application for an officer to decide, saying honestly when the citizen will
hear back. It never promises what only an officer may decide.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo

from counters.catalogue import BotCapability, Catalogue
from counters.desk import Application, CounterSession
from counters.forms import checklist, missing

#: A message in both languages.
Said = dict[str, str]

#: What a citizen's chat line asks about, by its words in either language (first match wins).
_TOPICS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (topic, re.compile(r"\b(" + words + r")", re.IGNORECASE))
    for topic, words in (
        ("complaints", "adu|keluh|lapor|pungli|calo|complain|report|bribe|broker"),
        ("fee", "biaya|bayar|tarif|harga|gratis|ongkos|fee|cost|pay|price|free|charge"),
        ("time", "berapa lama|lama|kapan|berapa hari|waktu|selesai|how long|when|days|time"),
        ("product", "hasil|produk|dapat apa|product|receive"),
        ("officer", "petugas|manusia|pegawai|officer|human|person|staff"),
        ("steps", "langkah|cara|bagaimana|prosedur|alur|steps|how|procedure"),
    )
)


@dataclass(frozen=True, slots=True)
class OfficeHours:
    """When officers work: weekdays (0 = Monday) and local hours, with the UTC offset."""

    utc_offset_s: int = 8 * 3600  # WITA (Kendari, Makassar)
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    opens_hour: int = 8
    closes_hour: int = 16

    def next_opening(self, now: float) -> datetime:
        """The next time an officer shift starts after ``now`` (local time, aware)."""
        tz = _tz(self.utc_offset_s)
        local = datetime.fromtimestamp(now, tz)
        day = local.replace(hour=self.opens_hour, minute=0, second=0, microsecond=0)
        if local >= day:
            day += timedelta(days=1)
        while day.weekday() not in self.weekdays:
            day += timedelta(days=1)
        return day

    def is_open(self, now: float) -> bool:
        local = datetime.fromtimestamp(now, _tz(self.utc_offset_s))
        return local.weekday() in self.weekdays and self.opens_hour <= local.hour < self.closes_hour


def _tz(offset_s: int) -> tzinfo:
    return timezone(timedelta(seconds=offset_s)) if offset_s else UTC


_DAYS_ID = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
_DAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class BotClerk:
    """What the bot says and does at each step of a counter session."""

    def __init__(self, catalogue: Catalogue, hours: OfficeHours | None = None) -> None:
        self.catalogue = catalogue
        self.hours = hours or OfficeHours()

    def greet(self, session: CounterSession, *, nik_verified: bool) -> list[Said]:
        service = self.catalogue.service(session.service)
        lines = [
            {
                "id": f"Selamat datang di loket {session.counter_id}, nomor {session.ticket_number}. "
                f"Saya asisten virtual untuk layanan {service.name.id}. Layanan ini gratis "
                "kecuali tertulis lain di Standar Pelayanan; jangan membayar siapa pun.",
                "en": f"Welcome to counter {session.counter_id}, number {session.ticket_number}. "
                f"I am the virtual assistant for {service.name.en}. This service is free unless "
                "its published service standard says otherwise; do not pay anyone.",
            }
        ]
        if nik_verified:
            lines.append(
                {
                    "id": "NIK Anda sudah terverifikasi saat masuk.",
                    "en": "Your NIK was verified when you signed in.",
                }
            )
        else:
            lines.append(
                {
                    "id": "Untuk mengajukan layanan, masuk dengan NIK dan kode sekali pakai.",
                    "en": "To apply, please sign in with your NIK and a one-time code.",
                }
            )
        variant = session.form.get("variant")
        reqs = service.requirements_for(variant)
        if reqs:
            lines.append(
                {
                    "id": "Persyaratan: " + "; ".join(r.text.id for r in reqs) + ".",
                    "en": "Requirements: " + "; ".join(r.text.en for r in reqs) + ".",
                }
            )
        lines.append(
            {
                "id": "Silakan isi formulir di layar, lalu tunjukkan dokumen Anda.",
                "en": "Please fill in the form on screen, then show your documents.",
            }
        )
        return lines

    def explain_errors(
        self, session: CounterSession, errors: Mapping[str, Mapping[str, str]]
    ) -> list[Said]:
        """Each wrong field by its label on the form, never by its internal name."""
        if not errors:
            return [{"id": "Terima kasih, isian tersimpan.", "en": "Thank you, saved."}]
        labels = {f.name: f.label for f in self.catalogue.service(session.service).fields}
        out: list[Said] = []
        for name, msg in sorted(errors.items()):
            label = labels.get(name)
            out.append(
                {
                    "id": f"{label.id if label else 'Isian tidak dikenal'}: {msg['id']}",
                    "en": f"{label.en if label else 'Unknown field'}: {msg['en']}",
                }
            )
        return out

    def missing_documents(self, session: CounterSession, requirement_ids: list[str]) -> list[Said]:
        """The documents still to show, as the Standar Pelayanan names them."""
        service = self.catalogue.service(session.service)
        texts = {r.id: r.text for r in service.standar.requirements}
        named = [texts[r] for r in requirement_ids if r in texts]
        return [
            {
                "id": "Dokumen yang masih diperlukan: " + "; ".join(t.id for t in named) + ".",
                "en": "Documents still needed: " + "; ".join(t.en for t in named) + ".",
            }
        ]

    def answer(self, session: CounterSession, text: str) -> list[Said]:
        """A reply to the citizen's chat line: a person at a counter is never left unanswered.

        The bot understands a few topics of the Standar Pelayanan by their words
        (fee, time, product, complaints, steps, an officer); anything else it
        answers with what the case still needs, by the form's labels and the
        documents' names, never by internal ids.
        """
        service = self.catalogue.service(session.service)
        standar = service.standar
        topic = next((t for t, words in _TOPICS if words.search(text)), None)
        if topic == "fee":
            return [{"id": f"Biaya: {standar.fee.text.id}", "en": f"Fee: {standar.fee.text.en}"}]
        if topic == "time":
            completion = standar.completion.text
            return [
                {"id": f"Jangka waktu: {completion.id}", "en": f"Time to complete: {completion.en}"}
            ]
        if topic == "product":
            return [
                {
                    "id": f"Hasil layanan: {standar.product.id}",
                    "en": f"Product: {standar.product.en}",
                }
            ]
        if topic == "complaints":
            return [
                {
                    "id": f"Pengaduan: {standar.complaints.id}",
                    "en": f"Complaints: {standar.complaints.en}",
                }
            ]
        if topic == "steps":
            steps = list(enumerate(standar.steps, start=1))
            return [
                {
                    "id": "Langkah: " + " ".join(f"{n}. {s.id}" for n, s in steps),
                    "en": "Steps: " + " ".join(f"{n}. {s.en}" for n, s in steps),
                }
            ]
        if topic == "officer":
            if not self.can_file(session):
                return self.needs_officer_now(session)
            return [
                {
                    "id": "Saya asisten virtual dan dapat menyelesaikan layanan ini dengan Anda di"
                    " sini; petugas dapat mengambil alih kapan saja, dengan seluruh isian Anda.",
                    "en": "I am the virtual assistant and can complete this service with you here;"
                    " an officer can take over at any time, with everything you entered.",
                }
            ]
        return self.still_needed(session)

    def still_needed(self, session: CounterSession) -> list[Said]:
        """What the case lacks: form fields by their labels, documents by their names."""
        service = self.catalogue.service(session.service)
        variant = session.form.get("variant")
        fields = [
            f.label
            for f in service.fields_for(variant)
            if f.required and f.name not in session.form and f.name != "nik"
        ]
        documents = [r.text for r in missing(checklist(service, session.provided, variant=variant))]
        if not fields and not documents:
            return [
                {
                    "id": "Isian dan dokumen Anda sudah lengkap.",
                    "en": "Your form and documents are complete.",
                }
            ]
        lines: list[Said] = []
        if fields:
            lines.append(
                {
                    "id": "Isian yang masih perlu diisi: " + "; ".join(t.id for t in fields) + ".",
                    "en": "Form fields still to fill in: " + "; ".join(t.en for t in fields) + ".",
                }
            )
        if documents:
            lines.append(
                {
                    "id": "Dokumen yang masih diperlukan (unggah foto atau PDF): "
                    + "; ".join(t.id for t in documents)
                    + ".",
                    "en": "Documents still needed (upload a photo or a PDF): "
                    + "; ".join(t.en for t in documents)
                    + ".",
                }
            )
        lines.append(
            {
                "id": "Anda juga dapat bertanya tentang biaya, waktu, langkah, hasil layanan"
                " atau pengaduan.",
                "en": "You can also ask about the fee, the time, the steps, the product or"
                " complaints.",
            }
        )
        return lines

    def needs_officer_now(self, session: CounterSession) -> list[Said]:
        return [
            {
                "id": "Layanan ini harus diputuskan petugas. Saya dapat membantu mengisi dan"
                " menyiapkan berkas Anda sampai petugas tersedia.",
                "en": "An officer must decide this service. I can help you fill in the form and"
                " prepare your documents until an officer is available.",
            }
        ]

    def goodbye_idle(self) -> list[Said]:
        return [
            {
                "id": "Sesi ini saya tutup karena tidak ada kegiatan. Silakan ambil nomor lagi"
                " bila masih ada yang bisa dibantu.",
                "en": "I am closing this session as nothing has happened for a while. Please"
                " take a number again if there is anything else.",
            }
        ]

    def sign_in_needed(self) -> list[Said]:
        return [
            {
                "id": "Untuk mengajukan, masuk dulu dengan NIK dan kode sekali pakai. Saya tetap"
                " bisa menjelaskan persyaratan dan langkah layanan ini.",
                "en": "To apply, first sign in with your NIK and a one-time code. I can still"
                " explain this service's requirements and steps.",
            }
        ]

    def officer_left(self) -> list[Said]:
        return [
            {
                "id": "Petugas terputus. Saya asisten virtual dan melanjutkan layanan Anda;"
                " isian dan dokumen Anda tetap tersimpan.",
                "en": "The officer's connection dropped. I am the virtual assistant and carry on"
                " with your service; your form and documents are kept.",
            }
        ]

    def on_behalf_review(self) -> list[Said]:
        return [
            {
                "id": "Permohonan atas nama orang lain selalu diperiksa petugas sebelum diputuskan.",
                "en": "An application on behalf of someone else is always reviewed by an officer"
                " before it is decided.",
            }
        ]

    def can_file(self, session: CounterSession) -> bool:
        variant = session.form.get("variant")
        capability = self.catalogue.service(session.service).bot_for(variant)
        return capability is not BotCapability.OFFICER

    def needs_officer(self, session: CounterSession, now: float) -> list[Said]:
        when = self.hours.next_opening(now)
        return [
            {
                "id": "Layanan ini harus ditangani petugas. Nomor Anda tetap berlaku; petugas "
                f"berikutnya mulai {_DAYS_ID[when.weekday()]} {when:%d-%m-%Y} pukul {when:%H.%M} WITA.",
                "en": "This service must be handled by an officer. Your number stays valid; the next "
                f"officer shift starts {_DAYS_EN[when.weekday()]} {when:%Y-%m-%d} at {when:%H:%M} WITA.",
            }
        ]

    def after_submit(self, application: Application, now: float) -> list[Said]:
        code = application.tracking_code
        if application.status == "completed":
            return [
                {
                    "id": f"Selesai. Kode pelacakan Anda: {code}. Simpan kode ini.",
                    "en": f"Done. Your tracking code: {code}. Please keep it.",
                }
            ]
        when = self.hours.next_opening(now) if not self.hours.is_open(now) else None
        if when is None:
            hear = {"id": "hari ini, pada jam kerja", "en": "today, during office hours"}
        else:
            hear = {
                "id": f"mulai {_DAYS_ID[when.weekday()]} {when:%d-%m-%Y} pukul {when:%H.%M} WITA",
                "en": f"from {_DAYS_EN[when.weekday()]} {when:%Y-%m-%d} at {when:%H:%M} WITA",
            }
        return [
            {
                "id": f"Permohonan Anda sudah diajukan dengan kode pelacakan {code}. Seorang petugas "
                f"akan memutuskannya {hear['id']}; Anda akan diberi tahu di aula dan dapat mengecek "
                "status dengan kode ini dan NIK Anda.",
                "en": f"Your application is filed with tracking code {code}. An officer will decide "
                f"it {hear['en']}; you will be told in the hall and can check its status with this "
                "code and your NIK.",
            }
        ]
