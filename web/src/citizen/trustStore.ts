// The survey offered after a finished service and the complaint screens'
// state. The survey token is kept in memory only: it answers one
// transaction's survey and is of no use once answered or skipped.

import { signal } from "@preact/signals";

export interface SurveyOffer {
  token: string;
  /** What was served, to prefill a complaint about it (never sent with the survey). */
  service: string | null;
  counter_id: string | null;
}

export const surveyOffer = signal<SurveyOffer | null>(null);

/** The service and counter a complaint started right after a service is about. */
export const complaintAbout = signal<{ service: string | null; counter_id: string | null } | null>(null);

export function offerSurvey(token: string, service: string | null, counterId: string | null): void {
  surveyOffer.value = { token, service, counter_id: counterId };
}
