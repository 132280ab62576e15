"""What each error code means to a person, in Bahasa Indonesia and English.

Every error the hall sends carries a stable ``code`` and an English
``message`` for developers (hall_server/errors.py). A citizen's app shows
the ``text`` of the code instead: what went wrong and what to do, in plain
words, never personal data. The boundaries add it to each error
(``{"id": ..., "en": ...}``) and ``GET /api/v1/errors`` serves this whole
catalogue, so a client can also translate a code by itself.

Every code the code base raises, and every code docs/protocol.md lists,
has an entry here; tests/test_error_texts.py walks the source and the
document to keep it so. Codes only a back office or an operator meets
(``backoffice_*``, ``webhook_*``, ``catalogue_invalid``) have texts too:
officers read them in the dead-letter list, and a code with no text would
be one more thing for a client to special-case.

This module is pure data: domain cores and the boundaries import it
without loading the web stack.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, TypedDict


class ErrorText(TypedDict):
    """A text for a person in both languages of the hall."""

    id: str
    en: str


def _t(indonesian: str, english: str) -> ErrorText:
    return ErrorText(id=indonesian, en=english)


#: The text of a code the catalogue lacks (a defect tests/test_error_texts.py
#: catches); an error path must still answer something a person can read.
FALLBACK: Final[ErrorText] = _t(
    "Permintaan Anda tidak dapat diproses. Silakan coba lagi; bila berulang, hubungi petugas.",
    "Your request could not be processed. Please try again; if it happens again, ask an officer.",
)

_TEXTS: dict[str, ErrorText] = {
    # -- Malformed input (protocol section 8) -------------------------------------------------
    "bad_request": _t(
        "Permintaan tidak dapat diproses karena isinya tidak sesuai. "
        "Perbarui aplikasi Anda lalu coba lagi.",
        "The request could not be processed because its content is not valid. "
        "Update your app and try again.",
    ),
    "bad_json": _t(
        "Data yang dikirim tidak dapat dibaca. Perbarui aplikasi Anda lalu coba lagi.",
        "The data that was sent could not be read. Update your app and try again.",
    ),
    "bad_type": _t(
        "Ada isian dengan jenis data yang salah. Periksa isian Anda lalu coba lagi.",
        "A field has the wrong kind of value. Check what you entered and try again.",
    ),
    "bad_value": _t(
        "Ada isian yang kosong atau nilainya tidak diperbolehkan. "
        "Periksa isian Anda lalu coba lagi.",
        "A field is empty or has a value that is not allowed. Check what you entered and try again.",
    ),
    "out_of_range": _t(
        "Nilai berada di luar batas yang diperbolehkan, misalnya posisi di luar aula atau "
        "tanggal janji temu yang terlalu jauh. Pilih nilai di dalam batas.",
        "A value is outside the allowed range, for example a place outside the hall or an "
        "appointment date too far ahead. Choose a value within the range.",
    ),
    "too_large": _t(
        "Pesan, teks atau berkas terlalu besar. Perkecil lalu kirim lagi.",
        "The message, text or file is too large. Make it smaller and send it again.",
    ),
    "unknown_type": _t(
        "Aplikasi mengirim perintah yang tidak dikenal server. Perbarui aplikasi Anda.",
        "The app sent a command the server does not know. Update your app.",
    ),
    "bad_frame": _t(
        "Data pembaruan aula tidak valid. Perbarui aplikasi Anda.",
        "A hall update frame is not valid. Update your app.",
    ),
    "invalid_nik": _t(
        "NIK tidak valid. Periksa kembali NIK yang tertera pada KTP-el atau Kartu Keluarga Anda.",
        "The NIK is not valid. Check the NIK printed on your KTP-el or family card (KK).",
    ),
    "nik_not_allowed": _t(
        "NIK tidak boleh dipakai sebagai rujukan warga di sini.",
        "A NIK may not be used as the citizen reference here.",
    ),
    "scene_invalid": _t(
        "Denah aula tidak valid sehingga tidak dapat dimuat. Laporkan kepada pengelola.",
        "The hall's layout is not valid and cannot be loaded. Tell the administrator.",
    ),
    # -- Signing in ---------------------------------------------------------------------------
    "unauthenticated": _t(
        "Anda belum masuk atau sesi Anda tidak berlaku. Silakan masuk kembali.",
        "You are not signed in, or your session is no longer valid. Please sign in again.",
    ),
    "token_expired": _t(
        "Sesi Anda telah berakhir. Silakan masuk kembali.",
        "Your session has expired. Please sign in again.",
    ),
    "bad_credentials": _t(
        "Nama pengguna atau kata sandi salah. Periksa lalu coba lagi.",
        "Wrong username or password. Check them and try again.",
    ),
    "bad_code": _t(
        "Kode sekali pakai salah, sudah dipakai, atau kedaluwarsa. Minta kode baru lalu coba lagi.",
        "The one-time code is wrong, already used or expired. Ask for a new code and try again.",
    ),
    "sign_in_unavailable": _t(
        "Masuk dengan NIK sedang tidak tersedia. Coba lagi nanti, atau masuk sebagai tamu.",
        "Signing in with your NIK is not available right now. "
        "Try again later, or enter as a guest.",
    ),
    # -- Permissions --------------------------------------------------------------------------
    "forbidden": _t(
        "Anda tidak memiliki izin untuk melakukan ini. Hubungi petugas bila memerlukan bantuan.",
        "You are not allowed to do this. Ask an officer if you need help.",
    ),
    "not_member": _t(
        "Anda bukan anggota percakapan pribadi ini.",
        "You are not a member of this private conversation.",
    ),
    # -- Limits -------------------------------------------------------------------------------
    "rate_limited": _t(
        "Terlalu banyak permintaan dalam waktu singkat. Tunggu sebentar lalu coba lagi.",
        "Too many requests in a short time. Wait a moment and try again.",
    ),
    "hall_full": _t(
        "Aula sedang penuh. Silakan coba lagi beberapa saat lagi.",
        "The hall is full. Please try again in a little while.",
    ),
    "too_many_connections": _t(
        "Terlalu banyak koneksi dari jaringan Anda. Tutup tab atau perangkat yang tidak dipakai, "
        "lalu coba lagi.",
        "Too many connections from your network. Close tabs or devices you are not using, "
        "then try again.",
    ),
    "join_timeout": _t(
        "Aplikasi tidak masuk ke aula tepat waktu sehingga koneksi ditutup. Sambungkan kembali.",
        "The app did not join the hall in time, so the connection was closed. Connect again.",
    ),
    # -- Not found, conflicts, failures -------------------------------------------------------
    "not_found": _t(
        "Data yang Anda cari tidak ditemukan. Periksa kembali lalu coba lagi.",
        "What you are looking for was not found. Check it and try again.",
    ),
    "unknown_hall": _t(
        "Aula layanan ini tidak ditemukan. Pilih aula dari daftar.",
        "This service hall does not exist. Choose a hall from the list.",
    ),
    "unknown_channel": _t(
        "Percakapan pribadi ini tidak ada atau sudah ditutup.",
        "This private conversation does not exist or has been closed.",
    ),
    "resume_expired": _t(
        "Sesi Anda sebelumnya sudah berakhir. Masuklah ke aula sebagai sesi baru.",
        "Your previous session has ended. Join the hall as a new session.",
    ),
    "hall_moved": _t(
        "Aula ini sekarang dilayani oleh server lain. Aplikasi menyambung ke sana; "
        "tempat dan antrean Anda tetap.",
        "Another server now runs this hall. The app reconnects there; "
        "your place and your ticket are kept.",
    ),
    "stale_owner": _t(
        "Aula ini baru saja pindah ke server lain dan tindakan Anda tidak disimpan. "
        "Tunggu sebentar lalu coba lagi.",
        "This hall has just moved to another server and your action was not saved. "
        "Wait a moment and try again.",
    ),
    "lease_held": _t(
        "Aula ini sedang dilayani oleh server lain.",
        "Another server is running this hall.",
    ),
    "already_joined": _t(
        "Anda sudah berada di aula dengan sesi ini; tidak perlu masuk lagi.",
        "You are already in the hall with this session; there is no need to join again.",
    ),
    "conflict": _t(
        "Permintaan bertentangan dengan keadaan saat ini, misalnya nama pengguna sudah dipakai. "
        "Muat ulang lalu coba lagi.",
        "The request conflicts with the current state, for example a username that is taken. "
        "Reload and try again.",
    ),
    "unavailable": _t(
        "Layanan ini sedang tidak tersedia. Silakan coba lagi nanti.",
        "This service is not available right now. Please try again later.",
    ),
    "method_not_allowed": _t(
        "Cara permintaan ini tidak didukung untuk alamat tersebut.",
        "This kind of request is not supported at that address.",
    ),
    "internal": _t(
        "Terjadi gangguan pada server dan permintaan Anda tidak diproses. Coba lagi; "
        "bila berulang, laporkan kepada petugas.",
        "The server had a problem and did not process your request. Try again; "
        "if it happens again, tell an officer.",
    ),
    # -- Counters: what does not exist (protocol section 11.4) --------------------------------
    "unknown_service": _t(
        "Layanan ini tidak ditemukan. Pilih layanan dari daftar.",
        "This service does not exist. Choose a service from the list.",
    ),
    "unknown_group": _t(
        "Tidak ada layanan dengan huruf kelompok antrean ini.",
        "No service uses this queue letter.",
    ),
    "unknown_counter": _t(
        "Loket ini tidak ditemukan. Pilih loket yang tersedia.",
        "This counter does not exist. Choose an available counter.",
    ),
    "unknown_ticket": _t(
        "Nomor antrean ini tidak ditemukan. Periksa kembali nomor antrean Anda.",
        "This queue number was not found. Check your queue number.",
    ),
    "unknown_session": _t(
        "Sesi layanan di loket ini tidak ditemukan atau sudah selesai.",
        "This counter session does not exist or has ended.",
    ),
    "no_counters": _t(
        "Aula ini tidak memiliki loket layanan.",
        "This hall has no service counters.",
    ),
    "no_path": _t(
        "Tidak ada jalan ke tujuan itu dari tempat Anda berdiri. Pilih tujuan lain.",
        "There is no way to that destination from where you stand. Choose another destination.",
    ),
    # -- Documents at the counter ---------------------------------------------------------------
    "unsupported_document": _t(
        "Berkas ini tidak dapat diterima. Kirim foto (JPEG, PNG atau WebP) atau PDF.",
        "This file cannot be accepted. Send a photo (JPEG, PNG or WebP) or a PDF.",
    ),
    "unknown_document": _t(
        "Dokumen ini tidak ditemukan atau sudah dihapus.",
        "This document does not exist or has been deleted.",
    ),
    "too_many_documents": _t(
        "Sesi layanan ini sudah menerima dokumen sebanyak yang diizinkan. Tanyakan kepada petugas.",
        "This counter session has taken as many documents as it can. Ask the officer.",
    ),
    # -- Counters: who may do what ------------------------------------------------------------
    "staff_only": _t(
        "Perintah ini hanya untuk petugas loket.",
        "Only counter officers can do this.",
    ),
    "citizen_only": _t(
        "Perintah ini hanya untuk warga, bukan petugas.",
        "Only citizens can do this, not staff.",
    ),
    "not_staff": _t(
        "Hanya petugas loket yang dapat melakukan ini.",
        "Only counter staff can do this.",
    ),
    "sign_in_required": _t(
        "Untuk mengajukan permohonan, masuk dengan NIK dan kode sekali pakai. "
        "Sebagai tamu, Anda hanya dapat bertanya.",
        "To file an application, sign in with your NIK and a one-time code. "
        "As a guest you can only ask questions.",
    ),
    "nik_from_sign_in": _t(
        "NIK pemohon diambil dari akun yang Anda pakai untuk masuk. Untuk mengajukan bagi orang "
        "lain, pilih pengajuan atas nama orang lain.",
        "The applicant's NIK comes from the account you signed in with. To apply for someone "
        "else, choose to apply on their behalf.",
    ),
    "not_elderly": _t(
        "Prioritas lansia hanya untuk warga berusia 60 tahun ke atas menurut NIK. "
        "Silakan ambil nomor antrean biasa.",
        "The elderly priority is for citizens aged 60 or over by their NIK. "
        "Please take a regular queue number.",
    ),
    "not_your_ticket": _t(
        "Nomor antrean ini bukan milik Anda.",
        "This queue number is not yours.",
    ),
    "wrong_counter": _t(
        "Loket ini dilayani oleh petugas lain.",
        "Another officer staffs this counter.",
    ),
    "counter_taken": _t(
        "Loket ini sudah dilayani petugas lain. Pilih loket lain atau minta bantuan supervisor.",
        "Another officer already staffs this counter. Choose another counter or ask a supervisor.",
    ),
    "officer_only": _t(
        "Hal ini harus ditangani oleh petugas, bukan asisten otomatis. Mohon tunggu petugas.",
        "This must be handled by an officer, not the automated assistant. "
        "Please wait for an officer.",
    ),
    "same_staff": _t(
        "Sesi ini sudah ditangani oleh orang yang sama.",
        "This session is already handled by this person.",
    ),
    # -- Counters: state --------------------------------------------------------------------
    "too_early": _t(
        "Masih terlalu awal untuk konfirmasi kedatangan janji temu. "
        "Silakan kembali mendekati jadwal Anda.",
        "It is too early to check in for your appointment. Please come back closer to your time.",
    ),
    "not_booked": _t(
        "Nomor antrean ini bukan janji temu yang menunggu konfirmasi kedatangan.",
        "This queue number is not an appointment waiting for check-in.",
    ),
    "not_checked_in": _t(
        "Konfirmasi kedatangan untuk janji temu ini terlebih dahulu.",
        "Check in for this appointment first.",
    ),
    "already_queued": _t(
        "Anda sudah memiliki nomor antrean aktif untuk layanan ini.",
        "You already have an active queue number for this service.",
    ),
    "duplicate_ticket": _t(
        "Nomor antrean ini sudah ada.",
        "This queue number already exists.",
    ),
    "in_service": _t(
        "Nomor antrean ini sedang dilayani sehingga tidak dapat dibatalkan.",
        "This queue number is being served, so it cannot be cancelled.",
    ),
    "already_serving": _t(
        "Nomor antrean ini sedang dilayani di loket.",
        "This queue number is already being served at a counter.",
    ),
    "already_staffing": _t(
        "Anda sudah bertugas di loket lain. Tutup loket itu terlebih dahulu.",
        "You already staff another counter. Close it first.",
    ),
    "counter_busy": _t(
        "Loket masih menangani nomor antrean lain. Selesaikan, tunda, atau alihkan terlebih dahulu.",
        "The counter still holds another queue number. Finish, park or transfer it first.",
    ),
    "counter_not_open": _t(
        "Loket belum dibuka atau sedang istirahat.",
        "The counter is not open or is on a break.",
    ),
    "counter_closed": _t(
        "Loket sudah ditutup.",
        "The counter is closed.",
    ),
    "no_ticket": _t(
        "Tidak ada nomor antrean yang sedang ditangani di loket ini.",
        "This counter holds no queue number right now.",
    ),
    "not_called": _t(
        "Nomor antrean ini tidak sedang dipanggil; mungkin sudah dilayani.",
        "This queue number is not being called; it may already be served.",
    ),
    "not_serving": _t(
        "Warga belum tiba di loket.",
        "The citizen has not arrived at the counter yet.",
    ),
    "not_waiting": _t(
        "Nomor antrean ini tidak sedang menunggu.",
        "This queue number is not waiting.",
    ),
    "not_parked": _t(
        "Nomor antrean ini tidak sedang ditunda.",
        "This queue number is not on hold.",
    ),
    "ticket_final": _t(
        "Nomor antrean ini sudah selesai atau dibatalkan. Ambil nomor antrean baru bila perlu.",
        "This queue number is already finished or cancelled. Take a new number if you need one.",
    ),
    "same_service": _t(
        "Nomor antrean ini sudah berada di layanan tersebut.",
        "This queue number is already in that service.",
    ),
    "service_not_offered": _t(
        "Loket ini tidak melayani layanan tersebut. Pilih loket lain.",
        "This counter does not offer that service. Choose another counter.",
    ),
    "not_declared": _t(
        "Nomor antrean ini tidak menyatakan kelompok prioritas.",
        "This queue number declared no priority group.",
    ),
    "already_submitted": _t(
        "Permohonan pada sesi ini sudah diajukan.",
        "The application of this session has already been filed.",
    ),
    "invalid_form": _t(
        "Beberapa isian formulir belum benar. Perbaiki isian yang ditandai lalu kirim lagi.",
        "Some form fields are not right. Correct the marked fields and send again.",
    ),
    "missing_documents": _t(
        "Ada dokumen persyaratan yang belum dilengkapi. Lengkapi dokumen lalu coba lagi.",
        "Some required documents are missing. Add them and try again.",
    ),
    "reason_required": _t(
        "Alasan wajib diisi untuk tindakan ini.",
        "A reason is required for this action.",
    ),
    "bad_snapshot": _t(
        "Data antrean yang tersimpan tidak konsisten. Laporkan kepada pengelola.",
        "The saved queue data is inconsistent. Tell the administrator.",
    ),
    "catalogue_invalid": _t(
        "Katalog layanan tidak valid. Laporkan kepada pengelola.",
        "The service catalogue is not valid. Tell the administrator.",
    ),
    # -- Counter calls (protocol section 13.4) -----------------------------------------------
    "unknown_call": _t(
        "Panggilan ini tidak ditemukan atau sudah berakhir.",
        "This call does not exist or has ended.",
    ),
    "call_not_accepted": _t(
        "Warga belum menerima panggilan. Tunggu sampai panggilan diterima.",
        "The citizen has not accepted the call yet. Wait until it is accepted.",
    ),
    "call_exists": _t(
        "Panggilan ini sudah diterima atau sudah tersambung.",
        "This call has already been accepted or connected.",
    ),
    "calls_busy": _t(
        "Layanan panggilan sedang penuh. Coba lagi beberapa detik lagi; obrolan tetap dapat "
        "dipakai.",
        "Calls are at capacity. Try again in a few seconds; the chat still works.",
    ),
    "calls_disabled": _t(
        "Panggilan suara dan video tidak tersedia di server ini. Silakan gunakan obrolan.",
        "Voice and video calls are switched off on this server. Please use the chat.",
    ),
    "bad_sdp": _t(
        "Perangkat Anda mengirim data panggilan yang tidak dapat dipakai. "
        "Gunakan peramban versi terbaru lalu coba lagi.",
        "Your device sent call data the server cannot use. "
        "Use an up-to-date browser and try again.",
    ),
    "bad_candidate": _t(
        "Data jaringan panggilan tidak valid. Coba sambungkan panggilan lagi.",
        "The call's network data is not valid. Try connecting the call again.",
    ),
    "no_offer": _t(
        "Panggilan belum dimulai dari perangkat Anda. Mulai ulang panggilan.",
        "Your device has not started the call yet. Restart the call.",
    ),
    # -- Hand-off to back offices (protocol section 12; officers see these) -------------------
    "unknown_application": _t(
        "Permohonan ini tidak ditemukan.",
        "This application was not found.",
    ),
    "not_dead": _t(
        "Permohonan ini tidak gagal terkirim, jadi tidak perlu dikirim ulang.",
        "This application did not fail to be delivered, so it need not be sent again.",
    ),
    "backoffice_error": _t(
        "Instansi tujuan tidak dapat menerima permohonan. Permohonan akan dicoba lagi atau "
        "diperiksa petugas.",
        "The receiving agency could not take the application. "
        "It will be retried or checked by an officer.",
    ),
    "backoffice_unreachable": _t(
        "Sistem instansi tujuan tidak dapat dihubungi. Pengiriman akan dicoba lagi otomatis.",
        "The agency's system cannot be reached. Sending will be retried automatically.",
    ),
    "backoffice_timeout": _t(
        "Sistem instansi tujuan tidak menjawab tepat waktu. Pengiriman akan dicoba lagi otomatis.",
        "The agency's system did not answer in time. Sending will be retried automatically.",
    ),
    "backoffice_busy": _t(
        "Sistem instansi tujuan sedang sibuk. Pengiriman akan dicoba lagi otomatis.",
        "The agency's system is busy. Sending will be retried automatically.",
    ),
    "backoffice_refused": _t(
        "Sistem instansi tujuan menolak permohonan. Petugas akan memeriksanya.",
        "The agency's system refused the application. An officer will look into it.",
    ),
    "backoffice_unknown_reference": _t(
        "Sistem instansi tujuan tidak mengenal permohonan ini. Petugas akan memeriksanya.",
        "The agency's system does not know this application. An officer will look into it.",
    ),
    "backoffice_bad_response": _t(
        "Jawaban sistem instansi tujuan tidak dapat dibaca. Petugas akan memeriksanya.",
        "The agency's system gave an answer that cannot be read. An officer will look into it.",
    ),
    "unknown_reference": _t(
        "Tidak ada permohonan dengan nomor rujukan ini.",
        "No application has this reference.",
    ),
    "unknown_status": _t(
        "Instansi tujuan mengirim status permohonan yang tidak dikenal.",
        "The agency sent an application status that is not known.",
    ),
    # -- Broker and pungli signals (protocol section 17) ----------------------------------------
    "unknown_flag": _t(
        "Sinyal ini tidak ditemukan di aula ini. Muat ulang daftar sinyal.",
        "This signal is not found in this hall. Reload the list of signals.",
    ),
    "flag_reviewed": _t(
        "Sinyal ini sudah ditinjau. Muat ulang daftar untuk melihat hasilnya.",
        "This signal was already reviewed. Reload the list to see the outcome.",
    ),
    "webhook_malformed": _t(
        "Pemberitahuan dari instansi tidak lengkap atau tidak dapat dibaca.",
        "The agency's notification is incomplete or cannot be read.",
    ),
    "webhook_forged": _t(
        "Tanda tangan pemberitahuan dari instansi tidak sah.",
        "The agency's notification does not carry a valid signature.",
    ),
    "webhook_stale": _t(
        "Pemberitahuan dari instansi sudah kedaluwarsa.",
        "The agency's notification is too old.",
    ),
    "webhook_replayed": _t(
        "Pemberitahuan dari instansi ini sudah pernah diterima.",
        "This notification from the agency was already received.",
    ),
    # The verifiable audit log (docs/trust.md) and its witness.
    "audit_no_checkpoint": _t(
        "Aula belum menandatangani titik periksa log audit. Coba lagi sebentar lagi.",
        "The hall has not signed an audit log checkpoint yet. Try again in a moment.",
    ),
    "audit_row_unsealed": _t(
        "Baris audit ini tidak ada atau belum dimasukkan ke pohon audit. Coba lagi nanti.",
        "This audit row does not exist or is not in the audit tree yet. Try again later.",
    ),
    "audit_bad_size": _t(
        "Ukuran pohon audit yang diminta tidak ada. Pakai ukuran dari titik periksa yang "
        "sudah ditandatangani.",
        "The audit tree size asked for does not exist. Use the size of a signed checkpoint.",
    ),
    "witness_bad_signature": _t(
        "Titik periksa tidak ditandatangani dengan kunci aula yang dipercaya saksi ini.",
        "The checkpoint is not signed with the hall key this witness trusts.",
    ),
    "witness_stale": _t(
        "Titik periksa ini lebih lama daripada yang terakhir ditandatangani saksi.",
        "This checkpoint is older than the last one the witness cosigned.",
    ),
    "witness_inconsistent": _t(
        "Titik periksa ini tidak melanjutkan log yang sudah ditandatangani saksi: "
        "riwayat audit telah diubah.",
        "This checkpoint does not extend the log the witness already cosigned: "
        "the audit history was changed.",
    ),
    "witness_log_unreachable": _t(
        "Saksi tidak dapat meminta bukti konsistensi dari aula. Coba lagi nanti.",
        "The witness could not get a consistency proof from the hall. Try again later.",
    ),
    "witness_empty": _t(
        "Saksi belum menandatangani titik periksa apa pun.",
        "The witness has not cosigned any checkpoint yet.",
    ),
    # -- The SKM survey and complaints (issue 14) -----------------------------------------------
    "bad_survey_token": _t(
        "Survei ini tidak berlaku lagi atau tautannya tidak lengkap.",
        "This survey is no longer valid, or its link is incomplete.",
    ),
    "survey_answered": _t(
        "Survei untuk layanan ini sudah diisi. Terima kasih.",
        "The survey for this service has already been answered. Thank you.",
    ),
    "unknown_complaint": _t(
        "Pengaduan dengan kode ini tidak ditemukan. Periksa kode pelacakan Anda.",
        "No complaint has this code. Check your tracking code.",
    ),
    "unknown_category": _t(
        "Pilih salah satu jenis pengaduan yang tersedia.",
        "Choose one of the complaint categories offered.",
    ),
    "already_forwarded": _t(
        "Pengaduan ini sudah diteruskan ke SP4N-LAPOR! atau sudah selesai.",
        "This complaint was already forwarded to SP4N-LAPOR!, or it is closed.",
    ),
    "lapor_unavailable": _t(
        "Penerusan ke SP4N-LAPOR! belum tersedia di aula ini.",
        "Forwarding to SP4N-LAPOR! is not available in this hall.",
    ),
    "complaint_stage": _t(
        "Pengaduan ini sudah berada pada tahap lain; muat ulang halaman untuk melihat statusnya.",
        "This complaint has moved to another stage; reload the page to see where it stands.",
    ),
}

#: code -> its text; read-only, so no caller can change what another sends.
ERROR_TEXTS: Final[Mapping[str, ErrorText]] = MappingProxyType(_TEXTS)


def text_for(code: str) -> ErrorText:
    """The text of ``code`` (a fresh dict, safe to put into a message), or
    :data:`FALLBACK` for a code without one: an error must never fail to be sent."""
    found = _TEXTS.get(code, FALLBACK)
    return ErrorText(id=found["id"], en=found["en"])
