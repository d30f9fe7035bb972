import { createHmac } from 'node:crypto';
import { InvalidTokenError, TokenService } from './token.service';

const SECRET = 'test-secret-of-sufficient-length';
const at = (iso: string) => () => new Date(iso);

describe('TokenService (HS256)', () => {
  it('round-trips the contract claims', () => {
    const tokens = new TokenService(SECRET);
    const token = tokens.sign({ sub: 'D001', role: 'physician', org: 'H001' });
    expect(tokens.verify(token)).toEqual({ id: 'D001', role: 'physician', org: 'H001' });
  });

  it('refuses a token signed with another secret', () => {
    const token = new TokenService('another-secret-of-enough-length').sign({ sub: 'D001', role: 'physician', org: 'H001' });
    expect(() => new TokenService(SECRET).verify(token)).toThrow(new InvalidTokenError('bad signature'));
  });

  it('refuses an expired token', () => {
    const token = new TokenService(SECRET, at('2026-01-01T00:00:00Z')).sign({ sub: 'AU001', role: 'auditor', org: 'AUDIT' }, 60);
    expect(() => new TokenService(SECRET, at('2026-01-01T00:02:00Z')).verify(token)).toThrow('token expired');
  });

  it('refuses alg none and unknown roles', () => {
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x","role":"auditor","org":"A"}').toString('base64url')}.`;
    expect(() => new TokenService(SECRET).verify(none)).toThrow(InvalidTokenError);
    const header = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');
    const payload = Buffer.from(`{"sub":"x","role":"admin","org":"A","exp":${Math.floor(Date.now() / 1000) + 60}}`).toString('base64url');
    const sig = createHmac('sha256', SECRET).update(`${header}.${payload}`).digest('base64url');
    expect(() => new TokenService(SECRET).verify(`${header}.${payload}.${sig}`)).toThrow('claim role missing or invalid');
  });

  it('refuses garbage', () => {
    expect(() => new TokenService(SECRET).verify('not-a-token')).toThrow('malformed token');
  });

  describe('a token verified before (remembered)', () => {
    it('given a verified token, when the clock passes its expiry, then it is refused as expired', () => {
      let now = new Date('2026-01-01T00:00:00Z');
      const tokens = new TokenService(SECRET, () => now);
      const token = tokens.sign({ sub: 'PH001', role: 'pharmacist', org: 'P001' }, 60);
      expect(tokens.verify(token)).toEqual({ id: 'PH001', role: 'pharmacist', org: 'P001' });
      now = new Date('2026-01-01T00:00:59Z');
      expect(tokens.verify(token)).toEqual({ id: 'PH001', role: 'pharmacist', org: 'P001' });
      now = new Date('2026-01-01T00:01:01Z');
      expect(() => tokens.verify(token)).toThrow('token expired');
    });

    it('given a verified token, when its signature is altered, then the altered text is still refused', () => {
      const tokens = new TokenService(SECRET);
      const token = tokens.sign({ sub: 'D001', role: 'physician', org: 'H001' });
      tokens.verify(token);
      const altered = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
      expect(() => tokens.verify(altered)).toThrow(new InvalidTokenError('bad signature'));
    });

    it('given a caller that changes the returned actor, when the token is verified again, then the claims are intact', () => {
      const tokens = new TokenService(SECRET);
      const token = tokens.sign({ sub: 'D001', role: 'physician', org: 'H001' });
      const first = tokens.verify(token) as { id: string };
      first.id = 'D999';
      expect(tokens.verify(token)).toEqual({ id: 'D001', role: 'physician', org: 'H001' });
    });

    it('given more distinct tokens than are remembered, when the first is verified again, then it still verifies', () => {
      let now = new Date('2026-01-01T00:00:00Z');
      const tokens = new TokenService(SECRET, () => now);
      const list = Array.from({ length: 1100 }, (_, i) => tokens.sign({ sub: `D${i}`, role: 'physician', org: 'H001' }, 3600));
      for (const t of list) tokens.verify(t);
      expect(tokens.verify(list[0])).toEqual({ id: 'D0', role: 'physician', org: 'H001' });
      now = new Date('2026-01-01T02:00:00Z');
      expect(() => tokens.verify(list[0])).toThrow('token expired');
      expect(() => tokens.verify(list[1099])).toThrow('token expired');
    });
  });

  describe('lifetime (issue 15.3)', () => {
    const NOW = Date.parse('2026-01-01T00:00:00Z') / 1000;
    const clock = at('2026-01-01T00:00:00Z');
    const claims = { sub: 'D001', role: 'physician', org: 'H001' };
    const tokens = () => new TokenService(SECRET, clock);

    it('given a token without exp, when verified, then it is refused', () => {
      expect(() => tokens().verify(tokens().signClaims({ ...claims, iat: NOW }))).toThrow(new InvalidTokenError('claim exp missing or not a number'));
    });

    it.each([['a string', '1767229200'], ['null', null], ['infinity as a huge number', 1e400], ['negative', -1]])('given exp as %s, when verified, then it is refused', (_what, exp) => {
      expect(() => tokens().verify(tokens().signClaims({ ...claims, iat: NOW, exp }))).toThrow('claim exp missing or not a number');
    });

    it('given a lifetime beyond the 12-hour default, when verified, then it is refused; exactly 12 hours passes', () => {
      expect(() => tokens().verify(tokens().signClaims({ ...claims, iat: NOW, exp: NOW + 12 * 3600 + 1 }))).toThrow('token lifetime exceeds 43200 seconds');
      expect(tokens().verify(tokens().signClaims({ ...claims, iat: NOW, exp: NOW + 12 * 3600 }))).toEqual({ id: 'D001', role: 'physician', org: 'H001' });
    });

    it('given no iat and an exp far off, when verified, then the bound is measured from now', () => {
      expect(() => tokens().verify(tokens().signClaims({ ...claims, exp: NOW + 30 * 86400 }))).toThrow('token lifetime exceeds 43200 seconds');
      expect(tokens().verify(tokens().signClaims({ ...claims, exp: NOW + 3600 }))).toEqual({ id: 'D001', role: 'physician', org: 'H001' });
    });

    it('given a configured bound, when a token claims more, then it is refused, and sign refuses to make one', () => {
      const short = new TokenService(SECRET, clock, { maxLifetimeSeconds: 600 });
      expect(() => short.verify(short.signClaims({ ...claims, iat: NOW, exp: NOW + 601 }))).toThrow('token lifetime exceeds 600 seconds');
      expect(() => short.sign({ sub: 'D001', role: 'physician', org: 'H001' }, 601)).toThrow(RangeError);
      expect(short.verify(short.sign({ sub: 'D001', role: 'physician', org: 'H001' }))).toEqual({ id: 'D001', role: 'physician', org: 'H001' });
    });

    it('given iat in the future beyond the clock skew, when verified, then it is refused; within the skew it passes', () => {
      expect(() => tokens().verify(tokens().signClaims({ ...claims, iat: NOW + 61, exp: NOW + 3600 }))).toThrow('token issued in the future');
      expect(tokens().verify(tokens().signClaims({ ...claims, iat: NOW + 60, exp: NOW + 3600 }))).toEqual({ id: 'D001', role: 'physician', org: 'H001' });
      expect(() => tokens().verify(tokens().signClaims({ ...claims, iat: 'soon', exp: NOW + 3600 }))).toThrow('claim iat missing or not a number');
    });

    it('given nbf later than now plus the skew, when verified, then it is refused until then', () => {
      let now = new Date('2026-01-01T00:00:00Z');
      const svc = new TokenService(SECRET, () => now);
      const token = svc.signClaims({ ...claims, iat: NOW, nbf: NOW + 600, exp: NOW + 3600 });
      expect(() => svc.verify(token)).toThrow('token not yet valid');
      now = new Date('2026-01-01T00:09:00Z');
      expect(svc.verify(token)).toEqual({ id: 'D001', role: 'physician', org: 'H001' });
      expect(() => svc.verify(svc.signClaims({ ...claims, nbf: 'later', exp: NOW + 3600 }))).toThrow('claim nbf missing or not a number');
    });
  });
});
