// The citizen app: the hall (lite 2D plan and the step you are at), the
// status of an application, and the "now serving" board.

import { useEffect, useState } from "preact/hooks";
import { lang, pick, setLang, translate } from "../shared/i18n";
import { announce } from "./alerts";
import { auth, keep } from "./auth";
import { BoardView } from "./BoardView";
import { ComplaintPage } from "./Complaint";
import { Services } from "./Services";
import { SessionPanel } from "./Session";
import { SignIn } from "./SignIn";
import { Stage } from "./Stage";
import { StatusPage } from "./Status";
import { SurveyCard } from "./Survey";
import {
  announcement,
  conn,
  connectHall,
  filed,
  hall,
  hallChat,
  liveTicket,
  loadServices,
  session,
  sessionOutcome,
  status,
  toast,
} from "./store";
import { T } from "./texts";
import { TicketCard } from "./TicketCard";

type Route = "hall" | "status" | "board" | "pengaduan";

function routeOf(hash: string): Route {
  if (hash.startsWith("#/pengaduan")) return "pengaduan";
  return hash === "#/status" ? "status" : hash === "#/board" ? "board" : "hall";
}

export function App() {
  const [route, setRoute] = useState<Route>(routeOf(location.hash));
  const [hash, setHash] = useState(location.hash);
  const [signingIn, setSigningIn] = useState(false);
  useEffect(() => {
    const on = (): void => {
      setRoute(routeOf(location.hash));
      setHash(location.hash); // #/pengaduan/<code> stays on one route
    };
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang.value;
    document.title = translate(T, "app_title");
    void loadServices().catch(() => undefined); // the catalogue in the chosen language
  }, [lang.value]);
  const a = auth.value;
  const st = status.value;
  return (
    <>
      <header class="top">
        <h1>{hall.value ? pick(hall.value.name) : translate(T, "app_title")}</h1>
        <span class={`status ${st}`} role="status" data-testid="status">
          {translate(T, `st_${st}`)}
        </span>
        {st === "refused" || st === "reconnecting" ? (
          <button type="button" class="link" onClick={() => conn()?.retryNow() ?? connectHall()}>
            {translate(T, "retry")}
          </button>
        ) : null}
        <button
          type="button"
          class="lang"
          aria-label={translate(T, "switch_lang_label")}
          onClick={() => setLang(lang.value === "id" ? "en" : "id")}
        >
          {translate(T, "switch_lang")}
        </button>
      </header>
      <nav class="tabs main-nav" aria-label="menu">
        {(["hall", "status", "board", "pengaduan"] as Route[]).map((r) => (
          <a key={r} href={r === "hall" ? "#/" : `#/${r}`} aria-current={route === r ? "page" : undefined}>
            {translate(T, `nav_${r}`)}
          </a>
        ))}
      </nav>
      <p class="sr-only" aria-live="assertive" data-testid="announce">
        {announce.value}
      </p>
      {announcement.value ? (
        <div class="announcement" role="status">
          <strong>{translate(T, "announcement")}:</strong> {pick(announcement.value)}{" "}
          <button type="button" class="link" onClick={() => (announcement.value = null)}>
            {translate(T, "close")}
          </button>
        </div>
      ) : null}
      {toast.value ? (
        <div class="toast" role="alert" data-testid="toast">
          {toast.value.text}{" "}
          <button type="button" class="link" onClick={() => (toast.value = null)}>
            {translate(T, "close")}
          </button>
        </div>
      ) : null}
      {route === "hall" ? (
        <main class="hall">
          <Stage />
          <div class="panel">
            {signingIn ? (
              <SignIn onDone={() => setSigningIn(false)} onCancel={() => setSigningIn(false)} />
            ) : (
              <>
                <Who onSignIn={() => setSigningIn(true)} />
                <Filed />
                {sessionOutcome.value && !session.value ? (
                  <p class="card" role="status">
                    {translate(T, "session_over", { outcome: translate(T, `outcome_${sessionOutcome.value}`) })}
                  </p>
                ) : null}
                <SurveyCard />
                {session.value ? <SessionPanel /> : liveTicket.value ? <TicketCard /> : null}
                {!session.value && !liveTicket.value ? <Services onSignIn={() => setSigningIn(true)} /> : null}
                {!session.value ? <NearbyChat /> : null}
              </>
            )}
          </div>
        </main>
      ) : route === "pengaduan" ? (
        <main class="page">
          <ComplaintPage code={hash.slice("#/pengaduan/".length) || null} />
        </main>
      ) : route === "status" ? (
        <main class="page">
          <StatusPage />
        </main>
      ) : (
        <main class="page">
          <BoardView />
        </main>
      )}
      {a ? null : null}
    </>
  );
}

function Who({ onSignIn }: { onSignIn: () => void }) {
  const a = auth.value;
  if (!a) return null;
  return (
    <div class="who">
      {a.role === "citizen" ? (
        <>
          <span>{translate(T, "signed_in_as", { name: a.name })}</span>
          <button
            type="button"
            class="link"
            onClick={() => {
              conn()?.leave();
              keep(null);
              location.reload();
            }}
          >
            {translate(T, "sign_out")}
          </button>
        </>
      ) : (
        <>
          <span>{translate(T, "welcome_text")}</span>
          <button type="button" class="primary" onClick={onSignIn}>
            {translate(T, "sign_in")}
          </button>
        </>
      )}
    </div>
  );
}

function Filed() {
  const f = filed.value;
  if (!f) return null;
  return (
    <section class="card filed" aria-labelledby="filed-title" role="status">
      <h2 id="filed-title">{translate(T, "filed_title")}</h2>
      <p>{translate(T, "tracking_code")}:</p>
      <p class="code" data-testid="tracking-code">
        {f.tracking_code}
      </p>
      <p>{translate(T, "filed_keep")}</p>
      {f.review === "officer" ? <p>{translate(T, "review_officer")}</p> : null}
      {f.fee_idr === 0 ? (
        <p>
          {translate(T, "fee")}: {translate(T, "fee_free")}
        </p>
      ) : null}
      <a href="#/status">{translate(T, "nav_status")}</a>
    </section>
  );
}

function NearbyChat() {
  const [text, setText] = useState("");
  return (
    <section class="card nearby" aria-labelledby="nearby-title">
      <h2 id="nearby-title">{translate(T, "nearby_chat")}</h2>
      <ol class="lines" aria-live="polite">
        {hallChat.value.slice(-6).map((c, i) => (
          <li key={i}>
            <b>{c.from.name}</b> {lang.value === "en" && c.text_en ? c.text_en : c.text}
          </li>
        ))}
      </ol>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (!text.trim()) return;
          conn()?.send({ type: "chat", text });
          setText("");
        }}
      >
        <label class="grow">
          <span class="sr-only">{translate(T, "chat_label")}</span>
          <input
            name="hall-chat"
            maxLength={500}
            autoComplete="off"
            placeholder={translate(T, "chat_hall_placeholder")}
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
        </label>
        <button type="submit">{translate(T, "send")}</button>
      </form>
    </section>
  );
}
