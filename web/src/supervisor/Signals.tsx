// "Sinyal calo/pungli": the broker and pungli flags of the hall, for a supervisor to
// review (docs/signals.md). A flag is a question, never a verdict: the page shows
// its evidence as pseudonymous references, lets the supervisor look up who an
// account is (audited) and record a finding (confirmed or dismissed, with a note;
// audited). Nothing here acts on a citizen or an officer.

import { signal } from "@preact/signals";
import { useEffect, useState } from "preact/hooks";
import { api, HallApiError } from "../protocol/rest";
import { lang, translate, type Table } from "../shared/i18n";
import { complain, hall, say, staff } from "./store";

export interface SignalFlag {
  id: number;
  kind: string;
  subject: string;
  status: "open" | "confirmed" | "dismissed";
  count: number;
  threshold: number;
  window_s: number;
  first_at: number;
  last_at: number;
  evidence: string[];
  details: Record<string, unknown>;
  raised_at: number;
  reviewed_at: number | null;
  reviewed_by: string | null;
  note: string | null;
}

interface Resolved {
  accounts: Array<{ ref: string; display_name: string; role: string }>;
}

type Filter = "open" | "reviewed";

const POLL_MS = 15000;

export const ST: Table = {
  signals: { id: "Sinyal calo/pungli", en: "Broker and pungli signals" },
  signals_intro: {
    id: "Pola yang patut diperiksa, bukan putusan. Tinjau buktinya, lalu catat temuan Anda. Tidak ada tindakan otomatis.",
    en: "Patterns worth a look, not verdicts. Check the evidence, then record what you found. Nothing happens automatically.",
  },
  tab_open: { id: "Belum ditinjau", en: "To review" },
  tab_reviewed: { id: "Sudah ditinjau", en: "Reviewed" },
  none_open: { id: "Tidak ada sinyal yang perlu ditinjau.", en: "No signals to review." },
  none_reviewed: { id: "Belum ada sinyal yang ditinjau.", en: "No signals reviewed yet." },
  kind_on_behalf_many: { id: "Mengajukan atas nama banyak orang", en: "Filing on behalf of many people" },
  kind_tickets_account: { id: "Banyak nomor dari satu akun", en: "Many numbers from one account" },
  kind_tickets_device: { id: "Banyak nomor dari satu perangkat", en: "Many numbers from one device" },
  kind_tickets_address: { id: "Banyak nomor dari satu alamat jaringan", en: "Many numbers from one network address" },
  kind_shared_phone: { id: "Satu nomor HP di banyak permohonan", en: "One phone on many applications" },
  kind_no_shows: { id: "Berulang kali tidak hadir", en: "Repeated no-shows" },
  kind_weak_signs: {
    id: "Beberapa tanda lemah pada satu akun",
    en: "Several weak signs on one account",
  },
  kind_officer_money_talk: {
    id: "Petugas menyebut uang di layanan gratis",
    en: "Officer talks money in a free service",
  },
  count: { id: "{count} (ambang {threshold}) dalam {window}", en: "{count} (threshold {threshold}) within {window}" },
  period: { id: "Dari {first} sampai {last}", en: "From {first} to {last}" },
  days: { id: "{n} hari", en: "{n} days" },
  day: { id: "1 hari", en: "1 day" },
  hours: { id: "{n} jam", en: "{n} hours" },
  evidence: { id: "Bukti ({n})", en: "Evidence ({n})" },
  services: { id: "Layanan", en: "Services" },
  accounts: { id: "Akun", en: "Accounts" },
  words: { id: "Kata yang terdengar", en: "Words heard" },
  lines: { id: "Ucapan petugas", en: "The officer's words" },
  resolve: { id: "Lihat nama akun", en: "Show account names" },
  resolve_none: { id: "Subjek ini berupa kode acak; tidak dapat dibuka.", en: "This subject is a keyed hash; it cannot be opened." },
  note: { id: "Catatan temuan", en: "Note of what you found" },
  confirm: { id: "Benar, tindak lanjuti", en: "Confirmed, follow up" },
  dismiss_flag: { id: "Bukan pelanggaran", en: "Dismiss" },
  reviewed_ok: { id: "Temuan dicatat di log audit.", en: "Finding recorded in the audit log." },
  outcome_confirmed: { id: "Dikonfirmasi", en: "Confirmed" },
  outcome_dismissed: { id: "Ditolak", en: "Dismissed" },
  reviewed_by: { id: "oleh {who}", en: "by {who}" },
};

export const flags = signal<SignalFlag[]>([]);

function when(unix: number): string {
  return new Date(unix * 1000).toLocaleString(lang.value === "id" ? "id-ID" : "en-GB", {
    dateStyle: "medium",
    timeStyle: "short",
  });
}

function windowText(s: number): string {
  if (Math.round(s / 86400) === 1) return translate(ST, "day");
  return s >= 86400
    ? translate(ST, "days", { n: Math.round(s / 86400) })
    : translate(ST, "hours", { n: Math.round(s / 3600) });
}

function list(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

async function load(filter: Filter): Promise<void> {
  const info = hall.value;
  const token = staff.token;
  if (!info || !token || staff.expired.value) return;
  try {
    const answer = await api<{ flags: SignalFlag[] }>(
      `/api/v1/halls/${encodeURIComponent(info.id)}/signals?status=${filter}`,
      { token },
    );
    if (staff.token === token) flags.value = answer.flags;
  } catch (err) {
    if (err instanceof HallApiError && err.status === 401) staff.lapse();
    else complain(err);
  }
}

export function Signals() {
  const [filter, setFilter] = useState<Filter>("open");
  useEffect(() => {
    void load(filter);
    const timer = setInterval(() => void load(filter), POLL_MS);
    return () => clearInterval(timer);
  }, [filter]);
  return (
    <section class="card wide" aria-labelledby="signals-title" id="signals">
      <h2 id="signals-title">{translate(ST, "signals")}</h2>
      <p class="hint">{translate(ST, "signals_intro")}</p>
      <div class="row" role="group" aria-label={translate(ST, "signals")}>
        {(["open", "reviewed"] as const).map((f) => (
          <button
            key={f}
            type="button"
            class={filter === f ? "small primary" : "small"}
            aria-pressed={filter === f}
            id={`signals-${f}`}
            onClick={() => setFilter(f)}
          >
            {translate(ST, `tab_${f}`)}
          </button>
        ))}
      </div>
      {flags.value.length === 0 ? (
        <p class="hint">{translate(ST, filter === "open" ? "none_open" : "none_reviewed")}</p>
      ) : (
        <ul class="plain signal-list">
          {flags.value.map((f) => (
            <FlagItem key={f.id} flag={f} onReviewed={() => void load(filter)} />
          ))}
        </ul>
      )}
    </section>
  );
}

function FlagItem(props: { flag: SignalFlag; onReviewed: () => void }) {
  const f = props.flag;
  const [note, setNote] = useState("");
  const [names, setNames] = useState<Resolved | null>(null);
  const [busy, setBusy] = useState(false);
  const base = `/api/v1/halls/${encodeURIComponent(hall.value?.id ?? "")}/signals/${f.id}`;
  const review = async (outcome: "confirmed" | "dismissed") => {
    setBusy(true);
    try {
      await api(`${base}/review`, { body: { outcome, note: note.trim() }, token: staff.token });
      say(translate(ST, "reviewed_ok"));
      props.onReviewed();
    } catch (err) {
      complain(err);
    } finally {
      setBusy(false);
    }
  };
  const resolve = async () => {
    try {
      setNames(await api<Resolved>(`${base}/resolve`, { method: "POST", token: staff.token }));
    } catch (err) {
      complain(err);
    }
  };
  const services = list(f.details.services);
  const accounts = list(f.details.accounts);
  const words = list(f.details.words);
  const lines = list(f.details.lines);
  const canResolve = f.subject.startsWith("account:") || accounts.some((a) => a.startsWith("account:"));
  return (
    <li class="signal" data-flag={f.id} data-kind={f.kind} data-status={f.status}>
      <h3>
        {translate(ST, `kind_${f.kind}`)} · <code>{f.subject}</code>
      </h3>
      <p>
        {translate(ST, "count", { count: f.count, threshold: f.threshold, window: windowText(f.window_s) })}.{" "}
        {translate(ST, "period", { first: when(f.first_at), last: when(f.last_at) })}
      </p>
      {services.length ? (
        <p>
          {translate(ST, "services")}: {services.join(", ")}
        </p>
      ) : null}
      {accounts.length ? (
        <p>
          {translate(ST, "accounts")}: {accounts.join(", ")}
        </p>
      ) : null}
      {words.length ? (
        <p>
          {translate(ST, "words")}: <strong>{words.join(", ")}</strong>
        </p>
      ) : null}
      {lines.length ? (
        <div>
          {translate(ST, "lines")}:
          <ul>
            {lines.map((l, i) => (
              <li key={i} lang="id">
                “{l}”
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <details>
        <summary>{translate(ST, "evidence", { n: f.evidence.length })}</summary>
        <ul class="evidence">
          {f.evidence.map((e) => (
            <li key={e}>
              <code>{e}</code>
            </li>
          ))}
        </ul>
      </details>
      {canResolve ? (
        names ? (
          <ul class="plain resolved">
            {names.accounts.map((a) => (
              <li key={a.ref}>
                <code>{a.ref}</code>: {a.display_name}
              </li>
            ))}
          </ul>
        ) : (
          <button type="button" class="small resolve" onClick={() => void resolve()}>
            {translate(ST, "resolve")}
          </button>
        )
      ) : (
        <p class="hint">{translate(ST, "resolve_none")}</p>
      )}
      {f.status === "open" ? (
        <div class="review">
          <label>
            {translate(ST, "note")}
            <textarea maxLength={1000} rows={2} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
          </label>
          <div class="row">
            <button type="button" class="small primary confirm" disabled={busy} onClick={() => void review("confirmed")}>
              {translate(ST, "confirm")}
            </button>
            <button type="button" class="small dismiss" disabled={busy} onClick={() => void review("dismissed")}>
              {translate(ST, "dismiss_flag")}
            </button>
          </div>
        </div>
      ) : (
        <p class="outcome">
          <strong>{translate(ST, `outcome_${f.status}`)}</strong>{" "}
          {f.reviewed_by ? translate(ST, "reviewed_by", { who: f.reviewed_by }) : ""}
          {f.reviewed_at ? ` · ${when(f.reviewed_at)}` : ""}
          {f.note ? ` · ${f.note}` : ""}
        </p>
      )}
    </li>
  );
}
