// The supervisor's IKM table (this year's survey, as published) and the
// complaints to handle: overdue ones first, each moved a stage with a button
// (verify, follow up with the answer the reporter reads, close).

import { useEffect, useState } from "preact/hooks";
import { translate } from "../shared/i18n";
import {
  actOnComplaint,
  forwardComplaint,
  handlerComplaints,
  ikmCsvUrl,
  loadIkm,
  TRUST,
  type HandledComplaint,
  type Ikm,
} from "../shared/trust";
import { complain, hall, say, staff } from "./store";
import { TT } from "./trustTexts";

export function TrustPanels() {
  return (
    <>
      <IkmPanel />
      <ComplaintsPanel />
    </>
  );
}

function IkmPanel() {
  const info = hall.value;
  const [data, setData] = useState<Ikm | null>(null);
  useEffect(() => {
    if (info) loadIkm(info.id).then(setData).catch(complain);
  }, [info?.id]);
  if (!info) return null;
  return (
    <section class="card wide" aria-labelledby="ikm-title" id="ikm">
      <h2 id="ikm-title">{translate(TT, "ikm_title", { period: data?.period ?? "" })}</h2>
      {data ? (
        <div class="scroll" tabIndex={0}>
          <table id="ikm-table">
            <thead>
              <tr>
                <th scope="col">{translate(TT, "group")}</th>
                <th scope="col">IKM</th>
                <th scope="col">{translate(TT, "grade")}</th>
                <th scope="col">{translate(TT, "respondents")}</th>
                <th scope="col">{translate(TT, "sample")}</th>
              </tr>
            </thead>
            <tbody>
              {[
                { key: translate(TT, "whole_hall"), g: data.overall },
                ...data.by_service.map((g) => ({ key: g.service, g })),
                ...data.by_served_by.map((g) => ({ key: translate(TRUST, `by_${g.served_by}`), g })),
                ...data.by_counter.map((g) => ({ key: g.counter_id, g })),
              ].map(({ key, g }, i) => (
                <tr key={`${i}-${key}`}>
                  <th scope="row">{key}</th>
                  <td>{g.ikm ?? "—"}</td>
                  <td>{g.withheld ? translate(TRUST, "withheld") : g.grade ?? "—"}</td>
                  <td>{g.respondents}</td>
                  <td>{g.sample ? `${g.sample.needed} / ${g.sample.transactions}` : ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <p>
        <a href="/ikm">{translate(TT, "ikm_public")}</a>
        {data ? (
          <>
            {" · "}
            <a href={ikmCsvUrl(info.id, data.period)} download>
              {translate(TT, "ikm_csv")}
            </a>
          </>
        ) : null}
      </p>
    </section>
  );
}

function ComplaintsPanel() {
  const info = hall.value;
  const [items, setItems] = useState<HandledComplaint[]>([]);
  const [overdue, setOverdue] = useState(0);
  const [notes, setNotes] = useState<Record<string, string>>({});
  const reload = (): void => {
    const token = staff.token;
    if (!info || !token) return;
    handlerComplaints(info.id, token)
      .then((r) => {
        setItems(r.complaints);
        setOverdue(r.overdue);
      })
      .catch(complain);
  };
  useEffect(reload, [info?.id]);
  if (!info) return null;
  const act = (c: HandledComplaint, action: "verify" | "follow_up" | "close"): void => {
    const token = staff.token;
    if (!token) return;
    actOnComplaint(info.id, c.complaint_id, action, notes[c.complaint_id]?.trim() || null, token)
      .then(() => {
        say(translate(TT, `done_${action}`));
        setNotes({ ...notes, [c.complaint_id]: "" });
        reload();
      })
      .catch(complain);
  };
  const forward = (c: HandledComplaint): void => {
    const token = staff.token;
    if (!token) return;
    forwardComplaint(info.id, c.complaint_id, token)
      .then(() => {
        say(translate(TT, "done_forward"));
        reload();
      })
      .catch(complain);
  };
  const open = [...items].sort((a, b) => Number(Boolean(b.overdue)) - Number(Boolean(a.overdue)));
  return (
    <section class="card wide" aria-labelledby="complaints-title" id="complaints">
      <h2 id="complaints-title">
        {translate(TT, "complaints")}
        {overdue ? (
          <span class="badge overdue" data-testid="overdue-count">
            {" "}
            · {translate(TT, "overdue_n", { n: overdue })}
          </span>
        ) : null}
      </h2>
      <button type="button" class="small" onClick={reload}>
        {translate(TT, "refresh")}
      </button>
      {open.length === 0 ? <p class="hint">{translate(TT, "none")}</p> : null}
      <ul class="complaints">
        {open.map((c) => (
          <li key={c.complaint_id} class="complaint" data-complaint={c.complaint_id} data-stage={c.stage}>
            <p>
              <strong>{translate(TRUST, `cat_${c.category}`)}</strong> · {translate(TRUST, `stage_${c.stage}`)} ·{" "}
              {c.received_on}
              {c.service ? ` · ${c.service}` : ""}
              {c.counter_id ? ` · ${c.counter_id}` : ""}
              {c.rahasia ? ` · ${translate(TT, "rahasia")}` : ""}
              {c.anonim ? ` · ${translate(TT, "anonim")}` : c.reporter ? ` · ${c.reporter}` : ""}
              {c.overdue ? <strong class="overdue"> · {translate(TT, `overdue_${c.overdue}`)}</strong> : null}
            </p>
            <blockquote>{c.text}</blockquote>
            {c.photo ? (
              <p class="hint">{translate(TT, "has_photo")}</p>
            ) : null}
            {c.replied ? <p class="hint">{translate(TT, "replied")}</p> : null}
            {c.forwarded ? <p class="hint">{translate(TT, "forwarded")}</p> : null}
            <p class="hint">
              {c.stage === "received" ? translate(TT, "verify_by", { date: c.deadlines.verify_by }) : null}
              {c.stage === "verified" && c.deadlines.follow_up_by
                ? translate(TT, "follow_up_by", { date: c.deadlines.follow_up_by })
                : null}
              {c.deadlines.closes_on ? translate(TT, "closes_on", { date: c.deadlines.closes_on }) : null}
            </p>
            {c.stage !== "closed" ? (
              <div class="row">
                <label class="grow">
                  {translate(TT, "note")}
                  <input
                    name={`note-${c.complaint_id}`}
                    maxLength={2000}
                    value={notes[c.complaint_id] ?? ""}
                    onInput={(e) => setNotes({ ...notes, [c.complaint_id]: e.currentTarget.value })}
                  />
                </label>
                {c.stage === "received" ? (
                  <button type="button" class="small" onClick={() => act(c, "verify")}>
                    {translate(TT, "verify")}
                  </button>
                ) : null}
                {c.stage === "verified" || (c.stage === "followed_up" && c.replied) ? (
                  <button type="button" class="small" onClick={() => act(c, "follow_up")}>
                    {translate(TT, "follow_up")}
                  </button>
                ) : null}
                <button type="button" class="small" onClick={() => act(c, "close")}>
                  {translate(TT, "close")}
                </button>
                {!c.forwarded ? (
                  <button type="button" class="small" onClick={() => forward(c)}>
                    {translate(TT, "forward")}
                  </button>
                ) : null}
              </div>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
