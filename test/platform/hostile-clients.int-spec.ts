import { connect, type Socket } from 'node:net';
import { AuditModule } from '@rx/audit';
import { ManualClock } from '@rx/kernel';
import { PrescribingModule } from '@rx/prescribing';
import { createTestApp, TestApp } from '@rx/runtime/testing';
import { SettlementModule } from '@rx/settlement';

/** Slow and hostile clients (issue 15.6): every refusal is a 4xx with a stable code, never a 500. */
describe('hostile input', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ imports: [PrescribingModule, SettlementModule, AuditModule], clock: new ManualClock('2026-03-02T01:00:00.000Z') });
  });
  afterAll(() => t.close());

  const prescription = (dose: string) =>
    `{"patientId":"PT003","diagnoses":[{"code":"I10","name":"Hypertension"}],"items":[{"drugCode":"AML-5","quantity":7,"daysSupply":7,"dosage":{"dose":${dose},"unit":"tablet","timesPerDay":1}}]}`;
  const post = (path: string, raw: string) => t.http.post(path).set('Authorization', t.bearer('physician', 'D001', 'H001')).set('content-type', 'application/json').send(raw);

  it('JSON nested 10,000 levels deep: 400 JSON_TOO_DEEP', async () => {
    const r = await post('/prescriptions', `{"patientId":${'['.repeat(10_000)}${']'.repeat(10_000)}}`);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'JSON_TOO_DEEP' });
  });

  it('a key given twice in a JSON object: 400 JSON_DUPLICATE_KEY, also when one spelling is escaped', async () => {
    const body = prescription('1').replace('{"patientId":"PT003",', '{"patientId":"PT003","patient\\u0049d":"PT001",');
    const r = await post('/prescriptions', body);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'JSON_DUPLICATE_KEY' });
    expect(r.body.message).toContain('patientId');
    // The same key in two different objects is fine.
    expect((await post('/prescriptions', prescription('1'))).status).toBe(201);
  });

  it('1e-300 in a decimal field: 400 naming the field', async () => {
    const r = await post('/prescriptions', prescription('1e-300'));
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'items[0].dosage.dose' }] });
    expect((await post('/prescriptions', prescription('0.5'))).status).toBe(201);
  });

  it('dates that do not exist and years not written in decimal are refused, not coerced', async () => {
    const auditor = t.bearer('auditor', 'AU001', 'AUDIT');
    const agency = t.bearer('agency', 'AG001', 'AGENCY');
    const rx = (await post('/prescriptions', prescription('1'))).body.prescriptionId as string;
    const asOf = (at: string) => t.http.get(`/audit/prescriptions/${rx}/state`).query({ asOf: at }).set('Authorization', auditor);
    for (const at of ['2026-02-30T00:00:00Z', '2026-02-29T10:00:00Z', '2026-03-01T24:00:00Z']) expect([at, (await asOf(at)).status]).toEqual([at, 400]);
    for (const year of ['0x7EA', '2.026e3', '+2026', '02026']) {
      const r = await t.http.get(`/settlement/budget/522700/${year}`).set('Authorization', agency);
      expect([year, r.status, r.body.code]).toEqual([year, 400, 'VALIDATION_FAILED']);
    }
    expect((await t.http.get('/settlement/budget/522700/2026').set('Authorization', agency)).status).toBe(200);
    const pharmacist = t.bearer('pharmacist', 'PH001', 'P001');
    const claim = await t.http.post('/settlement/claims').set('Authorization', pharmacist).send({ periodStart: '2026-02-30', periodEnd: '2026-03-01' });
    expect(claim.status).toBe(400);
  });
});

describe('rate limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ imports: [PrescribingModule, SettlementModule], env: { RX_RATE_LIMIT_MAX: '3', RX_RATE_LIMIT_WINDOW_MS: '60000' } });
  });
  afterAll(() => t.close());

  it('per client and route family: the fourth request in the window gets 429 with Retry-After; another family or client is not held back', async () => {
    const d1 = t.bearer('physician', 'D001', 'H001');
    const get = (path: string, auth: string) => t.http.get(path).set('Authorization', auth);
    for (let i = 0; i < 3; i++) expect((await get('/prescriptions/00000000-0000-4000-8000-000000000000', d1)).status).toBe(404);
    const limited = await get('/prescriptions/00000000-0000-4000-8000-000000000000', d1);
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: 'RATE_LIMITED' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);

    expect((await get('/settlement/budget/522700/2026', t.bearer('agency', 'AG001', 'AGENCY'))).status).toBe(200);
    expect((await get('/prescriptions/00000000-0000-4000-8000-000000000000', t.bearer('physician', 'D002', 'H002'))).status).toBe(404);
    // A forged token does not mint a fresh bucket: it counts against the address.
    for (let i = 0; i < 3; i++) await get('/settlement/budget/522700/2026', 'Bearer forged.token.here');
    expect((await get('/settlement/budget/522700/2026', 'Bearer another.forged.one')).status).toBe(429);
  });
});

describe('slow clients and connection cap (a listening server)', () => {
  let t: TestApp;
  let port: number;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    t = await createTestApp({
      imports: [],
      env: { RX_HTTP_REQUEST_TIMEOUT_MS: '600', RX_HTTP_HEADERS_TIMEOUT_MS: '400', RX_HTTP_MAX_CONNECTIONS: '3' },
    });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await t.close();
  });

  const open = (): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(s));
      s.on('error', reject);
      sockets.push(s);
    });
  /** What the server sent before it closed the connection. */
  const closed = (s: Socket): Promise<string> =>
    new Promise((resolve) => {
      let text = '';
      s.on('data', (d) => (text += d.toString()));
      s.on('error', () => undefined);
      s.on('close', () => resolve(text));
    });

  it('an unfinished body is not held open: 408 and the connection closed', async () => {
    const s = await open();
    const done = closed(s);
    s.write('POST /health HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"a":');
    expect(await done).toMatch(/^HTTP\/1\.1 408/);
  }, 20_000);

  it('unfinished headers are not held open either', async () => {
    const s = await open();
    const done = closed(s);
    s.write('GET /health HTTP/1.1\r\nHost: x\r\n');
    expect(await done).toMatch(/^HTTP\/1\.1 408/);
  }, 20_000);

  it('connections beyond the cap are closed at once; the held ones still answer', async () => {
    const held = await Promise.all([open(), open(), open()]);
    const extra = await open();
    expect(await closed(extra)).toBe('');
    const first = held[0];
    const answer = new Promise<string>((resolve) => first.once('data', (d) => resolve(d.toString())));
    first.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await answer).toMatch(/^HTTP\/1\.1 200/);
  }, 20_000);
});
