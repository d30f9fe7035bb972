import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@rx/event-store';
import { ManualClock } from '@rx/kernel';
import { PrescribingModule } from '@rx/prescribing';
import { createTestApp, TestApp } from '@rx/runtime/testing';

/**
 * A full disk (here: the store file's page cap, which SQLite reports exactly as a full disk,
 * SQLITE_FULL) answers 503 STORE_UNAVAILABLE, never 500 and never a partial write, and /health
 * reports the store not ok while writes fail, though the file still answers reads.
 */
describe('a full store', () => {
  let dir: string;
  let t: TestApp;
  let store: SqliteEventStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rx-full-'));
    store = new SqliteEventStore(join(dir, 'rx.sqlite'), { maxPageCount: 24, walCheckpoint: 'inline' });
    t = await createTestApp({ imports: [PrescribingModule], clock: new ManualClock('2026-03-02T01:00:00.000Z'), store });
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 STORE_UNAVAILABLE, and /health says the store is not ok while writes fail', async () => {
    const physician = t.bearer('physician', 'D001', 'H001');
    expect((await t.http.get('/health')).body).toMatchObject({ status: 'ok', store: { ok: true } });
    const issue = () =>
      t.http
        .post('/prescriptions')
        .set('Authorization', physician)
        .send({
          patientId: 'PT003',
          diagnoses: Array.from({ length: 10 }, () => ({ code: 'I10', name: 'h'.repeat(200) })),
          items: [{ drugCode: 'AML-5', quantity: 7, daysSupply: 7, dosage: { dose: 1, unit: 'tablet', timesPerDay: 1 } }],
        });
    let refused: Awaited<ReturnType<typeof issue>> | undefined;
    let issued = 0;
    for (let i = 0; i < 400 && !refused; i++) {
      const r = await issue();
      if (r.status === 201) issued++;
      else refused = r;
    }
    expect(issued).toBeGreaterThan(0);
    expect(refused?.status).toBe(503);
    expect(refused?.body).toMatchObject({ code: 'STORE_UNAVAILABLE' });

    const health = await t.http.get('/health');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'degraded', store: { ok: false } });
    expect(health.body.store.detail).toMatch(/writes failing since .*SQLITE_FULL/);

    // Refused means nothing written: the streams hold exactly the acknowledged prescriptions.
    const streams = await store.listStreams('prescription-');
    expect(streams).toHaveLength(issued);
  }, 30_000);
});
