import { describe, expect, it } from "vitest";
import { deviceId } from "../src/protocol/device";

class MemoryStorage {
  private items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
}

describe("deviceId", () => {
  it("makes a random id once and keeps it", () => {
    const storage = new MemoryStorage() as unknown as Storage;
    const first = deviceId(storage);
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(deviceId(storage)).toBe(first);
    expect(deviceId(new MemoryStorage() as unknown as Storage)).not.toBe(first);
  });
  it("joins without one when there is no storage", () => {
    expect(deviceId(undefined)).toBeNull();
    const broken = { getItem: () => { throw new Error("private mode"); } } as unknown as Storage;
    expect(deviceId(broken)).toBeNull();
  });
});
