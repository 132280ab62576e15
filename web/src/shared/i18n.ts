// Two languages, Bahasa Indonesia first. Every text on a page comes from a
// table here (or, for server errors, from the error's own `text`), so the
// switch changes everything. Pure lookups; the current language is a signal.

import { signal } from "@preact/signals";
import type { Bilingual } from "../protocol/messages";

export type Lang = "id" | "en";

const STORAGE_KEY = "hall.lang";

function initialLang(): Lang {
  try {
    const stored = globalThis.localStorage?.getItem(STORAGE_KEY);
    if (stored === "id" || stored === "en") return stored;
  } catch {
    /* private mode: no storage */
  }
  return "id";
}

export const lang = signal<Lang>(initialLang());

export function setLang(next: Lang): void {
  lang.value = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    /* private mode */
  }
  if (typeof document !== "undefined") document.documentElement.lang = next;
}

export type Table = Record<string, Bilingual>;

/** Look `key` up in `table` for `in_` (the current language by default); `{name}` is filled from `vars`. */
export function translate(
  table: Table,
  key: string,
  vars: Record<string, string | number> = {},
  in_: Lang = lang.value,
): string {
  const entry = table[key];
  const text = entry ? entry[in_] : key;
  return text.replace(/\{(\w+)\}/g, (_m, name: string) => (name in vars ? String(vars[name]) : `{${name}}`));
}

/** A server text `{id, en}` in the current language. */
export function pick(text: Bilingual | null | undefined, in_: Lang = lang.value): string {
  if (!text) return "";
  return text[in_] || text.id;
}

/** Minutes for a waiting estimate: "5–12 menit" / "5–12 min". */
export function minutesRange(lowS: number, highS: number, in_: Lang = lang.value): string {
  const low = Math.max(0, Math.round(lowS / 60));
  const high = Math.max(low, Math.round(highS / 60));
  const unit = in_ === "id" ? "menit" : "min";
  return low === high ? `${low} ${unit}` : `${low}–${high} ${unit}`;
}
