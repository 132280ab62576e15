// HTTP calls to the hall: JSON in and out, errors as HallApiError with the
// documented code and its text in both languages (docs/protocol.md section 8).

import type { Bilingual } from "./messages";

export class HallApiError extends Error {
  constructor(
    readonly code: string,
    readonly text: Bilingual,
    readonly status: number,
  ) {
    super(code);
  }
}

const OFFLINE: Bilingual = {
  id: "Tidak dapat menghubungi server. Periksa sambungan, lalu coba lagi.",
  en: "The server cannot be reached. Check your connection and try again.",
};

export interface CallOptions {
  method?: string;
  body?: unknown;
  token?: string | null;
  raw?: Blob;
  signal?: AbortSignal;
}

export async function api<T>(path: string, opts: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  let body: BodyInit | undefined;
  if (opts.raw) {
    body = opts.raw;
    headers["Content-Type"] = opts.raw.type || "application/octet-stream";
  } else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers["Content-Type"] = "application/json";
  }
  let response: Response;
  try {
    response = await fetch(path, {
      method: opts.method ?? (body === undefined ? "GET" : "POST"),
      headers,
      body,
      signal: opts.signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === "AbortError") throw err;
    throw new HallApiError("offline", OFFLINE, 0);
  }
  if (response.status === 204) return undefined as T;
  const data: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (data as { error?: { code?: string; text?: Bilingual } } | null)?.error;
    throw new HallApiError(error?.code ?? "internal", error?.text ?? OFFLINE, response.status);
  }
  return data as T;
}
