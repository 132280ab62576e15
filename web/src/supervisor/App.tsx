// The supervisor dashboard: the day's KPIs per service, the counters live
// (open or close any of them), charts over the day, the CSV of the day,
// announcements to the hall, applications the back office did not take.

import { useState } from "preact/hooks";
import { pick, translate } from "../shared/i18n";
import { SignIn } from "../staff/SignIn";
import { TopBar } from "../staff/TopBar";
import { S } from "../staff/texts";
import { Chart } from "./Chart";
import { Signals } from "./Signals";
import { csvUrl, type ServiceKpi } from "./kpi";
import {
  announce,
  complain,
  connect,
  dead,
  hall,
  kpi,
  queues,
  resumeAfterSignIn,
  retry,
  say,
  setCounter,
  signOut,
  staff,
  status,
  toast,
} from "./store";
import { T } from "./texts";
import { TrustPanels } from "./Trust";

function minutes(s: number | null): string {
  if (s === null) return "—";
  const m = Math.floor(s / 60);
  return `${m}:${String(Math.round(s % 60)).padStart(2, "0")}`;
}

function pct(v: number | null): string {
  return v === null ? "—" : `${Math.round(v)}%`;
}

function n(v: number | null): string {
  return v === null ? "—" : String(Math.round(v * 10) / 10);
}

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
          <Dashboard />
          {staff.expired.value ? (
            <div class="overlay" role="dialog" aria-modal="true" aria-labelledby="signin-title">
              <SignIn session={staff} hall={info?.id ?? null} again onDone={resumeAfterSignIn} />
            </div>
          ) : null}
        </>
      )}
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

function Dashboard() {
  const k = kpi.value;
  return (
    <main class="dash">
      <section class="card wide" aria-labelledby="kpi-title" id="kpi">
        <h2 id="kpi-title">
          {translate(T, "hall_now")}
          {k?.day ? <span class="hint"> · {translate(T, "kpi_day", { day: k.day })}</span> : null}
        </h2>
        {k === null ? <p class="notice">{translate(T, "kpi_missing")}</p> : null}
        {k?.hall ? <Tiles s={k.hall} /> : null}
        {k && k.services.length > 0 ? <ServiceTable rows={k.services} /> : null}
        {k ? <CsvLink /> : null}
      </section>
      {k && k.hours.length > 0 ? (
        <section class="card wide" aria-labelledby="charts-title">
          <h2 id="charts-title">{translate(T, "charts")}</h2>
          <div class="charts">
            <Chart
              id="chart-served"
              title={translate(T, "chart_served")}
              xLabel={translate(T, "hour")}
              xs={k.hours.map((h) => h.start)}
              series={[
                { label: translate(T, "served"), values: k.hours.map((h) => h.served), stroke: "#0b6e4f", bars: true },
                { label: translate(T, "waiting_now"), values: k.hours.map((h) => h.waiting), stroke: "#d9480f" },
              ]}
            />
            <Chart
              id="chart-wait"
              title={translate(T, "chart_wait")}
              xLabel={translate(T, "hour")}
              xs={k.hours.map((h) => h.start)}
              series={[
                { label: "p50", values: k.hours.map((h) => (h.wait_p50_s === null ? null : h.wait_p50_s / 60)), stroke: "#0a4fa3" },
                { label: "p90", values: k.hours.map((h) => (h.wait_p90_s === null ? null : h.wait_p90_s / 60)), stroke: "#a4161a" },
              ]}
            />
          </div>
        </section>
      ) : null}
      <Counters />
      <Announce />
      <DeadLetters />
      <TrustPanels />
      <Signals />
    </main>
  );
}

function Tiles(props: { s: ServiceKpi }) {
  const s = props.s;
  const tiles: Array<[string, string]> = [
    ["waiting_now", n(s.waiting_now)],
    ["wait_p50", minutes(s.wait_p50_s)],
    ["wait_p90", minutes(s.wait_p90_s)],
    ["longest_now", minutes(s.longest_wait_now_s)],
    ["within_target", pct(s.within_target_pct)],
    ["served", n(s.served)],
    ["served_hour", n(s.served_per_hour)],
    ["no_shows", n(s.no_shows)],
    ["avg_service", minutes(s.avg_service_s)],
    ["bot_share", pct(s.bot_share_pct)],
  ];
  return (
    <dl class="tiles" id="hall-tiles">
      {tiles.map(([key, value]) => (
        <div key={key} class="tile" data-kpi={key}>
          <dt>{translate(T, key)}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function ServiceTable(props: { rows: ServiceKpi[] }) {
  return (
    <div class="scroll">
      <table id="services">
        <caption class="sr-only">{translate(T, "per_service")}</caption>
        <thead>
          <tr>
            <th scope="col">{translate(T, "service")}</th>
            <th scope="col">{translate(T, "waiting_now")}</th>
            <th scope="col">{translate(T, "wait_p50")}</th>
            <th scope="col">{translate(T, "wait_p90")}</th>
            <th scope="col">{translate(T, "longest_now")}</th>
            <th scope="col">{translate(T, "within_target")}</th>
            <th scope="col">{translate(T, "served")}</th>
            <th scope="col">{translate(T, "served_hour")}</th>
            <th scope="col">{translate(T, "no_shows")}</th>
            <th scope="col">{translate(T, "left")}</th>
            <th scope="col">{translate(T, "avg_service")}</th>
            <th scope="col">{translate(T, "bot_share")}</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((s) => (
            <tr key={s.service} data-service={s.service}>
              <th scope="row">{s.service}</th>
              <td>{n(s.waiting_now)}</td>
              <td>{minutes(s.wait_p50_s)}</td>
              <td>{minutes(s.wait_p90_s)}</td>
              <td>{minutes(s.longest_wait_now_s)}</td>
              <td>{pct(s.within_target_pct)}</td>
              <td class="served">{n(s.served)}</td>
              <td>{n(s.served_per_hour)}</td>
              <td>{n(s.no_shows)}</td>
              <td>{n(s.left_before_service)}</td>
              <td>{minutes(s.avg_service_s)}</td>
              <td>{pct(s.bot_share_pct)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function CsvLink() {
  const [link, setLink] = useState<{ url: string; name: string } | null>(null);
  const info = hall.value;
  return (
    <div class="row">
      <button
        type="button"
        id="csv"
        onClick={() => {
          if (!info || !staff.token) return;
          csvUrl(info.id, staff.token)
            .then((out) => {
              setLink(out);
              // Start the download at once; the link stays for a second try.
              const a = document.createElement("a");
              a.href = out.url;
              a.download = out.name;
              a.click();
            })
            .catch(complain);
        }}
      >
        {translate(T, "csv")}
      </button>
      {link ? (
        <a href={link.url} download={link.name}>
          {translate(T, "csv_ready", { name: link.name })}
        </a>
      ) : null}
    </div>
  );
}

function Counters() {
  const k = kpi.value;
  const byId = new Map((k?.counters ?? []).map((c) => [c.counter_id, c]));
  const rows = queues.value.length
    ? queues.value.map((q) => ({ id: q.counter_id, queue: q.waiting.length, status: q.status, staffed: q.staffed_by, name: byId.get(q.counter_id)?.name ?? null, kstatus: byId.get(q.counter_id)?.status }))
    : (k?.counters ?? []).map((c) => ({ id: c.counter_id, queue: null, status: c.status, staffed: c.staffed_by, name: c.name, kstatus: c.status }));
  return (
    <section class="card" aria-labelledby="counters-title">
      <h2 id="counters-title">{translate(T, "counters")}</h2>
      <div class="scroll">
      <table id="counter-table">
        <thead>
          <tr>
            <th scope="col">{translate(T, "counter")}</th>
            <th scope="col">{translate(T, "status")}</th>
            <th scope="col">{translate(T, "staffed_by")}</th>
            <th scope="col">{translate(T, "queue")}</th>
            <th scope="col">{translate(T, "actions")}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const shown = r.kstatus ?? r.status;
            return (
              <tr key={r.id} data-counter={r.id} data-status={r.status}>
                <th scope="row">{r.id}</th>
                <td>{translate(T, `st_${shown}`)}</td>
                <td>
                  {r.staffed ? translate(T, r.staffed === "bot" ? "by_bot" : "by_officer") : "—"}
                  {r.name && r.staffed !== "bot" ? ` (${r.name})` : ""}
                </td>
                <td>{r.queue ?? "—"}</td>
                <td>
                  {r.status === "closed" ? (
                    <button type="button" class="small" onClick={() => void setCounter(r.id, true)}>
                      {translate(T, "open_counter", { id: r.id })}
                    </button>
                  ) : (
                    <button type="button" class="small" onClick={() => void setCounter(r.id, false)}>
                      {translate(T, "close_counter", { id: r.id })}
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      </div>
    </section>
  );
}

function Announce() {
  const [id, setId] = useState("");
  const [en, setEn] = useState("");
  return (
    <section class="card" aria-labelledby="announce-title">
      <h2 id="announce-title">{translate(T, "announce")}</h2>
      <form
        id="announce"
        onSubmit={(ev) => {
          ev.preventDefault();
          void announce(id.trim(), en.trim()).then((ok) => {
            if (ok) {
              setId("");
              setEn("");
              say(translate(T, "announced"));
            }
          });
        }}
      >
        <label>
          {translate(T, "announce_id")}
          <input id="announce-id" lang="id" required maxLength={500} value={id} onInput={(e) => setId(e.currentTarget.value)} />
        </label>
        <label>
          {translate(T, "announce_en")}
          <input id="announce-en" lang="en" required maxLength={500} value={en} onInput={(e) => setEn(e.currentTarget.value)} />
        </label>
        <button type="submit" class="primary">
          {translate(T, "announce_send")}
        </button>
      </form>
    </section>
  );
}

function DeadLetters() {
  return (
    <section class="card" aria-labelledby="dead-title">
      <h2 id="dead-title">{translate(T, "dead")}</h2>
      {dead.value.length === 0 ? (
        <p class="hint">{translate(T, "dead_none")}</p>
      ) : (
        <ul class="plain" id="dead">
          {dead.value.map((d) => (
            <li key={d.application_id} class="row">
              <span class="grow">
                {d.backoffice} · {translate(T, "attempts", { n: d.attempts })} · {d.last_error ?? ""}
              </span>
              <button type="button" class="small" onClick={() => void retry(d.application_id).then((ok) => ok && say(translate(T, "retried")))}>
                {translate(T, "retry")}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
