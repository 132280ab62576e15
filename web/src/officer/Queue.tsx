// The counter's queue: who waits, since when, with what priority; call the
// next number, or a given one with a reason (audited); the parked tickets.

import { useState } from "preact/hooks";
import type { QueueEntry } from "../protocol/messages";
import { translate } from "../shared/i18n";
import { callTicket, parked, queue, unpark } from "./store";
import { T } from "./texts";

export function waited(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)}:${String(m % 60).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}` : `${m}:${String(s % 60).padStart(2, "0")}`;
}

function clock(unix: number | null): string {
  if (!unix) return "—";
  return new Date(unix * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export function Queue() {
  const [calling, setCalling] = useState<QueueEntry | null>(null);
  const [reason, setReason] = useState("");
  const rows = queue.value;
  // Columns only when some ticket has something to show in them: the card is narrow.
  const anyPriority = rows.some((t) => t.priority !== "regular");
  const anyAppointment = rows.some((t) => t.appointment_at);
  return (
    <section class="card" aria-labelledby="queue-title" id="queue">
      <h2 id="queue-title">
        {translate(T, "queue")} ({rows.length})
      </h2>
      {rows.length === 0 ? (
        <p class="hint">{translate(T, "queue_empty")}</p>
      ) : (
        <div class="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">{translate(T, "number")}</th>
              <th scope="col">{translate(T, "service")}</th>
              {anyPriority ? <th scope="col">{translate(T, "priority")}</th> : null}
              <th scope="col">{translate(T, "waited")}</th>
              {anyAppointment ? <th scope="col">{translate(T, "appointment")}</th> : null}
              <th scope="col">
                <span class="sr-only">{translate(T, "actions")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((t) => (
              <tr key={t.ticket_id} data-number={t.number}>
                <td class="num">{t.number}</td>
                <td>{t.service}</td>
                {anyPriority ? (
                  <td>{t.priority === "regular" ? "" : translate(T, `prio_${t.priority}`)}</td>
                ) : null}
                <td>{waited(t.waited_s)}</td>
                {anyAppointment ? <td>{clock(t.appointment_at)}</td> : null}
                <td>
                  <button
                    type="button"
                    class="small"
                    aria-label={translate(T, "call_this", { number: t.number })}
                    onClick={() => {
                      setCalling(t);
                      setReason("");
                    }}
                  >
                    {translate(T, "call")}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      )}
      {calling ? (
        <form
          class="inline"
          id="call-given"
          onSubmit={(ev) => {
            ev.preventDefault();
            const entry = calling;
            setCalling(null);
            void callTicket(entry, reason.trim());
          }}
        >
          <label>
            {translate(T, "call_reason")} ({calling.number})
            <input id="call-reason" required value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          </label>
          <div class="row">
            <button type="submit" class="primary">
              {translate(T, "call_this", { number: calling.number })}
            </button>
            <button type="button" onClick={() => setCalling(null)}>
              {translate(T, "cancel")}
            </button>
          </div>
        </form>
      ) : null}
      {parked.value.length > 0 ? (
        <>
          <h3>{translate(T, "parked")}</h3>
          <ul class="plain" id="parked">
            {parked.value.map((p) => (
              <li key={p.ticket_id} class="row">
                <strong class="grow">
                  {p.number} {p.service}
                </strong>
                <button type="button" class="small" onClick={() => void unpark(p)}>
                  {translate(T, "unpark")}
                </button>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
