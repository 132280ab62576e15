// Smooth motion between snapshots (docs/protocol.md section 6): frames come at
// 20 Hz for avatars near you and every 4th tick far away. Each new state
// starts a glide from where the avatar is drawn now to the new state, lasting
// as long as the gap since the previous state (capped), so motion is smooth
// at any display rate and never runs more than one interval behind. Pure.

export interface Pose {
  x: number;
  y: number;
  yaw: number;
}

interface Track {
  from: Pose;
  to: Pose;
  start: number; // ms
  duration: number; // ms
  lastArrival: number;
}

/** Shortest-arc blend of two angles in degrees. */
export function lerpAngle(a: number, b: number, t: number): number {
  const d = ((((b - a) % 360) + 540) % 360) - 180;
  return a + d * t;
}

export function lerpPose(a: Pose, b: Pose, t: number): Pose {
  const k = Math.max(0, Math.min(1, t));
  return { x: a.x + (b.x - a.x) * k, y: a.y + (b.y - a.y) * k, yaw: lerpAngle(a.yaw, b.yaw, k) };
}

export const DEFAULT_INTERVAL_MS = 50;
export const MAX_GLIDE_MS = 250;
/** A jump longer than this (a teleport, a resume) is not glided. */
export const SNAP_METRES = 4;

export class Interpolator {
  private readonly tracks = new Map<number, Track>();

  /** A new state for `id` arrived at `now` (ms). */
  push(id: number, pose: Pose, now: number): void {
    const track = this.tracks.get(id);
    if (!track) {
      this.tracks.set(id, { from: pose, to: pose, start: now, duration: DEFAULT_INTERVAL_MS, lastArrival: now });
      return;
    }
    const shown = this.sample(id, now) ?? pose;
    const far = Math.hypot(pose.x - shown.x, pose.y - shown.y) > SNAP_METRES;
    const gap = Math.min(MAX_GLIDE_MS, Math.max(1, now - track.lastArrival));
    this.tracks.set(id, {
      from: far ? pose : shown,
      to: pose,
      start: now,
      duration: gap,
      lastArrival: now,
    });
  }

  /** Where to draw `id` at `now` (ms), or undefined for an avatar never seen. */
  sample(id: number, now: number): Pose | undefined {
    const t = this.tracks.get(id);
    if (!t) return undefined;
    return lerpPose(t.from, t.to, (now - t.start) / t.duration);
  }

  /** Forget avatars that left the view. */
  retain(alive: ReadonlySet<number>): void {
    for (const id of this.tracks.keys()) if (!alive.has(id)) this.tracks.delete(id);
  }

  get size(): number {
    return this.tracks.size;
  }
}
