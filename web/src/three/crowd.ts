// Avatars drawn cheaply: one InstancedMesh per part of the default avatar
// (skin, hair, top, bottom, accent: the colour keys of `appearance`), so 200
// avatars cost five draw calls; far ones are a six-sided stand-in in their
// top's colour (one more draw call). Per-instance colours come from each
// profile's appearance; the model's own colours fill the gaps.

import {
  BufferAttribute,
  BoxGeometry,
  BufferGeometry,
  Color,
  CylinderGeometry,
  DynamicDrawUsage,
  InstancedMesh,
  Matrix4,
  Mesh,
  MeshLambertMaterial,
  Object3D,
  Quaternion,
  Vector3,
  type Scene,
} from "three";
import type { Appearance } from "../protocol/messages";
import { planToWorld, yawToRotationY } from "./mapping";

export const PART_KEYS = ["skin", "hair", "top", "bottom", "accent"] as const;
export type PartKey = (typeof PART_KEYS)[number];

/** Beyond this distance (metres) from the camera, an avatar is a stand-in... */
export const NEAR_METRES = 18;
/** ...and so are all but the nearest MAX_NEAR (a crowd costs stand-ins' triangles, not models'). */
export const MAX_NEAR = 64;

/** Which avatars get the full model: the nearest MAX_NEAR within NEAR_METRES. Pure. */
export function nearest(distances: number[]): boolean[] {
  const order = distances.map((d, i) => [d, i] as const).sort((a, b) => a[0] - b[0]);
  const out = distances.map(() => false);
  for (let k = 0; k < order.length && k < MAX_NEAR; k++) {
    const [d, i] = order[k]!;
    if (d >= NEAR_METRES) break;
    out[i] = true;
  }
  return out;
}

export interface Drawn {
  id: number;
  x: number;
  y: number;
  yaw: number;
  lift: number; // metres above the floor (a hop for a wave, lower when seated)
  appearance: Appearance | undefined;
  near: boolean;
}

interface Part {
  key: PartKey;
  mesh: InstancedMesh;
  fallback: Color;
}

const FALLBACK: Record<PartKey, string> = {
  skin: "#c08a6a",
  hair: "#2a2018",
  top: "#7f8a99",
  bottom: "#3a3d45",
  accent: "#1a1a1c",
};

function isPart(name: string): name is PartKey {
  return (PART_KEYS as readonly string[]).includes(name);
}

/**
 * The geometry with plain float attributes. Meshopt-compressed models keep
 * positions quantized (normalized int16 in -1..1, scaled by the node); baking
 * the node's transform into such an attribute would clamp everything beyond
 * 1 m (the avatar lost its head), so they are widened first.
 */
export function floats(geometry: BufferGeometry): BufferGeometry {
  for (const name of Object.keys(geometry.attributes)) {
    const a = geometry.getAttribute(name);
    if (a instanceof BufferAttribute && a.array instanceof Float32Array) continue;
    const out = new Float32Array(a.count * a.itemSize);
    const get = [a.getX, a.getY, a.getZ, a.getW];
    for (let i = 0; i < a.count; i++) {
      for (let k = 0; k < a.itemSize; k++) out[i * a.itemSize + k] = get[k]!.call(a, i);
    }
    geometry.setAttribute(name, new BufferAttribute(out, a.itemSize));
  }
  return geometry;
}

/** The default avatar as one geometry per part, or simple boxes when the model did not load. */
export function partsOf(model: Object3D | null): Array<{ key: PartKey; geometry: BufferGeometry; color: Color }> {
  const out: Array<{ key: PartKey; geometry: BufferGeometry; color: Color }> = [];
  if (model) {
    model.updateMatrixWorld(true);
    model.traverse((o) => {
      const mesh = o as Mesh;
      if (!mesh.isMesh) return;
      const material = Array.isArray(mesh.material) ? mesh.material[0] : mesh.material;
      const name = material?.name ?? "";
      if (!isPart(name)) return;
      const geometry = floats(mesh.geometry.clone());
      geometry.applyMatrix4(mesh.matrixWorld);
      const color = (material as MeshLambertMaterial).color?.clone() ?? new Color(FALLBACK[name]);
      out.push({ key: name, geometry, color });
    });
  }
  if (out.length === 0) {
    const body = new BoxGeometry(0.45, 1.2, 0.3).translate(0, 0.6, 0);
    const head = new BoxGeometry(0.26, 0.3, 0.26).translate(0, 1.4, 0);
    out.push({ key: "top", geometry: body, color: new Color(FALLBACK.top) });
    out.push({ key: "skin", geometry: head, color: new Color(FALLBACK.skin) });
  }
  return out;
}

export class Crowd {
  private parts: Part[] = [];
  private standIn: InstancedMesh;
  private capacity: number;
  private readonly m = new Matrix4();
  private readonly q = new Quaternion();
  private readonly up = new Vector3(0, 1, 0);
  private readonly p = new Vector3();
  private readonly s = new Vector3(1, 1, 1);
  private readonly c = new Color();

  constructor(
    private readonly scene: Scene,
    private readonly geometries: Array<{ key: PartKey; geometry: BufferGeometry; color: Color }>,
    capacity = 256,
  ) {
    this.capacity = capacity;
    this.standIn = this.makeStandIn(capacity);
    this.parts = this.makeParts(capacity);
  }

  private makeParts(capacity: number): Part[] {
    return this.geometries.map(({ key, geometry, color }) => {
      const mesh = new InstancedMesh(geometry, new MeshLambertMaterial({ color: 0xffffff }), capacity);
      mesh.instanceMatrix.setUsage(DynamicDrawUsage);
      mesh.setColorAt(0, color); // creates the colour buffer before the first draw
      mesh.count = 0;
      mesh.frustumCulled = false; // instances spread over the hall; the bounds would be the first one's
      mesh.name = `avatar-${key}`;
      this.scene.add(mesh);
      return { key, mesh, fallback: color.clone() };
    });
  }

  private makeStandIn(capacity: number): InstancedMesh {
    const geometry = new CylinderGeometry(0.22, 0.26, 1.65, 6, 1).translate(0, 0.825, 0);
    const mesh = new InstancedMesh(geometry, new MeshLambertMaterial({ color: 0xffffff }), capacity);
    mesh.instanceMatrix.setUsage(DynamicDrawUsage);
    mesh.setColorAt(0, new Color(FALLBACK.top));
    mesh.count = 0;
    mesh.frustumCulled = false;
    mesh.name = "avatar-stand-in";
    this.scene.add(mesh);
    return mesh;
  }

  private grow(needed: number): void {
    let next = this.capacity;
    while (next < needed) next *= 2;
    for (const part of this.parts) {
      this.scene.remove(part.mesh);
      part.mesh.dispose();
    }
    this.scene.remove(this.standIn);
    this.standIn.dispose();
    this.capacity = next;
    this.parts = this.makeParts(next);
    this.standIn = this.makeStandIn(next);
  }

  private colour(appearance: Appearance | undefined, key: PartKey, fallback: Color): Color {
    const hex = appearance?.colors?.[key];
    if (hex && /^#[0-9a-f]{6}$/i.test(hex)) return this.c.set(hex);
    return this.c.copy(fallback);
  }

  /** Draw these avatars this frame. */
  update(avatars: Drawn[]): { near: number; far: number } {
    if (avatars.length > this.capacity) this.grow(avatars.length);
    let near = 0;
    let far = 0;
    const topFallback = this.parts.find((p) => p.key === "top")?.fallback ?? new Color(FALLBACK.top);
    for (const a of avatars) {
      const [wx, , wz] = planToWorld(a.x, a.y, a.lift);
      this.p.set(wx, a.lift, wz);
      this.q.setFromAxisAngle(this.up, yawToRotationY(a.yaw));
      this.m.compose(this.p, this.q, this.s);
      if (a.near) {
        for (const part of this.parts) {
          part.mesh.setMatrixAt(near, this.m);
          part.mesh.setColorAt(near, this.colour(a.appearance, part.key, part.fallback));
        }
        near++;
      } else {
        this.standIn.setMatrixAt(far, this.m);
        this.standIn.setColorAt(far, this.colour(a.appearance, "top", topFallback));
        far++;
      }
    }
    for (const part of this.parts) {
      part.mesh.count = near;
      part.mesh.instanceMatrix.needsUpdate = true;
      if (part.mesh.instanceColor) part.mesh.instanceColor.needsUpdate = true;
    }
    this.standIn.count = far;
    this.standIn.instanceMatrix.needsUpdate = true;
    if (this.standIn.instanceColor) this.standIn.instanceColor.needsUpdate = true;
    return { near, far };
  }
}
