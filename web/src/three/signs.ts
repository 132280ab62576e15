// Text in the world: name tags, counter numbers, chat bubbles, the kiosk's
// button and the "now serving" screen, each a canvas drawn once and used as a
// texture (redrawn only when its text changes).

import {
  CanvasTexture,
  DoubleSide,
  Mesh,
  MeshBasicMaterial,
  PlaneGeometry,
  SRGBColorSpace,
  Sprite,
  SpriteMaterial,
} from "three";
import type { Board } from "../protocol/messages";

export interface SignStyle {
  color: string;
  background: string;
  /** World height of the sign, metres. */
  height: number;
  bold?: boolean;
}

function canvasFor(text: string, style: SignStyle): HTMLCanvasElement {
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d") as CanvasRenderingContext2D;
  const font = `${style.bold ? "700 " : ""}40px system-ui, sans-serif`;
  ctx.font = font;
  const width = Math.min(1024, Math.ceil(ctx.measureText(text).width) + 32);
  canvas.width = width;
  canvas.height = 64;
  ctx.font = font;
  ctx.fillStyle = style.background;
  ctx.beginPath();
  ctx.roundRect(0, 0, width, 64, 14);
  ctx.fill();
  ctx.fillStyle = style.color;
  ctx.textBaseline = "middle";
  ctx.fillText(text, 16, 34);
  return canvas;
}

/** A camera-facing text label. */
export class Label {
  readonly sprite: Sprite;
  private text = "";

  constructor(
    text: string,
    private readonly style: SignStyle,
  ) {
    this.sprite = new Sprite(new SpriteMaterial({ depthTest: true, transparent: true }));
    this.set(text);
  }

  set(text: string): void {
    if (text === this.text) return;
    this.text = text;
    const canvas = canvasFor(text, this.style);
    const material = this.sprite.material;
    material.map?.dispose();
    const texture = new CanvasTexture(canvas);
    texture.colorSpace = SRGBColorSpace;
    material.map = texture;
    material.needsUpdate = true;
    this.sprite.scale.set((this.style.height * canvas.width) / canvas.height, this.style.height, 1);
  }

  dispose(): void {
    this.sprite.material.map?.dispose();
    this.sprite.material.dispose();
  }
}

/** A flat button in the world (the kiosk's "take a number"): a plane a ray can hit. */
export function buttonPlane(text: string, width: number): Mesh {
  const canvas = canvasFor(text, { color: "#fff", background: "#0b6e4f", height: 0.25, bold: true });
  const texture = new CanvasTexture(canvas);
  texture.colorSpace = SRGBColorSpace;
  const height = (width * canvas.height) / canvas.width;
  return new Mesh(new PlaneGeometry(width, height), new MeshBasicMaterial({ map: texture, side: DoubleSide }));
}

/** A menu button of a fixed size (the kiosk's services): every button of a menu is
 * the same size whatever its text, which goes on up to three lines and shrinks to fit. */
export function menuButton(text: string, width: number, height: number): Mesh {
  const canvas = document.createElement("canvas");
  canvas.height = 96;
  canvas.width = Math.round((96 * width) / height);
  const ctx = canvas.getContext("2d") as CanvasRenderingContext2D;
  ctx.fillStyle = "#0b6e4f";
  ctx.beginPath();
  ctx.roundRect(0, 0, canvas.width, canvas.height, 18);
  ctx.fill();
  const room = canvas.width - 28;
  const fit = (lines: string[], largest: number): number => {
    ctx.font = `700 ${largest}px system-ui, sans-serif`;
    const widest = Math.max(...lines.map((l) => ctx.measureText(l).width));
    return Math.max(12, Math.min(largest, Math.floor((largest * room) / widest)));
  };
  // one, two or three lines, whichever lets the text be largest
  const words = text.split(" ");
  let lines = [text];
  let size = fit(lines, 46);
  for (let k = 2; k <= Math.min(3, words.length); k++) {
    const target = text.length / k;
    const split: string[] = [];
    let line = "";
    for (const word of words) {
      if (line && line.length + 1 + word.length > target && split.length < k - 1) {
        split.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    split.push(line);
    const s = fit(split, Math.floor(canvas.height / (k * 1.2)));
    if (s > size) [lines, size] = [split, s];
  }
  ctx.font = `700 ${size}px system-ui, sans-serif`;
  ctx.fillStyle = "#fff";
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  const step = size * 1.15;
  lines.forEach((line, i) => {
    ctx.fillText(line, canvas.width / 2, canvas.height / 2 + (i - (lines.length - 1) / 2) * step + 2, room);
  });
  const texture = new CanvasTexture(canvas);
  texture.colorSpace = SRGBColorSpace;
  return new Mesh(new PlaneGeometry(width, height), new MeshBasicMaterial({ map: texture, side: DoubleSide }));
}

/** The "now serving" screen: a plane with a canvas texture redrawn when the board changes. */
export class BoardScreen {
  readonly mesh: Mesh;
  private readonly canvas: HTMLCanvasElement;
  private readonly texture: CanvasTexture;

  constructor(width: number, height: number) {
    this.canvas = document.createElement("canvas");
    this.canvas.width = 1024;
    this.canvas.height = Math.round((1024 * height) / width);
    this.texture = new CanvasTexture(this.canvas);
    this.texture.colorSpace = SRGBColorSpace;
    this.mesh = new Mesh(new PlaneGeometry(width, height), new MeshBasicMaterial({ map: this.texture }));
    this.mesh.name = "board-screen";
    this.draw(null, "Sedang dilayani · Now serving", "—");
  }

  draw(board: Board | null, title: string, empty: string): void {
    const ctx = this.canvas.getContext("2d") as CanvasRenderingContext2D;
    const { width, height } = this.canvas;
    ctx.fillStyle = "#08243f";
    ctx.fillRect(0, 0, width, height);
    ctx.fillStyle = "#ffd166";
    ctx.font = "700 54px system-ui, sans-serif";
    ctx.textBaseline = "top";
    ctx.fillText(title, 32, 24);
    const rows = board?.now_serving ?? [];
    ctx.font = "700 64px ui-monospace, monospace";
    if (rows.length === 0) {
      ctx.fillStyle = "#fff";
      ctx.fillText(empty, 32, 120);
    }
    rows.slice(0, 8).forEach((row, i) => {
      const col = i % 2;
      const line = Math.floor(i / 2);
      const x = 32 + col * (width / 2);
      const y = 110 + line * 80;
      ctx.fillStyle = "#fff";
      ctx.fillText(row.number, x, y);
      ctx.fillStyle = "#9fd3c7";
      ctx.fillText(`→ ${row.counter_id}`, x + 230, y);
    });
    this.texture.needsUpdate = true;
  }
}
