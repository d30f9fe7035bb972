import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenService } from '@rx/auth';
import { createTestApp, TEST_JWT_SECRET, type TestApp } from '@rx/runtime/testing';

const PROD_ENV = { NODE_ENV: 'production', RX_PICKUP_CODE_SECRET: 'pickup-secret-of-at-least-thirty-two-chars' };

describe('console API and static pages', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rx-console-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><html lang="zh-CN"><title>处方流转</title></html>');
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(tmpdir(), 'rx-console-secret.txt'), 'outside the console folder');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('in development', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ imports: [], console: true, env: { RX_CONSOLE_DIR: dir } });
    });
    afterAll(() => t.close());

    it('offers the demo region registry users, each with the org its token must carry', async () => {
      const res = await t.http.get('/console/api/session').expect(200);
      expect(res.body.signIn).toBe('demo-users');
      expect(res.body.demoUsers).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ id: 'D001', role: 'physician', org: 'H001' }),
          expect.objectContaining({ id: 'PH001', role: 'pharmacist', org: 'P001' }),
          expect.objectContaining({ id: 'AG001', role: 'agency', org: 'AGENCY' }),
          expect.objectContaining({ id: 'AU001', role: 'auditor', org: 'AUDIT' }),
        ]),
      );
    });

    it('mints a 12-hour token for a registry user, which the API accepts', async () => {
      const minted = await t.http.post('/console/api/dev-token').send({ userId: 'PH002' }).expect(201);
      expect(new TokenService(TEST_JWT_SECRET).verify(minted.body.token)).toEqual({ id: 'PH002', role: 'pharmacist', org: 'P002' });
      const claims = JSON.parse(Buffer.from(minted.body.token.split('.')[1], 'base64url').toString());
      expect(claims.exp - claims.iat).toBe(12 * 3600);
      expect(minted.body.expiresAt).toBe(new Date(claims.exp * 1000).toISOString());
      const catalogue = await t.http.get('/console/api/catalogue').set('authorization', `Bearer ${minted.body.token}`).expect(200);
      expect(catalogue.body.drugs).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'MET-500', referencePriceFen: 50, unit: 'tablet' })]));
      expect(catalogue.body.regions).toEqual([{ regionCode: '522700', years: expect.arrayContaining([2026]) }]);
      expect(catalogue.body.holidays).toEqual(expect.arrayContaining([expect.objectContaining({ year: 2026, holidays: expect.arrayContaining(['2026-10-01']) })]));
    });

    it('refuses a user the registry does not know, naming the field, and malformed input', async () => {
      const unknown = await t.http.post('/console/api/dev-token').send({ userId: 'D999' }).expect(404);
      expect(unknown.body).toMatchObject({ code: 'USER_NOT_FOUND', field: 'userId' });
      const bad = await t.http.post('/console/api/dev-token').send({ userId: '../etc', role: 'auditor' }).expect(400);
      expect(bad.body.code).toBe('VALIDATION_FAILED');
    });

    it('keeps the catalogue behind a token', async () => {
      await t.http.get('/console/api/catalogue').expect(401);
    });

    it('serves the built pages under /console with a same-origin content policy', async () => {
      const redirect = await t.http.get('/console');
      expect(redirect.status).toBe(301);
      expect(redirect.headers.location).toBe('/console/');
      const index = await t.http.get('/console/').expect(200);
      expect(index.text).toContain('处方流转');
      expect(index.headers['content-security-policy']).toContain("default-src 'self'");
      expect(index.headers['content-security-policy']).not.toMatch(/script-src[^;]*unsafe/);
      expect(index.headers['cache-control']).toBe('no-cache');
      const asset = await t.http.get('/console/assets/index-abc123.js').expect(200);
      expect(asset.headers['cache-control']).toContain('immutable');
      await t.http.get('/console/..%2f..%2frx-console-secret.txt').expect(404);
      await t.http.get('/console/assets/missing.js').expect(404);
    });
  });

  describe('in production', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ imports: [], console: true, env: { ...PROD_ENV, RX_CONSOLE_DIR: dir } });
    });
    afterAll(() => t.close());

    it('asks for a bearer token and names no users', async () => {
      const res = await t.http.get('/console/api/session').expect(200);
      expect(res.body).toEqual({ signIn: 'bearer-token', demoUsers: [] });
    });

    it('never mints a token: the route does not exist', async () => {
      const res = await t.http.post('/console/api/dev-token').send({ userId: 'AU001' }).expect(404);
      expect(res.body.token).toBeUndefined();
    });

    it('still serves the pages and the catalogue to a token from the identity provider', async () => {
      await t.http.get('/console/').expect(200);
      await t.http.get('/console/api/catalogue').set('authorization', t.bearer('auditor', 'AU001', 'AUDIT')).expect(200);
    });
  });

  it('an app without the console has none of its routes', async () => {
    const t = await createTestApp({ imports: [], env: { RX_CONSOLE_DIR: dir } });
    try {
      await t.http.get('/console/api/session').expect(404);
      await t.http.get('/console/').expect(404);
    } finally {
      await t.close();
    }
  });
});
