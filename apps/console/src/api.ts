/** The platform's HTTP API, same origin; every error becomes an ApiError the forms can place by field. */

export interface FieldProblem {
  field: string;
  messages: string[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Field at fault → what the server said about it (`lines[0].traceCodes[1]`, `pickupCode`, …). */
    readonly fields: Record<string, string[]>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let token: string | null = null;
let onUnauthenticated: () => void = () => {};

export function setToken(value: string | null): void {
  token = value;
}

export function whenUnauthenticated(handler: () => void): void {
  onUnauthenticated = handler;
}

/** Turns a problem body ({ code, message, field?, errors?[] }) into field → messages. */
export function fieldsOf(body: unknown): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  if (typeof body !== 'object' || body === null) return fields;
  const b = body as { field?: unknown; message?: unknown; errors?: unknown };
  if (Array.isArray(b.errors)) {
    for (const e of b.errors as { field?: unknown; messages?: unknown }[]) {
      if (typeof e?.field !== 'string') continue;
      fields[e.field] = Array.isArray(e.messages) ? e.messages.map(String) : [];
    }
  }
  if (typeof b.field === 'string') fields[b.field] = [...(fields[b.field] ?? []), String(b.message ?? '')];
  return fields;
}

export async function api<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'NETWORK', 'the platform did not answer', {});
  }
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const b = (parsed ?? {}) as { code?: unknown; message?: unknown };
    const code = typeof b.code === 'string' ? b.code : `HTTP_${res.status}`;
    const message = typeof b.message === 'string' ? b.message : Array.isArray(b.message) ? b.message.join('; ') : res.statusText;
    if (res.status === 401) onUnauthenticated();
    throw new ApiError(res.status, code, message, fieldsOf(parsed));
  }
  return parsed as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, body ?? {});
export const del = <T>(path: string) => api<T>('DELETE', path);

/** A query string from the given values, skipping empty ones. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
