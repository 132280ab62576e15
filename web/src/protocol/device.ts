// An id this browser keeps for itself, sent in the hall's `join` (docs/protocol.md
// section 4.1). The server stores only a keyed hash of it, next to the numbers
// taken from this device: many numbers from one device, by many accounts, is a
// sign of a broker (docs/signals.md). Random, not derived from anything about
// the device or the person; clearing the site's data forgets it.

const KEY = "hall.device";

export function deviceId(storage: Storage | undefined = globalThis.localStorage): string | null {
  try {
    const known = storage?.getItem(KEY);
    if (known) return known;
    const fresh = globalThis.crypto.randomUUID();
    storage?.setItem(KEY, fresh);
    return storage ? fresh : null;
  } catch {
    return null; // private mode, or no storage: join without one
  }
}
