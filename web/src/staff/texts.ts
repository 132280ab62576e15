// Texts shared by the staff pages (sign-in, the top bar), in both languages.

import type { Table } from "../shared/i18n";

export const S: Table = {
  lang_switch: { id: "English", en: "Bahasa Indonesia" },
  lang_switch_label: { id: "Switch to English", en: "Ganti ke Bahasa Indonesia" },
  signin_title: { id: "Masuk petugas", en: "Staff sign-in" },
  signin_again: {
    id: "Masa masuk Anda sudah habis. Masuk lagi untuk melanjutkan; loket Anda tetap tersimpan.",
    en: "Your sign-in has expired. Sign in again to carry on; your counter is kept.",
  },
  username: { id: "Nama pengguna", en: "Username" },
  password: { id: "Kata sandi", en: "Password" },
  signin: { id: "Masuk", en: "Sign in" },
  signing_in: { id: "Sedang masuk…", en: "Signing in…" },
  signout: { id: "Keluar", en: "Sign out" },
  wrong_role: {
    id: "Akun ini tidak dapat membuka halaman ini (peran: {role}).",
    en: "This account cannot open this page (role: {role}).",
  },
  only_roles: { id: "Halaman ini untuk: {roles}.", en: "This page is for: {roles}." },
  role_officer: { id: "petugas", en: "officers" },
  role_supervisor: { id: "supervisor", en: "supervisors" },
  role_admin: { id: "admin", en: "admins" },
  signed_in_as: { id: "Masuk sebagai {name}", en: "Signed in as {name}" },
  st_connecting: { id: "menyambung…", en: "connecting…" },
  st_open: { id: "tersambung", en: "connected" },
  st_reconnecting: { id: "menyambung ulang…", en: "reconnecting…" },
  st_signed_out: { id: "perlu masuk lagi", en: "sign in again" },
  st_refused: { id: "ditolak", en: "refused" },
  st_closed: { id: "terputus", en: "disconnected" },
  no_hall: { id: "Server ini belum punya aula.", en: "This server has no hall yet." },
  offline: { id: "Server tidak dapat dihubungi.", en: "The server cannot be reached." },
};
