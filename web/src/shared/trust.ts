// The SKM survey, the IKM and complaints: their texts in both languages and
// the REST calls (docs/protocol.md section 16). Shared by the citizen app,
// the public IKM page and the supervisor dashboard.

import { api } from "../protocol/rest";
import type { Table } from "./i18n";

export const ELEMENTS = ["U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9"] as const;
export type Element = (typeof ELEMENTS)[number];

export const CATEGORIES = ["pungli", "calo", "staff_conduct", "service_time", "other"] as const;
export type Category = (typeof CATEGORIES)[number];

export const TRUST: Table = {
  // The nine elements of PermenPAN-RB 14/2017, as questions.
  q_U1: { id: "Persyaratan pelayanan sesuai dan jelas?", en: "Were the requirements suitable and clear?" },
  q_U2: { id: "Prosedur pelayanan mudah?", en: "Was the procedure easy?" },
  q_U3: { id: "Waktu pelayanan cepat?", en: "Was the service fast?" },
  q_U4: { id: "Biaya/tarif wajar (atau gratis sesuai ketentuan)?", en: "Was the fee fair (or free, as it should be)?" },
  q_U5: { id: "Hasil layanan sesuai yang dijanjikan?", en: "Did you get what the service promises?" },
  q_U6: { id: "Petugas (atau bot) kompeten?", en: "Was the officer (or bot) competent?" },
  q_U7: { id: "Petugas sopan dan ramah?", en: "Was the officer polite and friendly?" },
  q_U8: { id: "Pengaduan dan saran ditangani dengan baik?", en: "Are complaints and suggestions handled well?" },
  q_U9: { id: "Sarana dan prasarana (aula virtual) nyaman?", en: "Were the facilities (the virtual hall) comfortable?" },
  el_U1: { id: "Persyaratan", en: "Requirements" },
  el_U2: { id: "Prosedur", en: "Procedure" },
  el_U3: { id: "Waktu", en: "Time" },
  el_U4: { id: "Biaya", en: "Fee" },
  el_U5: { id: "Produk", en: "Product" },
  el_U6: { id: "Kompetensi", en: "Competence" },
  el_U7: { id: "Perilaku", en: "Conduct" },
  el_U8: { id: "Pengaduan", en: "Complaints" },
  el_U9: { id: "Sarana", en: "Facilities" },
  score_1: { id: "Tidak baik", en: "Poor" },
  score_2: { id: "Kurang baik", en: "Fair" },
  score_3: { id: "Baik", en: "Good" },
  score_4: { id: "Sangat baik", en: "Very good" },
  grade_A: { id: "A (sangat baik)", en: "A (very good)" },
  grade_B: { id: "B (baik)", en: "B (good)" },
  grade_C: { id: "C (kurang baik)", en: "C (fair)" },
  grade_D: { id: "D (tidak baik)", en: "D (poor)" },
  cat_pungli: { id: "Pungutan liar (pungli)", en: "Illegal levy (pungli)" },
  cat_calo: { id: "Calo", en: "Broker (calo)" },
  cat_staff_conduct: { id: "Perilaku petugas", en: "Staff conduct" },
  cat_service_time: { id: "Waktu pelayanan", en: "Service time" },
  cat_other: { id: "Lainnya", en: "Other" },
  stage_received: { id: "Diterima", en: "Received" },
  stage_verified: { id: "Diverifikasi", en: "Verified" },
  stage_followed_up: { id: "Ditindaklanjuti", en: "Followed up" },
  stage_closed: { id: "Selesai", en: "Closed" },
  step_received: { id: "Pengaduan diterima", en: "Complaint received" },
  step_photo_added: { id: "Foto dilampirkan", en: "Photo attached" },
  step_verified: { id: "Diverifikasi", en: "Verified" },
  step_followed_up: { id: "Tindak lanjut", en: "Follow-up" },
  step_replied: { id: "Tanggapan pelapor", en: "Reporter's reply" },
  step_closed: { id: "Ditutup", en: "Closed" },
  withheld: { id: "terlalu sedikit responden", en: "too few respondents" },
  by_bot: { id: "Bot", en: "Bot" },
  by_officer: { id: "Petugas", en: "Officer" },
};

export interface SurveyAnswers {
  [element: string]: number | null;
}

export async function answerSurvey(token: string, answers: SurveyAnswers): Promise<void> {
  await api("/api/v1/survey/responses", { body: { token, answers } });
}

export interface IkmGroup {
  respondents: number;
  nrr: Record<string, number>;
  elements: number;
  ikm: string | null;
  grade: string | null;
  withheld: boolean;
  sample?: { respondents: number; transactions: number; needed: number; enough: boolean };
}

export interface Ikm {
  hall: string;
  period: string;
  min_group: number;
  overall: IkmGroup;
  by_service: Array<IkmGroup & { service: string }>;
  by_counter: Array<IkmGroup & { counter_id: string }>;
  by_served_by: Array<IkmGroup & { served_by: string }>;
  by_period: Array<IkmGroup & { period: string }>;
}

export function loadIkm(hall: string, period?: string): Promise<Ikm> {
  const q = period ? `?period=${encodeURIComponent(period)}` : "";
  return api<Ikm>(`/api/v1/halls/${encodeURIComponent(hall)}/ikm${q}`);
}

export function ikmCsvUrl(hall: string, period: string): string {
  return `/api/v1/halls/${encodeURIComponent(hall)}/ikm.csv?period=${encodeURIComponent(period)}`;
}

export interface ComplaintStep {
  kind: string;
  date: string;
  by: "citizen" | "hall";
  note: string | null;
}

export interface ComplaintStatus {
  tracking_code: string;
  category: Category;
  text: string;
  stage: string;
  rahasia: boolean;
  anonim: boolean;
  has_photo: boolean;
  steps: ComplaintStep[];
  deadlines: { verify_by: string; follow_up_by: string | null; closes_on: string | null };
  can_reply: boolean;
}

export interface NewComplaint {
  category: Category;
  text: string;
  rahasia: boolean;
  anonim: boolean;
  service?: string | null;
  counter_id?: string | null;
}

export function fileComplaint(hall: string, body: NewComplaint, token: string | null): Promise<ComplaintStatus> {
  return api<ComplaintStatus>(`/api/v1/halls/${encodeURIComponent(hall)}/complaints`, { body, token });
}

export async function addComplaintPhoto(code: string, photo: Blob): Promise<void> {
  await api(`/api/v1/complaints/${encodeURIComponent(code)}/photo`, { method: "PUT", raw: photo });
}

export function complaintStatus(code: string): Promise<ComplaintStatus> {
  return api<ComplaintStatus>(`/api/v1/complaints/${encodeURIComponent(code)}`);
}

export function replyToComplaint(code: string, text: string): Promise<ComplaintStatus> {
  return api<ComplaintStatus>(`/api/v1/complaints/${encodeURIComponent(code)}/replies`, { body: { text } });
}

export interface HandledComplaint {
  complaint_id: string;
  category: Category;
  text: string;
  stage: string;
  rahasia: boolean;
  anonim: boolean;
  reporter: string | null;
  service: string | null;
  counter_id: string | null;
  photo: { media_type: string; size: number } | null;
  received_on: string;
  steps: Array<{ kind: string; at: number; actor: string; note: string | null }>;
  deadlines: { verify_by: string; follow_up_by: string | null; closes_on: string | null };
  overdue: string | null;
  replied: boolean;
  forwarded: boolean;
}

export function handlerComplaints(
  hall: string,
  token: string,
): Promise<{ complaints: HandledComplaint[]; overdue: number }> {
  return api(`/api/v1/halls/${encodeURIComponent(hall)}/complaints`, { token });
}

export function forwardComplaint(hall: string, id: string, token: string): Promise<HandledComplaint> {
  return api(`/api/v1/halls/${encodeURIComponent(hall)}/complaints/${encodeURIComponent(id)}/forward`, {
    method: "POST",
    token,
  });
}

export function actOnComplaint(
  hall: string,
  id: string,
  action: "verify" | "follow_up" | "close",
  note: string | null,
  token: string,
): Promise<HandledComplaint> {
  return api(`/api/v1/halls/${encodeURIComponent(hall)}/complaints/${encodeURIComponent(id)}/actions`, {
    body: { action, note },
    token,
  });
}
