// The hall's KPIs for the dashboard: the one module that knows the server's
// KPI endpoint (GET /api/v1/halls/{hall}/kpi, its CSV, docs/kpi.md). It reads
// the answer into the shape the page draws, accepting the names the figures
// are expected to carry and their likely variants (`hours`/`hourly`,
// `bot_share_pct`/`bot_share`...), so a change of names is adapted here only.

import { api, HallApiError } from "../protocol/rest";

export interface ServiceKpi {
  service: string;
  waiting_now: number | null;
  wait_p50_s: number | null;
  wait_p90_s: number | null;
  longest_wait_now_s: number | null;
  within_target_pct: number | null;
  served_per_hour: number | null;
  served: number | null;
  no_shows: number | null;
  left_before_service: number | null;
  avg_service_s: number | null;
  bot_share_pct: number | null;
}

export interface CounterKpi {
  counter_id: string;
  status: string; // open, idle, busy, paused, closed
  staffed_by: string | null;
  name: string | null;
}

export interface HourKpi {
  start: number; // Unix time of the hour's start
  served: number;
  waiting: number | null;
  wait_p50_s: number | null;
  wait_p90_s: number | null;
}

export interface Kpi {
  day: string | null;
  hall: ServiceKpi | null;
  services: ServiceKpi[];
  counters: CounterKpi[];
  hours: HourKpi[];
}

type Raw = Record<string, unknown>;

function num(r: Raw, ...keys: string[]): number | null {
  for (const k of keys) {
    const v = r[k];
    if (typeof v === "number" && Number.isFinite(v)) return v;
  }
  return null;
}

function str(r: Raw, ...keys: string[]): string | null {
  for (const k of keys) {
    const v = r[k];
    if (typeof v === "string") return v;
  }
  return null;
}

function service(r: Raw): ServiceKpi {
  let share = num(r, "bot_share_pct");
  if (share === null) {
    const fraction = num(r, "bot_share");
    // A share given as a fraction (0..1) is shown as a percentage.
    share = fraction === null ? null : fraction <= 1 ? fraction * 100 : fraction;
  }
  return {
    service: str(r, "service") ?? "ALL",
    waiting_now: num(r, "waiting_now"),
    wait_p50_s: num(r, "wait_p50_s"),
    wait_p90_s: num(r, "wait_p90_s"),
    longest_wait_now_s: num(r, "longest_wait_now_s"),
    within_target_pct: num(r, "within_target_pct"),
    served_per_hour: num(r, "served_per_hour", "served_last_hour"),
    served: num(r, "served"),
    no_shows: num(r, "no_shows"),
    left_before_service: num(r, "left_before_service"),
    avg_service_s: num(r, "avg_service_s"),
    bot_share_pct: share,
  };
}

function list(v: unknown): Raw[] {
  return Array.isArray(v) ? (v.filter((x) => x && typeof x === "object") as Raw[]) : [];
}

/** The server's answer in the page's shape (pure: unit-testable). */
export function readKpi(raw: unknown): Kpi {
  const r = (raw && typeof raw === "object" ? raw : {}) as Raw;
  const hall = r.hall && typeof r.hall === "object" ? service({ service: "ALL", ...(r.hall as Raw) }) : null;
  return {
    day: str(r, "day"),
    hall,
    services: list(r.services).map(service),
    counters: list(r.counters).map((c) => ({
      counter_id: str(c, "counter_id") ?? "?",
      status: str(c, "status", "state") ?? "closed",
      staffed_by: str(c, "staffed_by"),
      name: str(c, "name", "staff_name"),
    })),
    hours: list(r.hours ?? r.hourly).map((h, i) => ({
      start: num(h, "start") ?? i * 3600,
      served: num(h, "served") ?? 0,
      waiting: num(h, "waiting_end", "waiting"),
      wait_p50_s: num(h, "wait_p50_s"),
      wait_p90_s: num(h, "wait_p90_s"),
    })),
  };
}

/** `null` while the hall has no KPI endpoint (404): the page says so and shows the rest. */
export async function fetchKpi(hall: string, token: string, day?: string): Promise<Kpi | null> {
  const q = day ? `?day=${encodeURIComponent(day)}` : "";
  try {
    return readKpi(await api<unknown>(`/api/v1/halls/${encodeURIComponent(hall)}/kpi${q}`, { token }));
  } catch (err) {
    if (err instanceof HallApiError && err.status === 404) return null;
    throw err;
  }
}

/** The day's CSV, fetched with the token (a plain link cannot send it), as a blob URL. */
export async function csvUrl(hall: string, token: string, day?: string): Promise<{ url: string; name: string }> {
  const q = day ? `?day=${encodeURIComponent(day)}` : "";
  const response = await fetch(`/api/v1/halls/${encodeURIComponent(hall)}/kpi.csv${q}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  if (!response.ok) throw new HallApiError(response.status === 404 ? "not_found" : "internal", NO_CSV, response.status);
  const disposition = response.headers.get("Content-Disposition") ?? "";
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? `kpi-${hall}.csv`;
  return { url: URL.createObjectURL(await response.blob()), name };
}

const NO_CSV = {
  id: "Ekspor CSV belum tersedia di server ini.",
  en: "The CSV export is not available on this server yet.",
};
