// The live KPI feed (docs/protocol.md section 14, "The feed"): the figures are
// pushed when a ticket moves or a counter changes (at most once a second, at
// least every 5 s), so the dashboard need not poll them. Reconnects with the
// protocol client's backoff; a lapsed or refused token stops it (the REST poll
// and the sign-in take over).

import { backoffMs } from "../protocol/connection";
import { readKpi, type Kpi } from "./kpi";

/** Close codes after which trying again cannot help (section 9). */
const FINAL = new Set([4001, 4003, 4004]);

export interface KpiFeed {
  /** The feed is open and has sent figures since it opened. */
  live(): boolean;
  stop(): void;
}

export function followKpi(
  hallId: string,
  token: () => string | null,
  onKpi: (kpi: Kpi) => void,
  onRefused: (code: number) => void,
): KpiFeed {
  let socket: WebSocket | null = null;
  let attempt = 0;
  let stopped = false;
  let receiving = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const open = (): void => {
    const current = token();
    if (!current) return;
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const s = new WebSocket(`${scheme}//${location.host}/ws/v1/halls/${encodeURIComponent(hallId)}/kpi`);
    socket = s;
    s.onopen = () => s.send(JSON.stringify({ type: "join", token: current }));
    s.onmessage = (event: MessageEvent) => {
      let msg: { type?: string };
      try {
        msg = JSON.parse(String(event.data)) as { type?: string };
      } catch {
        return; // not JSON: ignored
      }
      if (msg.type !== "kpi") return;
      attempt = 0;
      receiving = true;
      onKpi(readKpi(msg));
    };
    s.onclose = (event: CloseEvent) => {
      if (socket === s) socket = null;
      receiving = false;
      if (stopped) return;
      if (FINAL.has(event.code)) {
        onRefused(event.code);
        return;
      }
      timer = setTimeout(open, backoffMs(attempt++, Math.random()));
    };
  };
  open();
  return {
    live: () => receiving && socket?.readyState === WebSocket.OPEN,
    stop(): void {
      stopped = true;
      if (timer) clearTimeout(timer);
      socket?.close(1000);
    },
  };
}
