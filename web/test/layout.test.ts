import { describe, expect, it } from "vitest";
import { backoffMs } from "../src/protocol/connection";
import { validateField, type FieldRule } from "../src/shared/forms";
import { placeLabels } from "../src/shared/labels";
import { advance, pathLength, yawOf } from "../src/shared/walking";

describe("placeLabels", () => {
  it("never lets two labels overlap, and drops the least important first", () => {
    const reqs = [0, 1, 2, 3, 4, 5].map((i) => ({ key: `k${i}`, x: 50, y: 50, width: 40, height: 16, priority: i }));
    const out = placeLabels(reqs, { width: 200, height: 200 });
    for (const a of out)
      for (const b of out)
        if (a !== b) {
          const apart = a.left + a.width <= b.left || b.left + b.width <= a.left || a.top + a.height <= b.top || b.top + b.height <= a.top;
          expect(apart, `${a.key} ${b.key}`).toBe(true);
        }
    // Above and below fit; beside would touch their corners: the two most important win.
    expect(out.map((l) => l.key)).toEqual(["k5", "k4"]);
  });
  it("keeps labels inside the canvas and off blocked boxes", () => {
    const out = placeLabels([{ key: "a", x: 5, y: 5, width: 30, height: 10, priority: 1 }], { width: 100, height: 100 }, [
      { key: "dot", left: 0, top: 11, width: 100, height: 10 },
    ]);
    expect(out).toEqual([{ key: "a", left: 13, top: 0, width: 30, height: 10 }]);
  });
});

describe("walking", () => {
  it("advances along corners, by the distance asked", () => {
    const out = advance([0, 0], { points: [[3, 0], [3, 4]] }, 5);
    expect(out.at[0]).toBeCloseTo(3);
    expect(out.at[1]).toBeCloseTo(2);
    expect(out.left.points).toEqual([[3, 4]]);
    expect(pathLength(out.at, out.left)).toBeCloseTo(2);
  });
  it("stops at the end of the path", () => {
    const out = advance([0, 0], { points: [[1, 0]] }, 10);
    expect(out.at).toEqual([1, 0]);
    expect(out.left.points).toEqual([]);
  });
  it("faces +y at yaw 0 and -x at 90 (docs/protocol.md section 1)", () => {
    expect(yawOf(0, 1)).toBeCloseTo(0);
    expect(yawOf(-1, 0)).toBeCloseTo(90);
    expect(Math.abs(yawOf(0, -1))).toBeCloseTo(180);
  });
});

describe("backoffMs", () => {
  it("doubles from half a second to at most eight, with jitter", () => {
    expect(backoffMs(0, 0.5)).toBe(500);
    expect(backoffMs(3, 0.5)).toBe(4000);
    expect(backoffMs(50, 0.5)).toBe(8000);
    expect(backoffMs(50, 1)).toBe(10000);
    expect(backoffMs(0, 0)).toBe(375);
  });
});

describe("validateField", () => {
  const rule = (over: Partial<FieldRule>): FieldRule => ({
    name: "f",
    type: "text",
    required: true,
    min_length: null,
    max_length: null,
    pattern: null,
    min: null,
    max: null,
    must_be_true: null,
    ...over,
  });
  it("checks like the server", () => {
    expect(validateField(rule({}), " ")?.key).toBe("v_required");
    expect(validateField(rule({ required: false }), "")).toBeNull();
    expect(validateField(rule({ min_length: 2 }), "a")).toEqual({ key: "v_too_short", vars: { n: 2 } });
    expect(validateField(rule({ type: "phone" }), "0812-3456-7890")).toBeNull();
    expect(validateField(rule({ type: "phone" }), "12345")?.key).toBe("v_phone");
    expect(validateField(rule({ type: "email" }), "a@b.id")).toBeNull();
    expect(validateField(rule({ type: "number", min: 1 }), "0")?.key).toBe("v_min");
    expect(validateField(rule({ type: "boolean", must_be_true: true }), "")?.key).toBe("v_must_tick");
    expect(validateField(rule({ pattern: "[0-9]{5}" }), "12a45")?.key).toBe("v_pattern");
    expect(validateField(rule({ type: "nik" }), "7471014101900001")).toBeNull();
  });
});
