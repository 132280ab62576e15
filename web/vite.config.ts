// The pages are built into hall_server/webapp/ (not committed), which the
// hall serves: / (citizen app), and the staff pages as they land. Everything
// is bundled: nothing loads from outside the hall's origin (intranets).
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  base: "/app/",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: here("../hall_server/webapp"),
    emptyOutDir: true,
    target: "es2020",
    // Phone first: no source maps shipped.
    sourcemap: false,
    rollupOptions: {
      input: {
        index: here("index.html"),
        officer: here("officer.html"),
        supervisor: here("supervisor.html"),
        board: here("board.html"),
        ikm: here("ikm.html"),
      },
    },
  },
  server: {
    proxy: {
      "/api": "http://127.0.0.1:8000",
      "/ws": { target: "ws://127.0.0.1:8000", ws: true },
      "/assets": "http://127.0.0.1:8000",
    },
  },
  test: { include: ["test/**/*.test.ts"], environment: "node" },
});
