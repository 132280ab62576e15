// The board's texts, in both languages.

import type { Table } from "../shared/i18n";

export const T: Table = {
  title: { id: "Nomor Antrean", en: "Now serving" },
  now_serving: { id: "Sedang dipanggil dan dilayani", en: "Called and being served" },
  none: { id: "Belum ada nomor yang dipanggil.", en: "No number has been called yet." },
  counter: { id: "Loket", en: "Counter" },
  number: { id: "Nomor", en: "Number" },
  called: { id: "dipanggil", en: "called" },
  serving: { id: "dilayani", en: "being served" },
  waiting: { id: "Menunggu per layanan", en: "Waiting per service" },
  waiting_none: { id: "Tidak ada yang menunggu.", en: "Nobody is waiting." },
  people: { id: "{n} orang", en: "{n} waiting" },
  announcements: { id: "Pengumuman", en: "Announcements" },
  sound_on: { id: "Nyalakan suara", en: "Sound on" },
  sound_is_on: { id: "Suara menyala", en: "Sound is on" },
  no_speech: { id: "Browser ini tidak dapat membacakan nomor; hanya bunyi.", en: "This browser cannot speak the numbers; chime only." },
  qr: { id: "Ambil nomor dari ponsel Anda", en: "Take a number from your phone" },
  qr_alt: { id: "Kode QR alamat aula: {url}", en: "QR code of the hall's address: {url}" },
  qr_missing: {
    id: "Kode QR tidak ditampilkan: layar ini membuka aula di alamat lokal. Atur HALL_PUBLIC_URL ke alamat yang dapat dijangkau ponsel pengunjung.",
    en: "No QR code: this screen opened the hall at a local address. Set HALL_PUBLIC_URL to an address visitors' phones can reach.",
  },
  updated: { id: "Diperbarui {time}", en: "Updated {time}" },
  last_call: { id: "Panggilan terakhir", en: "Last call" },
};
