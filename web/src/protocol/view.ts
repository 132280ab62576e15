// What a client sees of the hall: profiles and avatar states, built from the
// welcome, `profiles` messages and snapshot frames. Pure: no socket, no DOM.

import type { Avatar, Profile, Welcome } from "./messages";
import { applySnapshot, type AvatarState, type Snapshot } from "./snapshot";

export interface Seen extends AvatarState {
  profile: Profile | undefined;
}

export class HallView {
  readonly states = new Map<number, AvatarState>();
  /** Profiles by avatar id; ids are never reused, so they are kept (section 4.2). */
  readonly profiles = new Map<number, Profile>();
  me: number | null = null;
  tick = 0;

  welcome(msg: Welcome): void {
    this.states.clear();
    this.me = msg.you.id;
    this.tick = msg.tick;
    for (const a of [msg.you, ...msg.neighbours]) this.enter(a);
  }

  private enter(a: Avatar): void {
    this.profiles.set(a.id, { id: a.id, name: a.name, role: a.role, appearance: a.appearance });
    this.states.set(a.id, { id: a.id, x: a.x, y: a.y, yaw: a.yaw, anim: a.anim, flags: a.flags });
  }

  addProfiles(profiles: Profile[]): void {
    for (const p of profiles) this.profiles.set(p.id, p);
  }

  frame(frame: Snapshot): void {
    applySnapshot(this.states, frame);
    this.tick = frame.tick;
  }

  /** A correction moves our own avatar back to where the server has it. */
  correct(x: number, y: number, yaw: number): void {
    if (this.me === null) return;
    const mine = this.states.get(this.me);
    if (mine) this.states.set(this.me, { ...mine, x, y, yaw });
  }

  mine(): AvatarState | undefined {
    return this.me === null ? undefined : this.states.get(this.me);
  }

  /** Every avatar in view with its profile, our own first. */
  seen(): Seen[] {
    const out: Seen[] = [];
    for (const s of this.states.values()) out.push({ ...s, profile: this.profiles.get(s.id) });
    out.sort((a, b) => (a.id === this.me ? -1 : b.id === this.me ? 1 : a.id - b.id));
    return out;
  }
}
