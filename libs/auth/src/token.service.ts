import { createHmac, timingSafeEqual } from 'node:crypto';
import { AuthenticatedActor, isRole, Role } from './actor';

export class InvalidTokenError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'InvalidTokenError';
  }
}

const b64url = (buf: Buffer | string) => Buffer.from(buf).toString('base64url');
const CLAIM_MAX = 128;
/** Verified tokens remembered (a client sends the same token with every request). */
const VERIFIED_CACHE_SIZE = 1024;

export interface TokenPolicy {
  /** Longest lifetime a token may claim (`exp` − `iat`, or `exp` − now without `iat`). */
  maxLifetimeSeconds: number;
  /** Tolerated difference between the issuer's clock and ours, for `iat` and `nbf`. */
  clockSkewSeconds: number;
}

export const DEFAULT_TOKEN_MAX_LIFETIME_SECONDS = 12 * 3600;
export const DEFAULT_TOKEN_POLICY: TokenPolicy = { maxLifetimeSeconds: DEFAULT_TOKEN_MAX_LIFETIME_SECONDS, clockSkewSeconds: 60 };

interface Verified {
  actor: AuthenticatedActor;
  exp: number;
  iat?: number;
  nbf?: number;
}
const HEADER = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

/** A NumericDate (RFC 7519 §2): seconds since the epoch; absent is undefined, anything else refused. */
function numericDate(claims: Record<string, unknown>, name: string, required: boolean): number | undefined {
  const value = claims[name];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new InvalidTokenError(`claim ${name} missing or not a number`);
  return value;
}

/**
 * HS256 JWTs (RFC 7519) with the claims the API contract names. Only HS256 is accepted, whatever
 * the header says, so an `alg: none` or RS/HS confusion token cannot pass. Every token must say
 * when it expires (`exp`), within `maxLifetimeSeconds` of its issue; a stolen token is good for a
 * bounded time only.
 */
export class TokenService {
  private readonly key: Buffer;
  private readonly policy: TokenPolicy;
  /**
   * Token text → what its verification established. The text carries its own signature, so the same
   * text always verifies the same way under this key; only the time checks are repeated on a hit.
   * Saves an HMAC, two base64 decodes and two JSON parses per request.
   */
  private readonly verified = new Map<string, Verified>();

  constructor(secret: string, private readonly now: () => Date = () => new Date(), policy: Partial<TokenPolicy> = {}) {
    if (!secret || secret.length < 16) throw new Error('JWT secret must be at least 16 characters');
    this.key = Buffer.from(secret, 'utf8');
    this.policy = { ...DEFAULT_TOKEN_POLICY, ...policy };
    if (!Number.isInteger(this.policy.maxLifetimeSeconds) || this.policy.maxLifetimeSeconds < 1) throw new RangeError('maxLifetimeSeconds must be a positive integer');
    if (!Number.isInteger(this.policy.clockSkewSeconds) || this.policy.clockSkewSeconds < 0) throw new RangeError('clockSkewSeconds must be a non-negative integer');
  }

  get maxLifetimeSeconds(): number {
    return this.policy.maxLifetimeSeconds;
  }

  /** A token for the actor, valid for `ttlSeconds` (8 hours by default, never beyond the policy's bound). */
  sign(actor: { sub: string; role: Role; org: string }, ttlSeconds = Math.min(8 * 3600, this.policy.maxLifetimeSeconds)): string {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > this.policy.maxLifetimeSeconds) {
      throw new RangeError(`token lifetime must be 1 to ${this.policy.maxLifetimeSeconds} seconds (got ${ttlSeconds})`);
    }
    const iat = Math.floor(this.now().getTime() / 1000);
    return this.signClaims({ sub: actor.sub, role: actor.role, org: actor.org, iat, exp: iat + ttlSeconds });
  }

  /** Signs the given claims as they are (tests of refused tokens build them with this). */
  signClaims(claims: Record<string, unknown>): string {
    const payload = b64url(JSON.stringify(claims));
    return `${HEADER}.${payload}.${this.mac(`${HEADER}.${payload}`)}`;
  }

  verify(token: string): AuthenticatedActor {
    const known = this.verified.get(token);
    if (known) {
      this.checkTime(known);
      return { ...known.actor };
    }
    const verified = this.verifyText(token);
    if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(token, verified);
    return { ...verified.actor };
  }

  private verifyText(token: string): Verified {
    const parts = token.split('.');
    if (parts.length !== 3 || token.length > 4096) throw new InvalidTokenError('malformed token');
    const [h, p, s] = parts;
    let header: Record<string, unknown>;
    let claims: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
      claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    } catch {
      throw new InvalidTokenError('malformed token');
    }
    if (typeof header !== 'object' || header === null || typeof claims !== 'object' || claims === null) throw new InvalidTokenError('malformed token');
    if (header.alg !== 'HS256') throw new InvalidTokenError('unsupported algorithm');
    const expected = Buffer.from(this.mac(`${h}.${p}`));
    const given = Buffer.from(s);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new InvalidTokenError('bad signature');
    const times = { exp: numericDate(claims, 'exp', true)!, iat: numericDate(claims, 'iat', false), nbf: numericDate(claims, 'nbf', false) };
    const lifetime = times.exp - (times.iat ?? this.now().getTime() / 1000);
    if (lifetime > this.policy.maxLifetimeSeconds) {
      throw new InvalidTokenError(`token lifetime exceeds ${this.policy.maxLifetimeSeconds} seconds`);
    }
    this.checkTime(times);
    const { sub, role, org } = claims;
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > CLAIM_MAX) throw new InvalidTokenError('claim sub missing or invalid');
    if (!isRole(role)) throw new InvalidTokenError('claim role missing or invalid');
    if (typeof org !== 'string' || org.length === 0 || org.length > CLAIM_MAX) throw new InvalidTokenError('claim org missing or invalid');
    return { actor: { id: sub, role, org }, ...times };
  }

  private checkTime(t: { exp: number; iat?: number; nbf?: number }): void {
    const nowSec = this.now().getTime() / 1000;
    const skew = this.policy.clockSkewSeconds;
    if (t.exp <= nowSec) throw new InvalidTokenError('token expired');
    if (t.iat !== undefined && t.iat > nowSec + skew) throw new InvalidTokenError('token issued in the future');
    if (t.nbf !== undefined && t.nbf > nowSec + skew) throw new InvalidTokenError('token not yet valid');
    // Without iat, the lifetime bound is measured from now, so a far-off exp stays refused.
    if (t.iat === undefined && t.exp - nowSec > this.policy.maxLifetimeSeconds) {
      throw new InvalidTokenError(`token lifetime exceeds ${this.policy.maxLifetimeSeconds} seconds`);
    }
  }

  private mac(input: string): string {
    return createHmac('sha256', this.key).update(input).digest('base64url');
  }
}

export const TOKEN_SERVICE = Symbol('TokenService');
