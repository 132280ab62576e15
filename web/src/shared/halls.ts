// Which hall a page shows: `?hall=<id>` when given, else the server's first.

import type { Bilingual } from "../protocol/messages";
import { api } from "../protocol/rest";

export interface HallInfo {
  id: string;
  name: Bilingual;
  scene_url: string;
  websocket_url: string;
  /** Where people reach the hall (HALL_PUBLIC_URL), for a QR code; null: not set. */
  public_url?: string | null;
}

export async function findHall(): Promise<HallInfo | null> {
  const halls = await api<HallInfo[]>("/api/v1/halls");
  const wanted = new URLSearchParams(location.search).get("hall");
  return halls.find((h) => h.id === wanted) ?? halls[0] ?? null;
}
