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

interface Verified {
  actor: AuthenticatedActor;
  exp?: number;
  nbf?: number;
}
const HEADER = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

/**
 * HS256 JWTs (RFC 7519) with the claims the API contract names. Only HS256 is accepted, whatever
 * the header says, so an `alg: none` or RS/HS confusion token cannot pass.
 */
export class TokenService {
  private readonly key: Buffer;
  /**
   * Token text → what its verification established. The text carries its own signature, so the same
   * text always verifies the same way under this key; only the time checks are repeated on a hit.
   * Saves an HMAC, two base64 decodes and two JSON parses per request.
   */
  private readonly verified = new Map<string, Verified>();

  constructor(secret: string, private readonly now: () => Date = () => new Date()) {
    if (!secret || secret.length < 16) throw new Error('JWT secret must be at least 16 characters');
    this.key = Buffer.from(secret, 'utf8');
  }

  sign(actor: { sub: string; role: Role; org: string }, ttlSeconds = 8 * 3600): string {
    const iat = Math.floor(this.now().getTime() / 1000);
    const payload = b64url(JSON.stringify({ sub: actor.sub, role: actor.role, org: actor.org, iat, exp: iat + ttlSeconds }));
    return `${HEADER}.${payload}.${this.mac(`${HEADER}.${payload}`)}`;
  }

  verify(token: string): AuthenticatedActor {
    const known = this.verified.get(token);
    if (known) {
      this.checkTime(known.exp, known.nbf);
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
    if (header.alg !== 'HS256') throw new InvalidTokenError('unsupported algorithm');
    const expected = Buffer.from(this.mac(`${h}.${p}`));
    const given = Buffer.from(s);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new InvalidTokenError('bad signature');
    const exp = typeof claims.exp === 'number' ? claims.exp : undefined;
    const nbf = typeof claims.nbf === 'number' ? claims.nbf : undefined;
    this.checkTime(exp, nbf);
    const { sub, role, org } = claims;
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > CLAIM_MAX) throw new InvalidTokenError('claim sub missing or invalid');
    if (!isRole(role)) throw new InvalidTokenError('claim role missing or invalid');
    if (typeof org !== 'string' || org.length === 0 || org.length > CLAIM_MAX) throw new InvalidTokenError('claim org missing or invalid');
    return { actor: { id: sub, role, org }, exp, nbf };
  }

  private checkTime(exp: number | undefined, nbf: number | undefined): void {
    const nowSec = this.now().getTime() / 1000;
    if (exp !== undefined && exp < nowSec) throw new InvalidTokenError('token expired');
    if (nbf !== undefined && nbf > nowSec + 60) throw new InvalidTokenError('token not yet valid');
  }

  private mac(input: string): string {
    return createHmac('sha256', this.key).update(input).digest('base64url');
  }
}

export const TOKEN_SERVICE = Symbol('TokenService');
