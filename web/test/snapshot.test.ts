import { describe, expect, it } from "vitest";
import { applySnapshot, decodeSnapshot, encodeSnapshot, SnapshotError, type AvatarState } from "../src/protocol/snapshot";

// A frame built byte by byte from docs/protocol.md section 6, not by our encoder.
function handFrame(): ArrayBuffer {
  const bytes = new Uint8Array(12 + 12 + 4);
  const v = new DataView(bytes.buffer);
  v.setUint8(0, 1);
  v.setUint8(1, 0);
  v.setUint32(2, 1234, true);
  v.setUint16(6, 1, true); // one entered
  v.setUint16(8, 0, true);
  v.setUint16(10, 1, true); // one left
  v.setUint32(12, 7, true);
  v.setInt16(16, 3050, true); // 30.50 m
  v.setInt16(18, -220, true); // -2.20 m
  v.setUint16(20, 16384, true); // a quarter turn = 90 degrees
  v.setUint8(22, 1); // walk
  v.setUint8(23, 8 | 1); // staff, speaking
  v.setUint32(24, 99, true);
  return bytes.buffer;
}

describe("decodeSnapshot", () => {
  it("reads the documented layout", () => {
    const f = decodeSnapshot(handFrame());
    expect(f.tick).toBe(1234);
    expect(f.full).toBe(false);
    expect(f.entered).toEqual([{ id: 7, x: 30.5, y: -2.2, yaw: 90, anim: "walk", flags: 9 }]);
    expect(f.updated).toEqual([]);
    expect(f.left).toEqual([99]);
  });

  it("refuses a frame whose length disagrees with its header", () => {
    const cut = handFrame().slice(0, 20);
    expect(() => decodeSnapshot(cut)).toThrow(SnapshotError);
    expect(() => decodeSnapshot(new ArrayBuffer(3))).toThrow(SnapshotError);
  });

  it("refuses an unknown kind", () => {
    const b = new Uint8Array(handFrame());
    b[0] = 2;
    expect(() => decodeSnapshot(b.buffer)).toThrow(/kind 2/);
  });

  it("round-trips through the encoder", () => {
    const a: AvatarState = { id: 4294967295, x: -12.34, y: 327.67, yaw: 359.99, anim: "talk", flags: 2 };
    const f = decodeSnapshot(encodeSnapshot({ full: true, tick: 2 ** 32 - 1, entered: [a], updated: [], left: [] }));
    expect(f.full).toBe(true);
    expect(f.tick).toBe(2 ** 32 - 1);
    expect(f.entered[0]!.id).toBe(4294967295);
    expect(f.entered[0]!.x).toBeCloseTo(-12.34, 2);
    expect(f.entered[0]!.yaw).toBeCloseTo(359.99, 2);
  });
});

describe("applySnapshot", () => {
  const s = (id: number, x: number): AvatarState => ({ id, x, y: 0, yaw: 0, anim: "idle", flags: 0 });

  it("inserts, overwrites, then removes the left ids", () => {
    const view = new Map([[1, s(1, 0)], [2, s(2, 0)]]);
    applySnapshot(view, { full: false, tick: 1, entered: [s(3, 3)], updated: [s(1, 9)], left: [2] });
    expect([...view.keys()].sort()).toEqual([1, 3]);
    expect(view.get(1)!.x).toBe(9);
  });

  it("a FULL frame replaces the view", () => {
    const view = new Map([[1, s(1, 0)], [2, s(2, 0)]]);
    applySnapshot(view, { full: true, tick: 1, entered: [s(5, 1)], updated: [], left: [] });
    expect([...view.keys()]).toEqual([5]);
  });
});
