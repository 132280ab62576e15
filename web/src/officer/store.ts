// The officer console's state and its pump: one HallConnection (the join puts
// the officer in the hall as an avatar), the counter it staffs, the queue
// polled every few seconds and after every change, the counter session.

import { batch, effect, signal } from "@preact/signals";
import { HallConnection, RequestError, type ConnectionStatus } from "../protocol/connection";
import type {
  ApplicationFiled,
  Bilingual,
  CallInvite,
  CallState,
  Chat,
  CounterSession,
  CounterStateMsg,
  QueueEntry,
  ServerMessage,
} from "../protocol/messages";
import { api, HallApiError } from "../protocol/rest";
import { findHall, type HallInfo } from "../shared/halls";
import { lang, pick, translate } from "../shared/i18n";
import type { Scene } from "../shared/scene";
import { StaffSession } from "../staff/auth";
import { S } from "../staff/texts";
import { T } from "./texts";

export interface ServiceInfo {
  code: string;
  name: string;
  fields: Array<{ name: string; label: string; required: boolean }>;
}

export interface Parked {
  ticket_id: string;
  number: string;
  service: string;
}

const COUNTER_KEY = "hall.officer.counter";
const PARKED_KEY = "hall.officer.parked";
const QUEUE_POLL_MS = 4000;

export const staff = new StaffSession("hall.staff.officer", ["officer", "supervisor"]);
export const hall = signal<HallInfo | null>(null);
export const counters = signal<Scene["counters"]>([]);
export const services = signal<ServiceInfo[]>([]);
export const status = signal<ConnectionStatus>("closed");
/** The counter this console staffs (kept across reloads and sign-ins). */
export const counterId = signal<string | null>(stored(COUNTER_KEY));
export const counterState = signal<CounterStateMsg | null>(null);
export const queue = signal<QueueEntry[]>([]);
export const parked = signal<Parked[]>(storedParked());
export const session = signal<CounterSession | null>(null);
export const chat = signal<Chat[]>([]);
export const filed = signal<ApplicationFiled | null>(null);
export const invite = signal<CallInvite | null>(null);
export const callState = signal<CallState | null>(null);
export const callEnded = signal<string | null>(null);
export const announcement = signal<Bilingual | null>(null);
export const toast = signal<string | null>(null);
/** Members of the private channels this console is in (for the citizen's name). */
export const channels = signal<Record<string, number[]>>({});
/** The number called and not yet at the counter. */
export const calledNumber = signal<string | null>(null);

let connection: HallConnection | null = null;
let poll: ReturnType<typeof setInterval> | null = null;

export function conn(): HallConnection | null {
  return connection;
}

function stored(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function storedParked(): Parked[] {
  try {
    return JSON.parse(localStorage.getItem(PARKED_KEY) ?? "[]") as Parked[];
  } catch {
    return [];
  }
}

function keep(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    /* private mode */
  }
}

function keepParked(next: Parked[]): void {
  parked.value = next;
  keep(PARKED_KEY, JSON.stringify(next));
}

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

export async function loadServices(): Promise<void> {
  const out = await api<{ services: ServiceInfo[] }>(`/api/v1/services?lang=${lang.value}`);
  services.value = out.services;
}

export async function start(): Promise<void> {
  const info = await findHall();
  hall.value = info;
  if (!info) return;
  // The catalogue (service names, form labels, the transfer list) in the page's
  // language, again whenever the language changes.
  effect(() => {
    if (lang.value) void loadServices().catch(complain);
  });
  const scene = await api<Scene>(info.scene_url);
  counters.value = scene.counters;
  if (staff.auth.value) connect();
}

/** (Re)connect with the current token; a kept counter is taken back on every welcome. */
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
  if (poll) clearInterval(poll);
  poll = setInterval(() => void refreshQueue(), QUEUE_POLL_MS);
}

/** After signing in again: carry on with the same connection (or open one). */
export function resumeAfterSignIn(): void {
  if (connection && connection.status !== "closed") {
    if (!connection.isOpen) connection.retryNow();
  } else connect();
}

export function signOut(): void {
  connection?.leave();
  connection = null;
  if (poll) clearInterval(poll);
  staff.signOut();
  batch(() => {
    status.value = "closed";
    counterState.value = null;
    session.value = null;
    queue.value = [];
  });
}

function receive(msg: ServerMessage): void {
  switch (msg.type) {
    case "welcome": {
      // The hall says who the token is: staff stand in it as "officer". Any
      // other role (a token kept from elsewhere) sees nothing here.
      if (msg.you.role !== "officer") {
        signOut();
        return;
      }
      // Rejoining within the grace gives the counter back with its session.
      const id = counterId.value;
      if (id) void openCounter(id, true);
      break;
    }
    case "counter_state":
      if (msg.counter_id === counterId.value) {
        counterState.value = msg;
        if (!msg.ticket_id) calledNumber.value = null;
      }
      break;
    case "queues": {
      const mine = msg.counters.find((c) => c.counter_id === counterId.value);
      queue.value = mine?.waiting ?? [];
      // A parked ticket that is waiting again (unparked elsewhere) is no longer parked here.
      const waiting = new Set(queue.value.map((t) => t.ticket_id));
      if (parked.value.some((p) => waiting.has(p.ticket_id))) {
        keepParked(parked.value.filter((p) => !waiting.has(p.ticket_id)));
      }
      break;
    }
    case "counter_session":
      // A counter taken from a bot mid-service: the session comes before the reply
      // to counter_open (which sets counterId), so the counter being opened counts.
      if (msg.counter_id !== counterId.value && msg.counter_id !== opening) break;
      if (session.value?.session_id !== msg.session_id) {
        batch(() => {
          chat.value = [];
          filed.value = null;
          callEnded.value = null;
        });
      }
      session.value = msg;
      calledNumber.value = null;
      break;
    case "session_ended":
      if (session.value?.session_id === msg.session_id) {
        say(
          translate(T, "session_ended", {
            number: session.value.ticket_number,
            outcome: translate(T, `outcome_${msg.outcome}`) || msg.outcome,
          }),
        );
        batch(() => {
          session.value = null;
          invite.value = null;
          callState.value = null;
        });
        void refreshQueue();
      }
      break;
    case "chat":
      if (session.value && msg.channel === session.value.channel) {
        chat.value = [...chat.value.slice(-199), msg];
      }
      break;
    case "application_filed":
      filed.value = msg;
      break;
    case "call_invite":
      if (msg.side === "staff") {
        invite.value = msg;
        callEnded.value = null;
      }
      break;
    case "call_state":
      callState.value = msg;
      break;
    case "call_ended":
      if (invite.value?.call_id === msg.call_id) {
        batch(() => {
          invite.value = null;
          callState.value = null;
          callEnded.value = msg.reason;
        });
      }
      break;
    case "channel_opened":
      channels.value = { ...channels.value, [msg.channel]: msg.members };
      break;
    case "channel_closed": {
      const { [msg.channel]: _gone, ...rest } = channels.value;
      channels.value = rest;
      break;
    }
    case "announcement":
      announcement.value = msg.text;
      break;
    case "error":
      if (msg.ref === undefined) say(msg.text);
      else if (msg.code === "queue_empty") say(translate(T, "queue_was_empty"));
      break;
    default:
      break;
  }
}

/** A counter command for the counter this console staffs; its answer updates the state. */
async function command(type: string, extra: Record<string, unknown> = {}): Promise<CounterStateMsg | null> {
  const c = connection;
  const id = counterId.value;
  if (!c || !id) return null;
  try {
    const out = await c.request<"counter_state">({ type, counter_id: id, ...extra });
    counterState.value = out;
    void refreshQueue();
    return out;
  } catch (err) {
    complain(err);
    void refreshQueue();
    return null;
  }
}

export async function refreshQueue(): Promise<void> {
  const c = connection;
  const id = counterId.value;
  if (!c?.isOpen || !id) return;
  try {
    await c.request<"queues">({ type: "queues", counter_id: id });
  } catch {
    /* the next poll tries again; a refusal was shown with the command */
  }
}

/** The counter whose counter_open waits for its reply (see receive, counter_session). */
let opening: string | null = null;

export async function openCounter(id: string, quiet = false): Promise<void> {
  const c = connection;
  if (!c) return;
  if (counterId.value !== id) {
    // another counter's session (if any) is not this one's
    batch(() => {
      session.value = null;
      chat.value = [];
      filed.value = null;
    });
  }
  opening = id;
  try {
    const out = await c.request<"counter_state">({ type: "counter_open", counter_id: id });
    counterId.value = id;
    keep(COUNTER_KEY, id);
    counterState.value = out;
    void refreshQueue();
  } catch (err) {
    if (quiet) {
      // The counter is no longer ours (the grace is over and someone took it): choose again.
      counterId.value = null;
      keep(COUNTER_KEY, null);
    }
    if (counterId.value !== id && session.value?.counter_id === id) session.value = null;
    complain(err);
  } finally {
    if (opening === id) opening = null;
  }
}

export async function closeCounter(): Promise<void> {
  const out = await command("counter_close");
  if (out) {
    batch(() => {
      counterId.value = null;
      counterState.value = null;
      queue.value = [];
      session.value = null;
    });
    keep(COUNTER_KEY, null);
  }
}

export const pause = (): Promise<unknown> => command("counter_pause");
export const resume = (): Promise<unknown> => openCounter(counterId.value ?? "");

export async function callNext(): Promise<void> {
  const out = await command("call_next");
  if (out?.ticket_id) noteCalled(out.ticket_id);
}

export async function callTicket(entry: QueueEntry, reason: string): Promise<void> {
  const out = await command("call_ticket", { ticket_id: entry.ticket_id, reason });
  if (out?.ticket_id) calledNumber.value = entry.number;
}

function noteCalled(ticketId: string): void {
  const entry = queue.value.find((t) => t.ticket_id === ticketId);
  calledNumber.value = entry?.number ?? calledNumber.value;
}

export const recall = (): Promise<unknown> => command("recall");

export async function park(reason: string): Promise<void> {
  const current = session.value;
  const ticketId = counterState.value?.ticket_id;
  const number = current?.ticket_number ?? calledNumber.value ?? "?";
  const out = await command("park", reason ? { reason } : {});
  if (out && ticketId) {
    keepParked([
      ...parked.value.filter((p) => p.ticket_id !== ticketId),
      { ticket_id: ticketId, number, service: current?.service ?? "" },
    ]);
    calledNumber.value = null;
  }
}

export async function unpark(p: Parked): Promise<void> {
  const out = await command("unpark", { ticket_id: p.ticket_id });
  if (out) keepParked(parked.value.filter((x) => x.ticket_id !== p.ticket_id));
}

export const transfer = (service: string): Promise<unknown> => command("transfer", { service });
export const priorityReview = (confirmed: boolean): Promise<unknown> => command("priority_review", { confirmed });
export const documentsShown = (requirements: string[]): Promise<unknown> =>
  command("documents_shown", { requirements });
export const submit = (): Promise<unknown> => command("submit");

export async function finish(outcome: string, reason: string): Promise<boolean> {
  const extra: Record<string, unknown> = { outcome };
  if (reason) extra.reason = reason;
  return (await command("finish", extra)) !== null;
}

export function sendChat(text: string): void {
  const ch = session.value?.channel;
  if (!ch || !connection) return;
  connection.send({ type: "chat", channel: ch, text });
}

/** The citizen's display name: the other member of the session's channel, or who spoke in it. */
export function citizenName(): string | null {
  const s = session.value;
  if (s?.identity?.name) return s.identity.name;
  const c = connection;
  if (!s?.channel || !c) return null;
  const me = c.view.me;
  for (const id of channels.value[s.channel] ?? []) {
    const p = c.view.profiles.get(id);
    if (id !== me && p && p.role === "citizen") return p.name;
  }
  const line = chat.value.find((l) => l.from.id !== me);
  return line?.from.name ?? null;
}

/** A document of the session, fetched with the officer's token into a blob URL. */
export async function documentUrl(documentId: string): Promise<string> {
  const response = await fetch(`/api/v1/documents/${encodeURIComponent(documentId)}`, {
    headers: { Authorization: `Bearer ${staff.token ?? ""}` },
  });
  if (response.status === 401) staff.lapse();
  if (!response.ok) throw new Error(String(response.status));
  return URL.createObjectURL(await response.blob());
}
