// The status of an application, by tracking code and the applicant's NIK
// (docs/protocol.md section 12), refreshed while the page is open.

import { useEffect, useState } from "preact/hooks";
import type { Bilingual } from "../protocol/messages";
import { api, HallApiError } from "../protocol/rest";
import { lang, pick, translate } from "../shared/i18n";
import { keptApplications } from "./store";
import { T } from "./texts";

interface Lookup {
  tracking_code: string;
  service: string;
  status: string;
  text: Bilingual;
  filed_at: number | string;
  updated_at: number | string;
  history: Array<{ at: number | string; status: string; text: Bilingual }>;
}

const REFRESH_MS = 15_000;

function when(v: number | string): string {
  const ms = typeof v === "number" ? v * 1000 : Date.parse(v);
  return new Date(ms).toLocaleString(lang.value === "id" ? "id-ID" : "en-GB");
}

export function StatusPage() {
  const kept = keptApplications();
  const [code, setCode] = useState(kept[0]?.tracking_code ?? "");
  const [nik, setNik] = useState("");
  const [query, setQuery] = useState<{ code: string; nik: string } | null>(null);
  const [found, setFound] = useState<Lookup | null>(null);
  const [error, setError] = useState("");

  useEffect(() => {
    if (!query) return;
    let stop = false;
    const look = async (): Promise<void> => {
      try {
        const out = await api<Lookup>("/api/v1/applications/lookup", {
          body: { tracking_code: query.code, nik: query.nik },
        });
        if (!stop) {
          setFound(out);
          setError("");
        }
      } catch (err) {
        if (stop) return;
        setFound(null);
        setError(
          err instanceof HallApiError && err.code === "not_found"
            ? translate(T, "status_not_found")
            : err instanceof HallApiError
              ? pick(err.text)
              : String(err),
        );
      }
    };
    void look();
    const timer = setInterval(() => {
      if (!document.hidden) void look();
    }, REFRESH_MS);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, [query]);

  return (
    <section class="card" aria-labelledby="status-title">
      <h2 id="status-title">{translate(T, "status_title")}</h2>
      <p class="hint">{translate(T, "status_help")}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setQuery({ code: code.trim().toUpperCase(), nik: nik.replace(/\s+/g, "") });
        }}
      >
        <label>
          {translate(T, "tracking_code")}
          <input
            name="tracking_code"
            autoComplete="off"
            required
            value={code}
            list="kept-codes"
            onInput={(e) => setCode(e.currentTarget.value)}
          />
        </label>
        <datalist id="kept-codes">
          {kept.map((k) => (
            <option key={k.tracking_code} value={k.tracking_code}>
              {k.service}
            </option>
          ))}
        </datalist>
        <label>
          {translate(T, "nik")}
          <input
            name="lookup-nik"
            inputMode="numeric"
            autoComplete="off"
            required
            value={nik}
            onInput={(e) => setNik(e.currentTarget.value)}
          />
        </label>
        <button type="submit" class="primary">
          {translate(T, "status_go")}
        </button>
      </form>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      {found ? (
        <div class="lookup" data-testid="status-result">
          <p>
            <strong>{found.tracking_code}</strong> · {found.service}
          </p>
          <p class="status-now" data-status={found.status}>
            {pick(found.text)}
          </p>
          <p class="hint">
            {translate(T, "status_filed_at")}: {when(found.filed_at)}
          </p>
          <h3>{translate(T, "status_history")}</h3>
          <ol>
            {found.history.map((h, i) => (
              <li key={i}>
                {when(h.at)} — {pick(h.text)}
              </li>
            ))}
          </ol>
          <p class="hint">{translate(T, "status_live")}</p>
        </div>
      ) : null}
      {kept.length > 0 ? (
        <>
          <h3>{translate(T, "my_applications")}</h3>
          <ul>
            {kept.map((k) => (
              <li key={k.tracking_code}>
                <button type="button" class="link" onClick={() => setCode(k.tracking_code)}>
                  {k.tracking_code}
                </button>{" "}
                {k.service}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
