// The citizen app's state and its pump: one HallConnection, the messages it
// brings turned into signals the components read, and the walking loop.

import { batch, computed, signal } from "@preact/signals";
import type { CallLeg } from "../protocol/call";
import { HallConnection, RequestError, type ConnectionStatus } from "../protocol/connection";
import type {
  ApplicationFiled,
  Bilingual,
  Called,
  CallInvite,
  CallState,
  Chat,
  CounterSession,
  ServerMessage,
  Ticket,
} from "../protocol/messages";
import { api, HallApiError } from "../protocol/rest";
import { lang, pick, translate } from "../shared/i18n";
import type { Point, Scene } from "../shared/scene";
import { advance, pathLength, yawOf, type PathWalk } from "../shared/walking";
import { alertCalled } from "./alerts";
import { auth, guestToken, keep, spectatorToken } from "./auth";
import { T } from "./texts";
import { offerSurvey } from "./trustStore";

export interface HallInfo {
  id: string;
  name: Bilingual;
  scene_url: string;
  websocket_url: string;
}

export interface Service {
  code: string;
  name: string;
  summary: string;
  agency: string;
  variants: Array<{ code: string; name: string; bot: string }>;
  standar: {
    requirements: Array<{ id: string; text: string; conditional: boolean; variants: string[] }>;
    steps: string[];
    completion: { text: string; max_working_days: number | null };
    fee: { kind: string; amount_idr: number | null; text: string };
    product: string;
    complaints: string;
  };
  fields: FormFieldSpec[];
  avg_service_min?: number;
}

export interface FormFieldSpec {
  name: string;
  type: "text" | "nik" | "date" | "number" | "select" | "phone" | "email" | "boolean" | "document";
  label: string;
  help: string | null;
  required: boolean;
  variants: string[];
  min_length: number | null;
  max_length: number | null;
  pattern: string | null;
  pattern_hint: string | null;
  min: number | null;
  max: number | null;
  options: Array<{ value: string; label: string }> | null;
  must_be_true: boolean | null;
}

export interface Toast {
  text: string;
  at: number;
}

export interface Uploaded {
  document_id: string;
  requirement: string;
  media_type: string;
  size: number;
}

export const hall = signal<HallInfo | null>(null);
export const scene = signal<Scene | null>(null);
export const services = signal<Service[]>([]);
export const status = signal<ConnectionStatus>("closed");
export const tickets = signal<Record<string, Ticket>>({});
export const called = signal<Called | null>(null);
export const session = signal<CounterSession | null>(null);
export const sessionChat = signal<Chat[]>([]);
export const hallChat = signal<Chat[]>([]);
export const formErrors = signal<Record<string, Bilingual>>({});
export const filed = signal<ApplicationFiled | null>(null);
export const sessionOutcome = signal<string | null>(null);
export const invite = signal<CallInvite | null>(null);
export const callState = signal<CallState | null>(null);
export const callEnded = signal<string | null>(null);
export const announcement = signal<Bilingual | null>(null);
export const toast = signal<Toast | null>(null);
export const uploads = signal<Uploaded[]>([]);
/** Bumped on every frame, so that the plan redraws. */
export const frames = signal(0);
export const destination = signal<Point | null>(null);
export const walkLeft = signal(0);

export const liveTicket = computed<Ticket | null>(() => {
  const live = Object.values(tickets.value).filter((t) =>
    ["booked", "waiting", "called", "serving", "parked"].includes(t.state),
  );
  live.sort((a, b) => b.issued_at - a.issued_at);
  return live[0] ?? null;
});

let connection: HallConnection | null = null;
let activeLeg: CallLeg | null = null;

/** The call leg in progress (set by the call panel). */
export function setActiveLeg(leg: CallLeg | null): void {
  activeLeg = leg;
}

/** The call leg in progress, if any (the 3D view places its voice at the counter). */
export function activeCallLeg(): CallLeg | null {
  return activeLeg;
}

export function conn(): HallConnection | null {
  return connection;
}

export function say(text: Bilingual | string): void {
  toast.value = { text: typeof text === "string" ? text : pick(text), at: Date.now() };
}

/** Show a failed request's text (server errors carry it in both languages). */
export function complain(err: unknown): void {
  if (err instanceof RequestError) say(err.error.text);
  else if (err instanceof HallApiError) say(err.text);
  else say(translate(T, "st_closed"));
}

const APPS_KEY = "hall.applications";

export interface KeptApplication {
  tracking_code: string;
  service: string;
  filed_at: number;
}

export function keptApplications(): KeptApplication[] {
  try {
    return JSON.parse(localStorage.getItem(APPS_KEY) ?? "[]") as KeptApplication[];
  } catch {
    return [];
  }
}

function keepApplication(app: KeptApplication): void {
  const all = keptApplications().filter((a) => a.tracking_code !== app.tracking_code);
  all.unshift(app);
  try {
    localStorage.setItem(APPS_KEY, JSON.stringify(all.slice(0, 20)));
  } catch {
    /* private mode */
  }
}

// Kept on the device so that a returning visit is usable before any
// request comes back: the hall's addresses, its scene and the catalogue are
// shown from here, then refreshed.
function cached<T>(key: string): T | null {
  try {
    const raw = localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as T) : null;
  } catch {
    return null;
  }
}

function cache(key: string, value: unknown): void {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    /* private mode or full: the next visit fetches again */
  }
}

export async function loadServices(): Promise<void> {
  const key = `hall.services.${lang.value}`;
  const kept = cached<Service[]>(key);
  if (kept && services.value.length === 0) services.value = kept;
  const out = await api<{ services: Service[] }>(`/api/v1/services?lang=${lang.value}`);
  services.value = out.services;
  cache(key, out.services);
}

function guestName(): string {
  return `${translate(T, "guest", {}, "id")} ${100 + Math.floor(Math.random() * 900)}`;
}

export async function start(): Promise<void> {
  const wanted = new URLSearchParams(location.search).get("hall");
  const kept = cached<HallInfo>("hall.info");
  if (kept && (!wanted || kept.id === wanted)) {
    // A returning visit: connect at once with what was kept; refresh behind.
    hall.value = kept;
    scene.value = cached<Scene>(`hall.scene.${kept.id}`);
    if (!auth.value) keep(await guestToken(kept.id, guestName()));
    connectHall();
  }
  const halls = await api<HallInfo[]>("/api/v1/halls");
  const info = halls.find((h) => h.id === wanted) ?? halls[0];
  if (!info) return;
  const fresh = hall.value?.id !== info.id;
  hall.value = info;
  cache("hall.info", info);
  // The scene (for the plan) and the guest token travel together; the socket
  // opens as soon as there is a token, without waiting for the scene.
  const sceneLoad = api<Scene>(info.scene_url).then((s) => {
    scene.value = s;
    cache(`hall.scene.${info.id}`, s);
  });
  if (fresh) {
    if (!auth.value) keep(await guestToken(info.id, guestName()));
    connectHall();
  }
  await sceneLoad;
}

const TOUR_NAME = "Layar tur";

/** ?mode=tour (an expo screen): the hall as a spectator, which has no body in it and
 * sees every avatar, not the few around a guest standing at the entrance; the
 * visitor's own sign-in on this device is neither used nor replaced. */
export async function startTour(): Promise<void> {
  const wanted = new URLSearchParams(location.search).get("hall");
  const halls = await api<HallInfo[]>("/api/v1/halls");
  const info = halls.find((h) => h.id === wanted) ?? halls[0];
  if (!info) return;
  hall.value = info;
  const sceneLoad = api<Scene>(info.scene_url).then((s) => {
    scene.value = s;
  });
  auth.value = await spectatorToken(info.id, TOUR_NAME);
  connectHall();
  await sceneLoad;
}

export function connectHall(): void {
  const info = hall.value;
  if (!info) return;
  connection?.close();
  resetSession();
  tickets.value = {};
  called.value = null;
  const current = auth.value;
  connection = new HallConnection({
    path: info.websocket_url,
    token: () => auth.value?.token ?? null,
    // The resume token is per person: another identity must not resume this avatar.
    resumeKey: current ? `hall.resume.${info.id}.${current.role}.${current.name}` : undefined,
    onMessage: receive,
    onFrame: () => {
      frames.value++;
    },
    onStatus: (next, detail) => {
      status.value = next;
      if (next === "signed_out" && auth.value?.role === "spectator") {
        // The tour's token lapsed (an expo screen runs all day): a new one.
        void spectatorToken(info.id, TOUR_NAME).then((a) => {
          auth.value = a;
          connectHall();
        });
      } else if (next === "signed_out" && auth.value?.role === "guest") {
        // A guest whose token lapsed comes back as a new guest.
        keep(null);
        void guestToken(info.id, auth.value?.name ?? "Tamu").then((a) => {
          keep(a);
          connectHall();
        });
      } else if (detail?.error) {
        say(detail.error.text);
      }
    },
  });
  connection.connect();
}

function resetSession(): void {
  batch(() => {
    session.value = null;
    sessionChat.value = [];
    formErrors.value = {};
    invite.value = null;
    callState.value = null;
    uploads.value = [];
  });
}

function receive(msg: ServerMessage): void {
  switch (msg.type) {
    case "welcome":
      localPos = [msg.you.x, msg.you.y];
      frames.value++;
      break;
    case "correction":
      localPos = [msg.x, msg.y];
      // A walk the server keeps refusing is blocked: stop rather than push on.
      if (walk.points.length > 0 && ++refused >= 3) {
        walk = { points: [] };
        destination.value = null;
        refused = 0;
      }
      break;
    case "ticket": {
      const { ref: _ref, ...ticket } = msg;
      tickets.value = { ...tickets.value, [ticket.ticket_id]: ticket as Ticket };
      if (["done", "cancelled", "no_show"].includes(msg.state) && called.value?.ticket_id === msg.ticket_id) {
        called.value = null;
      }
      break;
    }
    case "called":
      called.value = msg;
      alertCalled(
        translate(T, "called_announce", { number: msg.number, counter: pick(msg.counter.name) }),
        msg.recalls,
      );
      break;
    case "counter_session":
      if (session.value?.session_id !== msg.session_id) {
        sessionChat.value = [];
        sessionOutcome.value = null;
        filed.value = null;
      }
      session.value = msg;
      called.value = null;
      break;
    case "form_result":
      formErrors.value = msg.errors;
      break;
    case "application_filed":
      filed.value = msg;
      keepApplication({ tracking_code: msg.tracking_code, service: msg.service, filed_at: Date.now() / 1000 });
      break;
    case "session_ended":
      if (session.value?.session_id === msg.session_id) {
        if (msg.survey_token) offerSurvey(msg.survey_token, session.value.service, session.value.counter_id);
        sessionOutcome.value = msg.outcome;
        session.value = null;
        invite.value = null;
      } else if (msg.survey_token) {
        // The service finished while this device was away (a dropped connection, a
        // reload): the hall kept the survey for when we came back (protocol 16.1).
        offerSurvey(msg.survey_token, msg.service ?? null, msg.counter_id ?? null);
      }
      break;
    case "chat":
      if (msg.channel === "proximity") hallChat.value = [...hallChat.value.slice(-49), msg];
      else sessionChat.value = [...sessionChat.value.slice(-199), msg];
      break;
    case "announcement":
      announcement.value = msg.text;
      break;
    case "call_invite":
      if (msg.side === "citizen") {
        invite.value = msg;
        callEnded.value = null;
      }
      break;
    case "call_state":
      callState.value = msg;
      break;
    case "call_ended":
      if (invite.value?.call_id === msg.call_id) {
        invite.value = null;
        callState.value = null;
        callEnded.value = msg.reason;
      }
      break;
    case "error":
      if (msg.ref === undefined) say(msg.text);
      break;
    default:
      break;
  }
}

// --- walking -----------------------------------------------------------

const SPEED = 2.0; // metres per second: brisk, under the server's 3 m/s limit
const SEND_EVERY_MS = 100; // the protocol allows 10 moves per second

let localPos: Point | null = null;
let refused = 0;
let walk: PathWalk = { points: [] };
let stick: Point = [0, 0];
let lastSent = 0;
let lastFrame = 0;
let running = false;

export function myPosition(): Point | null {
  return localPos;
}

/** Walk along the floor to `to` (a path from the server when it has one, else straight). */
export async function walkTo(to: Point): Promise<void> {
  const from = localPos;
  const info = hall.value;
  if (!from || !info) return;
  destination.value = to;
  let points: Point[] = [to];
  try {
    const q = new URLSearchParams({
      from_x: from[0].toFixed(2),
      from_y: from[1].toFixed(2),
      to_x: to[0].toFixed(2),
      to_y: to[1].toFixed(2),
    });
    const path = await api<{ points: Point[] }>(`/api/v1/halls/${info.id}/path?${q}`);
    if (path.points.length > 0) points = path.points;
  } catch {
    /* no path service, or no path: go straight; the server corrects a blocked step */
  }
  walk = { points };
  refused = 0;
  walkLeft.value = pathLength(from, walk);
  ensureLoop();
}

export function setStick(x: number, y: number): void {
  stick = [x, y];
  if (x !== 0 || y !== 0) {
    walk = { points: [] };
    destination.value = null;
  }
  ensureLoop();
}

function ensureLoop(): void {
  if (running) return;
  running = true;
  lastFrame = performance.now();
  requestAnimationFrame(loop);
}

function loop(now: number): void {
  const dt = Math.min(0.1, (now - lastFrame) / 1000);
  lastFrame = now;
  const c = connection;
  if (!localPos || !c?.isOpen) {
    running = false;
    return;
  }
  let moved = false;
  let yaw = 0;
  const [sx, sy] = stick;
  if (sx !== 0 || sy !== 0) {
    const len = Math.min(1, Math.hypot(sx, sy));
    const angle = Math.atan2(sy, sx);
    const step = SPEED * len * dt;
    const next: Point = [localPos[0] + Math.cos(angle) * step, localPos[1] + Math.sin(angle) * step];
    yaw = yawOf(next[0] - localPos[0], next[1] - localPos[1]);
    localPos = next;
    moved = true;
  } else if (walk.points.length > 0) {
    const before = localPos;
    const out = advance(localPos, walk, SPEED * dt);
    localPos = out.at;
    walk = out.left;
    yaw = yawOf(localPos[0] - before[0], localPos[1] - before[1]);
    walkLeft.value = pathLength(localPos, walk);
    moved = true;
    if (walk.points.length === 0) destination.value = null;
  }
  if (moved && now - lastSent >= SEND_EVERY_MS) {
    lastSent = now;
    c.send({ type: "move", x: round(localPos[0]), y: round(localPos[1]), yaw: round(yaw), anim: "walk" });
  }
  const still = stick[0] === 0 && stick[1] === 0 && walk.points.length === 0;
  if (still) {
    // The last position always reaches the server, then stand.
    c.send({ type: "move", x: round(localPos[0]), y: round(localPos[1]), yaw: round(yaw), anim: "idle" });
    running = false;
    return;
  }
  requestAnimationFrame(loop);
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}

// A read-only handle for people debugging a hall from the browser console
// (and for the browser tests): where you are and what you see. No tokens.
(globalThis as Record<string, unknown>).hallDebug = {
  position: () => localPos,
  callHz: () => activeLeg?.dominantHz() ?? 0,
  callStatus: () => activeLeg?.status ?? "none",
  seen: () => connection?.view.seen() ?? [],
  me: () => connection?.view.me ?? null,
  role: () => connection?.welcome?.you.role ?? null,
};
