// Sign in with NIK and one-time code (docs/protocol.md section 2). The NIK is
// checked on the phone first (a typo costs no code), sent in a body only, and
// never kept: the token carries it sealed.

import { useState } from "preact/hooks";
import { HallApiError } from "../protocol/rest";
import { pick, translate } from "../shared/i18n";
import { ageFromNik, checkNik } from "../protocol/nik";
import { citizenToken, keep, requestCode } from "./auth";
import { connectHall, hall } from "./store";
import { T } from "./texts";

export function SignIn({ onDone, onCancel }: { onDone: () => void; onCancel: () => void }) {
  const [nik, setNik] = useState("");
  const [sent, setSent] = useState<{ nik: string; expires_in_s: number } | null>(null);
  const [code, setCode] = useState("");
  const [name, setName] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  async function send(e: Event): Promise<void> {
    e.preventDefault();
    const check = checkNik(nik);
    if (!check.ok) {
      setError(translate(T, `nik_bad_${check.reason ?? "digits"}`));
      return;
    }
    setBusy(true);
    setError("");
    try {
      setSent(await requestCode(nik.replace(/\s+/g, "")));
    } catch (err) {
      setError(err instanceof HallApiError ? pick(err.text) : String(err));
    } finally {
      setBusy(false);
    }
  }

  async function signIn(e: Event): Promise<void> {
    e.preventDefault();
    const info = hall.value;
    if (!info) return;
    setBusy(true);
    setError("");
    try {
      const age = ageFromNik(nik) ?? 0;
      keep(await citizenToken(info.id, nik.replace(/\s+/g, ""), code.trim(), name.trim(), age >= 60));
      setNik("");
      connectHall();
      onDone();
    } catch (err) {
      setError(err instanceof HallApiError ? pick(err.text) : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card" aria-labelledby="signin-title">
      <h2 id="signin-title">{translate(T, "sign_in")}</h2>
      {!sent ? (
        <form onSubmit={send}>
          <label>
            {translate(T, "nik")}
            <input
              name="nik"
              inputMode="numeric"
              autoComplete="off"
              maxLength={20}
              required
              value={nik}
              onInput={(e) => setNik(e.currentTarget.value)}
            />
          </label>
          <div class="row">
            <button type="submit" class="primary" disabled={busy}>
              {translate(T, "send_code")}
            </button>
            <button type="button" onClick={onCancel}>
              {translate(T, "cancel")}
            </button>
          </div>
        </form>
      ) : (
        <form onSubmit={signIn}>
          <p>{translate(T, "code_sent", { nik: sent.nik, minutes: Math.round(sent.expires_in_s / 60) })}</p>
          <label>
            {translate(T, "code")}
            <input
              name="code"
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={6}
              required
              value={code}
              onInput={(e) => setCode(e.currentTarget.value)}
            />
          </label>
          <label>
            {translate(T, "display_name")}
            <input
              name="display_name"
              maxLength={40}
              required
              value={name}
              aria-describedby="name-help"
              onInput={(e) => setName(e.currentTarget.value)}
            />
          </label>
          <p id="name-help" class="hint">
            {translate(T, "display_name_help")}
          </p>
          <div class="row">
            <button type="submit" class="primary" disabled={busy}>
              {translate(T, "sign_in_go")}
            </button>
            <button type="button" onClick={onCancel}>
              {translate(T, "cancel")}
            </button>
          </div>
        </form>
      )}
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
    </section>
  );
}
