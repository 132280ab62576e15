// The counter session as the officer sees it: who (verified or not, NIK
// masked, filings on behalf of others), the form, the checklist of the
// Standar Pelayanan, the uploaded documents in a viewer, submit and the
// tracking code.

import { useEffect, useState } from "preact/hooks";
import type { DocumentInfo } from "../protocol/messages";
import { pick, translate } from "../shared/i18n";
import {
  calledNumber,
  citizenName,
  complain,
  documentsShown,
  documentUrl,
  filed,
  priorityReview,
  services,
  session,
  submit,
} from "./store";
import { T } from "./texts";

/** Show at most the first 4 and last 4 digits of a NIK-like value. */
function masked(value: unknown): string {
  const s = String(value ?? "");
  return /^\d{16}$/.test(s) ? `${s.slice(0, 4)}********${s.slice(12)}` : s;
}

function shown(name: string, value: unknown): string {
  if (name === "nik" || name.endsWith("_nik")) return masked(value);
  if (typeof value === "boolean") return value ? "✓" : "✗";
  return String(value);
}

export function SessionPanel() {
  const s = session.value;
  if (!s) {
    const number = calledNumber.value;
    return (
      <section class="card" aria-labelledby="session-title" id="session">
        <h2 id="session-title">{translate(T, "current")}</h2>
        <p>{number ? translate(T, "waiting_citizen", { number }) : translate(T, "no_current")}</p>
      </section>
    );
  }
  const service = services.value.find((x) => x.code === s.service);
  const label = (name: string): string => service?.fields.find((f) => f.name === name)?.label ?? name;
  const name = citizenName();
  const identity = s.identity;
  return (
    <section class="card" aria-labelledby="session-title" id="session" data-session={s.session_id}>
      <h2 id="session-title">
        {translate(T, "current")}: <span class="num" id="session-number">{s.ticket_number}</span> · {service?.name ?? s.service}
      </h2>
      <p>
        <strong>{translate(T, "citizen")}:</strong> <span id="citizen-name">{name ?? "—"}</span>
        {identity ? (
          <>
            {" · "}
            <span class={identity.verified ? "ok" : "warn"} id="identity">
              {translate(T, identity.verified ? "verified" : "not_verified")}
            </span>
            {identity.on_behalf_filings > 0 ? (
              <span class="warn"> · {translate(T, "on_behalf_filings", { n: identity.on_behalf_filings })}</span>
            ) : null}
          </>
        ) : null}
      </p>
      {s.on_behalf ? (
        <p class="notice" id="on-behalf">
          {translate(T, "on_behalf", {
            relationship: translate(T, `rel_${s.on_behalf.relationship}`),
            nik: s.on_behalf.nik,
          })}
        </p>
      ) : null}
      <div class="row">
        <button type="button" class="small" onClick={() => void priorityReview(true)}>
          {translate(T, "confirm_priority")}
        </button>
        <button type="button" class="small" onClick={() => void priorityReview(false)}>
          {translate(T, "withdraw_priority")}
        </button>
      </div>
      <div class="cols2">
        <div>
          <h3>{translate(T, "form")}</h3>
          <FormView form={s.form} fields={s.fields} label={label} />
        </div>
        <div>
          <Checklist key={s.session_id} />
        </div>
      </div>
      <Documents docs={s.documents ?? []} />
      <div class="row">
        <button type="button" class="primary" id="submit" disabled={!!filed.value} onClick={() => void submit()}>
          {translate(T, "submit")}
          <kbd>S</kbd>
        </button>
        {filed.value ? (
          <strong id="tracking" role="status">
            {translate(T, "filed", { code: filed.value.tracking_code })}
          </strong>
        ) : null}
      </div>
    </section>
  );
}

function FormView(props: { form: Record<string, unknown>; fields: string[]; label: (n: string) => string }) {
  const names = [...new Set([...props.fields, ...Object.keys(props.form)])];
  if (names.length === 0) return <p class="hint">{translate(T, "form_empty")}</p>;
  return (
    <dl class="form" id="form">
      {names.map((n) => (
        <div key={n} class="pair">
          <dt>{props.label(n)}</dt>
          <dd class={n in props.form ? "" : "missing"}>
            {n in props.form ? shown(n, props.form[n]) : translate(T, "missing")}
          </dd>
        </div>
      ))}
    </dl>
  );
}

function Checklist() {
  const s = session.value;
  const [ticked, setTicked] = useState<Set<string>>(new Set(s?.checklist.filter((c) => c.shown).map((c) => c.requirement)));
  useEffect(() => {
    setTicked(new Set(session.value?.checklist.filter((c) => c.shown).map((c) => c.requirement)));
  }, [s?.checklist.map((c) => `${c.requirement}:${c.shown}`).join(",")]);
  if (!s) return null;
  return (
    <fieldset class="checklist" id="checklist">
      <legend>{translate(T, "checklist")}</legend>
      {s.checklist.map((c) => (
        <label key={c.requirement} class="check">
          <input
            type="checkbox"
            checked={ticked.has(c.requirement)}
            onChange={(e) => {
              const next = new Set(ticked);
              if (e.currentTarget.checked) next.add(c.requirement);
              else next.delete(c.requirement);
              setTicked(next);
            }}
          />
          <span>{pick(c.text)}</span>
        </label>
      ))}
      <button type="button" class="small" onClick={() => void documentsShown([...ticked])}>
        {translate(T, "checklist_save")}
      </button>
    </fieldset>
  );
}

function Documents(props: { docs: DocumentInfo[] }) {
  const [open, setOpen] = useState<{ doc: DocumentInfo; url: string } | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => () => (open ? URL.revokeObjectURL(open.url) : undefined), [open?.url]);
  async function view(doc: DocumentInfo): Promise<void> {
    setFailed(false);
    try {
      setOpen({ doc, url: await documentUrl(doc.document_id) });
    } catch (err) {
      setFailed(true);
      complain(err);
    }
  }
  return (
    <div id="documents">
      <h3>{translate(T, "documents")}</h3>
      {props.docs.length === 0 ? (
        <p class="hint">{translate(T, "no_documents")}</p>
      ) : (
        <ul class="plain">
          {props.docs.map((d) => (
            <li key={d.document_id} class="row">
              <span class="grow">
                {d.requirement} · {d.media_type} · {Math.ceil(d.size / 1024)} KB
              </span>
              <button type="button" class="small" onClick={() => void view(d)}>
                {translate(T, "view_doc")}
              </button>
            </li>
          ))}
        </ul>
      )}
      {failed ? <p class="error">{translate(T, "doc_failed")}</p> : null}
      {open ? (
        <div class="viewer" id="viewer">
          {open.doc.media_type === "application/pdf" ? (
            <iframe src={open.url} title={open.doc.requirement} />
          ) : (
            <img src={open.url} alt={open.doc.requirement} />
          )}
          <button type="button" class="small" onClick={() => setOpen(null)}>
            {translate(T, "close_viewer")}
          </button>
        </div>
      ) : null}
    </div>
  );
}
