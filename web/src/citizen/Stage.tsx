// Where the hall is shown: the lite 2D plan, or the 3D view (issue 13). The
// plan is always the first usable screen; the 3D chunk (three.js and
// ../three/) is imported only after it, when the device can take it
// (viewmode.ts), and replaces the plan once its models are in. A visible
// switch changes the view and is remembered.

import { useEffect, useRef, useState } from "preact/hooks";
import { translate } from "../shared/i18n";
import type { Hall3d } from "../three/hall3d";
import { Joystick, Plan } from "./Plan";
import { scene, status } from "./store";
import { T3 } from "./texts3d";
import { chooseView, readDevice, saveView, type ViewMode } from "./viewmode";
import "./stage.css";

export function Stage() {
  const [mode, setMode] = useState<ViewMode>(() => chooseView(readDevice()).mode);
  const [ready, setReady] = useState(false);
  const [firstPerson, setFirstPerson] = useState(false);
  const [vr, setVr] = useState(false);
  const [usable, setUsable] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const handle = useRef<Hall3d | null>(null);
  const want3d = mode !== "lite";

  // The first usable screen: the plan drawn and (for a visitor) the hall joined.
  const nowUsable = scene.value !== null && (mode === "tour" || status.value === "open");
  useEffect(() => {
    if (nowUsable && !usable) setUsable(true);
  }, [nowUsable, usable]);

  useEffect(() => {
    if (!want3d || !usable) return;
    let cancelled = false;
    const query = new URLSearchParams(location.search);
    const test = query.has("test3d");
    // Tests of VR without a headset: an emulated one first (its own chunk).
    const headset = query.has("xrtest")
      ? import("../three/xrtest").then((m) => m.installEmulatedHeadset())
      : Promise.resolve();
    void headset
      .then(() => import("../three/hall3d"))
      .then(({ mountHall3d }) => {
        if (cancelled || !box.current) return;
        const h = mountHall3d(box.current, { tour: mode === "tour", test });
        handle.current = h;
        void h.ready.then(() => {
          if (!cancelled) setReady(true);
        });
        void h.vrAvailable().then((ok) => {
          if (!cancelled) setVr(ok);
        });
      })
      .catch(() => {
        // The chunk did not load (offline, old browser): the plan stays, as it must.
        if (!cancelled) setMode("lite");
      });
    return () => {
      cancelled = true;
      handle.current?.dispose();
      handle.current = null;
      setReady(false);
    };
  }, [want3d, usable, mode]);

  function choose(next: "lite" | "3d"): void {
    saveView(next);
    setMode(next);
  }

  const shown3d = want3d && ready;
  return (
    <div class={`stage${mode === "tour" ? " tour" : ""}`} data-view={shown3d ? mode : "lite"} data-testid="stage">
      {shown3d ? null : <Plan />}
      {want3d ? (
        <div ref={box} class="plan three" hidden={!ready}>
          {ready && mode !== "tour" ? (
            <>
              <Joystick onStick={(x, y) => handle.current?.stick(x, y)} />
              <div class="zoom">
                <button
                  type="button"
                  aria-label={translate(T3, "turn_left")}
                  onClick={() => handle.current?.turn(30)}
                >
                  ↶
                </button>
                <button
                  type="button"
                  aria-label={translate(T3, "turn_right")}
                  onClick={() => handle.current?.turn(-30)}
                >
                  ↷
                </button>
                <button
                  type="button"
                  class="wide"
                  aria-pressed={firstPerson}
                  onClick={() => {
                    handle.current?.setFirstPerson(!firstPerson);
                    setFirstPerson(!firstPerson);
                  }}
                >
                  {translate(T3, firstPerson ? "third_person" : "first_person")}
                </button>
                {vr ? (
                  <button type="button" class="wide" data-testid="enter-vr" onClick={() => void handle.current?.enterVr()}>
                    {translate(T3, "enter_vr")}
                  </button>
                ) : null}
              </div>
            </>
          ) : null}
        </div>
      ) : null}
      {mode === "tour" ? null : (
        <button
          type="button"
          class="view-switch"
          data-testid="view-switch"
          onClick={() => choose(want3d ? "lite" : "3d")}
        >
          {want3d && !ready ? translate(T3, "loading_3d") : translate(T3, want3d ? "to_lite" : "to_3d")}
        </button>
      )}
    </div>
  );
}

/** ?mode=tour: the hall on an expo screen, the camera flying round it; no sign-in, no panel. */
export function Tour() {
  return (
    <main class="tour-page">
      <h1 class="sr-only">{translate(T3, "tour_title")}</h1>
      <Stage />
    </main>
  );
}
