// The texts of the survey and complaint screens (added to the citizen app's table).

import { T } from "./texts";

Object.assign(T, {
  nav_pengaduan: { id: "Pengaduan", en: "Complaints" },
  survey_title: { id: "Survei kepuasan (SKM)", en: "Satisfaction survey (SKM)" },
  survey_intro: {
    id: "Bagaimana layanan tadi? Jawaban Anda tidak disimpan bersama nama atau NIK Anda; petugas tidak dapat melihat siapa yang menilai. Boleh dilewati.",
    en: "How was the service? Your answers are not stored with your name or NIK; officers cannot see who rated them. You may skip it.",
  },
  survey_send: { id: "Kirim penilaian", en: "Send rating" },
  survey_skip: { id: "Lewati", en: "Skip" },
  survey_pick_one: { id: "Jawab paling sedikit satu pertanyaan, atau lewati.", en: "Answer at least one question, or skip." },
  survey_thanks: { id: "Terima kasih atas penilaian Anda.", en: "Thank you for your rating." },
  complain_after: { id: "Ada keluhan tentang layanan ini? Buat pengaduan", en: "A complaint about this service? File it here" },
  complaint_title: { id: "Pengaduan", en: "File a complaint" },
  complaint_intro: {
    id: "Laporkan pungli, calo, perilaku petugas, waktu layanan, atau hal lain. Diteruskan sesuai tata cara SP4N-LAPOR!.",
    en: "Report an illegal levy, a broker, staff conduct, service time or anything else. Handled the SP4N-LAPOR! way.",
  },
  complaint_about: { id: "Tentang layanan: {service}", en: "About the service: {service}" },
  complaint_category: { id: "Jenis pengaduan", en: "Category" },
  complaint_choose: { id: "— pilih —", en: "— choose —" },
  complaint_pick_category: { id: "Pilih jenis pengaduan.", en: "Choose a category." },
  complaint_text: { id: "Isi pengaduan (paling sedikit 10 karakter)", en: "Your complaint (at least 10 characters)" },
  complaint_photo: { id: "Foto (tidak wajib)", en: "Photo (optional)" },
  complaint_rahasia: {
    id: "Rahasia: pengaduan tidak ditampilkan kepada publik",
    en: "Confidential (rahasia): not shown to the public",
  },
  complaint_anonim: {
    id: "Anonim: identitas saya tidak disimpan dan tidak terlihat oleh petugas",
    en: "Anonymous (anonim): my identity is not kept and handlers cannot see it",
  },
  complaint_rahasia_short: { id: "Rahasia", en: "Confidential" },
  complaint_anonim_short: { id: "Anonim", en: "Anonymous" },
  complaint_send: { id: "Kirim pengaduan", en: "Send complaint" },
  complaint_lookup: { id: "Cek status pengaduan", en: "Check a complaint" },
  complaint_check: { id: "Cek", en: "Check" },
  complaint_status_title: { id: "Status pengaduan", en: "Complaint status" },
  complaint_keep_code: {
    id: "Simpan kode ini: hanya dengan kode ini Anda dapat melihat dan menanggapi pengaduan.",
    en: "Keep this code: it is the only way to see and answer your complaint.",
  },
  complaint_stage: { id: "Tahap", en: "Stage" },
  complaint_verify_by: { id: "Diverifikasi paling lambat {date}.", en: "To be verified by {date}." },
  complaint_follow_up_by: { id: "Ditindaklanjuti paling lambat {date}.", en: "To be followed up by {date}." },
  complaint_closes_on: {
    id: "Bila tidak ada tanggapan, pengaduan ditutup setelah {date}.",
    en: "Without a reply, the complaint closes after {date}.",
  },
  complaint_reply: { id: "Tanggapan Anda", en: "Your reply" },
  complaint_new: { id: "Buat pengaduan baru", en: "File a new complaint" },
});
