import { TokenService } from '@rx/auth';
import { PrescribingModule } from '@rx/prescribing';
import { createTestApp, TEST_JWT_SECRET, TestApp } from '@rx/runtime/testing';

/** Issue 15.3 at the edge: the app refuses tokens without exp, beyond the configured lifetime, or from the future. */
describe('bearer token lifetime over HTTP', () => {
  let t: TestApp;
  afterEach(() => t?.close());

  const sec = () => Math.floor(Date.now() / 1000);
  const claims = { sub: 'AU001', role: 'auditor', org: 'AUDIT' };
  const get = (token: string) => t.http.get('/prescriptions/0190f5d0-0000-7000-8000-000000000000').set('Authorization', `Bearer ${token}`);
  const signer = new TokenService(TEST_JWT_SECRET);

  it('given the 12-hour default, when tokens lack exp, live 13 hours or were issued an hour ahead, then 401; a 12-hour token passes', async () => {
    t = await createTestApp({ imports: [PrescribingModule] });
    const now = sec();
    for (const bad of [{ ...claims, iat: now }, { ...claims, iat: now, exp: now + 13 * 3600 }, { ...claims, iat: now + 3600, exp: now + 7200 }, { ...claims, iat: now - 7200, exp: now - 1 }]) {
      const res = await get(signer.signClaims(bad));
      expect({ bad, status: res.status, code: res.body.code }).toEqual({ bad, status: 401, code: 'UNAUTHENTICATED' });
    }
    expect((await get(signer.signClaims({ ...claims, iat: now, exp: now + 12 * 3600 }))).status).toBe(404);
  });

  it('given RX_JWT_MAX_LIFETIME_MINUTES=30, when a token lives an hour, then 401; half an hour passes', async () => {
    t = await createTestApp({ imports: [PrescribingModule], env: { RX_JWT_MAX_LIFETIME_MINUTES: '30' } });
    const now = sec();
    const res = await get(signer.signClaims({ ...claims, iat: now, exp: now + 3600 }));
    expect({ status: res.status, message: res.body.message }).toEqual({ status: 401, message: 'token lifetime exceeds 1800 seconds' });
    expect((await get(signer.signClaims({ ...claims, iat: now, exp: now + 1800 }))).status).toBe(404);
  });
});
