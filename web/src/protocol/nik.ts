// What a client may read from a NIK (the 16-digit population number) before
// sending it: the same checks as the server's avatars/nik.py, so a typo is
// caught on the phone, and the birth date for the elderly priority.
// The NIK itself is never stored by the client nor put in a URL.

export interface NikCheck {
  ok: boolean;
  reason?: "digits" | "birth_date" | "serial";
  birth?: { year: number; month: number; day: number };
}

export function checkNik(raw: string, today: Date = new Date()): NikCheck {
  const nik = raw.replace(/\s+/g, "");
  if (!/^\d{16}$/.test(nik)) return { ok: false, reason: "digits" };
  let day = Number(nik.slice(6, 8));
  const month = Number(nik.slice(8, 10));
  const yy = Number(nik.slice(10, 12));
  if (day > 40) day -= 40; // women: day of birth + 40
  // A two-digit year: the latest century that does not put the birth in the future.
  const century = Math.floor(today.getFullYear() / 100) * 100;
  let year = century + yy;
  if (year > today.getFullYear()) year -= 100;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day
  ) {
    return { ok: false, reason: "birth_date" };
  }
  if (Number(nik.slice(12, 16)) === 0) return { ok: false, reason: "serial" };
  return { ok: true, birth: { year, month, day } };
}

/** Age in whole years on `today`, or null for an invalid NIK. */
export function ageFromNik(raw: string, today: Date = new Date()): number | null {
  const check = checkNik(raw, today);
  if (!check.ok || !check.birth) return null;
  const { year, month, day } = check.birth;
  let age = today.getFullYear() - year;
  if (today.getMonth() + 1 < month || (today.getMonth() + 1 === month && today.getDate() < day)) age -= 1;
  return age;
}

/** "7471********0001": the first four and last four digits only. */
export function maskNik(raw: string): string {
  const nik = raw.replace(/\s+/g, "");
  return nik.length === 16 ? `${nik.slice(0, 4)}********${nik.slice(12)}` : "****************";
}
