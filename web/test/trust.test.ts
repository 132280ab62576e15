import { describe, expect, it } from "vitest";
import { T } from "../src/citizen/texts";
import "../src/citizen/trustTexts";
import { I } from "../src/ikm/texts";
import type { Table } from "../src/shared/i18n";
import { CATEGORIES, ELEMENTS, TRUST } from "../src/shared/trust";
import { TT } from "../src/supervisor/trustTexts";

const vars = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? "").sort();

function bothLanguages(table: Table): void {
  for (const [key, text] of Object.entries(table)) {
    expect(text.id, key).toBeTruthy();
    expect(text.en, key).toBeTruthy();
    expect(vars(text.en), key).toEqual(vars(text.id));
  }
}

describe("survey and complaint texts", () => {
  it("every table has both languages with the same placeholders", () => {
    for (const table of [T, I, TRUST, TT]) bothLanguages(table);
  });

  it("every survey element, score, grade, category and stage has a text", () => {
    for (const el of ELEMENTS) expect(TRUST[`q_${el}`], el).toBeDefined();
    for (const score of [1, 2, 3, 4]) expect(TRUST[`score_${score}`]).toBeDefined();
    for (const grade of ["A", "B", "C", "D"]) expect(TRUST[`grade_${grade}`]).toBeDefined();
    for (const c of CATEGORIES) expect(TRUST[`cat_${c}`], c).toBeDefined();
    for (const s of ["received", "verified", "followed_up", "closed"]) expect(TRUST[`stage_${s}`]).toBeDefined();
    for (const s of ["received", "photo_added", "verified", "followed_up", "replied", "closed"]) {
      expect(TRUST[`step_${s}`], s).toBeDefined();
    }
    expect(T.nav_pengaduan).toBeDefined();
  });
});
