// The public IKM page (/ikm): the citizen satisfaction index of the hall as
// PermenPAN-RB 14/2017 asks it published: overall, per service, per counter,
// bot versus officer, per month, with respondents against the Krejcie-Morgan
// sample, and the CSV. No sign-in: figures only, small groups withheld.

import { useEffect, useState } from "preact/hooks";
import { HallApiError } from "../protocol/rest";
import { findHall, type HallInfo } from "../shared/halls";
import { lang, pick, setLang, translate } from "../shared/i18n";
import { ikmCsvUrl, loadIkm, TRUST, type Ikm, type IkmGroup } from "../shared/trust";
import { I } from "./texts";

export function App() {
  const [hall, setHall] = useState<HallInfo | null>(null);
  const [year, setYear] = useState(String(new Date().getFullYear()));
  const [data, setData] = useState<Ikm | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    findHall()
      .then(setHall)
      .catch((err: unknown) => setError(err instanceof HallApiError ? pick(err.text) : String(err)));
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang.value;
    document.title = translate(I, "title");
  }, [lang.value]);
  useEffect(() => {
    if (!hall) return;
    loadIkm(hall.id, year)
      .then((d) => {
        setData(d);
        setError(null);
      })
      .catch((err: unknown) => setError(err instanceof HallApiError ? pick(err.text) : String(err)));
  }, [hall, year]);
  return (
    <div class="ikm-page">
      <header>
        <h1>{translate(I, "title")}</h1>
        <button
          type="button"
          class="lang"
          aria-label={translate(I, "switch_lang_label")}
          onClick={() => setLang(lang.value === "id" ? "en" : "id")}
        >
          {translate(I, "switch_lang")}
        </button>
      </header>
      <main>
        {hall ? <p class="hint">{pick(hall.name)}</p> : null}
        <p class="hint">{translate(I, "intro")}</p>
        <form class="row" onSubmit={(e) => e.preventDefault()}>
          <label>
            {translate(I, "year")}
            <input
              name="year"
              inputMode="numeric"
              pattern="[0-9]{4}"
              size={6}
              value={year}
              onChange={(e) => {
                const v = e.currentTarget.value.trim();
                if (/^\d{4}$/.test(v)) setYear(v);
              }}
            />
          </label>
          {hall && data ? (
            <a href={ikmCsvUrl(hall.id, data.period)} download>
              {translate(I, "csv")}
            </a>
          ) : null}
        </form>
        {error ? (
          <p role="alert" class="error">
            {error}
          </p>
        ) : null}
        {data ? <Figures data={data} /> : error ? null : <p>{translate(I, "loading")}</p>}
      </main>
    </div>
  );
}

function grade(g: IkmGroup): string {
  if (g.withheld) return translate(TRUST, "withheld");
  return g.grade ? translate(TRUST, `grade_${g.grade}`) : "—";
}

function Figures({ data }: { data: Ikm }) {
  const o = data.overall;
  return (
    <>
      <section aria-labelledby="overall-title" data-testid="ikm-overall">
        <h2 id="overall-title">{translate(I, "overall", { period: data.period })}</h2>
        <p class="big" data-testid="ikm-value">
          {o.ikm ?? "—"}
        </p>
        <p>{grade(o)}</p>
        {o.sample ? (
          <p class="hint">
            {translate(I, "sample", {
              respondents: o.sample.respondents,
              needed: o.sample.needed,
              transactions: o.sample.transactions,
            })}
          </p>
        ) : null}
      </section>
      <Table
        id="ikm-services"
        title={translate(I, "per_service")}
        head={translate(I, "service")}
        rows={data.by_service.map((g) => ({ key: g.service, g }))}
        sample
      />
      <Table
        id="ikm-served-by"
        title={translate(I, "per_served_by")}
        head={translate(I, "served_by")}
        rows={data.by_served_by.map((g) => ({ key: translate(TRUST, `by_${g.served_by}`), g }))}
      />
      <Table
        id="ikm-counters"
        title={translate(I, "per_counter")}
        head={translate(I, "counter")}
        rows={data.by_counter.map((g) => ({ key: g.counter_id, g }))}
      />
      <Table
        id="ikm-months"
        title={translate(I, "per_month")}
        head={translate(I, "month")}
        rows={data.by_period.map((g) => ({ key: g.period, g }))}
      />
      <p class="hint">{translate(I, "how", { min: data.min_group })}</p>
    </>
  );
}

function Table(props: {
  id: string;
  title: string;
  head: string;
  rows: Array<{ key: string; g: IkmGroup }>;
  sample?: boolean;
}) {
  return (
    <section aria-labelledby={`${props.id}-title`}>
      <h2 id={`${props.id}-title`}>{props.title}</h2>
      {props.rows.length === 0 ? (
        <p class="hint">{translate(I, "none")}</p>
      ) : (
        <div class="scroll" tabIndex={0}>
          <table id={props.id}>
            <thead>
              <tr>
                <th scope="col">{props.head}</th>
                <th scope="col">IKM</th>
                <th scope="col">{translate(I, "grade")}</th>
                <th scope="col">{translate(I, "respondents")}</th>
                {props.sample ? <th scope="col">{translate(I, "needed")}</th> : null}
              </tr>
            </thead>
            <tbody>
              {props.rows.map(({ key, g }) => (
                <tr key={key}>
                  <th scope="row">{key}</th>
                  <td>{g.ikm ?? "—"}</td>
                  <td>{grade(g)}</td>
                  <td>{g.respondents}</td>
                  {props.sample ? <td>{g.sample ? `${g.sample.needed} / ${g.sample.transactions}` : "—"}</td> : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
