// The catalogue and each service's Standar Pelayanan, read before taking a
// number; then the priority group, and a number now or an appointment.

import { useState } from "preact/hooks";
import { translate } from "../shared/i18n";
import { auth } from "./auth";
import { complain, conn, services, type Service } from "./store";
import { T } from "./texts";

const GROUPS = ["regular", "elderly", "disabled", "pregnant", "small_children", "disaster_victim"] as const;

export function Services({ onSignIn }: { onSignIn: () => void }) {
  const [chosen, setChosen] = useState<string | null>(null);
  const service = services.value.find((s) => s.code === chosen);
  if (service) return <ServiceDetail service={service} onBack={() => setChosen(null)} onSignIn={onSignIn} />;
  return (
    <section class="card" aria-labelledby="services-title">
      <h2 id="services-title">{translate(T, "services_title")}</h2>
      {services.value.length === 0 ? <p>{translate(T, "loading")}</p> : null}
      <ul class="services">
        {services.value.map((s) => (
          <li key={s.code}>
            <button type="button" class="service" data-service={s.code} onClick={() => setChosen(s.code)}>
              <strong>{s.name}</strong>
              <span>{s.summary}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function ServiceDetail({ service, onBack, onSignIn }: { service: Service; onBack: () => void; onSignIn: () => void }) {
  const [priority, setPriority] = useState<string>("regular");
  const [when, setWhen] = useState("");
  const [booking, setBooking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [guestOk, setGuestOk] = useState(false);
  const citizen = auth.value?.role === "citizen";
  const st = service.standar;

  async function take(appointmentAt?: number): Promise<void> {
    const c = conn();
    if (!c) return;
    setBusy(true);
    try {
      const msg: Record<string, unknown> = { type: "ticket_take", service: service.code, priority };
      if (appointmentAt !== undefined) msg.appointment_at = appointmentAt;
      await c.request({ type: "ticket_take", ...msg });
    } catch (err) {
      complain(err);
    } finally {
      setBusy(false);
    }
  }

  const groups = GROUPS.filter((g) => g !== "elderly" || auth.value?.elderly);
  return (
    <section class="card" aria-labelledby="service-title">
      <button type="button" class="link" onClick={onBack}>
        ← {translate(T, "back")}
      </button>
      <h2 id="service-title">{service.name}</h2>
      <p>{service.summary}</p>
      <details open>
        <summary>{translate(T, "standard")}</summary>
        <h3>{translate(T, "requirements")}</h3>
        <ul>
          {st.requirements.map((r) => (
            <li key={r.id}>
              {r.text}
              {r.conditional ? <em> ({translate(T, "conditional")})</em> : null}
            </li>
          ))}
        </ul>
        <h3>{translate(T, "steps")}</h3>
        <ol>
          {st.steps.map((s, i) => (
            <li key={i}>{s}</li>
          ))}
        </ol>
        <h3>{translate(T, "time")}</h3>
        <p>
          {st.completion.text}
          {st.completion.max_working_days ? ` (${translate(T, "working_days", { n: st.completion.max_working_days })})` : ""}
        </p>
        <h3>{translate(T, "fee")}</h3>
        <p>{st.fee.text}</p>
        <h3>{translate(T, "product")}</h3>
        <p>{st.product}</p>
        <h3>{translate(T, "complaints")}</h3>
        <p>{st.complaints}</p>
      </details>
      {!citizen && !guestOk ? (
        <div class="notice">
          <p>{translate(T, "guest_can_only_ask")}</p>
          <div class="row">
            <button type="button" class="primary" onClick={onSignIn}>
              {translate(T, "sign_in")}
            </button>
            <button type="button" onClick={() => setGuestOk(true)}>
              {translate(T, "continue_as_guest")}
            </button>
          </div>
        </div>
      ) : (
        <>
          <label>
            {translate(T, "priority")}
            <select name="priority" value={priority} onChange={(e) => setPriority(e.currentTarget.value)}>
              {groups.map((g) => (
                <option key={g} value={g}>
                  {translate(T, `pr_${g}`)}
                </option>
              ))}
            </select>
          </label>
          {priority !== "regular" && priority !== "elderly" ? <p class="hint">{translate(T, "priority_note")}</p> : null}
          <div class="row">
            <button type="button" class="primary big" disabled={busy} onClick={() => void take()}>
              {translate(T, "take_number")}
            </button>
            <button type="button" onClick={() => setBooking(!booking)} aria-expanded={booking}>
              {translate(T, "book")}
            </button>
          </div>
          {booking ? (
            <form
              class="row"
              onSubmit={(e) => {
                e.preventDefault();
                const at = Date.parse(when);
                if (!Number.isNaN(at)) void take(Math.round(at / 1000));
              }}
            >
              <label>
                {translate(T, "book_at")}
                <input type="datetime-local" required value={when} onInput={(e) => setWhen(e.currentTarget.value)} />
              </label>
              <button type="submit" disabled={busy}>
                {translate(T, "book_go")}
              </button>
            </form>
          ) : null}
        </>
      )}
    </section>
  );
}
