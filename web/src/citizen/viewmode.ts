// Lite or 3D: which view of the hall a device gets. Pure: the caller reads the
// device (readDevice, the only part that touches the browser) and passes it in.
// 3D adds and never gates (issue 13): anything doubtful gets the lite plan.

export type ViewMode = "lite" | "3d" | "tour";

export type Reason =
  | "forced"
  | "saved"
  | "no_webgl2"
  | "software_gl"
  | "low_memory"
  | "slow_connection"
  | "save_data"
  | "capable";

export interface Device {
  /** `?mode=` of the address, if any. */
  forced: string | null;
  /** What the citizen chose last time with the switch (localStorage). */
  saved: string | null;
  webgl2: boolean;
  /** WebGL drawn by the CPU (SwiftShader, llvmpipe): 3D would be slow, so only on request. */
  softwareGl?: boolean | undefined;
  /** navigator.deviceMemory, GB (Chromium only; rounded down to 0.25, 0.5, 1, 2, 4, 8). */
  deviceMemory?: number | undefined;
  /** navigator.connection.effectiveType: "slow-2g", "2g", "3g" or "4g". */
  effectiveType?: string | undefined;
  saveData?: boolean | undefined;
}

export interface Choice {
  mode: ViewMode;
  reason: Reason;
}

/** Below this many GB of memory a phone keeps the lite view (three.js plus the models need ~150 MB). */
export const MIN_MEMORY_GB = 2;
const SLOW = new Set(["slow-2g", "2g", "3g"]);
export const SAVED_KEY = "hall.view";
const SOFTWARE = /swiftshader|llvmpipe|softpipe|software/i;

function isMode(v: string | null): v is ViewMode {
  return v === "lite" || v === "3d" || v === "tour";
}

export function chooseView(d: Device): Choice {
  // Without WebGL2 nothing 3D can be drawn, whatever was asked for.
  if (isMode(d.forced)) {
    if (d.forced !== "lite" && !d.webgl2) return { mode: "lite", reason: "no_webgl2" };
    return { mode: d.forced, reason: "forced" };
  }
  if (d.saved === "lite") return { mode: "lite", reason: "saved" };
  if (!d.webgl2) return { mode: "lite", reason: "no_webgl2" };
  if (d.saved === "3d") return { mode: "3d", reason: "saved" };
  if (d.softwareGl) return { mode: "lite", reason: "software_gl" };
  if (d.deviceMemory !== undefined && d.deviceMemory < MIN_MEMORY_GB) return { mode: "lite", reason: "low_memory" };
  if (d.saveData) return { mode: "lite", reason: "save_data" };
  if (d.effectiveType !== undefined && SLOW.has(d.effectiveType)) return { mode: "lite", reason: "slow_connection" };
  return { mode: "3d", reason: "capable" };
}

interface NavigatorExtras {
  deviceMemory?: number;
  connection?: { effectiveType?: string; saveData?: boolean };
}

/** The browser's side of the choice (the edge: reads the page, storage and a throw-away WebGL2 context). */
export function readDevice(): Device {
  const nav = navigator as Navigator & NavigatorExtras;
  let saved: string | null = null;
  try {
    saved = localStorage.getItem(SAVED_KEY);
  } catch {
    /* private mode: nothing remembered */
  }
  let webgl2 = false;
  let softwareGl = false;
  try {
    const gl = document.createElement("canvas").getContext("webgl2");
    webgl2 = gl !== null;
    const info = gl?.getExtension("WEBGL_debug_renderer_info");
    if (gl && info) softwareGl = SOFTWARE.test(String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)));
    gl?.getExtension("WEBGL_lose_context")?.loseContext();
  } catch {
    webgl2 = false;
  }
  return {
    forced: new URLSearchParams(location.search).get("mode"),
    saved,
    webgl2,
    softwareGl,
    deviceMemory: nav.deviceMemory,
    effectiveType: nav.connection?.effectiveType,
    saveData: nav.connection?.saveData,
  };
}

/** Remember the citizen's own choice (the visible switch). */
export function saveView(mode: "lite" | "3d"): void {
  try {
    localStorage.setItem(SAVED_KEY, mode);
  } catch {
    /* private mode */
  }
}
