import { describe, expect, it } from "vitest";
import { callSentence, cardinalId, spokenCode } from "../src/board/speech";

describe("Indonesian numbers for the board's spoken call", () => {
  it("says the cardinals as people do", () => {
    expect(cardinalId(0)).toBe("nol");
    expect(cardinalId(7)).toBe("tujuh");
    expect(cardinalId(10)).toBe("sepuluh");
    expect(cardinalId(11)).toBe("sebelas");
    expect(cardinalId(15)).toBe("lima belas");
    expect(cardinalId(20)).toBe("dua puluh");
    expect(cardinalId(42)).toBe("empat puluh dua");
    expect(cardinalId(100)).toBe("seratus");
    expect(cardinalId(123)).toBe("seratus dua puluh tiga");
    expect(cardinalId(250)).toBe("dua ratus lima puluh");
    expect(cardinalId(1000)).toBe("seribu");
    expect(cardinalId(2011)).toBe("dua ribu sebelas");
  });

  it("reads a ticket number and a counter as letters and a number", () => {
    expect(spokenCode("A-001")).toBe("A satu");
    expect(spokenCode("B-120")).toBe("B seratus dua puluh");
    expect(spokenCode("D1")).toBe("D satu");
    expect(callSentence("A-012", "D2")).toBe("Nomor antrean A dua belas, silakan ke loket D dua.");
  });
});
