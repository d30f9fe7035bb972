// Small, dependency-free helpers for process-level tests: bounded polling, JSON over HTTP, tokens.
import { TokenService } from '@rx/auth';

export interface Reply<T = unknown> {
  status: number;
  body: T;
  text: string;
}

/** One JSON request; a network error (app down, restarting) rejects, an HTTP error status does not. */
export async function request<T = unknown>(method: string, url: string, options: { token?: string; body?: unknown; timeoutMs?: number } = {}): Promise<Reply<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: body as T, text };
}

/** Short, readable description of a reply for assertion messages. */
export function describeReply(reply: Reply): string {
  return `${reply.status} ${reply.text.slice(0, 500)}`;
}

export interface EventuallyOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Polls `probe` until it returns something other than undefined, with a deadline (never a fixed
 * sleep). A probe that throws is retried (an app may be restarting); on timeout the error names
 * what was awaited and the last thing seen.
 */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, options: EventuallyOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 200;
  const deadline = Date.now() + timeoutMs;
  let last = 'nothing yet';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
      last = 'probe returned undefined';
    } catch (e) {
      last = `probe threw: ${(e as Error).message}`;
    }
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last})`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Like `eventually`, for a probe that yields a reply: done when `accept` holds; the last reply is reported. */
export async function eventuallyReply<T>(what: string, probe: () => Promise<Reply<T>>, accept: (r: Reply<T>) => boolean, options: EventuallyOptions = {}): Promise<Reply<T>> {
  let last: Reply<T> | undefined;
  try {
    return await eventually(what, async () => {
      last = await probe();
      return accept(last) ? last : undefined;
    }, options);
  } catch (e) {
    throw new Error(`${(e as Error).message}; last reply: ${last ? describeReply(last) : 'none'}`);
  }
}

export type Role = 'physician' | 'pharmacist' | 'agency' | 'auditor';

/** Signs tokens with the secret the apps were started with (HS256, the API contract's claims). */
export class Tokens {
  private readonly service: TokenService;
  private readonly cache = new Map<string, string>();

  constructor(secret: string) {
    this.service = new TokenService(secret);
  }

  for(role: Role, sub: string, org: string): string {
    const key = `${role}|${sub}|${org}`;
    let token = this.cache.get(key);
    if (!token) {
      token = this.service.sign({ sub, role, org }, 3600);
      this.cache.set(key, token);
    }
    return token;
  }
}

/** The calendar date in China (UTC+08:00, no daylight saving), as the settlement rules count days. */
export function chinaDate(at: Date | string = new Date()): string {
  const t = typeof at === 'string' ? Date.parse(at) : at.getTime();
  return new Date(t + 8 * 3600_000).toISOString().slice(0, 10);
}
