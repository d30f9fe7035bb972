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
});
