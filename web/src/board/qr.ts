// The QR code of the hall's address as one SVG path (uqr encodes; drawing it
// ourselves keeps the markup out of innerHTML).

import { encode } from "uqr";

export function qrPath(text: string): { size: number; d: string } {
  const qr = encode(text, { ecc: "M", border: 2 });
  let d = "";
  qr.data.forEach((row, y) => {
    row.forEach((dark, x) => {
      if (dark) d += `M${x} ${y}h1v1h-1z`;
    });
  });
  return { size: qr.size, d };
}
