// The parts of a scene file (docs/scene-format.md) that the pages draw.

import type { Bilingual } from "../protocol/messages";

export type Point = [number, number];

export interface Scene {
  id: string;
  name: Bilingual;
  bounds: { min: Point; max: Point };
  floors: Array<{ id: string; polygon: Point[] }>;
  obstacles: Array<{ id: string; kind: string; polygon: Point[] }>;
  spawns: Array<{ id: string; position: Point; yaw: number }>;
  seats: Array<{ id: string; position: Point; yaw: number }>;
  counters: Array<{
    id: string;
    name: Bilingual;
    position: Point;
    facing: number;
    services: string[];
    lane: Point[];
    zone?: string;
  }>;
  zones: Array<{ id: string; kind: string; name: Bilingual; polygon: Point[] }>;
  assets?: Array<{ id: string; url: string; position: Point; yaw: number; scale: number }>;
}

export function centroid(polygon: Point[]): Point {
  let x = 0;
  let y = 0;
  for (const [px, py] of polygon) {
    x += px;
    y += py;
  }
  return [x / polygon.length, y / polygon.length];
}
