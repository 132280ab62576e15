import { describe, expect, it } from "vitest";
import { readKpi } from "../src/supervisor/kpi";

describe("readKpi: the server's KPI answer in the dashboard's shape", () => {
  it("reads the shape the brief expects", () => {
    const k = readKpi({
      services: [
        {
          service: "KTP-EL",
          waiting_now: 3,
          wait_p50_s: 300,
          wait_p90_s: 900,
          longest_wait_now_s: 1200,
          within_target_pct: 80,
          served_per_hour: 6,
          no_shows: 1,
          left_before_service: 2,
          avg_service_s: 420,
          bot_share: 0.25,
        },
      ],
      counters: [{ counter_id: "D1", status: "busy", staffed_by: "officer", name: "Petugas 1" }],
      hourly: [{ start: 3600, served: 4, waiting: 2, wait_p50_s: 60, wait_p90_s: 120 }],
    });
    expect(k.services[0]?.bot_share_pct).toBe(25);
    expect(k.services[0]?.served_per_hour).toBe(6);
    expect(k.counters[0]).toEqual({ counter_id: "D1", status: "busy", staffed_by: "officer", name: "Petugas 1" });
    expect(k.hours).toEqual([{ start: 3600, served: 4, waiting: 2, wait_p50_s: 60, wait_p90_s: 120 }]);
    expect(k.hall).toBeNull();
  });

  it("reads the variant names (hall summary, hours, state, staff_name, served_last_hour, bot_share_pct)", () => {
    const k = readKpi({
      day: "2026-11-30",
      hall: { waiting_now: 1, served: 9, bot_share_pct: 40, served_last_hour: 5 },
      services: [{ service: "NIB", served: 2, bot_share_pct: 100, wait_p50_s: null }],
      counters: [{ counter_id: "P1", state: "idle", staffed_by: "bot", staff_name: "bot" }],
      hours: [{ hour: 0, start: 0, served: 0, waiting_end: 1, wait_p50_s: null, wait_p90_s: null }],
    });
    expect(k.day).toBe("2026-11-30");
    expect(k.hall?.service).toBe("ALL");
    expect(k.hall?.served_per_hour).toBe(5);
    expect(k.hall?.bot_share_pct).toBe(40);
    expect(k.services[0]?.wait_p50_s).toBeNull();
    expect(k.counters[0]?.status).toBe("idle");
    expect(k.counters[0]?.name).toBe("bot");
    expect(k.hours[0]?.waiting).toBe(1);
  });

  it("gives empty figures for an answer that is not an object", () => {
    expect(readKpi(null)).toEqual({ day: null, hall: null, services: [], counters: [], hours: [] });
  });
});
