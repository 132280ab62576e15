// A staff member's sign-in (docs/protocol.md section 2), kept per page in the
// browser so that a reload comes back signed in. A page states which roles it
// serves: a token of any other role (a citizen's, a guest's, an officer's on
// the supervisor page) is not kept and nothing of the page is rendered with it.

import { signal, type Signal } from "@preact/signals";
import { api } from "../protocol/rest";

export type StaffRole = "officer" | "supervisor" | "admin";

export interface StaffAuth {
  token: string;
  role: StaffRole;
  username: string;
  expires_at: number; // Unix time, seconds
}

interface TokenOut {
  token: string;
  role: string;
  expires_at: string | number;
}

function expiry(value: string | number): number {
  return typeof value === "number" ? value : Date.parse(value) / 1000;
}

/** The sign-in of one page: `allowed` roles only; `expired` once its time is up. */
export class StaffSession {
  readonly auth: Signal<StaffAuth | null>;
  /** True once the token's time is up: the page asks to sign in again, keeping its state. */
  readonly expired = signal(false);
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly key: string,
    readonly allowed: readonly StaffRole[],
  ) {
    this.auth = signal(this.load());
    this.watch();
  }

  private load(): StaffAuth | null {
    try {
      const raw = localStorage.getItem(this.key);
      if (!raw) return null;
      const auth = JSON.parse(raw) as StaffAuth;
      if (!this.allowed.includes(auth.role)) return null;
      return auth.expires_at * 1000 > Date.now() + 5_000 ? auth : null;
    } catch {
      return null;
    }
  }

  private watch(): void {
    if (this.timer) clearTimeout(this.timer);
    const auth = this.auth.value;
    this.expired.value = false;
    if (!auth) return;
    // setTimeout holds at most 2^31-1 ms; a token lives 30 minutes by default.
    const ms = Math.min(2 ** 31 - 1, Math.max(0, auth.expires_at * 1000 - Date.now()));
    this.timer = setTimeout(() => {
      this.expired.value = true;
    }, ms);
  }

  get token(): string | null {
    return this.auth.value?.token ?? null;
  }

  /** Sign in; a role this page does not serve is refused with `wrong_role` (nothing kept). */
  async signIn(hall: string | null, username: string, password: string): Promise<StaffAuth> {
    const body: Record<string, string> = { username, password };
    if (hall) body.hall = hall;
    const out = await api<TokenOut>("/api/v1/auth/staff/token", { body });
    const role = out.role as StaffRole;
    if (!this.allowed.includes(role)) throw new WrongRole(role);
    const auth: StaffAuth = { token: out.token, role, username, expires_at: expiry(out.expires_at) };
    this.auth.value = auth;
    try {
      localStorage.setItem(this.key, JSON.stringify(auth));
    } catch {
      /* private mode: the token lives as long as the page */
    }
    this.watch();
    return auth;
  }

  signOut(): void {
    this.auth.value = null;
    this.expired.value = false;
    if (this.timer) clearTimeout(this.timer);
    try {
      localStorage.removeItem(this.key);
    } catch {
      /* private mode */
    }
  }

  /** The server refused the token (closed 4001, or a REST 401): sign in again. */
  lapse(): void {
    this.expired.value = true;
  }
}

export class WrongRole extends Error {
  constructor(readonly role: string) {
    super("wrong_role");
  }
}
