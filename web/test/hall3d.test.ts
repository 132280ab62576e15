import { describe, expect, it } from "vitest";
import { chooseView, type Device } from "../src/citizen/viewmode";
import { Interpolator, lerpAngle } from "../src/three/interpolate";
import { facing, planToWorld, stickToPlan, worldToPlan, yawToRotationY } from "../src/three/mapping";
import { tourPose } from "../src/three/tour";

const capable: Device = { forced: null, saved: null, webgl2: true, deviceMemory: 8, effectiveType: "4g" };

describe("lite or 3D", () => {
  it("gives 3D to a capable device", () => {
    expect(chooseView(capable)).toEqual({ mode: "3d", reason: "capable" });
  });
  it("gives the lite view without WebGL2, with little memory, on a slow or saving connection", () => {
    expect(chooseView({ ...capable, webgl2: false })).toEqual({ mode: "lite", reason: "no_webgl2" });
    expect(chooseView({ ...capable, deviceMemory: 1 })).toEqual({ mode: "lite", reason: "low_memory" });
    expect(chooseView({ ...capable, deviceMemory: 2 }).mode).toBe("3d");
    expect(chooseView({ ...capable, effectiveType: "3g" })).toEqual({ mode: "lite", reason: "slow_connection" });
    expect(chooseView({ ...capable, effectiveType: "slow-2g" }).mode).toBe("lite");
    expect(chooseView({ ...capable, saveData: true })).toEqual({ mode: "lite", reason: "save_data" });
    expect(chooseView({ ...capable, softwareGl: true })).toEqual({ mode: "lite", reason: "software_gl" });
  });
  it("unknown memory or connection (Firefox, Safari) does not keep anyone from 3D", () => {
    expect(chooseView({ forced: null, saved: null, webgl2: true }).mode).toBe("3d");
  });
  it("?mode= forces a view, but never 3D without WebGL2", () => {
    expect(chooseView({ ...capable, forced: "lite" })).toEqual({ mode: "lite", reason: "forced" });
    expect(chooseView({ ...capable, deviceMemory: 0.5, forced: "3d" })).toEqual({ mode: "3d", reason: "forced" });
    expect(chooseView({ ...capable, softwareGl: true, forced: "tour" })).toEqual({ mode: "tour", reason: "forced" });
    expect(chooseView({ ...capable, webgl2: false, forced: "3d" })).toEqual({ mode: "lite", reason: "no_webgl2" });
    expect(chooseView({ ...capable, forced: "vr" }).reason).toBe("capable"); // not a mode: ignored
  });
  it("the citizen's own choice is remembered and beats the guesses", () => {
    expect(chooseView({ ...capable, saved: "lite" })).toEqual({ mode: "lite", reason: "saved" });
    expect(chooseView({ ...capable, saved: "3d", effectiveType: "2g", softwareGl: true })).toEqual({
      mode: "3d",
      reason: "saved",
    });
    expect(chooseView({ ...capable, saved: "3d", webgl2: false }).mode).toBe("lite");
    expect(chooseView({ ...capable, saved: "lite", forced: "3d" }).mode).toBe("3d");
  });
});

describe("plan to 3D (docs/protocol.md section 1)", () => {
  it("maps (x, y) to (x, 0, -y) and back", () => {
    expect(planToWorld(3, 4)).toEqual([3, 0, -4]);
    expect(planToWorld(3, 4, 1.6)).toEqual([3, 1.6, -4]);
    expect(worldToPlan(3, -4)).toEqual([3, 4]);
  });
  it("turns a yaw about +Y: 0 faces north (-Z), 90 faces west (-X)", () => {
    expect(yawToRotationY(90)).toBeCloseTo(Math.PI / 2);
    const [x0, z0] = facing(0);
    expect(x0).toBeCloseTo(0);
    expect(z0).toBeCloseTo(-1);
    const [x90, z90] = facing(90);
    expect(x90).toBeCloseTo(-1);
    expect(z90).toBeCloseTo(0);
  });
  it("a stick pushed up walks where the camera looks", () => {
    const [x, y] = stickToPlan(0, 1, 0);
    expect(x).toBeCloseTo(0);
    expect(y).toBeCloseTo(1);
    const [wx, wy] = stickToPlan(0, 1, 90); // looking west
    expect(wx).toBeCloseTo(-1);
    expect(wy).toBeCloseTo(0);
    const [rx, ry] = stickToPlan(1, 0, 90); // right of west is north
    expect(rx).toBeCloseTo(0);
    expect(ry).toBeCloseTo(1);
  });
});

describe("interpolation between snapshots", () => {
  it("glides from the drawn pose to a new state over the gap between states", () => {
    const i = new Interpolator();
    i.push(1, { x: 0, y: 0, yaw: 0 }, 1000);
    expect(i.sample(1, 1010)).toEqual({ x: 0, y: 0, yaw: 0 });
    i.push(1, { x: 1, y: 0, yaw: 0 }, 1050); // 20 Hz: 50 ms later
    expect(i.sample(1, 1050)!.x).toBeCloseTo(0);
    expect(i.sample(1, 1075)!.x).toBeCloseTo(0.5);
    expect(i.sample(1, 1100)!.x).toBeCloseTo(1);
    expect(i.sample(1, 2000)!.x).toBeCloseTo(1); // never past the last state
  });
  it("a far avatar (every 4th tick) glides over 200 ms, not 50", () => {
    const i = new Interpolator();
    i.push(2, { x: 0, y: 0, yaw: 0 }, 0);
    i.push(2, { x: 0, y: 2, yaw: 0 }, 200);
    expect(i.sample(2, 300)!.y).toBeCloseTo(1);
  });
  it("a new state mid-glide starts from where the avatar is drawn (no jump back)", () => {
    const i = new Interpolator();
    i.push(3, { x: 0, y: 0, yaw: 0 }, 0);
    i.push(3, { x: 1, y: 0, yaw: 0 }, 50);
    i.push(3, { x: 2, y: 0, yaw: 0 }, 75); // half-way through the first glide
    expect(i.sample(3, 75)!.x).toBeCloseTo(0.5);
    expect(i.sample(3, 100)!.x).toBeCloseTo(2);
  });
  it("jumps (teleport, resume) are not glided", () => {
    const i = new Interpolator();
    i.push(4, { x: 0, y: 0, yaw: 0 }, 0);
    i.push(4, { x: 20, y: 0, yaw: 0 }, 50);
    expect(i.sample(4, 51)!.x).toBe(20);
  });
  it("turns the short way round", () => {
    expect(lerpAngle(350, 10, 0.5)).toBeCloseTo(360);
    expect(lerpAngle(10, 350, 0.5)).toBeCloseTo(0);
    const i = new Interpolator();
    i.push(5, { x: 0, y: 0, yaw: 170 }, 0);
    i.push(5, { x: 0, y: 0, yaw: -170 }, 50);
    expect(i.sample(5, 75)!.yaw).toBeCloseTo(180);
  });
  it("forgets avatars that left", () => {
    const i = new Interpolator();
    i.push(6, { x: 0, y: 0, yaw: 0 }, 0);
    i.push(7, { x: 0, y: 0, yaw: 0 }, 0);
    i.retain(new Set([7]));
    expect(i.sample(6, 10)).toBeUndefined();
    expect(i.size).toBe(1);
  });
});

describe("the tour", () => {
  const bounds = { min: [0, -5] as [number, number], max: [60, 40] as [number, number] };
  it("stays over the hall, above head height, and moves slowly", () => {
    for (let t = 0; t < 90; t += 7) {
      const p = tourPose(t, bounds, [30, 27]);
      expect(p.position[0]).toBeGreaterThan(0);
      expect(p.position[0]).toBeLessThan(60);
      expect(-p.position[2]).toBeGreaterThan(-5);
      expect(-p.position[2]).toBeLessThan(40);
      expect(p.position[1]).toBeGreaterThan(5);
    }
    const a = tourPose(10, bounds, [30, 27]).position;
    const b = tourPose(11, bounds, [30, 27]).position;
    expect(Math.hypot(a[0] - b[0], a[2] - b[2])).toBeLessThan(2); // under 2 m/s
  });
  it("looks towards the board", () => {
    const p = tourPose(0, bounds, [30, 27]);
    const [cx, cy] = [30, 17.5];
    // The target lies two thirds of the way from the centre to the board.
    expect(p.target[0]).toBeCloseTo(30);
    expect(-p.target[2]).toBeCloseTo(cy + ((27 - cy) * 2) / 3);
    expect(cx).toBe(30);
  });
});

describe("near avatars and stand-ins", () => {
  it("the nearest MAX_NEAR within NEAR_METRES get the model, the rest a stand-in", async () => {
    const { nearest, MAX_NEAR, NEAR_METRES } = await import("../src/three/crowd");
    expect(nearest([5, NEAR_METRES + 1, 1])).toEqual([true, false, true]);
    const crowd = Array.from({ length: 200 }, (_, i) => (i * NEAR_METRES) / 400); // all within reach
    const near = nearest(crowd);
    expect(near.filter(Boolean).length).toBe(MAX_NEAR);
    expect(near.slice(0, MAX_NEAR).every(Boolean)).toBe(true); // the nearest ones
  });
});
