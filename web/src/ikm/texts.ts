// Every text of the public IKM page, in Bahasa Indonesia and English.

import type { Table } from "../shared/i18n";

export const I: Table = {
  title: { id: "Indeks Kepuasan Masyarakat (IKM)", en: "Public Satisfaction Index (IKM)" },
  switch_lang: { id: "English", en: "Bahasa Indonesia" },
  switch_lang_label: { id: "Ganti bahasa ke English", en: "Switch language to Bahasa Indonesia" },
  intro: {
    id: "Hasil Survei Kepuasan Masyarakat (PermenPAN-RB 14/2017): sembilan unsur, nilai 1–4, dikonversi ke 25–100. Jawaban tidak menyimpan identitas responden.",
    en: "Results of the citizen satisfaction survey (PermenPAN-RB 14/2017): nine elements scored 1–4, converted to 25–100. Answers keep no respondent's identity.",
  },
  year: { id: "Tahun", en: "Year" },
  csv: { id: "Unduh CSV", en: "Download CSV" },
  loading: { id: "Memuat…", en: "Loading…" },
  overall: { id: "IKM aula, periode {period}", en: "The hall's IKM, period {period}" },
  sample: {
    id: "{respondents} responden; sampel minimal {needed} untuk {transactions} transaksi (Krejcie-Morgan).",
    en: "{respondents} respondents; a sample of at least {needed} for {transactions} transactions (Krejcie-Morgan).",
  },
  per_service: { id: "Per layanan", en: "Per service" },
  per_served_by: { id: "Bot dan petugas", en: "Bot and officer" },
  per_counter: { id: "Per loket", en: "Per counter" },
  per_month: { id: "Per bulan", en: "Per month" },
  service: { id: "Layanan", en: "Service" },
  served_by: { id: "Dilayani oleh", en: "Served by" },
  counter: { id: "Loket", en: "Counter" },
  month: { id: "Bulan", en: "Month" },
  grade: { id: "Mutu", en: "Grade" },
  respondents: { id: "Responden", en: "Respondents" },
  needed: { id: "Sampel / transaksi", en: "Sample / transactions" },
  none: { id: "Belum ada data.", en: "No data yet." },
  how: {
    id: "Kelompok dengan kurang dari {min} responden hanya menampilkan jumlahnya, agar tidak ada penilaian yang dapat dikaitkan dengan seseorang.",
    en: "Groups with fewer than {min} respondents show their count only, so that no rating can be traced to a person.",
  },
};
