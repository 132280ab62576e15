// Compress the scene's glTF models for the 3D view (issue 13): meshopt
// geometry (EXT_meshopt_compression, decoded in the browser by the decoder in
// the three package), written beside the originals under
// scenes/assets/meshopt/<same path>. The originals stay: the server's
// scene checks read them (scenes/gltf.py cannot decode meshopt), and the
// client falls back to them when a compressed copy is missing.
//
// No KTX2: the placeholders have no textures (flat colours), and the KTX2
// encoder (toktx / KTX-Software) is a native tool this offline build lacks.
//
//   node scripts/compress-assets.mjs          (from web/; or: npm run assets)

import { readdir, mkdir, stat } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { NodeIO } from "@gltf-transform/core";
import { ALL_EXTENSIONS } from "@gltf-transform/extensions";
import { dedup, meshopt, prune, weld } from "@gltf-transform/functions";
import { MeshoptDecoder, MeshoptEncoder } from "meshoptimizer";

const ASSETS = fileURLToPath(new URL("../../scenes/assets/", import.meta.url));
const OUT = join(ASSETS, "meshopt");

async function* models(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && path !== OUT) yield* models(path);
    else if (entry.name.endsWith(".glb")) yield path;
  }
}

await MeshoptEncoder.ready;
await MeshoptDecoder.ready;
const io = new NodeIO()
  .registerExtensions(ALL_EXTENSIONS)
  .registerDependencies({ "meshopt.encoder": MeshoptEncoder, "meshopt.decoder": MeshoptDecoder });

for await (const path of models(ASSETS)) {
  const doc = await io.read(path);
  await doc.transform(dedup(), weld(), prune(), meshopt({ encoder: MeshoptEncoder, level: "medium" }));
  const out = join(OUT, relative(ASSETS, path));
  await mkdir(dirname(out), { recursive: true });
  await io.write(out, doc);
  const before = (await stat(path)).size;
  const after = (await stat(out)).size;
  console.log(`${relative(ASSETS, path)}: ${before} -> ${after} bytes`);
}
