// The citizen's token, kept on the device so that a reload (or a dropped
// connection) comes back as the same person with the same ticket. The NIK is
// never kept: only the token, which carries it sealed (docs/protocol.md 2).

import { signal } from "@preact/signals";
import { api } from "../protocol/rest";

export interface Auth {
  token: string;
  role: "citizen" | "guest" | "spectator";
  expires_at: number;
  name: string;
  elderly: boolean;
}

const KEY = "hall.auth";

function load(): Auth | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const auth = JSON.parse(raw) as Auth;
    // A token past its time (with a minute to spare) is of no use.
    return auth.expires_at * 1000 > Date.now() + 60_000 ? auth : null;
  } catch {
    return null;
  }
}

export const auth = signal<Auth | null>(load());

export function keep(next: Auth | null): void {
  auth.value = next;
  try {
    if (next) localStorage.setItem(KEY, JSON.stringify(next));
    else localStorage.removeItem(KEY);
  } catch {
    /* private mode: the token lives as long as the page */
  }
}

interface TokenOut {
  token: string;
  role: string;
  expires_at: string | number;
}

function expiry(value: string | number): number {
  return typeof value === "number" ? value : Date.parse(value) / 1000;
}

export async function guestToken(hall: string, name: string): Promise<Auth> {
  const out = await api<TokenOut>("/api/v1/auth/guest/token", {
    body: { display_name: name, role: "guest", hall },
  });
  return { token: out.token, role: "guest", expires_at: expiry(out.expires_at), name, elderly: false };
}

/** A display screen's token (the expo tour): a spectator has no body and sees the
 * whole hall (protocol section 4.2); it is never kept on the device. */
export async function spectatorToken(hall: string, name: string): Promise<Auth> {
  const out = await api<TokenOut>("/api/v1/auth/guest/token", {
    body: { display_name: name, role: "spectator", hall },
  });
  return { token: out.token, role: "spectator", expires_at: expiry(out.expires_at), name, elderly: false };
}

export async function requestCode(nik: string): Promise<{ nik: string; expires_in_s: number }> {
  return api("/api/v1/auth/citizen/code", { body: { nik } });
}

export async function citizenToken(
  hall: string,
  nik: string,
  code: string,
  name: string,
  elderly: boolean,
): Promise<Auth> {
  const out = await api<TokenOut>("/api/v1/auth/citizen/token", {
    body: { nik, code, display_name: name, hall },
  });
  return { token: out.token, role: "citizen", expires_at: expiry(out.expires_at), name, elderly };
}
