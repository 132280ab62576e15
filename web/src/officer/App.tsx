// The officer console: sign in, choose and open a counter, work the queue,
// serve the citizen at the counter (session, chat, call), finish, hand back.

import { useEffect, useRef, useState } from "preact/hooks";
import { pick, translate } from "../shared/i18n";
import { SignIn } from "../staff/SignIn";
import { TopBar } from "../staff/TopBar";
import { S } from "../staff/texts";
import { CallPanel } from "./CallPanel";
import { Queue } from "./Queue";
import { SessionPanel } from "./SessionPanel";
import {
  announcement,
  callNext,
  chat,
  closeCounter,
  connect,
  conn,
  counterId,
  counters,
  counterState,
  finish,
  hall,
  openCounter,
  park,
  pause,
  recall,
  resume,
  resumeAfterSignIn,
  sendChat,
  services,
  session,
  signOut,
  staff,
  status,
  submit,
  toast,
  transfer,
} from "./store";
import { T } from "./texts";

export function App() {
  const auth = staff.auth.value;
  const info = hall.value;
  return (
    <>
      <TopBar title={translate(T, "title")} hall={info ? pick(info.name) : undefined} status={auth ? status.value : undefined}>
        {auth ? (
          <>
            <span class="who">{translate(S, "signed_in_as", { name: auth.username })}</span>
            <button type="button" class="signout" onClick={signOut}>
              {translate(S, "signout")}
            </button>
          </>
        ) : null}
      </TopBar>
      {!auth ? (
        <main>
          <SignIn session={staff} hall={info?.id ?? null} onDone={connect} />
        </main>
      ) : (
        <>
          <Console />
          {staff.expired.value ? (
            <div class="overlay" role="dialog" aria-modal="true" aria-labelledby="signin-title">
              <SignIn session={staff} hall={info?.id ?? null} again onDone={resumeAfterSignIn} />
            </div>
          ) : null}
        </>
      )}
      {announcement.value ? (
        <div class="announcement" role="status">
          <strong>{translate(T, "announcement")}:</strong> {pick(announcement.value)}
          <button type="button" class="link" onClick={() => (announcement.value = null)}>
            {translate(T, "dismiss")}
          </button>
        </div>
      ) : null}
      {toast.value ? (
        <div class="toast" role="alert" id="toast">
          {toast.value}
          <button type="button" onClick={() => (toast.value = null)}>
            {translate(T, "dismiss")}
          </button>
        </div>
      ) : null}
    </>
  );
}

function Console() {
  if (!counterId.value) return <ChooseCounter />;
  return (
    <main class="console">
      <div class="col left">
        <CounterCard />
        <Queue />
      </div>
      <div class="col middle">
        <SessionPanel />
      </div>
      <div class="col right">
        <ChatPanel />
        <CallPanel />
      </div>
    </main>
  );
}

function ChooseCounter() {
  return (
    <main class="page">
      <section class="card" aria-labelledby="choose-title">
        <h2 id="choose-title">{translate(T, "choose_counter")}</h2>
        <ul class="counters" id="counters">
          {counters.value.map((c) => (
            <li key={c.id}>
              <button type="button" data-counter={c.id} onClick={() => void openCounter(c.id)} disabled={status.value !== "open"}>
                <strong>{c.id}</strong> · {pick(c.name)}
                <span class="hint"> {c.services.join(", ")}</span>
              </button>
            </li>
          ))}
        </ul>
      </section>
    </main>
  );
}

/** Keys for the frequent actions, outside text fields. */
function useShortcuts(actions: Record<string, () => void>): void {
  useEffect(() => {
    const onKey = (ev: KeyboardEvent): void => {
      if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
      const target = ev.target as HTMLElement | null;
      if (target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))) return;
      if (document.querySelector(".overlay")) return;
      const action = actions[ev.key.toLowerCase()];
      if (action) {
        ev.preventDefault();
        action();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });
}

function CounterCard() {
  const state = counterState.value;
  const s = session.value;
  const [finishing, setFinishing] = useState(false);
  const [outcome, setOutcome] = useState("served");
  const [reason, setReason] = useState("");
  const [parking, setParking] = useState(false);
  const [parkReason, setParkReason] = useState("");
  const [target, setTarget] = useState("");
  const outcomeRef = useRef<HTMLSelectElement>(null);
  const busy = !!state?.ticket_id;
  const counter = counters.value.find((c) => c.id === counterId.value);
  useShortcuts({
    n: () => void callNext(),
    r: () => void recall(),
    p: () => setParking(true),
    f: () => {
      setFinishing(true);
      setTimeout(() => outcomeRef.current?.focus(), 0);
    },
    s: () => void submit(),
    c: () => document.getElementById("chat-text")?.focus(),
  });
  const needReason = outcome !== "served";
  return (
    <section class="card" aria-labelledby="counter-title" id="counter" data-status={state?.status ?? ""}>
      <h2 id="counter-title">
        {translate(T, "counter_of", { id: counterId.value ?? "" })}
        {counter ? <span class="hint"> · {pick(counter.name)}</span> : null}
      </h2>
      <p id="counter-status">
        {translate(T, "counter_status", { status: translate(T, `status_${state?.status ?? "closed"}`) })}
        {state?.staffed_by ? ` · ${translate(T, state.staffed_by === "bot" ? "by_bot" : "by_officer")}` : ""}
      </p>
      <div class="actions">
        <button type="button" class="primary" id="call-next" onClick={() => void callNext()} disabled={busy}>
          {translate(T, "call_next")}
          <kbd>N</kbd>
        </button>
        <button type="button" id="recall" onClick={() => void recall()} disabled={!busy}>
          {translate(T, "recall")}
          <kbd>R</kbd>
        </button>
        <button type="button" id="park" onClick={() => setParking(true)} disabled={!busy}>
          {translate(T, "park")}
          <kbd>P</kbd>
        </button>
        <button
          type="button"
          id="finish"
          onClick={() => {
            setFinishing(true);
            setTimeout(() => outcomeRef.current?.focus(), 0);
          }}
          disabled={!busy}
        >
          {translate(T, "finish")}
          <kbd>F</kbd>
        </button>
      </div>
      {parking && busy ? (
        <form
          class="inline"
          onSubmit={(ev) => {
            ev.preventDefault();
            setParking(false);
            void park(parkReason.trim());
            setParkReason("");
          }}
        >
          <label>
            {translate(T, "park_reason")}
            <input id="park-reason" value={parkReason} onInput={(e) => setParkReason(e.currentTarget.value)} />
          </label>
          <div class="row">
            <button type="submit" class="primary">
              {translate(T, "park")}
            </button>
            <button type="button" onClick={() => setParking(false)}>
              {translate(T, "cancel")}
            </button>
          </div>
        </form>
      ) : null}
      {finishing && busy ? (
        <form
          class="inline"
          id="finish-form"
          onSubmit={(ev) => {
            ev.preventDefault();
            if (needReason && !reason.trim()) return;
            void finish(outcome, needReason ? reason.trim() : "").then((ok) => {
              if (ok) {
                setFinishing(false);
                setReason("");
                setOutcome("served");
              }
            });
          }}
        >
          <label>
            {translate(T, "outcome")}
            <select id="outcome" ref={outcomeRef} value={outcome} onChange={(e) => setOutcome(e.currentTarget.value)}>
              {["served", "referred", "rejected"].map((o) => (
                <option key={o} value={o}>
                  {translate(T, `outcome_${o}`)}
                </option>
              ))}
            </select>
          </label>
          {needReason ? (
            <label>
              {translate(T, "reason")}
              <input id="finish-reason" required value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
              <span class="hint">{translate(T, "reason_needed")}</span>
            </label>
          ) : null}
          <div class="row">
            <button type="submit" class="primary" id="finish-go">
              {translate(T, "finish")}
            </button>
            <button type="button" onClick={() => setFinishing(false)}>
              {translate(T, "cancel")}
            </button>
          </div>
        </form>
      ) : null}
      {s ? (
        <form
          class="row"
          onSubmit={(ev) => {
            ev.preventDefault();
            if (target) void transfer(target);
          }}
        >
          <label class="grow">
            {translate(T, "transfer")}
            <select id="transfer" value={target} onChange={(e) => setTarget(e.currentTarget.value)}>
              <option value="">—</option>
              {services.value
                .filter((x) => x.code !== s.service)
                .map((x) => (
                  <option key={x.code} value={x.code}>
                    {x.code} · {x.name}
                  </option>
                ))}
            </select>
          </label>
          <button type="submit" disabled={!target}>
            {translate(T, "transfer_go")}
          </button>
        </form>
      ) : null}
      <div class="row">
        {state?.status === "paused" ? (
          <button type="button" onClick={() => void resume()}>
            {translate(T, "resume")}
          </button>
        ) : (
          <button type="button" id="pause" onClick={() => void pause()}>
            {translate(T, "pause")}
          </button>
        )}
        <button type="button" id="close-counter" onClick={() => void closeCounter()} disabled={busy}>
          {translate(T, "close")}
        </button>
      </div>
      <details class="shortcuts">
        <summary>{translate(T, "shortcuts")}</summary>
        <ul class="plain">
          {[
            ["N", "sc_next"],
            ["R", "sc_recall"],
            ["P", "sc_park"],
            ["F", "sc_finish"],
            ["S", "sc_submit"],
            ["C", "sc_chat"],
          ].map(([key, text]) => (
            <li key={key}>
              <kbd>{key}</kbd> {translate(T, text ?? "")}
            </li>
          ))}
        </ul>
      </details>
    </section>
  );
}

function ChatPanel() {
  const s = session.value;
  const [text, setText] = useState("");
  const me = conn()?.view.me;
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    list.current?.scrollTo(0, list.current.scrollHeight);
  }, [chat.value.length]);
  return (
    <section class="card chat" aria-labelledby="chat-title">
      <h2 id="chat-title">{translate(T, "chat")}</h2>
      <ol class="lines" id="chat" ref={list} aria-live="polite">
        {chat.value.map((line, i) => (
          <li key={i} class={line.from.id === me ? "mine" : ""}>
            <strong>{line.from.name}:</strong> {line.text}
            {line.text_en && line.text_en !== line.text ? <span class="hint"> ({line.text_en})</span> : null}
          </li>
        ))}
      </ol>
      <form
        class="row"
        onSubmit={(ev) => {
          ev.preventDefault();
          const t = text.trim();
          if (!t) return;
          sendChat(t);
          setText("");
        }}
      >
        <label class="grow">
          <span class="sr-only">{translate(T, "chat_text")}</span>
          <input id="chat-text" maxLength={500} disabled={!s?.channel} placeholder={translate(T, "chat_text")} value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={!s?.channel}>
          {translate(T, "send")}
        </button>
      </form>
    </section>
  );
}
