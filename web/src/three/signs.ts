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
