/** Who is signed in: the bearer token and its claims, kept for this browser tab only. */

export type Role = 'physician' | 'pharmacist' | 'agency' | 'auditor';

export interface Session {
  token: string;
  sub: string;
  role: Role;
  org: string;
  /** Seconds since the epoch, when the token stops being accepted. */
  exp: number | null;
  name?: string;
  orgName?: string;
}

const KEY = 'rx-console-session';
const ROLES: Role[] = ['physician', 'pharmacist', 'agency', 'auditor'];

/** Reads a JWT's claims without verifying it (the platform verifies every request). */
export function sessionFromToken(token: string, extra: { name?: string; orgName?: string } = {}): Session | undefined {
  const parts = token.trim().split('.');
  if (parts.length !== 3) return undefined;
  try {
    const json = atob(parts[1].replace(/-/g, '+').replace(/_/g, '/'));
    const claims = JSON.parse(json) as { sub?: unknown; role?: unknown; org?: unknown; exp?: unknown };
    if (typeof claims.sub !== 'string' || typeof claims.org !== 'string' || !ROLES.includes(claims.role as Role)) return undefined;
    return { token: token.trim(), sub: claims.sub, role: claims.role as Role, org: claims.org, exp: typeof claims.exp === 'number' ? claims.exp : null, ...extra };
  } catch {
    return undefined;
  }
}

export function isExpired(s: Session, now = Date.now()): boolean {
  return s.exp !== null && s.exp * 1000 <= now;
}

export function loadSession(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    const s = raw ? (JSON.parse(raw) as Session) : undefined;
    return s && !isExpired(s) ? s : undefined;
  } catch {
    return undefined;
  }
}

export function saveSession(s: Session | undefined): void {
  if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
  else sessionStorage.removeItem(KEY);
}
