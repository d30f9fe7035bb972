import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore, type EventStore } from '@rx/event-store';
import { DelegatingStore } from '@rx/event-store/testing';
import { ManualClock } from '@rx/kernel';
import { createTestApp, type TestApp } from '@rx/runtime/testing';
import { pharmacyClaimStreamId } from '../domain/stream-ids';
import { SettlementModule } from '../settlement.module';
import { dispensedEnvelope, eventually, publish } from './testing/settlement-test-kit';

/**
 * Holds the first reads of the armed streams until two have arrived, so that two instances both
 * look at a claim id before either writes: the race is certain, not likely.
 */
class Barrier extends DelegatingStore {
  static armed?: { streams: string[]; held: Array<() => void>; timer: NodeJS.Timeout };
  static arm(streams: string[]): void {
    Barrier.armed = { streams, held: [], timer: setTimeout(() => Barrier.release(), 2_000) };
  }
  static release(): void {
    const armed = Barrier.armed;
    Barrier.armed = undefined;
    if (!armed) return;
    clearTimeout(armed.timer);
    for (const go of armed.held) go();
  }
  override async readStream(...args: Parameters<EventStore['readStream']>) {
    const events = await this.inner.readStream(...args);
    const armed = Barrier.armed;
    if (armed && armed.streams.includes(args[0])) {
      await new Promise<void>((go) => {
        armed.held.push(go);
        if (armed.held.length >= 2) Barrier.release();
      });
    }
    return events;
  }
}

describe('settlement: a client-chosen claimId is unique across instances sharing one SQLite file (issue 15.5)', () => {
  let file: string;
  let a: TestApp;
  let b: TestApp;
  beforeEach(async () => {
    file = join(tmpdir(), `rx-settlement-claimid-${randomUUID()}.sqlite`);
    const clock = new ManualClock('2026-09-10T02:00:00.000Z');
    a = await createTestApp({ imports: [SettlementModule], clock, store: new Barrier(new SqliteEventStore(file)) });
    b = await createTestApp({ imports: [SettlementModule], clock, store: new Barrier(new SqliteEventStore(file)) });
  });
  afterEach(async () => {
    Barrier.release();
    await a.close();
    await b.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
  });

  const submit = (t: TestApp, pharmacyId: string, body: Record<string, unknown>) =>
    t.http
      .post('/settlement/claims')
      .set('Authorization', t.bearer('pharmacist', pharmacyId === 'P001' ? 'PH001' : 'PH002', pharmacyId))
      .send({ periodStart: '2026-09-01', periodEnd: '2026-09-20', ...body });
  const paid = (t: TestApp, dispenseId: string) => async () =>
    (await t.http.get(`/settlement/dispenses/${dispenseId}`).set('Authorization', t.bearer('agency', 'AG001', 'AGENCY'))).status === 200;

  it('two pharmacies naming one claimId on two instances at once: one claim, one 409, and the loser keeps its dispenses for its next claim', async () => {
    const d1 = dispensedEnvelope({ patientId: 'PT001', pharmacyId: 'P001', lines: [['MET-500', 400]], dispensedAt: '2026-09-10T02:00:00.000Z' }, a.clock.now());
    const d2 = dispensedEnvelope({ patientId: 'PT002', pharmacyId: 'P002', lines: [['MET-500', 400]], dispensedAt: '2026-09-10T02:00:00.000Z' }, a.clock.now());
    await publish(a, d1);
    await publish(a, d2);
    await eventually('both payments recorded', async () => (await paid(b, d1.data.dispenseId)()) && (await paid(b, d2.data.dispenseId)()));
    a.clock.set('2026-09-21T02:00:00.000Z');

    const claimId = randomUUID();
    Barrier.arm([`unique-claim-id-${claimId}`, pharmacyClaimStreamId(claimId)]);
    const replies = await Promise.all([submit(a, 'P001', { claimId }), submit(b, 'P002', { claimId })]);
    expect(replies.map((r) => [r.status, r.body.code]).sort()).toEqual([[201, undefined], [409, 'CLAIM_ALREADY_SUBMITTED']]);
    const [winner, loser] = replies[0].status === 201 ? (['P001', 'P002'] as const) : (['P002', 'P001'] as const);
    expect(replies.find((r) => r.status === 409)!.body.field).toBe('claimId');
    expect((await submit(b, winner, {})).body.code).toBe('CLAIM_EMPTY');

    // the loser's dispense was never tied to the id it lost: its next claim takes it
    const next = await submit(a, loser, { claimId: randomUUID() });
    expect(next.status).toBe(201);
    expect(next.body).toMatchObject({ dispenseCount: 1 });
    expect((await a.http.get(`/settlement/claims/${next.body.claimId}`).set('Authorization', a.bearer('agency', 'AG001', 'AGENCY'))).body.pharmacyId).toBe(loser);
  });
});
