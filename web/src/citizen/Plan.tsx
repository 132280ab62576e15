// The lite 2D view: the hall's plan on a canvas, the avatars in view with
// their names (labels never overlap), counters and zones labelled, the staff
// at the counters, your destination and your waiting spot highlighted. Tap
// or click the floor to walk there; a touch joystick and the keyboard too.

import { useEffect, useRef, useState } from "preact/hooks";
import { FLAG_STAFF, FLAG_IDLE } from "../protocol/snapshot";
import { lang, pick, translate } from "../shared/i18n";
import { placeLabels, type LabelRequest, type PlacedLabel } from "../shared/labels";
import { centroid, type Point, type Scene } from "../shared/scene";
import {
  called,
  conn,
  destination,
  frames,
  liveTicket,
  myPosition,
  scene,
  session,
  setStick,
  walkTo,
} from "./store";
import { T } from "./texts";

const COLORS = {
  outside: "#dfe3e8",
  floor: "#fbfaf7",
  obstacle: "#5b6470",
  zone: "rgba(30, 94, 160, 0.07)",
  zoneText: "#1f4e79",
  counter: "#0b6e4f",
  lane: "#9bb8a9",
  citizen: "#2f6fb3",
  staff: "#b3261e",
  me: "#ffb000",
  name: "#111",
  highlight: "#d9480f",
};

interface Camera {
  cx: number;
  cy: number;
  scale: number; // pixels per metre
}

function fitScale(s: Scene, w: number, h: number): number {
  const sw = s.bounds.max[0] - s.bounds.min[0];
  const sh = s.bounds.max[1] - s.bounds.min[1];
  return Math.min(w / sw, h / sh) * 0.96;
}

export function Plan() {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  // A phone shows the hall around you, larger (names readable); a desktop the whole hall.
  const [zoom, setZoom] = useState(() => (window.innerWidth < 600 ? 2.2 : 1));
  const shown = useRef(new Map<number, { x: number; y: number }>());
  const keys = useRef(new Set<string>());
  const camera = useRef<Camera>({ cx: 0, cy: 0, scale: 10 });

  // Draw at the display's frame rate, easing avatars toward their latest
  // snapshot state (frames come at 20 Hz, far ones every 4th tick).
  useEffect(() => {
    let raf = 0;
    let last = performance.now();
    const draw = (now: number): void => {
      const dt = Math.min(0.2, (now - last) / 1000);
      last = now;
      const canvas = canvasRef.current;
      const s = scene.value;
      if (canvas && s) render(canvas, s, dt);
      raf = requestAnimationFrame(draw);
    };
    raf = requestAnimationFrame(draw);
    return () => cancelAnimationFrame(raf);
  }, [zoom]);

  function render(canvas: HTMLCanvasElement, s: Scene, dt: number): void {
    const dpr = Math.min(2, window.devicePixelRatio || 1);
    const w = canvas.clientWidth;
    const h = canvas.clientHeight;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    const ctx = canvas.getContext("2d");
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const fit = fitScale(s, w, h);
    const me = myPosition();
    const scale = fit * zoom;
    const cam = camera.current;
    cam.scale = scale;
    if (zoom > 1 && me) {
      cam.cx = me[0];
      cam.cy = me[1];
    } else {
      cam.cx = (s.bounds.min[0] + s.bounds.max[0]) / 2;
      cam.cy = (s.bounds.min[1] + s.bounds.max[1]) / 2;
    }
    const X = (x: number): number => (x - cam.cx) * scale + w / 2;
    const Y = (y: number): number => h / 2 - (y - cam.cy) * scale;
    const poly = (points: Point[]): void => {
      ctx.beginPath();
      points.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(X(x), Y(y)) : ctx.lineTo(X(x), Y(y))));
      ctx.closePath();
    };
    ctx.fillStyle = COLORS.outside;
    ctx.fillRect(0, 0, w, h);
    ctx.fillStyle = COLORS.floor;
    for (const f of s.floors) {
      poly(f.polygon);
      ctx.fill();
    }
    ctx.fillStyle = COLORS.zone;
    for (const z of s.zones) {
      poly(z.polygon);
      ctx.fill();
    }
    ctx.fillStyle = COLORS.obstacle;
    for (const o of s.obstacles) {
      poly(o.polygon);
      ctx.fill();
    }
    const ticket = liveTicket.value;
    const callCounter = called.value?.counter.id ?? session.value?.counter_id ?? null;
    const myCounters = new Set(
      s.counters.filter((c) => ticket && c.services.includes(ticket.service)).map((c) => c.id),
    );
    for (const c of s.counters) {
      ctx.fillStyle = COLORS.lane;
      for (const [lx, ly] of c.lane) {
        ctx.beginPath();
        ctx.arc(X(lx), Y(ly), Math.max(1.5, scale * 0.08), 0, Math.PI * 2);
        ctx.fill();
      }
      const size = Math.max(6, scale * 0.7);
      ctx.fillStyle = COLORS.counter;
      ctx.fillRect(X(c.position[0]) - size / 2, Y(c.position[1]) - size / 2, size, size);
      if (c.id === callCounter) ring(ctx, X(c.position[0]), Y(c.position[1]), size, COLORS.highlight, true);
    }
    const waitAt = ticket?.state === "waiting" ? ticket.wait_at : null;
    if (waitAt) ring(ctx, X(waitAt[0]), Y(waitAt[1]), Math.max(8, scale * 0.6), COLORS.highlight, false);
    const dest = destination.value;
    if (dest) cross(ctx, X(dest[0]), Y(dest[1]), COLORS.highlight);

    // Avatars, eased toward their latest state.
    const c = conn();
    const seen = c ? c.view.seen() : [];
    const k = 1 - Math.exp(-dt * 12);
    const alive = new Set<number>();
    const labels: LabelRequest[] = [];
    const blocked: PlacedLabel[] = [];
    ctx.font = "12px system-ui, sans-serif";
    for (const a of seen) {
      alive.add(a.id);
      const mine = a.id === c?.view.me;
      let pos = shown.current.get(a.id);
      const target = mine && me ? { x: me[0], y: me[1] } : { x: a.x, y: a.y };
      if (!pos || mine) pos = { ...target };
      else {
        pos.x += (target.x - pos.x) * k;
        pos.y += (target.y - pos.y) * k;
      }
      shown.current.set(a.id, pos);
      const sx = X(pos.x);
      const sy = Y(pos.y);
      if (sx < -20 || sy < -20 || sx > w + 20 || sy > h + 20) continue;
      const staff = (a.flags & FLAG_STAFF) !== 0 || a.profile?.role === "officer" || a.profile?.role === "bot";
      const r = Math.max(3, Math.min(9, scale * 0.28)) * (mine ? 1.3 : 1);
      ctx.globalAlpha = (a.flags & FLAG_IDLE) !== 0 ? 0.45 : 1;
      ctx.fillStyle = mine ? COLORS.me : staff ? COLORS.staff : COLORS.citizen;
      ctx.beginPath();
      if (staff) ctx.rect(sx - r, sy - r, r * 2, r * 2);
      else ctx.arc(sx, sy, r, 0, Math.PI * 2);
      ctx.fill();
      ctx.strokeStyle = "#fff";
      ctx.lineWidth = 1.5;
      ctx.stroke();
      ctx.globalAlpha = 1;
      blocked.push({ key: `dot${a.id}`, left: sx - r, top: sy - r, width: r * 2, height: r * 2 });
      const name = mine ? `${translate(T, "you")}` : (a.profile?.name ?? "");
      if (name) {
        const dist = me ? Math.hypot(pos.x - me[0], pos.y - me[1]) : 0;
        labels.push({
          key: `a${a.id}`,
          x: sx,
          y: sy,
          width: ctx.measureText(name).width + 8,
          height: 16,
          priority: mine ? 1000 : staff ? 500 - dist : 100 - dist,
        });
        labelText.set(`a${a.id}`, { text: name, color: mine ? "#000" : staff ? COLORS.staff : COLORS.name });
      }
    }
    for (const id of shown.current.keys()) if (!alive.has(id)) shown.current.delete(id);

    // Counter and zone labels, then names: none overlap; the least important give way.
    for (const cn of s.counters) {
      const text = cn.id;
      labels.push({
        key: `c${cn.id}`,
        x: X(cn.position[0]),
        y: Y(cn.position[1]),
        width: ctx.measureText(text).width + 8,
        height: 16,
        priority: myCounters.has(cn.id) || cn.id === callCounter ? 800 : 300,
      });
      labelText.set(`c${cn.id}`, { text, color: "#fff", bg: COLORS.counter });
    }
    for (const z of s.zones) {
      const [zx, zy] = centroid(z.polygon);
      const text = pick(z.name, lang.value);
      labels.push({
        key: `z${z.id}`,
        x: X(zx),
        y: Y(zy),
        width: ctx.measureText(text).width + 8,
        height: 16,
        priority: 50,
      });
      labelText.set(`z${z.id}`, { text, color: COLORS.zoneText });
    }
    ctx.textBaseline = "middle";
    for (const p of placeLabels(labels, { width: w, height: h }, blocked)) {
      const style = labelText.get(p.key);
      if (!style) continue;
      ctx.fillStyle = style.bg ?? "rgba(255,255,255,0.85)";
      ctx.fillRect(p.left, p.top, p.width, p.height);
      ctx.fillStyle = style.color;
      ctx.fillText(style.text, p.left + 4, p.top + p.height / 2);
    }
    labelText.clear();
  }

  const labelText = useRef(new Map<string, { text: string; color: string; bg?: string }>()).current;

  // Tap or click the floor: walk there along the floor.
  const down = useRef<{ x: number; y: number } | null>(null);
  function onPointerDown(e: PointerEvent): void {
    down.current = { x: e.clientX, y: e.clientY };
  }
  function onPointerUp(e: PointerEvent): void {
    const start = down.current;
    down.current = null;
    const canvas = canvasRef.current;
    if (!start || !canvas || Math.hypot(e.clientX - start.x, e.clientY - start.y) > 10) return;
    const rect = canvas.getBoundingClientRect();
    const cam = camera.current;
    const x = cam.cx + (e.clientX - rect.left - rect.width / 2) / cam.scale;
    const y = cam.cy - (e.clientY - rect.top - rect.height / 2) / cam.scale;
    void walkTo([x, y]);
  }
  function onKey(e: KeyboardEvent, pressed: boolean): void {
    const map: Record<string, [number, number]> = {
      ArrowUp: [0, 1], w: [0, 1], W: [0, 1],
      ArrowDown: [0, -1], s: [0, -1], S: [0, -1],
      ArrowLeft: [-1, 0], a: [-1, 0], A: [-1, 0],
      ArrowRight: [1, 0], d: [1, 0], D: [1, 0],
    };
    if (!(e.key in map)) return;
    e.preventDefault();
    if (pressed) keys.current.add(e.key);
    else keys.current.delete(e.key);
    let x = 0;
    let y = 0;
    for (const key of keys.current) {
      const v = map[key];
      if (v) {
        x += v[0];
        y += v[1];
      }
    }
    setStick(Math.sign(x), Math.sign(y));
  }

  void frames.value; // redraw on frames (the loop draws anyway)
  return (
    <div class="plan">
      <canvas
        ref={canvasRef}
        tabIndex={0}
        role="img"
        aria-label={translate(T, "plan_label")}
        data-testid="plan"
        onPointerDown={onPointerDown}
        onPointerUp={onPointerUp}
        onKeyDown={(e) => onKey(e, true)}
        onKeyUp={(e) => onKey(e, false)}
        onBlur={() => {
          keys.current.clear();
          setStick(0, 0);
        }}
      />
      <Joystick onStick={setStick} />
      <div class="zoom">
        <button type="button" aria-label={translate(T, "zoom_in")} onClick={() => setZoom(Math.min(4, zoom * 1.6))}>
          +
        </button>
        <button type="button" aria-label={translate(T, "zoom_out")} onClick={() => setZoom(Math.max(1, zoom / 1.6))}>
          −
        </button>
      </div>
    </div>
  );
}

function ring(ctx: CanvasRenderingContext2D, x: number, y: number, size: number, color: string, pulse: boolean): void {
  const t = pulse ? (Math.sin(performance.now() / 200) + 1) / 2 : 0;
  ctx.strokeStyle = color;
  ctx.lineWidth = 3;
  ctx.beginPath();
  ctx.arc(x, y, size * (0.9 + t * 0.5), 0, Math.PI * 2);
  ctx.stroke();
}

function cross(ctx: CanvasRenderingContext2D, x: number, y: number, color: string): void {
  ctx.strokeStyle = color;
  ctx.lineWidth = 3;
  ctx.beginPath();
  ctx.moveTo(x - 7, y - 7);
  ctx.lineTo(x + 7, y + 7);
  ctx.moveTo(x + 7, y - 7);
  ctx.lineTo(x - 7, y + 7);
  ctx.stroke();
}

/** A touch joystick: drag from its centre; the farther, the faster (up to a brisk walk). */
export function Joystick({ onStick = setStick }: { onStick?: (x: number, y: number) => void }) {
  const [knob, setKnob] = useState<[number, number]>([0, 0]);
  const base = useRef<HTMLDivElement>(null);
  const RADIUS = 40;
  function move(e: PointerEvent): void {
    const el = base.current;
    if (!el || !el.hasPointerCapture(e.pointerId)) return;
    const rect = el.getBoundingClientRect();
    let dx = e.clientX - (rect.left + rect.width / 2);
    let dy = e.clientY - (rect.top + rect.height / 2);
    const len = Math.hypot(dx, dy);
    if (len > RADIUS) {
      dx = (dx / len) * RADIUS;
      dy = (dy / len) * RADIUS;
    }
    setKnob([dx, dy]);
    onStick(dx / RADIUS, -dy / RADIUS);
  }
  function end(e: PointerEvent): void {
    base.current?.releasePointerCapture(e.pointerId);
    setKnob([0, 0]);
    onStick(0, 0);
  }
  return (
    <div
      ref={base}
      class="joystick"
      role="presentation"
      aria-hidden="true"
      title={translate(T, "joystick")}
      onPointerDown={(e) => {
        base.current?.setPointerCapture(e.pointerId);
        move(e);
      }}
      onPointerMove={move}
      onPointerUp={end}
      onPointerCancel={end}
    >
      <div class="knob" style={{ transform: `translate(${knob[0]}px, ${knob[1]}px)` }} />
    </div>
  );
}
