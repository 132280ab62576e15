import { describe, expect, it } from "vitest";
import { ageFromNik, checkNik, maskNik } from "../src/protocol/nik";

const today = new Date(2026, 10, 30);

describe("checkNik", () => {
  it("accepts a well-formed NIK and reads the birth date", () => {
    expect(checkNik("7471014101900001", today)).toEqual({ ok: true, birth: { year: 1990, month: 1, day: 1 } });
  });
  it("reads a woman's day (day + 40)", () => {
    expect(checkNik("7471015512650002", today).birth).toEqual({ year: 1965, month: 12, day: 15 });
  });
  it("puts a two-digit year in the latest century that is not in the future", () => {
    expect(checkNik("7471010101050001", today).birth?.year).toBe(2005);
    expect(checkNik("7471010101300001", today).birth?.year).toBe(1930);
  });
  it("refuses what the server refuses", () => {
    expect(checkNik("123", today).reason).toBe("digits");
    expect(checkNik("74710141019a0001", today).reason).toBe("digits");
    expect(checkNik("7471013202900001", today).reason).toBe("birth_date"); // 32 Feb
    expect(checkNik("7471017202900001", today).reason).toBe("birth_date"); // 72 - 40 = 32
    expect(checkNik("7471013102900001", today).reason).toBe("birth_date"); // 31 Feb
    expect(checkNik("7471014101900000", today).reason).toBe("serial");
  });
  it("takes spaces between digit groups", () => {
    expect(checkNik("7471 0141 0190 0001", today).ok).toBe(true);
  });
});

describe("ageFromNik", () => {
  it("counts whole years, the birthday included", () => {
    expect(ageFromNik("7471013011660001", today)).toBe(60); // born 30 Nov 1966
    expect(ageFromNik("7471010112660001", today)).toBe(59); // born 1 Dec 1966
    expect(ageFromNik("bad", today)).toBeNull();
  });
});

describe("maskNik", () => {
  it("shows the first and last four digits only", () => {
    expect(maskNik("7471014101900001")).toBe("7471********0001");
    expect(maskNik("12")).toBe("****************");
  });
});
