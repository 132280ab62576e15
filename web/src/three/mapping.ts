// The plan-to-3D mapping of docs/protocol.md section 1: a plan point (x, y)
// is (x, 0, -y) in glTF's y-up frame, and a yaw (degrees, 0 facing +y,
// counter-clockwise) is a rotation of yaw about +Y. Pure numbers, no three.js,
// so it is unit-tested on its own.

export type Vec3 = [number, number, number];

export function planToWorld(x: number, y: number, height = 0): Vec3 {
  return [x, height, -y];
}

export function worldToPlan(wx: number, wz: number): [number, number] {
  return [wx, -wz];
}

/** Rotation about +Y, radians, for a plan yaw in degrees. */
export function yawToRotationY(yaw: number): number {
  return (yaw * Math.PI) / 180;
}

/** The world direction (x, z) an avatar with this yaw faces. */
export function facing(yaw: number): [number, number] {
  const r = yawToRotationY(yaw);
  // Rotating -Z (the models' front) by r about +Y.
  return [-Math.sin(r), -Math.cos(r)];
}

/** A plan-space direction for a screen-space stick (x right, y up) seen from a camera heading (yaw degrees). */
export function stickToPlan(sx: number, sy: number, headingYaw: number): [number, number] {
  const r = yawToRotationY(headingYaw);
  // Heading 0 looks north (+y): stick up is +y, stick right is +x.
  const c = Math.cos(r);
  const s = Math.sin(r);
  return [sx * c - sy * s, sx * s + sy * c];
}
