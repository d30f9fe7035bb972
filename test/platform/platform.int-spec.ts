import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnApp } from '../support/spawn-app';

jest.setTimeout(120_000);

/** The embedded platform as `npm start` runs it: a separate process, real port, SQLite file. */
describe('embedded platform process', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rx-platform-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves health and OpenAPI, and shuts down cleanly on SIGTERM', async () => {
    const app = await spawnApp('platform', { RX_EVENT_STORE: `sqlite:${join(dir, 'rx.sqlite')}` });
    try {
      const healthReply = await fetch(`${app.baseUrl}/health`);
      // No per-response body hash (ETag) and no framework banner.
      expect(healthReply.headers.get('etag')).toBeNull();
      expect(healthReply.headers.get('x-powered-by')).toBeNull();
      const health = await healthReply.json();
      expect(health).toMatchObject({ status: 'ok', store: { kind: 'sqlite', ok: true }, bus: { kind: 'memory', ok: true } });

      const docs = await fetch(`${app.baseUrl}/docs`);
      expect(docs.status).toBe(200);
      const spec = (await (await fetch(`${app.baseUrl}/docs/json`)).json()) as { paths: Record<string, unknown> };
      expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/health', '/prescriptions']));

      const lines = app.output().trim().split('\n').filter(Boolean);
      for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    } finally {
      expect(await app.stop('SIGTERM')).toBe(0);
    }
  });

  it('keeps its facts across a restart (durable SQLite store)', async () => {
    const store = `sqlite:${join(dir, 'durable.sqlite')}`;
    const token = (await import('@rx/auth')).TokenService;
    const bearer = `Bearer ${new token('a-test-secret-of-thirty-two-chars!!').sign({ sub: 'D001', role: 'physician', org: 'H001' })}`;
    const env = { RX_EVENT_STORE: store, RX_JWT_SECRET: 'a-test-secret-of-thirty-two-chars!!' };
    const body = {
      patientId: 'PT001',
      diagnoses: [{ code: 'E11.9', name: 'Type 2 diabetes' }],
      items: [{ drugCode: 'MET-500', quantity: 14, daysSupply: 7, dosage: { dose: 1, unit: 'tablet', timesPerDay: 2 } }],
    };
    const first = await spawnApp('platform', env);
    let rxId: string;
    try {
      const res = await fetch(`${first.baseUrl}/prescriptions`, { method: 'POST', headers: { authorization: bearer, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).toBe(201);
      rxId = ((await res.json()) as { prescriptionId: string }).prescriptionId;
    } finally {
      expect(await first.stop()).toBe(0);
    }
    const second = await spawnApp('platform', env);
    try {
      const res = await fetch(`${second.baseUrl}/prescriptions/${rxId}`, { headers: { authorization: bearer } });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { prescriptionId: string }).prescriptionId).toBe(rxId);
    } finally {
      await second.stop();
    }
  });

  it('npm run token prints a development token the platform accepts', async () => {
    const { execFileSync } = await import('node:child_process');
    const token = execFileSync('npm', ['run', '-s', 'token', '--', '--role', 'auditor', '--sub', 'AU001', '--org', 'AUDIT'], {
      cwd: join(__dirname, '..', '..'),
      env: { ...process.env, RX_JWT_SECRET: 'a-test-secret-of-thirty-two-chars!!' },
    })
      .toString()
      .trim();
    const { TokenService } = await import('@rx/auth');
    expect(new TokenService('a-test-secret-of-thirty-two-chars!!').verify(token)).toEqual({ id: 'AU001', role: 'auditor', org: 'AUDIT' });
  });

  it.each([
    [{ PORT: 'not-a-port' }, 'PORT'],
    [{ RX_BUS: 'carrier-pigeon' }, 'RX_BUS'],
    [{ RX_EVENT_STORE: 'mysql://x' }, 'RX_EVENT_STORE'],
  ])('refuses to start with %j and names %s', async (env, variable) => {
    const app = await spawnApp('platform', { RX_EVENT_STORE: `sqlite:${join(dir, 'x.sqlite')}`, ...env }, { waitForHealth: false });
    expect(await app.exited).toBe(1);
    expect(app.output()).toContain(variable);
  });

  it('refuses to start when reference data is broken, naming file and field', async () => {
    const { cpSync, writeFileSync, readFileSync } = await import('node:fs');
    const refDir = join(dir, 'broken-reference');
    cpSync(join(__dirname, '..', '..', 'data', 'reference'), refDir, { recursive: true });
    const drugs = JSON.parse(readFileSync(join(refDir, 'drugs.json'), 'utf8'));
    const list = Array.isArray(drugs) ? drugs : drugs.drugs;
    list[0].referencePriceFen = -1;
    writeFileSync(join(refDir, 'drugs.json'), JSON.stringify(drugs));
    const app = await spawnApp('platform', { RX_EVENT_STORE: `sqlite:${join(dir, 'y.sqlite')}`, RX_REFERENCE_DATA: refDir }, { waitForHealth: false });
    expect(await app.exited).toBe(1);
    expect(app.output()).toMatch(/drugs\.json.*referencePriceFen/);
  });
});
