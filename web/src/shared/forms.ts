// Inline checks of a catalogue form field, before anything is sent: the same
// rules the server applies (counters/forms.py), so most mistakes are caught
// on the phone. The server's answer (form_result) stays the authority.

import { checkNik } from "../protocol/nik";

export interface FieldRule {
  name: string;
  type: string;
  required: boolean;
  min_length: number | null;
  max_length: number | null;
  pattern: string | null;
  min: number | null;
  max: number | null;
  must_be_true: boolean | null;
}

export interface Problem {
  key: string; // a text key: v_required, v_too_short, ...
  vars?: Record<string, string | number>;
}

export function validateField(f: FieldRule, raw: string): Problem | null {
  const value = raw.trim();
  if (f.type === "boolean") {
    if ((f.required || f.must_be_true) && value !== "true") return { key: "v_must_tick" };
    return null;
  }
  if (value === "") return f.required ? { key: "v_required" } : null;
  if (f.min_length !== null && value.length < f.min_length) return { key: "v_too_short", vars: { n: f.min_length } };
  if (f.max_length !== null && value.length > f.max_length) return { key: "v_too_long", vars: { n: f.max_length } };
  switch (f.type) {
    case "nik":
      if (!checkNik(value).ok) return { key: "v_nik" };
      break;
    case "email":
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) return { key: "v_email" };
      break;
    case "phone":
      if (!/^(?:\+?62|0)8[1-9]\d{7,10}$/.test(value.replace(/[\s.()-]/g, ""))) return { key: "v_phone" };
      break;
    case "number": {
      const n = Number(value);
      if (!Number.isFinite(n)) return { key: "v_number" };
      if (f.min !== null && n < f.min) return { key: "v_min", vars: { n: f.min } };
      if (f.max !== null && n > f.max) return { key: "v_max", vars: { n: f.max } };
      break;
    }
    default:
      break;
  }
  if (f.pattern) {
    try {
      if (!new RegExp(`^(?:${f.pattern})$`).test(value)) return { key: "v_pattern" };
    } catch {
      /* a pattern this browser cannot read: the server checks it */
    }
  }
  return null;
}
