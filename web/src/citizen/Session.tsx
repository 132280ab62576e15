// At the counter: the private chat with the clerk, the form from the
// catalogue's fields with inline validation, documents from the phone, the
// checklist of what is missing, the call (only with a person), and the
// tracking code once filed.

import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../protocol/rest";
import { lang, pick, translate } from "../shared/i18n";
import { validateField } from "../shared/forms";
import { auth } from "./auth";
import { Call } from "./Call";
import {
  complain,
  conn,
  formErrors,
  say,
  services,
  session,
  sessionChat,
  uploads,
  type FormFieldSpec,
} from "./store";
import { T } from "./texts";
import { shrinkImage } from "./images";

type Tab = "chat" | "form" | "documents";

export function SessionPanel() {
  const s = session.value;
  const [tab, setTab] = useState<Tab>("chat");
  if (!s) return null;
  const counterName = s.counter_id;
  return (
    <section class="card session" aria-labelledby="session-title">
      <h2 id="session-title">{translate(T, "session_title", { counter: counterName })}</h2>
      <p class="hint" data-testid="staffed-by">
        {s.staffed_by === "bot" ? translate(T, "served_by_bot") : translate(T, "served_by_officer")}
      </p>
      {s.staffed_by === "officer" ? <Call /> : null}
      <div role="tablist" class="tabs">
        {(["chat", "form", "documents"] as Tab[]).map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            id={`tab-${t}`}
            aria-selected={tab === t}
            aria-controls={`panel-${t}`}
            onClick={() => setTab(t)}
          >
            {translate(T, `tab_${t}`)}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === "chat" ? <SessionChat /> : tab === "form" ? <SessionForm /> : <Documents />}
      </div>
      <Checklist />
    </section>
  );
}

function SessionChat() {
  const s = session.value;
  const [text, setText] = useState("");
  const list = useRef<HTMLOListElement>(null);
  const lines = sessionChat.value;
  useEffect(() => {
    list.current?.lastElementChild?.scrollIntoView({ block: "nearest" });
  }, [lines.length]);
  const me = conn()?.view.me;
  return (
    <div class="chat">
      <ol ref={list} aria-live="polite" class="lines">
        {lines.map((c, i) => (
          <li key={i} class={c.from.id === me ? "mine" : ""}>
            <b>{c.from.name}</b> {lang.value === "en" && c.text_en ? c.text_en : c.text}
          </li>
        ))}
      </ol>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (!s?.channel || !text.trim()) return;
          conn()?.send({ type: "chat", channel: s.channel, text });
          setText("");
        }}
      >
        <label class="grow">
          <span class="sr-only">{translate(T, "chat_label")}</span>
          <input
            name="session-chat"
            maxLength={500}
            autoComplete="off"
            placeholder={translate(T, "chat_placeholder")}
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
        </label>
        <button type="submit">{translate(T, "send")}</button>
      </form>
    </div>
  );
}

function fieldsOf(): FormFieldSpec[] {
  const s = session.value;
  const service = services.value.find((x) => x.code === s?.service);
  if (!s || !service) return [];
  const wanted = new Set(s.fields);
  return service.fields.filter((f) => wanted.has(f.name));
}

function SessionForm() {
  const s = session.value;
  const [values, setValues] = useState<Record<string, string>>({});
  const [local, setLocal] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    // What the server keeps comes back in the session: fill what is not being typed.
    if (!s) return;
    const fromServer: Record<string, string> = {};
    for (const [k, v] of Object.entries(s.form)) if (v !== null && v !== undefined) fromServer[k] = String(v);
    setValues((mine) => ({ ...fromServer, ...mine }));
  }, [s?.session_id, JSON.stringify(s?.form)]);
  if (!s) return null;
  const fields = fieldsOf();
  const server = formErrors.value;
  const guest = auth.value?.role !== "citizen";

  async function save(e: Event): Promise<void> {
    e.preventDefault();
    const errors: Record<string, string> = {};
    const out: Record<string, unknown> = {};
    for (const f of fields) {
      if (f.type === "nik" && f.name === "nik") continue;
      const v = values[f.name] ?? "";
      const problem = validateField(f, v);
      if (problem) errors[f.name] = translate(T, problem.key, problem.vars);
      if (f.type === "boolean") out[f.name] = v === "true";
      else if (f.type === "number") out[f.name] = v === "" ? null : Number(v);
      else out[f.name] = v === "" ? null : v;
    }
    setLocal(errors);
    if (Object.keys(errors).length > 0) {
      say(translate(T, "form_errors"));
      return;
    }
    try {
      const result = await conn()?.request<"form_result">({ type: "form_update", fields: out });
      setSaved(result ? Object.keys(result.errors).length === 0 : false);
      if (result && Object.keys(result.errors).length > 0) say(translate(T, "form_errors"));
    } catch (err) {
      complain(err);
    }
  }

  async function chooseVariant(value: string): Promise<void> {
    setValues({ ...values, variant: value });
    try {
      await conn()?.request({ type: "form_update", fields: { variant: value } });
    } catch (err) {
      complain(err);
    }
  }

  if (guest) return <p class="notice">{translate(T, "guest_can_only_ask")}</p>;
  return (
    <form onSubmit={save} noValidate class="form">
      {fields.map((f) => {
        const id = `f-${f.name}`;
        const error = local[f.name] ?? (server[f.name] ? pick(server[f.name]) : "");
        const common = {
          id,
          name: f.name,
          "aria-invalid": error ? true : undefined,
          "aria-describedby": error ? `${id}-err` : f.help ? `${id}-help` : undefined,
        };
        const value = values[f.name] ?? "";
        const set = (v: string): void => {
          setValues({ ...values, [f.name]: v });
          setSaved(false);
        };
        let control;
        if (f.type === "nik" && f.name === "nik") {
          control = <input {...common} value={String(s.form.nik ?? "")} readOnly aria-readonly="true" />;
        } else if (f.type === "select") {
          control = (
            <select
              {...common}
              value={value}
              onChange={(e) =>
                f.name === "variant" ? void chooseVariant(e.currentTarget.value) : set(e.currentTarget.value)
              }
            >
              <option value="">{translate(T, "choose")}</option>
              {(f.options ?? []).map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          );
        } else if (f.type === "boolean") {
          control = (
            <input
              {...common}
              type="checkbox"
              checked={value === "true"}
              onChange={(e) => set(e.currentTarget.checked ? "true" : "")}
            />
          );
        } else if (f.type === "document") {
          control = (
            <select {...common} value={value} onChange={(e) => set(e.currentTarget.value)}>
              <option value="">{translate(T, "document_pick")}</option>
              {uploads.value.map((u) => (
                <option key={u.document_id} value={u.document_id}>
                  {requirementText(u.requirement)}
                </option>
              ))}
            </select>
          );
        } else {
          const type =
            f.type === "date" ? "date" : f.type === "number" ? "number" : f.type === "email" ? "email" : f.type === "phone" ? "tel" : "text";
          control = (
            <input
              {...common}
              type={type as "text"}
              inputMode={f.type === "number" || f.type === "nik" ? "numeric" : undefined}
              maxLength={f.max_length ?? undefined}
              value={value}
              onInput={(e) => set(e.currentTarget.value)}
            />
          );
        }
        return (
          <div class={f.type === "boolean" ? "field check" : "field"} key={f.name}>
            <label for={id}>
              {f.label}
              {f.required ? <span class="req"> ({translate(T, "required")})</span> : null}
              {f.type === "nik" && f.name === "nik" ? <span class="hint"> — {translate(T, "nik_from_sign_in")}</span> : null}
            </label>
            {control}
            {f.help ? (
              <p class="hint" id={`${id}-help`}>
                {f.help}
              </p>
            ) : null}
            {error ? (
              <p class="error" id={`${id}-err`}>
                {error}
              </p>
            ) : null}
          </div>
        );
      })}
      <button type="submit" class="primary">
        {translate(T, "form_save")}
      </button>
      {saved ? <p role="status">{translate(T, "form_saved")}</p> : null}
      {session.value?.staffed_by === "bot" ? <p class="hint">{translate(T, "submit_note")}</p> : null}
    </form>
  );
}

function requirementText(id: string): string {
  const item = session.value?.checklist.find((c) => c.requirement === id);
  return item ? pick(item.text) : id;
}

function Documents() {
  const s = session.value;
  const [busy, setBusy] = useState<string | null>(null);
  if (!s) return null;
  if (auth.value?.role !== "citizen") return <p class="notice">{translate(T, "guest_can_only_ask")}</p>;

  async function upload(requirement: string, file: File): Promise<void> {
    const current = session.value;
    const token = auth.value?.token;
    if (!current || !token) return;
    setBusy(requirement);
    try {
      const blob = await shrinkImage(file);
      const out = await api<{ document_id: string; requirement: string; media_type: string; size: number }>(
        `/api/v1/counter-sessions/${encodeURIComponent(current.session_id)}/documents/${encodeURIComponent(requirement)}`,
        { method: "PUT", raw: blob, token },
      );
      uploads.value = [...uploads.value.filter((u) => u.requirement !== requirement), out];
    } catch (err) {
      complain(err);
    } finally {
      setBusy(null);
    }
  }

  return (
    <div class="documents">
      <p class="hint">{translate(T, "upload_note")}</p>
      <ul>
        {s.checklist.map((c) => {
          const done = c.shown || uploads.value.some((u) => u.requirement === c.requirement);
          const id = `doc-${c.requirement}`;
          return (
            <li key={c.requirement} class={done ? "done" : ""}>
              <label for={id}>
                {pick(c.text)}
                {conditional(s.service, c.requirement) ? <em> ({translate(T, "conditional")})</em> : null}{" "}
                {done ? <strong>✓ {translate(T, "uploaded")}</strong> : null}
              </label>
              <input
                id={id}
                type="file"
                accept="image/jpeg,image/png,image/webp,application/pdf"
                data-requirement={c.requirement}
                disabled={busy !== null}
                onChange={(e) => {
                  const file = e.currentTarget.files?.[0];
                  if (file) void upload(c.requirement, file);
                  e.currentTarget.value = "";
                }}
              />
              {busy === c.requirement ? <span role="status">{translate(T, "uploading")}</span> : null}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function conditional(service: string, requirement: string): boolean {
  const found = services.value.find((x) => x.code === service);
  return found?.standar.requirements.find((r) => r.id === requirement)?.conditional ?? false;
}

function Checklist() {
  const s = session.value;
  if (!s) return null;
  // Conditional requirements (only if they apply to you) do not block filing.
  const missing = s.checklist.filter((c) => !c.shown && !conditional(s.service, c.requirement));
  return (
    <div class="checklist" aria-live="polite">
      <h3>{translate(T, "checklist")}</h3>
      {missing.length === 0 ? (
        <p>{translate(T, "checklist_done")}</p>
      ) : (
        <ul>
          {missing.map((c) => (
            <li key={c.requirement}>{pick(c.text)}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
