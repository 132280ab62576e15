// The public "now serving" board, for a TV (1920x1080) and a phone: big
// numbers and counters from the board feed, waiting per service, the hall's
// announcements (from the same feed: no hall socket, no avatars streamed), a chime and
// the number spoken in Bahasa Indonesia, and a QR code of the hall's address.

import { signal } from "@preact/signals";
import { useEffect, useMemo } from "preact/hooks";
import { followBoard } from "../protocol/board";
import type { Bilingual, Board } from "../protocol/messages";
import { api } from "../protocol/rest";
import { findHall, type HallInfo } from "../shared/halls";
import { lang, pick, translate } from "../shared/i18n";
import type { Scene } from "../shared/scene";
import { TopBar } from "../staff/TopBar";
import { qrPath } from "./qr";
import { canSpeak, chime, enableSound, soundOn, speak } from "./sound";
import { callSentence } from "./speech";
import { T } from "./texts";

const hall = signal<HallInfo | null>(null);
const board = signal<Board | null>(null);
const counterNames = signal<Record<string, Bilingual>>({});
const serviceNames = signal<Record<string, string>>({});
const announcements = signal<Array<{ text: Bilingual; at: number }>>([]);
const sound = signal(false);
const lastCall = signal<{ number: string; counter: string } | null>(null);

/** Calls not yet announced; spoken one after another. */
const pendingCalls: Array<{ number: string; counter: string }> = [];
let speaking = false;

async function announceCalls(): Promise<void> {
  if (speaking) return;
  speaking = true;
  try {
    for (let next = pendingCalls.shift(); next; next = pendingCalls.shift()) {
      lastCall.value = next;
      if (!soundOn()) continue;
      await chime();
      speak(callSentence(next.number, next.counter));
    }
  } finally {
    speaking = false;
  }
}

let seen = new Map<string, string>();
let first = true;

function onBoard(next: Board): void {
  // A row whose number is newly "called" at its counter is a call to announce
  // (the first board is what was already on the wall: not announced again).
  const now = new Map<string, string>();
  for (const row of next.now_serving) {
    now.set(row.counter_id, `${row.number}|${row.state}`);
    if (!first && row.state === "called" && seen.get(row.counter_id) !== `${row.number}|called`) {
      pendingCalls.push({ number: row.number, counter: row.counter_id });
    }
  }
  seen = now;
  first = false;
  board.value = next;
  void announceCalls();
}

async function start(): Promise<void> {
  const info = await findHall();
  hall.value = info;
  if (!info) return;
  followBoard(info.id, onBoard, (text) => {
    announcements.value = [{ text, at: Date.now() }, ...announcements.value].slice(0, 3);
  });
  void api<Scene>(info.scene_url).then((scene) => {
    counterNames.value = Object.fromEntries(scene.counters.map((c) => [c.id, c.name]));
  });
  void loadServiceNames();
}

async function loadServiceNames(): Promise<void> {
  const out = await api<{ services: Array<{ code: string; name: string }> }>(`/api/v1/services?lang=${lang.value}`);
  serviceNames.value = Object.fromEntries(out.services.map((s) => [s.code, s.name]));
}

export function App() {
  useEffect(() => {
    void start();
  }, []);
  useEffect(() => {
    void loadServiceNames().catch(() => undefined);
  }, [lang.value]);
  const info = hall.value;
  const b = board.value;
  // The hall's public address when the server names one (HALL_PUBLIC_URL), else this
  // page's own; a loopback one cannot be reached from a visitor's phone: no QR then.
  const origin = info?.public_url || location.origin;
  const local = !info?.public_url && /^(localhost|127\.|\[::1\])/.test(location.hostname);
  const url = info && !local ? `${origin}/?hall=${encodeURIComponent(info.id)}` : "";
  const qr = useMemo(() => (url ? qrPath(url) : null), [url]);
  const rows = b?.now_serving ?? [];
  return (
    <>
      <TopBar title={translate(T, "title")} hall={info ? pick(info.name) : undefined}>
        <button
          type="button"
          class={sound.value ? "sound on" : "sound"}
          id="sound"
          aria-pressed={sound.value}
          onClick={() => void enableSound().then((ok) => (sound.value = ok))}
        >
          {translate(T, sound.value ? "sound_is_on" : "sound_on")}
        </button>
      </TopBar>
      <main class="wall">
        <section class="serving" aria-labelledby="serving-title">
          <h2 id="serving-title">{translate(T, "now_serving")}</h2>
          {rows.length === 0 ? (
            <p class="none">{translate(T, "none")}</p>
          ) : (
            <ul class="tiles" id="now-serving" aria-live="polite">
              {rows.map((row) => (
                <li key={row.counter_id} class={`tile ${row.state}`} data-counter={row.counter_id} data-number={row.number}>
                  <span class="number">{row.number}</span>
                  <span class="counter">
                    <span class="label">{translate(T, "counter")}</span> {row.counter_id}
                  </span>
                  <span class="what">
                    {counterNames.value[row.counter_id] ? pick(counterNames.value[row.counter_id]) : ""}
                    {" · "}
                    {translate(T, row.state === "called" ? "called" : "serving")}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>
        <aside class="side">
          <section aria-labelledby="waiting-title" class="panel">
            <h2 id="waiting-title">{translate(T, "waiting")}</h2>
            {b && Object.keys(b.waiting).length > 0 ? (
              <ul class="waiting" id="waiting">
                {Object.entries(b.waiting).map(([service, n]) => (
                  <li key={service}>
                    <span>{serviceNames.value[service] ?? service}</span>
                    <strong>{translate(T, "people", { n })}</strong>
                  </li>
                ))}
              </ul>
            ) : (
              <p>{translate(T, "waiting_none")}</p>
            )}
          </section>
          {announcements.value.length > 0 ? (
            <section aria-labelledby="ann-title" class="panel announcements" aria-live="polite">
              <h2 id="ann-title">{translate(T, "announcements")}</h2>
              <ul id="announcements">
                {announcements.value.map((a) => (
                  <li key={a.at}>{pick(a.text)}</li>
                ))}
              </ul>
            </section>
          ) : null}
          {qr ? (
            <section class="panel qr" aria-labelledby="qr-title">
              <h2 id="qr-title">{translate(T, "qr")}</h2>
              <svg
                viewBox={`0 0 ${qr.size} ${qr.size}`}
                role="img"
                aria-label={translate(T, "qr_alt", { url })}
                shape-rendering="crispEdges"
              >
                <rect width={qr.size} height={qr.size} fill="#fff" />
                <path d={qr.d} fill="#000" />
              </svg>
              <p class="url">{url}</p>
            </section>
          ) : null}
          {info && local ? (
            <p class="hint" id="qr-missing">
              {translate(T, "qr_missing")}
            </p>
          ) : null}
          {sound.value && !canSpeak() ? <p class="hint">{translate(T, "no_speech")}</p> : null}
          {lastCall.value ? (
            <p class="sr-only" role="status" id="last-call">
              {translate(T, "last_call")}: {lastCall.value.number} → {lastCall.value.counter}
            </p>
          ) : null}
        </aside>
      </main>
    </>
  );
}
