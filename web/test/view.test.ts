import { describe, expect, it } from "vitest";
import type { Welcome } from "../src/protocol/messages";
import { HallView } from "../src/protocol/view";

const avatar = (id: number, name: string, x: number) => ({
  id,
  name,
  role: "citizen" as const,
  appearance: {},
  x,
  y: 1,
  yaw: 0,
  anim: "idle" as const,
  flags: 0,
});

function welcome(): Welcome {
  return {
    type: "welcome",
    protocol: 1,
    protocol_version: "1.1",
    session_id: "s",
    resume_token: "r",
    resumed: false,
    hall: "h",
    scene: { id: "h", url: "/x" },
    tick_hz: 20,
    aoi_cell_m: 10,
    chat_radius_m: 8,
    view_max_avatars: 64,
    tick: 10,
    you: avatar(31, "Siti", 5),
    neighbours: [avatar(7, "Andi", 6)],
  };
}

describe("HallView", () => {
  it("starts from the welcome, you first", () => {
    const v = new HallView();
    v.welcome(welcome());
    expect(v.me).toBe(31);
    expect(v.seen().map((a) => a.profile?.name)).toEqual(["Siti", "Andi"]);
  });

  it("keeps profiles of avatars that left, for when they come back", () => {
    const v = new HallView();
    v.welcome(welcome());
    v.frame({ full: false, tick: 11, entered: [], updated: [], left: [7] });
    expect(v.seen().map((a) => a.id)).toEqual([31]);
    v.frame({ full: false, tick: 12, entered: [{ id: 7, x: 1, y: 1, yaw: 0, anim: "walk", flags: 0 }], updated: [], left: [] });
    expect(v.seen()[1]?.profile?.name).toBe("Andi");
    expect(v.tick).toBe(12);
  });

  it("a correction puts your avatar where the server has it", () => {
    const v = new HallView();
    v.welcome(welcome());
    v.correct(2, 3, 45);
    expect(v.mine()).toMatchObject({ x: 2, y: 3, yaw: 45 });
  });

  it("a profile that arrives before the frame names the avatar", () => {
    const v = new HallView();
    v.welcome(welcome());
    v.addProfiles([{ id: 40, name: "Budi", role: "officer", appearance: {} }]);
    v.frame({ full: false, tick: 13, entered: [], updated: [{ id: 40, x: 3, y: 3, yaw: 0, anim: "idle", flags: 8 }], left: [] });
    expect(v.seen().find((a) => a.id === 40)?.profile?.role).toBe("officer");
  });
});
