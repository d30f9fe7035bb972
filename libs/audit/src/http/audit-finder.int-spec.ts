import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DispensingEventTypes as D, PrescribingEventTypes as P } from '@rx/contracts';
import { createEventStore, type EventStore } from '@rx/event-store';
import { InMemoryMessageBus } from '@rx/messaging';
import { ManualClock } from '@rx/kernel';
import { createTestApp, type TestApp } from '@rx/runtime/testing';
import { AuditModule } from '../audit.module';
import { MonitoringService } from '../application/monitoring/monitoring.service';
import { claimedData, dispensedData, issuedData } from '../domain/testing/audit-fixtures';
import { envelope, publish } from '../testing/audit-world';

/** What the console's auditor pages ask beyond the contract's routes: a finder and a paged integrity check. */
describe('audit finder and paged integrity (embedded app, in-memory bus)', () => {
  let store: EventStore;
  let t: TestApp;
  let bus: InMemoryMessageBus;
  let dir: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rx-audit-finder-'));
    store = createEventStore(`sqlite:${join(dir, 'rx.sqlite')}`);
    bus = new InMemoryMessageBus();
    t = await createTestApp({ imports: [AuditModule.forRoot({ sweepIntervalMs: 0 })], clock: new ManualClock('2026-03-05T08:00:00.000Z'), store, bus });
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const auditor = () => t.bearer('auditor', 'AU001', 'AUDIT');
  const get = (path: string) => t.http.get(path).set('Authorization', auditor());

  async function given() {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    await publish(bus, envelope(P.prescriptionIssued, issuedData(a, { patientId: 'PT001' }, '2026-03-02T09:00:00.000Z'), '2026-03-02T09:00:00.000Z', 'physician:D001'));
    await publish(bus, envelope(P.prescriptionIssued, issuedData(b, { patientId: 'PT002' }, '2026-03-03T09:00:00.000Z'), '2026-03-03T09:00:00.000Z', 'physician:D001'));
    await publish(bus, envelope(P.prescriptionIssued, issuedData(c, { patientId: 'PT001' }, '2026-03-04T09:00:00.000Z'), '2026-03-04T09:00:00.000Z', 'physician:D001'));
    await publish(bus, envelope(D.prescriptionClaimed, claimedData(a, 'P002', '2026-03-02T10:00:00.000Z'), '2026-03-02T10:00:00.000Z', 'pharmacist:PH002'));
    // B's dispense arrives before its claim (topics are not ordered across contexts): still found by pharmacy.
    const d = dispensedData(b, '2026-03-03T10:10:00.000Z', { pharmacyId: 'P001' });
    await publish(bus, envelope(D.dispensed, d, d.dispensedAt, 'pharmacist:PH001'));
    await t.app.get(MonitoringService).projection.whenCaughtUp();
    return { a, b, c };
  }

  it('finds prescriptions by patient, newest issue first, with who issued them and who handled them', async () => {
    const { a, c } = await given();
    const res = await get('/audit/prescriptions?patientId=PT001').expect(200);
    expect(res.body.count).toBe(2);
    expect(res.body.prescriptions.map((p: { prescriptionId: string }) => p.prescriptionId)).toEqual([c, a]);
    expect(res.body.prescriptions[1]).toMatchObject({ patientId: 'PT001', institutionId: 'H001', physicianId: 'D001', pharmacyIds: ['P002'], facts: 2, lastFactType: D.prescriptionClaimed });
  });

  it('finds prescriptions by pharmacy, by id, and by both criteria at once', async () => {
    const { a, b } = await given();
    expect((await get('/audit/prescriptions?pharmacyId=P001').expect(200)).body.prescriptions.map((p: { prescriptionId: string }) => p.prescriptionId)).toEqual([b]);
    expect((await get(`/audit/prescriptions?prescriptionId=${a}`).expect(200)).body.count).toBe(1);
    expect((await get('/audit/prescriptions?pharmacyId=P002&patientId=PT002').expect(200)).body.count).toBe(0);
    expect((await get('/audit/prescriptions?patientId=PT404').expect(200)).body).toEqual({ prescriptions: [], count: 0, truncated: false });
  });

  it('limits the answer and says it was cut', async () => {
    await given();
    const res = await get('/audit/prescriptions?limit=2').expect(200);
    expect(res.body).toMatchObject({ count: 3, truncated: true });
    expect(res.body.prescriptions).toHaveLength(2);
  });

  it('refuses malformed criteria with the field at fault, and other roles', async () => {
    const bad = await get('/audit/prescriptions?patientId=%27%20OR%201%3D1').expect(400);
    expect(JSON.stringify(bad.body)).toContain('patientId');
    await get('/audit/prescriptions?limit=0').expect(400);
    await t.http.get('/audit/prescriptions').set('Authorization', t.bearer('agency', 'AG001', 'AGENCY')).expect(403);
  });

  it('is rebuilt from position zero like the other read models', async () => {
    await given();
    const before = (await get('/audit/prescriptions').expect(200)).body;
    await t.http.post('/audit/rebuild').set('Authorization', auditor()).expect(200);
    expect((await get('/audit/prescriptions').expect(200)).body).toEqual(before);
  });

  it('checks the store page by page: every stream exactly once, completeness on the last page', async () => {
    await given();
    const whole = (await get('/audit/integrity').expect(200)).body;
    const pages = [];
    let after: string | null | undefined;
    do {
      const page = (await get(`/audit/integrity?limit=2${after ? `&after=${encodeURIComponent(after)}` : ''}`).expect(200)).body;
      pages.push(page);
      after = page.nextAfter;
    } while (after);
    expect(pages.length).toBe(Math.ceil(whole.streamsChecked / 2));
    expect(pages.map((p) => p.streamsDone)).toEqual(pages.map((_, i) => Math.min(2 * (i + 1), whole.streamsChecked)));
    expect(pages.every((p) => p.streamsTotal === whole.streamsChecked)).toBe(true);
    expect(pages.reduce((n, p) => n + p.eventsChecked, 0)).toBe(whole.eventsChecked);
    expect(pages.slice(0, -1).every((p) => p.store === null)).toBe(true);
    expect(pages[pages.length - 1].store).toMatchObject({ ok: true });
    expect(pages.every((p) => p.ok)).toBe(true);
  });

  it('names a broken stream on the page that holds it', async () => {
    const { a } = await given();
    // Another connection alters the first fact of A's audit copy, as a tamperer with the file would.
    const db = new Database(join(dir, 'rx.sqlite'));
    const row = db.prepare('SELECT position, data FROM events WHERE stream_id = ? AND revision = 0').get(`audit-${a}`) as { position: number; data: string };
    db.prepare('UPDATE events SET data = ? WHERE position = ?').run(row.data.replace('"PT001"', '"PT999"'), row.position);
    db.close();
    const failures = [];
    let after: string | null | undefined;
    do {
      const page = (await get(`/audit/integrity?limit=1${after ? `&after=${encodeURIComponent(after)}` : ''}`).expect(200)).body;
      if (page.failures.length) expect(page.ok).toBe(false);
      failures.push(...page.failures);
      after = page.nextAfter;
    } while (after);
    expect(failures.map((f) => f.streamId)).toEqual([`audit-${a}`]);
  });

  it('refuses a malformed page request', async () => {
    expect((await get('/audit/integrity?limit=abc').expect(400)).body.code).toBe('VALIDATION_FAILED');
    await get('/audit/integrity?limit=10001').expect(400);
    await get('/audit/integrity?after=%3Cscript%3E&limit=5').expect(400);
  });
});
