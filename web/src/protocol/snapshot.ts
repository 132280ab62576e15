// Binary snapshot frames (docs/protocol.md section 6): pure decoding, no I/O.

export const ANIMS = ["idle", "walk", "run", "sit", "wave", "talk"] as const;
export type Anim = (typeof ANIMS)[number];

export const FLAG_SPEAKING = 1;
export const FLAG_IDLE = 2;
export const FLAG_SEATED = 4;
export const FLAG_STAFF = 8;

export interface AvatarState {
  id: number;
  x: number; // metres
  y: number;
  yaw: number; // degrees
  anim: Anim;
  flags: number;
}

export interface Snapshot {
  full: boolean;
  tick: number;
  entered: AvatarState[];
  updated: AvatarState[];
  left: number[];
}

export class SnapshotError extends Error {}

const HEADER = 12;
const RECORD = 12;

function record(view: DataView, at: number): AvatarState {
  const anim = ANIMS[view.getUint8(at + 10)] ?? "idle";
  return {
    id: view.getUint32(at, true),
    x: view.getInt16(at + 4, true) / 100,
    y: view.getInt16(at + 6, true) / 100,
    yaw: (view.getUint16(at + 8, true) * 360) / 65536,
    anim,
    flags: view.getUint8(at + 11),
  };
}

/** Decode one binary frame; throws SnapshotError when it is not a whole snapshot. */
export function decodeSnapshot(buffer: ArrayBuffer): Snapshot {
  const view = new DataView(buffer);
  if (buffer.byteLength < HEADER) throw new SnapshotError("frame shorter than its header");
  if (view.getUint8(0) !== 1) throw new SnapshotError(`unknown frame kind ${view.getUint8(0)}`);
  const full = (view.getUint8(1) & 1) === 1;
  const tick = view.getUint32(2, true);
  const nEntered = view.getUint16(6, true);
  const nUpdated = view.getUint16(8, true);
  const nLeft = view.getUint16(10, true);
  const size = HEADER + RECORD * (nEntered + nUpdated) + 4 * nLeft;
  if (buffer.byteLength !== size) {
    throw new SnapshotError(`frame of ${buffer.byteLength} bytes, its header says ${size}`);
  }
  let at = HEADER;
  const entered: AvatarState[] = [];
  for (let i = 0; i < nEntered; i++, at += RECORD) entered.push(record(view, at));
  const updated: AvatarState[] = [];
  for (let i = 0; i < nUpdated; i++, at += RECORD) updated.push(record(view, at));
  const left: number[] = [];
  for (let i = 0; i < nLeft; i++, at += 4) left.push(view.getUint32(at, true));
  return { full, tick, entered, updated, left };
}

/** Apply a frame to a view (id -> state), as section 6 "Applying a frame" says. */
export function applySnapshot(view: Map<number, AvatarState>, frame: Snapshot): void {
  if (frame.full) view.clear();
  for (const a of frame.entered) view.set(a.id, a);
  for (const a of frame.updated) view.set(a.id, a);
  for (const id of frame.left) view.delete(id);
}

/** Encode a frame (the inverse of decodeSnapshot): for tests and tools. */
export function encodeSnapshot(frame: Snapshot): ArrayBuffer {
  const n = frame.entered.length + frame.updated.length;
  const buffer = new ArrayBuffer(HEADER + RECORD * n + 4 * frame.left.length);
  const view = new DataView(buffer);
  view.setUint8(0, 1);
  view.setUint8(1, frame.full ? 1 : 0);
  view.setUint32(2, frame.tick, true);
  view.setUint16(6, frame.entered.length, true);
  view.setUint16(8, frame.updated.length, true);
  view.setUint16(10, frame.left.length, true);
  let at = HEADER;
  for (const a of [...frame.entered, ...frame.updated]) {
    view.setUint32(at, a.id, true);
    view.setInt16(at + 4, Math.round(a.x * 100), true);
    view.setInt16(at + 6, Math.round(a.y * 100), true);
    const turn = ((a.yaw % 360) + 360) % 360;
    view.setUint16(at + 8, Math.round((turn * 65536) / 360) % 65536, true);
    view.setUint8(at + 10, Math.max(0, ANIMS.indexOf(a.anim)));
    view.setUint8(at + 11, a.flags);
    at += RECORD;
  }
  for (const id of frame.left) {
    view.setUint32(at, id, true);
    at += 4;
  }
  return buffer;
}
