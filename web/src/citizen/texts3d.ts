// The texts of the 3D view and the lite/3D switch, in Bahasa Indonesia and English.

import type { Table } from "../shared/i18n";

export const T3: Table = {
  canvas_label: {
    id: "Aula dalam 3D. Ketuk lantai untuk berjalan; seret ke samping untuk menoleh.",
    en: "The hall in 3D. Tap the floor to walk; drag sideways to look around.",
  },
  to_3d: { id: "Tampilan 3D", en: "3D view" },
  to_lite: { id: "Tampilan ringan", en: "Lite view" },
  loading_3d: { id: "Memuat tampilan 3D…", en: "Loading the 3D view…" },
  first_person: { id: "Mata sendiri", en: "First person" },
  third_person: { id: "Dari belakang", en: "Third person" },
  turn_left: { id: "Menoleh ke kiri", en: "Turn left" },
  turn_right: { id: "Menoleh ke kanan", en: "Turn right" },
  enter_vr: { id: "Masuk VR", en: "Enter VR" },
  take_number_button: { id: "Ambil nomor", en: "Take a number" },
  kiosk_close: { id: "Tutup", en: "Close" },
  call_accept_recorded: { id: "Terima panggilan (direkam)", en: "Accept the call (recorded)" },
  call_accept_unrecorded: { id: "Terima tanpa rekaman", en: "Accept without recording" },
  board_title: { id: "Sedang dilayani", en: "Now serving" },
  board_empty: { id: "Belum ada panggilan", en: "No one called yet" },
  tour_title: { id: "Tur aula", en: "Hall tour" },
};
