// The citizen's number: state, place in line, wait range (live), the waiting
// spot, cancel; a booking's check-in; and, when called, where to go.

import { useState } from "preact/hooks";
import { lang, minutesRange, pick, translate } from "../shared/i18n";
import { askNotifications } from "./alerts";
import { called, complain, conn, liveTicket, services, walkLeft, walkTo, destination } from "./store";
import { T } from "./texts";

export function TicketCard() {
  const t = liveTicket.value;
  const call = called.value;
  const [confirming, setConfirming] = useState(false);
  if (!t) return null;
  const service = services.value.find((s) => s.code === t.service);
  const request = (msg: { type: string; [k: string]: unknown }): void => {
    conn()?.request(msg).catch(complain);
  };
  const notifications = "Notification" in window && Notification.permission === "default";
  return (
    <section class="card ticket" aria-labelledby="ticket-title" data-state={t.state}>
      <h2 id="ticket-title">{translate(T, "your_number")}</h2>
      <p class="number" data-testid="ticket-number">
        {t.number ?? "—"}
      </p>
      <p>
        <strong>{service?.name ?? t.service}</strong> · {translate(T, `state_${t.state}`)}
      </p>
      {t.state === "booked" && t.appointment_at ? (
        <>
          <p>
            {translate(T, "ticket_booked", {
              when: new Date(t.appointment_at * 1000).toLocaleString(lang.value === "id" ? "id-ID" : "en-GB"),
            })}
          </p>
          <button type="button" class="primary" onClick={() => request({ type: "check_in", ticket_id: t.ticket_id })}>
            {translate(T, "check_in")}
          </button>
        </>
      ) : null}
      {t.state === "waiting" ? (
        <>
          <p data-testid="position">
            {t.position === 1 ? translate(T, "position_next") : translate(T, "position", { n: t.position ?? "?" })}
          </p>
          {t.estimate ? (
            <p>{translate(T, "wait_range", { range: minutesRange(t.estimate.low_s, t.estimate.high_s) })}</p>
          ) : null}
          {t.wait_at ? (
            <button type="button" onClick={() => t.wait_at && void walkTo(t.wait_at)}>
              {translate(T, "go_wait")}
            </button>
          ) : null}
        </>
      ) : null}
      {call && call.ticket_id === t.ticket_id ? (
        <div class="called" role="alert">
          <h3>{translate(T, "called_title", { number: call.number })}</h3>
          <p>{translate(T, "called_text", { counter: pick(call.counter.name) })}</p>
          <button type="button" class="primary big" onClick={() => void walkTo(call.counter.position)}>
            {translate(T, "take_me_there")}
          </button>
          {destination.value ? <p aria-live="off">{translate(T, "walking", { m: Math.ceil(walkLeft.value) })}</p> : null}
        </div>
      ) : null}
      {notifications && (t.state === "waiting" || t.state === "booked") ? (
        <button type="button" class="link" onClick={() => void askNotifications()}>
          {translate(T, "notify_allow")}
        </button>
      ) : null}
      {["waiting", "booked", "parked", "called"].includes(t.state) ? (
        confirming ? (
          <div class="row">
            <span>{translate(T, "cancel_confirm", { number: t.number ?? "" })}</span>
            <button
              type="button"
              class="danger"
              onClick={() => {
                setConfirming(false);
                request({ type: "ticket_cancel", ticket_id: t.ticket_id });
              }}
            >
              {translate(T, "yes")}
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              {translate(T, "back")}
            </button>
          </div>
        ) : (
          <button type="button" class="link danger" onClick={() => setConfirming(true)}>
            {translate(T, "cancel_ticket")}
          </button>
        )
      ) : null}
    </section>
  );
}
