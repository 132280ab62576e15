// The texts of the supervisor's IKM and complaint panels.

import type { Table } from "../shared/i18n";

export const TT: Table = {
  ikm_title: { id: "Indeks Kepuasan Masyarakat {period}", en: "Public Satisfaction Index {period}" },
  ikm_public: { id: "Halaman IKM publik", en: "Public IKM page" },
  ikm_csv: { id: "Unduh CSV IKM", en: "Download the IKM CSV" },
  group: { id: "Kelompok", en: "Group" },
  grade: { id: "Mutu", en: "Grade" },
  respondents: { id: "Responden", en: "Respondents" },
  sample: { id: "Sampel / transaksi", en: "Sample / transactions" },
  whole_hall: { id: "Seluruh aula", en: "Whole hall" },
  complaints: { id: "Pengaduan", en: "Complaints" },
  overdue_n: { id: "{n} melewati tenggat", en: "{n} overdue" },
  overdue_verification: { id: "verifikasi terlambat", en: "verification overdue" },
  overdue_follow_up: { id: "tindak lanjut terlambat", en: "follow-up overdue" },
  refresh: { id: "Muat ulang", en: "Refresh" },
  none: { id: "Belum ada pengaduan.", en: "No complaints yet." },
  rahasia: { id: "rahasia", en: "confidential" },
  anonim: { id: "anonim", en: "anonymous" },
  has_photo: { id: "Ada foto terlampir.", en: "A photo is attached." },
  replied: { id: "Pelapor menanggapi tindak lanjut.", en: "The reporter replied to the follow-up." },
  verify_by: { id: "Verifikasi paling lambat {date}.", en: "Verify by {date}." },
  follow_up_by: { id: "Tindak lanjut paling lambat {date}.", en: "Follow up by {date}." },
  closes_on: { id: "Ditutup otomatis setelah {date} bila tidak ada tanggapan.", en: "Closes by itself after {date} without a reply." },
  note: { id: "Catatan / jawaban untuk pelapor", en: "Note / answer to the reporter" },
  verify: { id: "Verifikasi", en: "Verify" },
  follow_up: { id: "Tindak lanjuti", en: "Follow up" },
  close: { id: "Tutup", en: "Close" },
  done_verify: { id: "Pengaduan diverifikasi.", en: "Complaint verified." },
  done_follow_up: { id: "Tindak lanjut dikirim.", en: "Follow-up sent." },
  done_close: { id: "Pengaduan ditutup.", en: "Complaint closed." },
};
