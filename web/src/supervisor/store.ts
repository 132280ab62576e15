// The supervisor dashboard's state: the KPIs pushed by the live feed (kpiFeed.ts;
// polled through kpi.ts only while the feed is down), the counters and queues
// live over the hall socket (a supervisor may act at any counter), announcements
// and dead letters over REST.

import { signal } from "@preact/signals";
import { HallConnection, RequestError, type ConnectionStatus } from "../protocol/connection";
import type { Bilingual, QueuesMsg, ServerMessage } from "../protocol/messages";
import { api, HallApiError } from "../protocol/rest";
import { findHall, type HallInfo } from "../shared/halls";
import { pick, translate } from "../shared/i18n";
import { StaffSession } from "../staff/auth";
import { S } from "../staff/texts";
import { fetchKpi, type Kpi } from "./kpi";
import { followKpi, type KpiFeed } from "./kpiFeed";

export interface DeadLetter {
  application_id: string;
  backoffice: string;
  attempts: number;
  last_error: string | null;
  updated_at: string;
}

const POLL_MS = 5000;

export const staff = new StaffSession("hall.staff.supervisor", ["supervisor"]);
export const hall = signal<HallInfo | null>(null);
export const status = signal<ConnectionStatus>("closed");
/** `undefined`: not loaded yet; `null`: the server has no KPI endpoint. */
export const kpi = signal<Kpi | null | undefined>(undefined);
export const queues = signal<QueuesMsg["counters"]>([]);
export const dead = signal<DeadLetter[]>([]);
export const toast = signal<string | null>(null);

let connection: HallConnection | null = null;
let feed: KpiFeed | null = null;
let timer: ReturnType<typeof setInterval> | null = null;

export function say(text: Bilingual | string): void {
  toast.value = typeof text === "string" ? text : pick(text);
}

export function complain(err: unknown): void {
  if (err instanceof RequestError) say(err.error.text);
  else if (err instanceof HallApiError) {
    if (err.status === 401) staff.lapse();
    say(err.text);
  } else say(translate(S, "st_closed"));
}

export async function start(): Promise<void> {
  hall.value = await findHall();
  if (staff.auth.value) connect();
}

export function connect(): void {
  const info = hall.value;
  const auth = staff.auth.value;
  if (!info || !auth) return;
  connection?.close();
  connection = new HallConnection({
    path: info.websocket_url,
    token: () => staff.token,
    resumeKey: `hall.resume.${info.id}.staff.${auth.username}`,
    onMessage: receive,
    onStatus: (next, detail) => {
      status.value = next;
      if (next === "signed_out") staff.lapse();
      else if (detail?.error) say(detail.error.text);
    },
  });
  connection.connect();
  startFeed(info.id);
  if (timer) clearInterval(timer);
  timer = setInterval(() => void refresh(), POLL_MS);
  void refresh();
}

function startFeed(hallId: string): void {
  feed?.stop();
  const token = staff.token;
  feed = followKpi(
    hallId,
    () => staff.token,
    (figures) => {
      if (staff.token === token) kpi.value = figures;
    },
    (code) => {
      if (code === 4001) staff.lapse(); // the REST poll shows the rest until sign-in
    },
  );
}

export function resumeAfterSignIn(): void {
  if (connection && connection.status !== "closed") {
    if (!connection.isOpen) connection.retryNow();
    if (hall.value) startFeed(hall.value.id); // with the new token
  } else connect();
  void refresh();
}

export function signOut(): void {
  connection?.leave();
  connection = null;
  feed?.stop();
  feed = null;
  if (timer) clearInterval(timer);
  staff.signOut();
  kpi.value = undefined;
  queues.value = [];
  dead.value = [];
}

function receive(msg: ServerMessage): void {
  if (msg.type === "welcome") {
    // The hall says who the token is: staff stand in it as "officer"; any other
    // role (a token kept from elsewhere) is signed out before anything shows.
    if (msg.you.role !== "officer") signOut();
    else void refreshQueues();
  }
  else if (msg.type === "queues") queues.value = msg.counters;
  else if (msg.type === "counter_state") void refreshQueues();
  else if (msg.type === "error" && msg.ref === undefined) say(msg.text);
}

async function refreshQueues(): Promise<void> {
  if (!connection?.isOpen) return;
  try {
    await connection.request<"queues">({ type: "queues" });
  } catch {
    /* the next poll tries again */
  }
}

export async function refresh(): Promise<void> {
  const info = hall.value;
  const token = staff.token;
  if (!info || !token || staff.expired.value) return;
  void refreshQueues();
  if (!feed?.live()) {
    try {
      const figures = await fetchKpi(info.id, token);
      if (staff.token === token) kpi.value = figures;
    } catch (err) {
      complain(err);
    }
  }
  try {
    dead.value = await api<DeadLetter[]>(`/api/v1/halls/${encodeURIComponent(info.id)}/dead-letters`, { token });
  } catch (err) {
    if (err instanceof HallApiError && err.status === 401) staff.lapse();
  }
}

/** Open or close a counter remotely: a supervisor may act at any counter over the socket. */
export async function setCounter(counterId: string, open: boolean): Promise<void> {
  if (!connection) return;
  try {
    await connection.request<"counter_state">({ type: open ? "counter_open" : "counter_close", counter_id: counterId });
  } catch (err) {
    complain(err);
  }
  void refresh();
}

export async function announce(id: string, en: string): Promise<boolean> {
  const info = hall.value;
  if (!info) return false;
  try {
    await api(`/api/v1/halls/${encodeURIComponent(info.id)}/announcements`, { body: { id, en }, token: staff.token });
    return true;
  } catch (err) {
    complain(err);
    return false;
  }
}

export async function retry(applicationId: string): Promise<boolean> {
  try {
    await api(`/api/v1/applications/${encodeURIComponent(applicationId)}/retry`, { method: "POST", token: staff.token });
    void refresh();
    return true;
  } catch (err) {
    complain(err);
    return false;
  }
}
