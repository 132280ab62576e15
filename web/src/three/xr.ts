// WebXR: "Enter VR" where the browser offers immersive-vr. A controller's
// trigger presses the in-world button its ray points at; pointing at the
// floor shows an arc, and releasing the trigger there teleports you (the
// avatar then walks there on the server's terms, as every move must); the
// thumbstick turns in 30-degree snaps (smooth turning makes people ill).

import {
  BufferGeometry,
  Float32BufferAttribute,
  Line,
  LineBasicMaterial,
  Matrix4,
  Raycaster,
  Vector3,
  type Object3D,
  type Scene,
  type WebGLRenderer,
  type XRTargetRaySpace,
} from "three";
import { worldToPlan } from "./mapping";

export interface XrActions {
  /** The in-world buttons a ray can press (the kiosks' "take a number"). */
  buttons: Object3D[];
  teleport: (x: number, y: number) => void;
  turn: (degrees: number) => void;
}

export interface XrHandle {
  update(): void;
  end(): void;
  /** Where each controller's arc lands now (plan metres), those on the floor. */
  landing(): Array<[number, number]>;
}

interface XrNavigator {
  xr?: {
    isSessionSupported(mode: string): Promise<boolean>;
    requestSession(mode: string, init?: unknown): Promise<XRSession>;
  };
}

export async function xrSupported(): Promise<boolean> {
  const xr = (navigator as Navigator & XrNavigator).xr;
  if (!xr) return false;
  try {
    return await xr.isSessionSupported("immersive-vr");
  } catch {
    return false;
  }
}

export const SNAP_DEGREES = 30;
const ARC_POINTS = 24;
const ARC_SPEED = 10; // m/s along the ray: reaches up to ~11 m
const GRAVITY = 9.8;

/**
 * Where a throw from `origin` along `direction` at ARC_SPEED meets the floor (y = 0),
 * and the points of the arc to draw. Pure apart from the Vector3 arithmetic.
 */
export function arc(origin: Vector3, direction: Vector3): { points: Vector3[]; landing: Vector3 | null } {
  const v = direction.clone().normalize().multiplyScalar(ARC_SPEED);
  // Solve origin.y + v.y t - g t^2 / 2 = 0 for the positive root.
  const a = -GRAVITY / 2;
  const disc = v.y * v.y - 4 * a * origin.y;
  if (disc < 0) return { points: [], landing: null };
  const t = (-v.y - Math.sqrt(disc)) / (2 * a);
  const points: Vector3[] = [];
  for (let i = 0; i <= ARC_POINTS; i++) {
    const s = (t * i) / ARC_POINTS;
    points.push(new Vector3(origin.x + v.x * s, origin.y + v.y * s + a * s * s, origin.z + v.z * s));
  }
  return { points, landing: points[points.length - 1] ?? null };
}

export async function startXr(
  renderer: WebGLRenderer,
  world: Scene,
  rig: Object3D,
  actions: XrActions,
): Promise<XrHandle | null> {
  const xr = (navigator as Navigator & XrNavigator).xr;
  if (!xr) return null;
  const session = await xr.requestSession("immersive-vr", { optionalFeatures: ["local-floor"] });
  renderer.xr.setReferenceSpaceType("local-floor");
  await renderer.xr.setSession(session);

  const controllers: XRTargetRaySpace[] = [];
  const arcs: Line[] = [];
  const raycaster = new Raycaster();
  const rotation = new Matrix4();
  let snapped = false;
  const landings: Array<Vector3 | null> = [null, null];

  for (let i = 0; i < 2; i++) {
    const controller = renderer.xr.getController(i);
    rig.add(controller);
    const geometry = new BufferGeometry();
    geometry.setAttribute("position", new Float32BufferAttribute(new Float32Array((ARC_POINTS + 1) * 3), 3));
    const line = new Line(geometry, new LineBasicMaterial({ color: "#2ecc71" }));
    line.frustumCulled = false;
    world.add(line);
    arcs.push(line);
    controllers.push(controller);
    controller.addEventListener("selectend", () => {
      rotation.identity().extractRotation(controller.matrixWorld);
      raycaster.ray.origin.setFromMatrixPosition(controller.matrixWorld);
      raycaster.ray.direction.set(0, 0, -1).applyMatrix4(rotation);
      const hit = raycaster.intersectObjects(
        actions.buttons.filter((b) => b.visible),
        false,
      )[0];
      if (hit) {
        // Each button carries what pressing it does (hall3d.ts).
        (hit.object.userData.press as (() => void) | undefined)?.();
        return;
      }
      const { landing } = arc(raycaster.ray.origin, raycaster.ray.direction);
      if (landing) {
        const [x, y] = worldToPlan(landing.x, landing.z);
        rig.position.set(landing.x, 0, landing.z);
        actions.teleport(x, y);
      }
    });
  }

  const origin = new Vector3();
  const direction = new Vector3();
  return {
    update(): void {
      controllers.forEach((controller, i) => {
        const line = arcs[i]!;
        rotation.identity().extractRotation(controller.matrixWorld);
        origin.setFromMatrixPosition(controller.matrixWorld);
        direction.set(0, 0, -1).applyMatrix4(rotation);
        const { points, landing } = arc(origin, direction);
        landings[i] = landing;
        const attr = line.geometry.getAttribute("position") as Float32BufferAttribute;
        points.forEach((p, k) => attr.setXYZ(k, p.x, p.y, p.z));
        attr.needsUpdate = true;
        line.visible = points.length > 0;
      });
      // Snap turning from any thumbstick.
      let x = 0;
      for (const source of session.inputSources) {
        const axes = source.gamepad?.axes ?? [];
        const ax = axes[2] ?? axes[0] ?? 0;
        if (Math.abs(ax) > Math.abs(x)) x = ax;
      }
      if (Math.abs(x) > 0.7 && !snapped) {
        snapped = true;
        actions.turn(x > 0 ? -SNAP_DEGREES : SNAP_DEGREES);
      } else if (Math.abs(x) < 0.3) snapped = false;
    },
    end(): void {
      void session.end().catch(() => undefined);
      for (const line of arcs) world.remove(line);
    },
    landing(): Array<[number, number]> {
      return landings.filter((l): l is Vector3 => l !== null).map((l) => worldToPlan(l.x, l.z));
    },
  };
}
