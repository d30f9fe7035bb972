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
    const payload = Buffer.from('{"sub":"x","role":"admin","org":"A"}').toString('base64url');
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
});
