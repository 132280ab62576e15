import { describe, expect, it } from "vitest";
import { hallMovedUrl } from "../src/protocol/connection";

describe("hallMovedUrl (many nodes: the socket a hall_moved error names)", () => {
  it("takes the owner's hall socket", () => {
    expect(hallMovedUrl("ws://10.0.0.2:8000/ws/v1/halls/mpp-kendari")).toBe(
      "ws://10.0.0.2:8000/ws/v1/halls/mpp-kendari",
    );
    expect(hallMovedUrl("wss://hall.example.go.id/n/2/ws/v1/halls/mpp-kendari")).toBe(
      "wss://hall.example.go.id/n/2/ws/v1/halls/mpp-kendari",
    );
  });
  it("refuses anything else, and a hall changing hands (null)", () => {
    expect(hallMovedUrl(null)).toBeNull();
    expect(hallMovedUrl(undefined)).toBeNull();
    expect(hallMovedUrl("javascript:alert(1)")).toBeNull();
    expect(hallMovedUrl("https://evil.example/ws/v1/halls/x")).toBeNull();
    expect(hallMovedUrl("ws://host/other")).toBeNull();
  });
});
