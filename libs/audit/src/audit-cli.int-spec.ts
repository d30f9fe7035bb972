import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { DispensingEventTypes as D, PrescribingEventTypes as P, SettlementEventTypes as S } from '@rx/contracts';
import { createEventStore } from '@rx/event-store';
import { systemClock } from '@rx/kernel';
import { ReferenceDataService } from '@rx/reference-data';
import { AuditFactRecorder } from './application/audit-fact.recorder';
import { DeadLetterRecorder } from './application/dead-letter.recorder';
import { auditStreamId } from './domain/audit-streams';
import { claimedData, dispensedData, issuedData, paymentData } from './domain/testing/audit-fixtures';
import { envelope } from './testing/audit-world';

const ROOT = resolve(__dirname, '../../..');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The CLI as auditors run it (`npm run audit -- …` is this command), in a child process. Each run
 * compiles on start: 11-14 s of wall time on a 2-core machine at load 15-19, hence the long limits.
 */
function cli(storeFile: string, ...args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['-r', '@swc-node/register', 'tools/audit-cli.ts', ...args],
      { cwd: ROOT, env: { ...process.env, RX_EVENT_STORE: `sqlite:${storeFile}` }, timeout: 180_000 },
      (error, stdout, stderr) => done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('audit CLI (child process against a SQLite file)', () => {
  let dir: string;
  let file: string;
  const rx = randomUUID();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rx-audit-cli-'));
    file = join(dir, 'rx.sqlite');
    const store = createEventStore(`sqlite:${file}`);
    const recorder = new AuditFactRecorder(store, ReferenceDataService.load(resolve(__dirname, '../../../data/reference')), systemClock);
    const d1 = dispensedData(rx, '2026-03-02T10:10:00.000Z', { pharmacyId: 'P002', unitPriceFen: 60 });
    for (const e of [
      envelope(P.prescriptionIssued, issuedData(rx), '2026-03-02T09:00:00.000Z', 'physician:D001'),
      envelope(D.prescriptionClaimed, claimedData(rx, 'P002', '2026-03-02T10:00:00.000Z'), '2026-03-02T10:00:00.000Z', 'pharmacist:PH002'),
      envelope(D.dispensed, d1, d1.dispensedAt, 'pharmacist:PH002'),
      envelope(S.fundPaymentRecorded, paymentData(d1, '2026-03-02T10:11:00.000Z', 420), '2026-03-02T10:11:00.000Z', 'system:settlement'),
    ]) {
      await recorder.record(e);
    }
    await store.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints a readable timeline', async () => {
    const run = await cli(file, 'history', rx);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe(`Prescription ${rx}: 4 facts`);
    expect(run.stdout).toContain('Audit chain intact');
    const heads = lines.filter((l) => /^[✓✗]\s+\d+/.test(l));
    expect(heads).toHaveLength(4);
    expect(heads[0]).toMatch(/^✓\s+1 {2}2026-03-02 09:00:00Z {2}prescribing {2}physician:D001\s+prescription-issued$/);
    expect(heads[2]).toMatch(/dispensing\s+pharmacist:PH002\s+dispensed/);
    expect(run.stdout).toContain('fund paid 4.20 of 16.80 yuan');
    expect(run.stdout).toContain('✓ every fact verifies');
  }, 180_000);

  it('prints the history as JSON with --json, and the state as of an instant', async () => {
    const run = await cli(file, 'history', rx, '--json');
    expect(run.code).toBe(0);
    const body = JSON.parse(run.stdout);
    expect(body.entries.map((e: { type: string }) => e.type)).toEqual([P.prescriptionIssued, D.prescriptionClaimed, D.dispensed, S.fundPaymentRecorded]);
    expect(body.entries.every((e: { integrity: { verified: boolean } }) => e.integrity.verified)).toBe(true);
    const state = await cli(file, 'state', rx, '--as-of', '2026-03-02T10:05:00Z', '--json');
    expect(state.code).toBe(0);
    expect(JSON.parse(state.stdout)).toMatchObject({ status: 'claimed', holder: { pharmacyId: 'P002' }, fund: { paidFen: 0 } });
  }, 180_000);

  it('refuses bad input with exit 2 and an unknown prescription with exit 3', async () => {
    expect((await cli(file, 'state', rx, '--as-of', 'yesterday')).code).toBe(2);
    expect((await cli(file, 'frobnicate')).code).toBe(2);
    expect((await cli(join(dir, 'missing.sqlite'), 'verify')).code).toBe(2);
    const unknown = await cli(file, 'history', randomUUID());
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('no audit facts');
  }, 180_000);

  it('verify exits 0 on an intact store and 1, naming the stream, after a row was altered', async () => {
    const ok = await cli(file, 'verify');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('✓ every hash chain verifies');

    const db = new Database(file);
    db.prepare("UPDATE events SET data = replace(data, 'PH002', 'PH999') WHERE stream_id = ? AND type = ?").run(auditStreamId(rx), D.dispensed);
    db.close();

    const failed = await cli(file, 'verify');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain(`✗ ${auditStreamId(rx)}: broken at revision 2`);
    const json = await cli(file, 'verify', '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, failures: [{ streamId: auditStreamId(rx), brokenAt: 2 }] });
    const history = await cli(file, 'history', rx);
    expect(history.stdout).toMatch(/✗\s+3 .*dispensed/);
    expect(history.stdout).toContain('BROKEN at revision 2');
  }, 180_000);

  it('rebuilds the monitoring read models and reports events per second', async () => {
    const run = await cli(file, 'rebuild');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^replayed \d+ events in \d+ ms \(\d+ events\/s\); 1 alerts, \d+ newly raised/);
  }, 180_000);

  it('verify exits 1 when a stream was deleted whole, though no remaining chain is broken', async () => {
    const db = new Database(file);
    const deleted = db.prepare('DELETE FROM events WHERE stream_id = ?').run(auditStreamId(rx)).changes;
    db.close();
    expect(deleted).toBe(4);
    const json = await cli(file, 'verify', '--json');
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(report.failures).toEqual([]);
    expect(report.store).toMatchObject({ checked: true, ok: false, missing: [{ from: '1', to: '4' }] });
    const text = await cli(file, 'verify');
    expect(text.stdout).toMatch(/✗ events missing at positions 1-4: /);
  }, 180_000);

  it('verify exits 1 and lists the dead letter when a context refused an event, though every chain verifies', async () => {
    const own = join(dir, 'dead-letter.sqlite');
    const store = createEventStore(`sqlite:${own}`);
    await new AuditFactRecorder(store, ReferenceDataService.load(resolve(__dirname, '../../../data/reference')), systemClock).record(envelope(P.prescriptionIssued, issuedData(rx), '2026-03-02T09:00:00.000Z', 'physician:D001'));
    const clean = await cli(own, 'verify');
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain('✓ no dead letters');
    await new DeadLetterRecorder(store).handle({
      topic: 'rx.prescribing.v1',
      partition: 0,
      offset: '3',
      key: rx,
      reason: 'invalid event: rx.prescribing.prescription-issued.v1: diagnoses[0].name must be a non-blank string of 1 to 200 characters',
      payload: JSON.stringify({ id: 'evt-9', type: P.prescriptionIssued, data: { prescriptionId: rx } }),
      groupId: 'dispensing',
      failedAt: '2026-03-02T09:00:01.000Z',
    });
    await store.close();
    const text = await cli(own, 'verify');
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('✓ every hash chain verifies');
    expect(text.stdout).toContain('✗ 1 dead letter(s)');
    expect(text.stdout).toContain(`✗ dead letter 2026-03-02T09:00:01.000Z rx.prescribing.v1 key ${rx}, group dispensing: invalid event`);
    const json = await cli(own, 'verify', '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, failures: [], deadLetters: { count: 1, recent: [{ topic: 'rx.prescribing.v1', groupId: 'dispensing', key: rx }] } });
  }, 180_000);
});
