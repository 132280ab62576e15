// Complaints (pengaduan): the form (#/pengaduan), reachable from every screen
// of the app and after a service, and the status page of a tracking code
// (#/pengaduan/<code>; the code is in the fragment, never sent as a query).

import { useEffect, useState } from "preact/hooks";
import { HallApiError } from "../protocol/rest";
import { pick, translate } from "../shared/i18n";
import {
  addComplaintPhoto,
  CATEGORIES,
  complaintStatus,
  fileComplaint,
  replyToComplaint,
  TRUST,
  type Category,
  type ComplaintStatus,
} from "../shared/trust";
import { auth } from "./auth";
import { hall } from "./store";
import { T } from "./texts";
import "./trustTexts";
import "./trust.css";
import { complaintAbout } from "./trustStore";

function messageOf(err: unknown): string {
  return err instanceof HallApiError ? pick(err.text) : String(err);
}

export function ComplaintPage({ code }: { code: string | null }) {
  return code ? <ComplaintStatusView code={code} /> : <ComplaintForm />;
}

function ComplaintForm() {
  const about = complaintAbout.value;
  const [category, setCategory] = useState<Category | "">("");
  const [text, setText] = useState("");
  const [rahasia, setRahasia] = useState(false);
  const [anonim, setAnonim] = useState(false);
  const [photo, setPhoto] = useState<File | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const [lookup, setLookup] = useState("");
  const a = auth.value;
  return (
    <>
      <section class="card complaint" aria-labelledby="complaint-title">
        <h2 id="complaint-title">{translate(T, "complaint_title")}</h2>
        <p class="hint">{translate(T, "complaint_intro")}</p>
        {about?.service ? <p class="hint">{translate(T, "complaint_about", { service: about.service })}</p> : null}
        <form
          data-testid="complaint-form"
          onSubmit={(e) => {
            e.preventDefault();
            const info = hall.value;
            if (!info || !category) {
              setError(translate(T, "complaint_pick_category"));
              return;
            }
            setSending(true);
            setError(null);
            // Anonymous: no token is sent at all, so the hall never learns who.
            const token = a && a.role === "citizen" && !anonim ? a.token : null;
            fileComplaint(
              info.id,
              {
                category,
                text,
                rahasia,
                anonim,
                service: about?.service ?? null,
                counter_id: about?.counter_id ?? null,
              },
              token,
            )
              .then(async (filed) => {
                if (photo) await addComplaintPhoto(filed.tracking_code, photo);
                complaintAbout.value = null;
                location.hash = `#/pengaduan/${filed.tracking_code}`;
              })
              .catch((err: unknown) => setError(messageOf(err)))
              .finally(() => setSending(false));
          }}
        >
          <label>
            {translate(T, "complaint_category")}
            <select
              name="category"
              required
              value={category}
              onChange={(e) => setCategory(e.currentTarget.value as Category)}
            >
              <option value="">{translate(T, "complaint_choose")}</option>
              {CATEGORIES.map((c) => (
                <option key={c} value={c}>
                  {translate(TRUST, `cat_${c}`)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {translate(T, "complaint_text")}
            <textarea
              name="text"
              required
              minLength={10}
              maxLength={4000}
              rows={5}
              value={text}
              onInput={(e) => setText(e.currentTarget.value)}
            />
          </label>
          <label>
            {translate(T, "complaint_photo")}
            <input
              type="file"
              name="photo"
              accept="image/jpeg,image/png,image/webp"
              onChange={(e) => setPhoto(e.currentTarget.files?.[0] ?? null)}
            />
          </label>
          <label class="check">
            <input type="checkbox" name="rahasia" checked={rahasia} onChange={(e) => setRahasia(e.currentTarget.checked)} />
            <span>{translate(T, "complaint_rahasia")}</span>
          </label>
          <label class="check">
            <input type="checkbox" name="anonim" checked={anonim} onChange={(e) => setAnonim(e.currentTarget.checked)} />
            <span>{translate(T, "complaint_anonim")}</span>
          </label>
          {error ? (
            <p class="error" role="alert">
              {error}
            </p>
          ) : null}
          <button type="submit" class="primary" disabled={sending} data-testid="complaint-send">
            {translate(T, "complaint_send")}
          </button>
        </form>
      </section>
      <section class="card" aria-labelledby="complaint-lookup-title">
        <h2 id="complaint-lookup-title">{translate(T, "complaint_lookup")}</h2>
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            const code = lookup.trim().toUpperCase();
            if (code) location.hash = `#/pengaduan/${code}`;
          }}
        >
          <label class="grow">
            {translate(T, "tracking_code")}
            <input name="complaint-code" autoComplete="off" value={lookup} onInput={(e) => setLookup(e.currentTarget.value)} />
          </label>
          <button type="submit">{translate(T, "complaint_check")}</button>
        </form>
      </section>
    </>
  );
}

function ComplaintStatusView({ code }: { code: string }) {
  const [status, setStatus] = useState<ComplaintStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reply, setReply] = useState("");
  useEffect(() => {
    setStatus(null);
    setError(null);
    complaintStatus(code)
      .then(setStatus)
      .catch((err: unknown) => setError(messageOf(err)));
  }, [code]);
  if (error) {
    return (
      <section class="card" role="alert">
        <p>{error}</p>
        <a href="#/pengaduan">{translate(T, "complaint_new")}</a>
      </section>
    );
  }
  if (!status) return <p class="card">{translate(T, "loading")}</p>;
  return (
    <section class="card complaint-status" aria-labelledby="complaint-status-title" data-testid="complaint-status">
      <h2 id="complaint-status-title">{translate(T, "complaint_status_title")}</h2>
      <p>{translate(T, "tracking_code")}:</p>
      <p class="code" data-testid="complaint-code">
        {status.tracking_code}
      </p>
      <p>{translate(T, "complaint_keep_code")}</p>
      <p>
        <strong>{translate(T, "complaint_stage")}:</strong>{" "}
        <span data-testid="complaint-stage" data-stage={status.stage}>
          {translate(TRUST, `stage_${status.stage}`)}
        </span>
      </p>
      <p>
        {translate(TRUST, `cat_${status.category}`)}
        {status.rahasia ? ` · ${translate(T, "complaint_rahasia_short")}` : ""}
        {status.anonim ? ` · ${translate(T, "complaint_anonim_short")}` : ""}
      </p>
      <blockquote>{status.text}</blockquote>
      <ol class="steps">
        {status.steps.map((s, i) => (
          <li key={i}>
            <b>{s.date}</b> {translate(TRUST, `step_${s.kind}`)}
            {s.note ? <>: {s.note}</> : null}
          </li>
        ))}
      </ol>
      {status.stage === "received" ? (
        <p class="hint">{translate(T, "complaint_verify_by", { date: status.deadlines.verify_by })}</p>
      ) : null}
      {status.stage === "verified" && status.deadlines.follow_up_by ? (
        <p class="hint">{translate(T, "complaint_follow_up_by", { date: status.deadlines.follow_up_by })}</p>
      ) : null}
      {status.deadlines.closes_on ? (
        <p class="hint">{translate(T, "complaint_closes_on", { date: status.deadlines.closes_on })}</p>
      ) : null}
      {status.can_reply ? (
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            if (!reply.trim()) return;
            replyToComplaint(code, reply)
              .then((next) => {
                setStatus(next);
                setReply("");
              })
              .catch((err: unknown) => setError(messageOf(err)));
          }}
        >
          <label class="grow">
            {translate(T, "complaint_reply")}
            <input name="complaint-reply" maxLength={2000} value={reply} onInput={(e) => setReply(e.currentTarget.value)} />
          </label>
          <button type="submit">{translate(T, "send")}</button>
        </form>
      ) : null}
      <a href="#/pengaduan">{translate(T, "complaint_new")}</a>
    </section>
  );
}
