// The SKM survey after a finished service: nine questions, each 1-4, any
// left out; skippable. Sent with the one-time token only (no sign-in), so
// the answers are not tied to the citizen (docs/survey-and-complaints.md).

import { useState } from "preact/hooks";
import { HallApiError } from "../protocol/rest";
import { pick, translate } from "../shared/i18n";
import { answerSurvey, ELEMENTS, TRUST, type SurveyAnswers } from "../shared/trust";
import { T } from "./texts";
import "./trustTexts";
import "./trust.css";
import { complaintAbout, surveyOffer } from "./trustStore";

export function SurveyCard() {
  const offer = surveyOffer.value;
  const [answers, setAnswers] = useState<SurveyAnswers>({});
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const [done, setDone] = useState(false);
  if (done) {
    return (
      <section class="card survey" role="status" data-testid="survey-thanks">
        <p>{translate(T, "survey_thanks")}</p>
        <button type="button" class="link" onClick={() => setDone(false)}>
          {translate(T, "close")}
        </button>
      </section>
    );
  }
  if (!offer) return null;
  const finish = (): void => {
    surveyOffer.value = null;
    setAnswers({});
    setError(null);
  };
  return (
    <section class="card survey" aria-labelledby="survey-title" data-testid="survey">
      <h2 id="survey-title">{translate(T, "survey_title")}</h2>
      <p class="hint">{translate(T, "survey_intro")}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (Object.values(answers).every((v) => v === null)) {
            setError(translate(T, "survey_pick_one"));
            return;
          }
          setSending(true);
          answerSurvey(offer.token, answers)
            .then(() => {
              finish();
              setDone(true);
            })
            .catch((err: unknown) => {
              if (err instanceof HallApiError && err.code === "survey_answered") {
                finish();
                setDone(true);
              } else {
                setError(err instanceof HallApiError ? pick(err.text) : String(err));
              }
            })
            .finally(() => setSending(false));
        }}
      >
        {ELEMENTS.map((el) => (
          <fieldset key={el} class="likert" data-element={el}>
            <legend>
              {el}. {translate(TRUST, `q_${el}`)}
            </legend>
            <div class="choices">
              {[1, 2, 3, 4].map((score) => (
                <label key={score} class="choice">
                  <input
                    type="radio"
                    name={`survey-${el}`}
                    value={score}
                    checked={answers[el] === score}
                    onChange={() => setAnswers({ ...answers, [el]: score })}
                  />
                  <span>
                    {score} · {translate(TRUST, `score_${score}`)}
                  </span>
                </label>
              ))}
            </div>
          </fieldset>
        ))}
        {error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : null}
        <div class="row">
          <button type="submit" class="primary" disabled={sending} data-testid="survey-send">
            {translate(T, "survey_send")}
          </button>
          <button type="button" onClick={finish} data-testid="survey-skip">
            {translate(T, "survey_skip")}
          </button>
        </div>
      </form>
      <p>
        <a
          href="#/pengaduan"
          onClick={() => (complaintAbout.value = { service: offer.service, counter_id: offer.counter_id })}
        >
          {translate(T, "complain_after")}
        </a>
      </p>
    </section>
  );
}
