// Labels that do not overlap: placed greedily in priority order, each tried
// at a few offsets around its anchor; one that fits nowhere is left out
// (it comes back when the view changes). Pure, so it is unit-tested.

export interface LabelRequest {
  key: string;
  x: number; // anchor, screen pixels
  y: number;
  width: number;
  height: number;
  priority: number; // higher first
}

export interface PlacedLabel {
  key: string;
  left: number;
  top: number;
  width: number;
  height: number;
}

function overlaps(a: PlacedLabel, b: PlacedLabel): boolean {
  return a.left < b.left + b.width && b.left < a.left + a.width && a.top < b.top + b.height && b.top < a.top + a.height;
}

export function placeLabels(
  requests: LabelRequest[],
  bounds: { width: number; height: number },
  blocked: PlacedLabel[] = [],
): PlacedLabel[] {
  const placed: PlacedLabel[] = [...blocked];
  const out: PlacedLabel[] = [];
  const ordered = [...requests].sort((a, b) => b.priority - a.priority);
  for (const r of ordered) {
    const candidates: Array<[number, number]> = [
      [r.x - r.width / 2, r.y - r.height - 6], // above
      [r.x - r.width / 2, r.y + 6], // below
      [r.x + 8, r.y - r.height / 2], // right
      [r.x - r.width - 8, r.y - r.height / 2], // left
    ];
    for (const [left, top] of candidates) {
      const box = { key: r.key, left, top, width: r.width, height: r.height };
      if (left < 0 || top < 0 || left + r.width > bounds.width || top + r.height > bounds.height) continue;
      if (placed.some((p) => overlaps(p, box))) continue;
      placed.push(box);
      out.push(box);
      break;
    }
  }
  return out;
}
