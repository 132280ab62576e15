// The exhibitor tour (?mode=tour): a camera that flies slowly round the hall
// with the "now serving" board in view. Pure: a pose for a time.

import type { Vec3 } from "./mapping";

export interface TourPose {
  position: Vec3;
  target: Vec3;
}

/** Seconds for one loop: slow enough for an expo screen. */
export const TOUR_LOOP_S = 90;

export function tourPose(
  t: number,
  bounds: { min: [number, number]; max: [number, number] },
  board: [number, number] | null,
): TourPose {
  const cx = (bounds.min[0] + bounds.max[0]) / 2;
  const cy = (bounds.min[1] + bounds.max[1]) / 2;
  const rx = ((bounds.max[0] - bounds.min[0]) / 2) * 0.55;
  const ry = ((bounds.max[1] - bounds.min[1]) / 2) * 0.55;
  const a = ((t % TOUR_LOOP_S) / TOUR_LOOP_S) * Math.PI * 2;
  const px = cx + Math.cos(a) * rx;
  const py = cy + Math.sin(a) * ry;
  // Look between the hall's centre and the board, so the board stays in view.
  const [bx, by] = board ?? [cx, cy];
  const tx = (cx + bx * 2) / 3;
  const ty = (cy + by * 2) / 3;
  return { position: [px, 7 + Math.sin(a * 2), -py], target: [tx, 1.5, -ty] };
}
