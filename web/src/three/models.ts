// Loading the scene's glTF models: the meshopt-compressed copy first
// (scenes/assets/meshopt/, made by web/scripts/compress-assets.mjs), the
// original when there is none, and nothing (the caller draws the plan's
// polygons instead) when neither loads. Everything comes from the hall's own
// origin: the meshopt decoder is the one shipped inside the three package.

import type { Group, Material, Mesh, MeshStandardMaterial, Object3D } from "three";
import { GLTFLoader } from "three/addons/loaders/GLTFLoader.js";
import { MeshoptDecoder } from "three/addons/libs/meshopt_decoder.module.js";

let loader: GLTFLoader | null = null;
const cache = new Map<string, Promise<Group | null>>();

function gltfLoader(): GLTFLoader {
  if (!loader) {
    loader = new GLTFLoader();
    loader.setMeshoptDecoder(MeshoptDecoder);
  }
  return loader;
}

/** "assets/mpp-kendari/hall.glb" -> ["/assets/meshopt/mpp-kendari/hall.glb", "/assets/mpp-kendari/hall.glb"]. */
export function candidates(url: string): string[] {
  if (/^[a-z]+:\/\//i.test(url)) return [url];
  const path = url.startsWith("/") ? url : `/${url}`;
  const m = /^\/assets\/(.+)$/.exec(path);
  return m ? [`/assets/meshopt/${m[1]}`, path] : [path];
}

// The models share their materials (wood, brand, metal, screen... recur in
// most of them): one material per name and colour keeps the hall within its
// budget of materials in view and lets the renderer skip state changes.
const shared = new Map<string, Material>();

function materialKey(m: MeshStandardMaterial): string {
  return `${m.name}|${m.color?.getHexString() ?? ""}|${m.opacity}|${m.transparent}|${m.map ? m.map.uuid : ""}`;
}

function shareMaterials(root: Object3D): void {
  root.traverse((o) => {
    const mesh = o as Mesh;
    if (!mesh.isMesh || Array.isArray(mesh.material)) return;
    const key = materialKey(mesh.material as MeshStandardMaterial);
    const known = shared.get(key);
    if (known) mesh.material = known;
    else shared.set(key, mesh.material);
  });
}

/** How many distinct model materials are loaded (the budget says at most 25 in view). */
export function materialCount(): number {
  return shared.size;
}

async function loadOne(url: string): Promise<Group | null> {
  for (const candidate of candidates(url)) {
    try {
      const gltf = await gltfLoader().loadAsync(candidate);
      shareMaterials(gltf.scene);
      return gltf.scene;
    } catch {
      /* missing or broken: try the next, then fall back to the plan */
    }
  }
  return null;
}

/** A fresh copy of the model at `url` (loaded once), or null when it cannot be loaded. */
export async function model(url: string): Promise<Object3D | null> {
  let pending = cache.get(url);
  if (!pending) {
    pending = loadOne(url);
    cache.set(url, pending);
  }
  const original = await pending;
  return original ? original.clone(true) : null;
}
