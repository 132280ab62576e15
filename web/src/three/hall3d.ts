// The hall in 3D (issue 13): a lazily imported chunk that the citizen app
// loads after its first usable screen. It draws the scene's glTF models, the
// avatars (./crowd), counters, lanes, the board and the kiosk's button, and
// drives the same walking as the lite plan (store.walkTo / setStick), so the
// two views can never disagree about where you are.

import { effect } from "@preact/signals";
import {
  AudioListener,
  PositionalAudio,
  AmbientLight,
  Color,
  DirectionalLight,
  Fog,
  Group,
  HemisphereLight,
  InstancedMesh,
  Matrix4,
  Mesh,
  MeshBasicMaterial,
  MeshLambertMaterial,
  Object3D,
  PerspectiveCamera,
  Plane,
  Raycaster,
  Scene as ThreeScene,
  CircleGeometry,
  ExtrudeGeometry,
  Shape,
  Vector2,
  Vector3,
  WebGLRenderer,
} from "three";
import { followBoard } from "../protocol/board";
import type { Board } from "../protocol/messages";
import { FLAG_SPEAKING } from "../protocol/snapshot";
import type { AvatarState } from "../protocol/snapshot";
import { translate } from "../shared/i18n";
import type { Scene } from "../shared/scene";
import {
  activeCallLeg,
  called,
  conn,
  hall,
  hallChat,
  myPosition,
  scene as sceneSignal,
  services,
  session,
  setStick,
  walkTo,
} from "../citizen/store";
import { T3 } from "../citizen/texts3d";
import { Crowd, nearest, partsOf, type Drawn } from "./crowd";
import { Interpolator } from "./interpolate";
import { facing, planToWorld, stickToPlan, worldToPlan, yawToRotationY } from "./mapping";
import { materialCount, model } from "./models";
import { BoardScreen, buttonPlane, menuButton, Label } from "./signs";
import { tourPose } from "./tour";
import { startXr, xrSupported, type XrHandle } from "./xr";


/** A kiosk's menu of services: columns, and the size of a cell (width, height), metres. */
const MENU_COLUMNS = 3;
const MENU_CELL_M: [number, number] = [0.4, 0.14];
export interface Options {
  tour: boolean;
  /** Test builds: keep the drawing buffer (pixels can be read) and allow a synthetic crowd. */
  test: boolean;
}

export interface Hall3d {
  ready: Promise<void>;
  setFirstPerson(on: boolean): void;
  turn(degrees: number): void;
  /** Plan-space stick from a screen-space one, turned by the camera's heading. */
  stick(x: number, y: number): void;
  enterVr(): Promise<boolean>;
  vrAvailable(): Promise<boolean>;
  dispose(): void;
}

/** At most this many name tags at once (the nearest), and none farther than TAG_METRES. */
export const MAX_TAGS = 12;
export const TAG_METRES = 14;
const BUBBLE_SECONDS = 6;
const BUBBLE_METRES = 15;

interface Extra {
  id: number;
  x: number;
  y: number;
  yaw: number;
  top: string;
}

export function mountHall3d(container: HTMLElement, options: Options): Hall3d {
  const s = sceneSignal.value as Scene;
  const renderer = new WebGLRenderer({
    antialias: false,
    preserveDrawingBuffer: options.test,
    powerPreference: "low-power",
  });
  renderer.setPixelRatio(Math.min(1.5, window.devicePixelRatio || 1));
  renderer.xr.enabled = true;
  const canvas = renderer.domElement;
  canvas.dataset.testid = "hall3d";
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", translate(T3, "canvas_label"));
  canvas.tabIndex = 0;
  container.appendChild(canvas);

  const world = new ThreeScene();
  world.background = new Color("#dfe8f0");
  world.fog = new Fog("#dfe8f0", 40, 90);
  world.add(new HemisphereLight("#ffffff", "#8a857a", 1.6));
  world.add(new AmbientLight("#ffffff", 0.4));
  const sun = new DirectionalLight("#ffffff", 1.4);
  sun.position.set(20, 40, 10);
  world.add(sun);

  const camera = new PerspectiveCamera(60, 1, 0.1, 200);
  const rig = new Object3D(); // the VR player's feet; the camera rides on it in XR
  world.add(rig);
  rig.add(camera);

  let heading = 0; // degrees; 0 looks north (+y)
  let firstPerson = false;
  let disposed = false;
  let xr: XrHandle | null = null;
  const interp = new Interpolator();
  const lastState = new Map<number, AvatarState>();
  const extras: Extra[] = [];
  const tags = new Map<number, Label>();
  const bubbles = new Map<number, { label: Label; until: number }>();
  const counterLabels: Label[] = [];
  let crowd: Crowd | null = null;
  let speaking: InstancedMesh | null = null;
  const pickables: Mesh[] = [];
  let boardScreen: BoardScreen | null = null;
  let board: Board | null = null;
  const frameMs: number[] = [];
  let lastDrawn = 0;

  // --- the hall --------------------------------------------------------
  const ready = (async () => {
    const loads = (s.assets ?? []).map(async (asset) => {
      const obj = await model(asset.url);
      if (!obj) return false;
      const [x, , z] = planToWorld(asset.position[0], asset.position[1]);
      const elevation = (asset as { elevation?: number }).elevation ?? 0;
      obj.position.set(x, elevation, z);
      obj.rotation.y = yawToRotationY(asset.yaw);
      obj.scale.setScalar(asset.scale);
      world.add(obj);
      return true;
    });
    const hallLoaded = (await Promise.all(loads)).some(Boolean);
    if (!hallLoaded) planFallback(world, s);
    crowd = new Crowd(world, partsOf(await model("assets/avatars/default.glb")));
    const dot = new InstancedMesh(new CircleGeometry(0.12, 12), new MeshLambertMaterial({ color: "#2ecc71" }), 512);
    dot.count = 0;
    dot.frustumCulled = false;
    speaking = dot;
    world.add(dot);
    furnish(world, s);
  })();

  function furnish(w: ThreeScene, sc: Scene): void {
    // Queue lanes: small discs on the floor, one draw call for all.
    const lanePoints = sc.counters.flatMap((c) => c.lane);
    const lanes = new InstancedMesh(
      new CircleGeometry(0.14, 10).rotateX(-Math.PI / 2),
      new MeshLambertMaterial({ color: "#5e9c82" }),
      Math.max(1, lanePoints.length),
    );
    const m = new Matrix4();
    lanePoints.forEach(([x, y], i) => {
      const [wx, , wz] = planToWorld(x, y);
      lanes.setMatrixAt(i, m.makeTranslation(wx, 0.02, wz));
    });
    lanes.count = lanePoints.length;
    lanes.name = "queue-lanes";
    w.add(lanes);
    // Counter numbers over each counter.
    for (const c of sc.counters) {
      const label = new Label(c.id, { color: "#fff", background: "#0b6e4f", height: 0.45, bold: true });
      const [x, , z] = planToWorld(c.position[0], c.position[1], 2.5);
      label.sprite.position.set(x, 2.5, z);
      w.add(label.sprite);
      counterLabels.push(label);
    }
    // The board as a screen in the world, on the queue screen's posts.
    const screenAsset = (sc.assets ?? []).find((a) => a.url.includes("queue-screen"));
    const screenObstacle = sc.obstacles.find((o) => o.kind === "screen");
    if (screenAsset || screenObstacle) {
      const at = screenAsset?.position ?? centre(screenObstacle!.polygon);
      const yaw = screenAsset?.yaw ?? 180;
      boardScreen = new BoardScreen(5.6, 2.4);
      const [fx, fz] = facing(yaw);
      const [x, , z] = planToWorld(at[0], at[1]);
      boardScreen.mesh.position.set(x + fx * 0.12, 2.0, z + fz * 0.12);
      boardScreen.mesh.rotation.y = yawToRotationY(yaw) + Math.PI;
      w.add(boardScreen.mesh);
      redrawBoard();
    }
    // "Take a number" on each kiosk: a button a click or a VR controller's ray presses.
    // It opens the kiosk's menu of services above it (in VR there is no DOM panel to
    // choose from); pressing a service takes the number for it.
    for (const asset of (sc.assets ?? []).filter((a) => a.url.includes("ticket-kiosk"))) {
      const button = buttonPlane(translate(T3, "take_number_button"), 0.7);
      const [fx, fz] = facing(asset.yaw);
      const [x, , z] = planToWorld(asset.position[0], asset.position[1]);
      button.position.set(x + fx * 0.45, 1.45, z + fz * 0.45);
      button.rotation.y = yawToRotationY(asset.yaw) + Math.PI;
      button.name = "take-number";
      const menu = new Group();
      menu.name = "kiosk-menu";
      menu.position.copy(button.position);
      menu.rotation.copy(button.rotation);
      menu.visible = false;
      menu.userData.kioskButton = button;
      button.userData.press = () => toggleMenu(menu);
      w.add(button, menu);
      pickables.push(button);
    }
  }

  /** Show a kiosk's menu, built from the catalogue as it is now (its language, its
   * services), or hide it; one menu open at a time. */
  function toggleMenu(menu: Group): void {
    const open = !menu.visible;
    for (const other of world.children) if (other instanceof Group && other.name === "kiosk-menu") closeMenu(other);
    if (!open) return;
    // In place of the kiosk's button, at the height of a hand: the services in a grid
    // of three columns, filled row by row, "close" after them (a headset's view of a
    // kiosk 0.9 m away is about 1.4 m wide and 0.9 m high: all of it stays in view).
    const cells: [string, string, () => void][] = services.value.map((service) => [
      `service:${service.code}`,
      service.name,
      () => {
        closeMenu(menu);
        void takeNumber(service.code);
      },
    ]);
    cells.push(["kiosk-close", translate(T3, "kiosk_close"), () => closeMenu(menu)]);
    const rows = Math.ceil(cells.length / MENU_COLUMNS);
    cells.forEach(([name, text, press], i) => {
      const b = menuButton(text, MENU_CELL_M[0], MENU_CELL_M[1]);
      const column = i % MENU_COLUMNS;
      const row = Math.floor(i / MENU_COLUMNS);
      b.position.set(
        (column - (MENU_COLUMNS - 1) / 2) * (MENU_CELL_M[0] + 0.03),
        0.08 + ((rows - 1) / 2 - row) * (MENU_CELL_M[1] + 0.03),
        0,
      );
      b.name = name;
      b.userData.press = press;
      menu.add(b);
      pickables.push(b);
    });
    (menu.userData.kioskButton as Mesh).visible = false;
    menu.visible = true;
  }

  /** Hide a kiosk's menu; its buttons leave the world and what a ray can press. */
  function closeMenu(menu: Group): void {
    menu.visible = false;
    (menu.userData.kioskButton as Mesh).visible = true;
    for (const old of [...menu.children] as Mesh[]) {
      pickables.splice(pickables.indexOf(old), 1);
      menu.remove(old);
      (old.material as MeshBasicMaterial).map?.dispose();
      (old.material as MeshBasicMaterial).dispose();
      old.geometry.dispose();
    }
  }

  function redrawBoard(): void {
    boardScreen?.draw(board, translate(T3, "board_title"), translate(T3, "board_empty"));
  }

  const hallId = hall.value?.id;
  const stopBoard = hallId
    ? followBoard(hallId, (b) => {
        board = b;
        redrawBoard();
      })
    : () => undefined;

  // Chat bubbles over avatars nearby: a new proximity message shows for a few seconds.
  let chatSeen = hallChat.value.length;
  const stopChat = effect(() => {
    const all = hallChat.value;
    const fresh = all.slice(Math.min(chatSeen, all.length));
    chatSeen = all.length;
    for (const c of fresh) {
      const text = c.text.length > 40 ? `${c.text.slice(0, 39)}…` : c.text;
      let bubble = bubbles.get(c.from.id);
      if (!bubble) {
        bubble = {
          label: new Label(text, { color: "#111", background: "rgba(255,255,255,0.95)", height: 0.32 }),
          until: 0,
        };
        bubbles.set(c.from.id, bubble);
        world.add(bubble.label.sprite);
      }
      bubble.label.set(text);
      bubble.until = performance.now() + BUBBLE_SECONDS * 1000;
    }
  });

  // --- input -----------------------------------------------------------
  const raycaster = new Raycaster();
  const floor = new Plane(new Vector3(0, 1, 0), 0);
  const pointer = new Vector2();
  let down: { x: number; y: number; heading: number } | null = null;

  function onDown(e: PointerEvent): void {
    down = { x: e.clientX, y: e.clientY, heading };
    canvas.setPointerCapture(e.pointerId);
  }
  function onMove(e: PointerEvent): void {
    if (!down || options.tour) return;
    // Dragging sideways turns the camera.
    heading = down.heading + (e.clientX - down.x) * 0.3;
  }
  function onUp(e: PointerEvent): void {
    const start = down;
    down = null;
    if (!start || options.tour || Math.hypot(e.clientX - start.x, e.clientY - start.y) > 10) return;
    const rect = canvas.getBoundingClientRect();
    pointer.set(((e.clientX - rect.left) / rect.width) * 2 - 1, -((e.clientY - rect.top) / rect.height) * 2 + 1);
    raycaster.setFromCamera(pointer, camera);
    press(raycaster);
  }

  /** What a click or a controller's ray does: press an in-world button, else walk to the floor point. */
  function press(ray: Raycaster): "button" | "walk" | null {
    const hit = ray.intersectObjects(
      pickables.filter((p) => p.visible),
      false,
    )[0];
    if (hit) {
      (hit.object.userData.press as (() => void) | undefined)?.();
      return "button";
    }
    const at = ray.ray.intersectPlane(floor, new Vector3());
    if (!at) return null;
    void walkTo(worldToPlan(at.x, at.z));
    return "walk";
  }

  const held = new Set<string>();
  const MOVE: Record<string, [number, number]> = {
    ArrowUp: [0, 1], w: [0, 1], W: [0, 1],
    ArrowDown: [0, -1], s: [0, -1], S: [0, -1],
    ArrowLeft: [-1, 0], a: [-1, 0], A: [-1, 0],
    ArrowRight: [1, 0], d: [1, 0], D: [1, 0],
  };
  function onKey(e: KeyboardEvent, pressed: boolean): void {
    if (options.tour) return;
    if (pressed && (e.key === "q" || e.key === "Q")) heading += 15;
    if (pressed && (e.key === "e" || e.key === "E")) heading -= 15;
    if (!(e.key in MOVE)) return;
    e.preventDefault();
    if (pressed) held.add(e.key);
    else held.delete(e.key);
    let x = 0;
    let y = 0;
    for (const k of held) {
      const v = MOVE[k];
      if (v) {
        x += v[0];
        y += v[1];
      }
    }
    stick(Math.sign(x), Math.sign(y));
  }
  function stick(x: number, y: number): void {
    const [px, py] = stickToPlan(x, y, heading);
    setStick(px, py);
  }
  const keyDown = (e: KeyboardEvent): void => onKey(e, true);
  const keyUp = (e: KeyboardEvent): void => onKey(e, false);
  const blur = (): void => {
    held.clear();
    setStick(0, 0);
  };
  canvas.addEventListener("pointerdown", onDown);
  canvas.addEventListener("pointermove", onMove);
  canvas.addEventListener("pointerup", onUp);
  canvas.addEventListener("keydown", keyDown);
  canvas.addEventListener("keyup", keyUp);
  canvas.addEventListener("blur", blur);

  async function takeNumber(service: string): Promise<void> {
    const c = conn();
    if (!c) return;
    try {
      await c.request({ type: "ticket_take", service, priority: "regular" });
    } catch {
      /* the overlay shows the refusal (store.complain for the DOM path); nothing to draw here */
    }
  }

  // --- the counter call in VR -------------------------------------------
  // The ray presses the app's own consent buttons (Call.tsx), so the call
  // starts exactly as from the panel; they float in front of you in VR.
  const callButtons = ["call_accept_recorded", "call_accept_unrecorded"].map((key, i) => {
    const b = buttonPlane(translate(T3, key), 0.9);
    b.name = key;
    b.visible = false;
    b.userData.press = () => {
      const dom = document.querySelectorAll<HTMLButtonElement>('[data-testid="call"] .row button')[i];
      dom?.click();
    };
    world.add(b);
    pickables.push(b);
    return b;
  });
  let callCheck = 0;
  function placeCallButtons(): void {
    if (++callCheck % 15 !== 0) return;
    const offered = renderer.xr.isPresenting && document.querySelector('[data-testid="call"] .row button') !== null;
    const [fx, fz] = facing(heading);
    callButtons.forEach((b, i) => {
      b.visible = offered;
      if (!offered) return;
      b.position.set(rig.position.x + fx * 1.3 - fz * (i - 0.5) * 1.0, 1.3, rig.position.z + fz * 1.3 + fx * (i - 0.5) * 1.0);
      b.rotation.y = yawToRotationY(heading);
    });
  }

  // The counter's voice comes from the counter (Web Audio panner on the camera's listener).
  let listener: AudioListener | null = null;
  let voice: PositionalAudio | null = null;
  let voiceStream: MediaStream | null = null;
  function placeVoice(): void {
    const leg = activeCallLeg();
    const stream = leg?.remoteStream() ?? null;
    const counterId = session.value?.counter_id ?? called.value?.counter.id ?? null;
    const counter = s.counters.find((c) => c.id === counterId);
    if (stream === voiceStream && (voice !== null) === (stream !== null)) return;
    if (voice) {
      voice.disconnect();
      voice.removeFromParent();
      voice = null;
    }
    voiceStream = stream;
    if (!leg || !stream || !counter) return;
    listener ??= new AudioListener();
    if (!listener.parent) camera.add(listener);
    void listener.context.resume().catch(() => undefined);
    voice = new PositionalAudio(listener);
    voice.setMediaStreamSource(stream);
    voice.setRefDistance(2);
    const [x, , z] = planToWorld(counter.position[0], counter.position[1]);
    voice.position.set(x, 1.5, z);
    world.add(voice);
    leg.setPlainPlayback(false);
  }

  // --- every frame -----------------------------------------------------
  const resize = (): void => {
    const w = Math.max(1, container.clientWidth);
    const h = Math.max(1, container.clientHeight);
    renderer.setSize(w, h, false);
    canvas.style.width = "100%";
    canvas.style.height = "100%";
    camera.aspect = w / h;
    camera.updateProjectionMatrix();
  };
  const observer = new ResizeObserver(resize);
  observer.observe(container);
  resize();

  const started = performance.now();
  const eye = new Vector3();
  const target = new Vector3();
  const m = new Matrix4();

  function frame(): void {
    if (disposed) return;
    const t0 = performance.now();
    const now = t0;
    const c = conn();
    const view = c?.view;
    const me = view?.me ?? null;
    const mine = myPosition();
    const alive = new Set<number>();
    const drawn: Drawn[] = [];
    let myPose: { x: number; y: number; yaw: number } | null = null;
    if (view) {
      for (const st of view.states.values()) {
        alive.add(st.id);
        if (lastState.get(st.id) !== st) {
          lastState.set(st.id, st);
          interp.push(st.id, { x: st.x, y: st.y, yaw: st.yaw }, now);
        }
      }
      for (const id of lastState.keys()) if (!alive.has(id)) lastState.delete(id);
      interp.retain(alive);
    }
    // Our own avatar is where the walking loop has it (no round trip).
    if (me !== null && mine) {
      const st = view?.states.get(me);
      myPose = { x: mine[0], y: mine[1], yaw: st?.yaw ?? 0 };
    }
    // The camera first: near/far and tags depend on it.
    if (options.tour) {
      const screen = (s.assets ?? []).find((a) => a.url.includes("queue-screen"))?.position ?? null;
      const pose = tourPose((now - started) / 1000, s.bounds, screen);
      camera.position.set(...pose.position);
      camera.lookAt(...pose.target);
    } else if (renderer.xr.isPresenting) {
      // The rig moves by teleport only (xr.ts); the avatar walks after it.
      xr?.update();
    } else if (myPose) {
      const [hx, hz] = facing(heading);
      if (firstPerson) {
        camera.position.set(myPose.x, 1.6, -myPose.y);
        camera.lookAt(myPose.x + hx, 1.5, -myPose.y + hz);
      } else {
        eye.set(myPose.x - hx * 5.5, 3.4, -myPose.y - hz * 5.5);
        camera.position.lerp(eye, camera.position.lengthSq() === 0 ? 1 : 0.25);
        target.set(myPose.x, 1.2, -myPose.y);
        camera.lookAt(target);
      }
    } else {
      const [sx, sy] = s.spawns[0]?.position ?? [0, 0];
      camera.position.set(sx, 3.4, -sy + 5.5);
      camera.lookAt(sx, 1.2, -sy);
    }
    const cam = new Vector3();
    camera.getWorldPosition(cam);

    const byDistance: Array<{ id: number; d: number; x: number; y: number }> = [];
    const distances: number[] = [];
    for (const id of alive) {
      const st = view?.states.get(id);
      if (!st) continue;
      const pose = id === me && myPose ? myPose : interp.sample(id, now);
      if (!pose) continue;
      const profile = view?.profiles.get(id);
      const d = Math.hypot(pose.x - cam.x, -pose.y - cam.z);
      const hidden = id === me && (firstPerson || renderer.xr.isPresenting);
      const lift = st.anim === "sit" ? -0.45 : st.anim === "wave" ? Math.abs(Math.sin(now / 160)) * 0.15 : 0;
      if (!hidden) {
        drawn.push({ ...pose, id, lift, appearance: profile?.appearance, near: false });
        distances.push(d);
      }
      if (id !== me) byDistance.push({ id, d, x: pose.x, y: pose.y });
    }
    for (const e of extras) {
      const d = Math.hypot(e.x - cam.x, -e.y - cam.z);
      drawn.push({ ...e, lift: 0, appearance: { colors: { top: e.top } }, near: false });
      distances.push(d);
    }
    nearest(distances).forEach((near, i) => {
      drawn[i]!.near = near;
    });
    crowd?.update(drawn);
    lastDrawn = drawn.length;

    // Speaking indicators: a green disc over each speaker's head, turned to the camera.
    if (speaking && view) {
      let n = 0;
      for (const a of drawn) {
        const st = view.states.get(a.id);
        if (!st || (st.flags & FLAG_SPEAKING) === 0) continue;
        m.makeTranslation(a.x, 2.05, -a.y);
        m.multiply(new Matrix4().makeRotationY(yawToRotationY(heading)));
        speaking.setMatrixAt(n++, m);
      }
      speaking.count = n;
      speaking.instanceMatrix.needsUpdate = true;
    }

    // Name tags: the nearest few, near enough to read.
    byDistance.sort((a, b) => a.d - b.d);
    const tagged = new Set<number>();
    for (const a of byDistance.slice(0, MAX_TAGS)) {
      if (a.d > TAG_METRES) break;
      const name = view?.profiles.get(a.id)?.name ?? "";
      if (!name) continue;
      let tag = tags.get(a.id);
      if (!tag) {
        tag = new Label(name, { color: "#111", background: "rgba(255,255,255,0.85)", height: 0.22 });
        tags.set(a.id, tag);
        world.add(tag.sprite);
      }
      tag.set(name);
      tag.sprite.position.set(a.x, 1.95, -a.y);
      tag.sprite.visible = true;
      tagged.add(a.id);
    }
    for (const [id, tag] of tags) {
      if (tagged.has(id)) continue;
      if (!alive.has(id)) {
        world.remove(tag.sprite);
        tag.dispose();
        tags.delete(id);
      } else tag.sprite.visible = false;
    }
    // Chat bubbles, over the speaker, for a few seconds, when near.
    for (const [id, b] of bubbles) {
      const a = byDistance.find((o) => o.id === id) ?? (id === me && myPose ? { ...myPose, d: 0 } : undefined);
      if (now > b.until || !a) {
        world.remove(b.label.sprite);
        b.label.dispose();
        bubbles.delete(id);
        continue;
      }
      b.label.sprite.position.set(a.x, 2.35, -a.y);
      b.label.sprite.visible = a.d <= BUBBLE_METRES;
    }

    placeCallButtons();
    placeVoice();
    renderer.render(world, camera);
    frameMs.push(performance.now() - t0);
    if (frameMs.length > 120) frameMs.shift();
  }
  renderer.setAnimationLoop(frame);
  renderer.xr.addEventListener("sessionend", () => {
    // Back on the screen: the camera is placed in the world again, not on the rig.
    rig.position.set(0, 0, 0);
    rig.rotation.set(0, 0, 0);
    xr = null;
  });

  // For the browser tests and the benchmark (no tokens, no personal data).
  const debug = {
    ready: false,
    project(x: number, y: number, h = 0): { x: number; y: number } {
      const v = new Vector3(x, h, -y).project(camera);
      const rect = canvas.getBoundingClientRect();
      return { x: rect.left + ((v.x + 1) / 2) * rect.width, y: rect.top + ((1 - v.y) / 2) * rect.height };
    },
    stats() {
      return {
        calls: renderer.info.render.calls,
        triangles: renderer.info.render.triangles,
        modelMaterials: materialCount(),
        avatars: drawn_count(),
        tags: [...tags.values()].filter((t) => t.sprite.visible).length,
        bubbles: [...bubbles.values()].filter((b) => b.label.sprite.visible).length,
        frameMs: frameMs.length ? frameMs.reduce((a, b) => a + b, 0) / frameMs.length : 0,
      };
    },
    /** Time `n` frames drawn back to back, each finished (a pixel read waits for the GPU). */
    timeFrames(n: number): number {
      renderer.setAnimationLoop(null);
      const gl = renderer.getContext();
      const px = new Uint8Array(4);
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        frame();
        gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, px);
      }
      const ms = (performance.now() - t0) / n;
      renderer.setAnimationLoop(frame);
      return ms;
    },
    /** Test builds only: n synthetic avatars spread in front of the camera (the benchmark's crowd). */
    crowd(n: number): void {
      if (!options.test) return;
      extras.length = 0;
      const me = myPosition() ?? s.spawns[0]?.position ?? [30, 3];
      const [hx, hz] = facing(heading);
      for (let i = 0; i < n; i++) {
        const row = Math.floor(i / 20);
        const col = (i % 20) - 10;
        const ahead = 3 + row * 1.2;
        extras.push({
          id: 1_000_000 + i,
          x: me[0] + hx * ahead + -hz * col * 0.9 * -1,
          y: me[1] - hz * ahead + hx * col * 0.9,
          yaw: heading + 180,
          top: `#${((i * 2654435761) >>> 8).toString(16).padStart(6, "0").slice(0, 6)}`,
        });
      }
    },
    pressAt(x: number, y: number): string | null {
      const rect = canvas.getBoundingClientRect();
      pointer.set(((x - rect.left) / rect.width) * 2 - 1, -((y - rect.top) / rect.height) * 2 + 1);
      raycaster.setFromCamera(pointer, camera);
      return press(raycaster);
    },
    heading: () => heading,
    /** Test builds: the colour drawn at a page point (CSS pixels), [r, g, b] as shown (sRGB). */
    pixel(x: number, y: number): [number, number, number] {
      const gl = renderer.getContext();
      const rect = canvas.getBoundingClientRect();
      const px = Math.round(((x - rect.left) / rect.width) * gl.drawingBufferWidth);
      const py = Math.round((1 - (y - rect.top) / rect.height) * gl.drawingBufferHeight);
      const out = new Uint8Array(4);
      gl.readPixels(px, py, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, out);
      return [out[0]!, out[1]!, out[2]!];
    },
    /** Test builds: how many distinct colours a 40 x 25 grid over the picture shows (a blank canvas: 1). */
    colours(): number {
      const gl = renderer.getContext();
      const out = new Uint8Array(4);
      const seen = new Set<number>();
      for (let i = 0; i < 40; i++) {
        for (let j = 0; j < 25; j++) {
          const px = Math.floor(((i + 0.5) / 40) * gl.drawingBufferWidth);
          const py = Math.floor(((j + 0.5) / 25) * gl.drawingBufferHeight);
          gl.readPixels(px, py, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, out);
          seen.add((out[0]! << 16) | (out[1]! << 8) | out[2]!);
        }
      }
      return seen.size;
    },
    xr: () => renderer.xr.isPresenting,
    landing: () => xr?.landing() ?? [],
    rig: (): [number, number] =>
      renderer.xr.isPresenting ? worldToPlan(rig.position.x, rig.position.z) : (myPosition() ?? [0, 0]),
    /** The world position (x, y, z) of the first kiosk's button, or of a service's
     * button in an open kiosk menu (`name` "service:KK"). */
    button: (name = "take-number"): [number, number, number] | null => {
      const b = pickables.find((p) => p.name === name && p.visible && (p.parent?.visible ?? true));
      if (!b) return null;
      const v = new Vector3();
      b.getWorldPosition(v);
      return [v.x, v.y, v.z];
    },
  };
  function drawn_count(): number {
    return lastDrawn;
  }
  (globalThis as Record<string, unknown>).hallDebug3d = debug;
  void ready.then(() => {
    debug.ready = true;
  });

  return {
    ready,
    setFirstPerson(on: boolean): void {
      firstPerson = on;
    },
    turn(degrees: number): void {
      heading += degrees;
    },
    stick,
    async vrAvailable(): Promise<boolean> {
      return xrSupported();
    },
    async enterVr(): Promise<boolean> {
      const at = myPosition();
      if (at) rig.position.set(at[0], 0, -at[1]);
      rig.rotation.y = yawToRotationY(heading);
      xr = await startXr(renderer, world, rig, {
        buttons: pickables,
        teleport: (x: number, y: number) => void walkTo([x, y]),
        turn: (deg: number) => {
          heading += deg;
          rig.rotation.y = yawToRotationY(heading);
        },
      });
      return xr !== null;
    },
    dispose(): void {
      disposed = true;
      renderer.setAnimationLoop(null);
      observer.disconnect();
      stopBoard();
      stopChat();
      xr?.end();
      voice?.disconnect();
      activeCallLeg()?.setPlainPlayback(true);
      canvas.removeEventListener("pointerdown", onDown);
      canvas.removeEventListener("pointermove", onMove);
      canvas.removeEventListener("pointerup", onUp);
      canvas.removeEventListener("keydown", keyDown);
      canvas.removeEventListener("keyup", keyUp);
      canvas.removeEventListener("blur", blur);
      for (const t of tags.values()) t.dispose();
      for (const l of counterLabels) l.dispose();
      renderer.dispose();
      canvas.remove();
      delete (globalThis as Record<string, unknown>).hallDebug3d;
    },
  };
}

function centre(polygon: Array<[number, number]>): [number, number] {
  let x = 0;
  let y = 0;
  for (const [px, py] of polygon) {
    x += px;
    y += py;
  }
  return [x / polygon.length, y / polygon.length];
}

/** No model loaded: the plan's floors, and its obstacles extruded (scenes/assets/README.md). */
function planFallback(world: ThreeScene, s: Scene): void {
  const floorMat = new MeshLambertMaterial({ color: "#8c877d" });
  const wallMat = new MeshLambertMaterial({ color: "#c9c6bd" });
  const solid = (polygon: Array<[number, number]>, depth: number, material: MeshLambertMaterial): Mesh => {
    const shape = new Shape(polygon.map(([x, y]) => new Vector2(x, y)));
    const geometry = new ExtrudeGeometry(shape, { depth, bevelEnabled: false });
    // The shape lies in x/y; turn it so that plan y becomes -Z and the depth goes up.
    geometry.rotateX(-Math.PI / 2);
    return new Mesh(geometry, material);
  };
  for (const f of s.floors) world.add(solid(f.polygon, 0.01, floorMat));
  for (const o of s.obstacles) world.add(solid(o.polygon, o.kind === "wall" ? 1.2 : 0.9, wallMat));
}
