import { describe, expect, it } from "vitest";
import { T } from "../src/citizen/texts";
import { minutesRange, pick, translate } from "../src/shared/i18n";

describe("i18n", () => {
  it("fills variables in the asked language", () => {
    expect(translate(T, "position", { n: 3 }, "id")).toBe("Urutan ke-3");
    expect(translate(T, "position", { n: 3 }, "en")).toBe("Position 3");
  });

  it("every citizen text has both languages, and the same placeholders", () => {
    for (const [key, text] of Object.entries(T)) {
      expect(text.id, key).toBeTruthy();
      expect(text.en, key).toBeTruthy();
      const vars = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(vars(text.en), key).toEqual(vars(text.id));
    }
  });

  it("an unknown key shows itself rather than nothing", () => {
    expect(translate(T, "no_such_key", {}, "en")).toBe("no_such_key");
  });

  it("picks a server text, falling back to Indonesian", () => {
    expect(pick({ id: "Halo", en: "Hello" }, "en")).toBe("Hello");
    expect(pick({ id: "Halo", en: "" }, "en")).toBe("Halo");
    expect(pick(null, "en")).toBe("");
  });

  it("gives waits as a range of minutes", () => {
    expect(minutesRange(120, 600, "id")).toBe("2–10 menit");
    expect(minutesRange(300, 300, "en")).toBe("5 min");
    expect(minutesRange(-5, 20, "en")).toBe("0 min");
  });
});
