// The hall WebSocket (docs/protocol.md sections 4-9): join, resume after a
// drop, reconnect with back-off, requests answered by `ref`, snapshots into a
// HallView. One module for every page (citizen app, officer console, ...).

import type { ErrorMessage, ServerMessage, ServerType, Welcome } from "./messages";
import { decodeSnapshot, type Snapshot } from "./snapshot";
import { HallView } from "./view";
import { deviceId } from "./device";

export type ConnectionStatus =
  | "connecting"
  | "open"
  | "reconnecting"
  | "signed_out" // 4001: the token is gone or expired; sign in again
  | "refused" // 4000/4003/4004/4009/4029: do not retry blindly
  | "closed";

export interface ConnectionOptions {
  /** WebSocket path, e.g. "/ws/v1/halls/mpp-kendari". */
  path: string;
  token: () => string | null;
  displayName?: string;
  /** Where the resume token is kept across reloads (localStorage key). */
  resumeKey?: string;
  onMessage: (msg: ServerMessage) => void;
  onFrame?: (frame: Snapshot) => void;
  onStatus?: (status: ConnectionStatus, detail?: { code: number; error?: ErrorMessage }) => void;
}

/** A request refused by the server: the `error` that carried its `ref`. */
export class RequestError extends Error {
  constructor(readonly error: ErrorMessage) {
    super(error.code);
  }
}

interface Pending {
  resolve: (msg: ServerMessage) => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

const RETRY = new Set([1001, 1006, 1011, 1012, 1013, 4008, 4010]);
const REFUSED = new Set([1007, 1009, 4000, 4003, 4004, 4009, 4029]);
const REQUEST_TIMEOUT_MS = 15_000;
const PING_EVERY_MS = 20_000;

export function backoffMs(attempt: number, random: number): number {
  // 0.5 s doubling to 8 s, with jitter so that a hall's clients do not all
  // come back in the same instant after a restart.
  const base = Math.min(8000, 500 * 2 ** Math.min(attempt, 5));
  return Math.round(base * (0.75 + random * 0.5));
}

/** The socket a `hall_moved` error names, if it is one a page may open (ws: or wss:). */
export function hallMovedUrl(url: string | null | undefined): string | null {
  if (typeof url !== "string") return null;
  return /^wss?:\/\/[^\s]+\/ws\/v1\/halls\/[^/\s]+$/.test(url) ? url : null;
}

export class HallConnection {
  readonly view = new HallView();
  status: ConnectionStatus = "closed";
  private socket: WebSocket | null = null;
  private seq = 0;
  private pending = new Map<number, Pending>();
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private lastError: ErrorMessage | undefined;
  private stopped = false;
  /** Where the hall went (error `hall_moved`, close 4013): the next connection goes there. */
  private movedTo: string | null = null;
  welcome: Welcome | null = null;

  constructor(private readonly opts: ConnectionOptions) {}

  connect(): void {
    this.stopped = false;
    this.open();
  }

  private url(): string {
    // Many nodes: one connection to the owner a node named, then the usual address again
    // (any node: it names the owner anew if the hall moved since).
    const moved = this.movedTo;
    this.movedTo = null;
    if (moved) return moved;
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${location.host}${this.opts.path}`;
  }

  private setStatus(status: ConnectionStatus, detail?: { code: number; error?: ErrorMessage }): void {
    this.status = status;
    this.opts.onStatus?.(status, detail);
  }

  private open(): void {
    const token = this.opts.token();
    if (!token) {
      this.setStatus("signed_out", { code: 4001 });
      return;
    }
    this.setStatus(this.attempt === 0 ? "connecting" : "reconnecting");
    const socket = new WebSocket(this.url());
    socket.binaryType = "arraybuffer";
    this.socket = socket;
    this.lastError = undefined;
    socket.onopen = () => {
      const join: Record<string, unknown> = { type: "join", token };
      if (this.opts.displayName) join.display_name = this.opts.displayName;
      const resume = this.opts.resumeKey ? localStorage.getItem(this.opts.resumeKey) : null;
      if (resume) join.resume_token = resume;
      const device = deviceId();
      if (device) join.device = device;
      socket.send(JSON.stringify(join));
    };
    socket.onmessage = (event: MessageEvent) => {
      if (socket !== this.socket) return;
      if (event.data instanceof ArrayBuffer) {
        let frame: Snapshot;
        try {
          frame = decodeSnapshot(event.data);
        } catch {
          return; // a frame we cannot read is skipped; the next full one repairs the view
        }
        this.view.frame(frame);
        this.opts.onFrame?.(frame);
        return;
      }
      let msg: ServerMessage;
      try {
        msg = JSON.parse(String(event.data)) as ServerMessage;
      } catch {
        return;
      }
      this.receive(msg);
    };
    socket.onclose = (event: CloseEvent) => {
      if (socket !== this.socket) return;
      this.socket = null;
      this.stopPing();
      this.failPending(new Error("connection closed"));
      if (this.stopped || event.code === 1000 || event.code === 4012) {
        this.setStatus("closed", { code: event.code });
      } else if (event.code === 4001) {
        this.setStatus("signed_out", { code: event.code, error: this.lastError });
      } else if (event.code === 4013 && this.movedTo) {
        this.setStatus("reconnecting", { code: event.code });
        this.open(); // the hall is served by another node: go there at once
      } else if (REFUSED.has(event.code)) {
        this.setStatus("refused", { code: event.code, error: this.lastError });
      } else {
        this.scheduleRetry(RETRY.has(event.code) || event.code >= 1000);
      }
    };
  }

  private receive(msg: ServerMessage): void {
    if (msg.type === "welcome") {
      this.welcome = msg;
      this.attempt = 0;
      this.view.welcome(msg);
      if (this.opts.resumeKey) localStorage.setItem(this.opts.resumeKey, msg.resume_token);
      this.setStatus("open");
      this.startPing();
    } else if (msg.type === "profiles") {
      this.view.addProfiles(msg.avatars);
    } else if (msg.type === "correction") {
      this.view.correct(msg.x, msg.y, msg.yaw);
    } else if (msg.type === "error") {
      this.lastError = msg;
      if (msg.code === "hall_moved") this.movedTo = hallMovedUrl(msg.ws_url);
      if (msg.code === "resume_expired" && this.opts.resumeKey) {
        localStorage.removeItem(this.opts.resumeKey);
      }
    }
    const ref = (msg as { ref?: unknown }).ref;
    if (typeof ref === "number") {
      const waiting = this.pending.get(ref);
      if (waiting) {
        this.pending.delete(ref);
        clearTimeout(waiting.timer);
        if (msg.type === "error") waiting.reject(new RequestError(msg));
        else waiting.resolve(msg);
      }
    }
    this.opts.onMessage(msg);
  }

  private scheduleRetry(_retry: boolean): void {
    if (this.stopped) return;
    const delay = backoffMs(this.attempt++, Math.random());
    this.setStatus("reconnecting", { code: 1006 });
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  /** Reconnect at once (the browser came back online, or the user asked). */
  retryNow(): void {
    if (this.socket || this.stopped) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.attempt = 0;
    this.open();
  }

  private startPing(): void {
    this.stopPing();
    this.pingTimer = setInterval(() => {
      // A phone's connection can die without a close; a ping that is not
      // answered in time means reconnect (with the resume token).
      this.request({ type: "ping" }).catch(() => this.socket?.close(4000 + 999, "no pong"));
    }, PING_EVERY_MS);
  }

  private stopPing(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  private failPending(err: Error): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
  }

  get isOpen(): boolean {
    return this.status === "open" && this.socket?.readyState === WebSocket.OPEN;
  }

  /** Send a message with a fresh `seq`; returns that seq (or -1 when not connected). */
  send(msg: { type: string; [key: string]: unknown }): number {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return -1;
    const seq = ++this.seq;
    this.socket.send(JSON.stringify({ ...msg, seq }));
    return seq;
  }

  /** Send a request and wait for its reply (`ref`), or its `error` as a RequestError. */
  request<T extends ServerType = ServerType>(msg: {
    type: string;
    [key: string]: unknown;
  }): Promise<Extract<ServerMessage, { type: T }>> {
    return new Promise((resolve, reject) => {
      const seq = this.send(msg);
      if (seq < 0) {
        reject(new Error("not connected"));
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        reject(new Error("no reply"));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(seq, {
        resolve: resolve as (msg: ServerMessage) => void,
        reject,
        timer,
      });
    });
  }

  /** Leave for good (close 1000, the avatar goes). */
  leave(): void {
    this.stopped = true;
    if (this.opts.resumeKey) localStorage.removeItem(this.opts.resumeKey);
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send('{"type":"leave"}');
    this.socket?.close(1000);
    this.stopPing();
  }

  /** Drop the socket without leaving (page hidden for long): the avatar may resume. */
  close(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.stopPing();
    this.socket?.close(1000);
    this.socket = null;
  }
}
