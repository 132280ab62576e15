// The public "now serving" feed (docs/protocol.md section 11.3): the board
// and the hall's announcements, with reconnect.

import type { Bilingual, Board } from "./messages";
import { backoffMs } from "./connection";

export function followBoard(
  hallId: string,
  onBoard: (board: Board) => void,
  onAnnouncement?: (text: Bilingual) => void,
): () => void {
  let socket: WebSocket | null = null;
  let attempt = 0;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const open = (): void => {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(`${scheme}//${location.host}/ws/v1/halls/${encodeURIComponent(hallId)}/board`);
    socket.onmessage = (event: MessageEvent) => {
      attempt = 0;
      try {
        const msg = JSON.parse(String(event.data)) as Board & { type?: string; text?: Bilingual };
        if (msg.type === "board") onBoard(msg);
        else if (msg.type === "announcement" && msg.text) onAnnouncement?.(msg.text);
      } catch {
        /* not a board message: ignored */
      }
    };
    socket.onclose = () => {
      socket = null;
      if (!stopped) timer = setTimeout(open, backoffMs(attempt++, Math.random()));
    };
  };
  open();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    socket?.close(1000);
  };
}
