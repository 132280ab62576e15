// Walking along a path at a steady speed: pure steps the movement loop calls
// every frame. Positions are metres on the plan (docs/protocol.md section 1).

import type { Point } from "./scene";

export interface PathWalk {
  points: Point[]; // what is left of the path, the next point first
}

/** Advance `from` by `distance` metres along `walk`; returns the new point and the path left. */
export function advance(from: Point, walk: PathWalk, distance: number): { at: Point; left: PathWalk } {
  let [x, y] = from;
  let budget = distance;
  const points = [...walk.points];
  while (points.length > 0 && budget > 0) {
    const [tx, ty] = points[0]!;
    const dx = tx - x;
    const dy = ty - y;
    const gap = Math.hypot(dx, dy);
    if (gap <= budget) {
      x = tx;
      y = ty;
      budget -= gap;
      points.shift();
    } else {
      x += (dx / gap) * budget;
      y += (dy / gap) * budget;
      budget = 0;
    }
  }
  return { at: [x, y], left: { points } };
}

/** Facing (yaw, degrees: 0 faces +y, counter-clockwise) for a step of (dx, dy). */
export function yawOf(dx: number, dy: number): number {
  return (Math.atan2(-dx, dy) * 180) / Math.PI;
}

/** Remaining length of a path from `from`, metres. */
export function pathLength(from: Point, walk: PathWalk): number {
  let total = 0;
  let [x, y] = from;
  for (const [px, py] of walk.points) {
    total += Math.hypot(px - x, py - y);
    x = px;
    y = py;
  }
  return total;
}
