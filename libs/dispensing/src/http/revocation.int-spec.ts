import { InMemoryMessageBus } from '@rx/messaging';
import { DispensingEventTypes, PrescribingEventTypes, Topics, validateDispensingCloudEvent, type CloudEvent } from '@rx/contracts';
import { MINUTE_MS } from '@rx/kernel';
import { ClaimExpirySweeper } from '../application/claim-expiry/claim-expiry.sweeper';
import { dispensingWorld, envelope, traceCode, type DispensingWorld } from '../testing/dispensing-harness';

const line = (drugCode: string, quantity: number, unitPriceFen: number, seed = quantity) => ({ drugCode, quantity, unitPriceFen, batchNo: 'B1', traceCodes: [traceCode(seed)] });
const ALL = { lines: [line('MET-500', 14, 50), line('ATV-20', 7, 500), line('VITC-100', 1, 2500)] };

describe('revocation race (D8) and expiry, answered on rx.dispensing.v1', () => {
  let w: DispensingWorld;
  beforeEach(async () => (w = await dispensingWorld()));
  afterEach(() => w.close());

  const answers = (rxId: string) => w.publishedOf(rxId, DispensingEventTypes.revocationAnswered);
  const awaitTypes = async (rxId: string, n: number) => {
    await w.eventually(`${n} published events`, () => w.publishedOf(rxId).length >= n);
    await new Promise((r) => setTimeout(r, 20));
    const events = w.publishedOf(rxId);
    for (const e of events) expect(validateDispensingCloudEvent(e)).toBeUndefined();
    return events.map((e) => e.type.replace('rx.dispensing.', '').replace('.v1', ''));
  };
  const expectAnswer = (e: CloudEvent, outcome: string, revocation: CloudEvent, dispensed: unknown[] = []) =>
    expect(e.data).toEqual({ prescriptionId: e.subject, outcome, dispensed, revocationEventId: revocation.id, answeredAt: expect.any(String) });

  it('nothing held: withdrawn at once, answered WITHDRAWN; claims are then refused', async () => {
    const { rxId } = await w.issue();
    const revocation = await w.revocationRequested(rxId);
    expect(await awaitTypes(rxId, 2)).toEqual(['prescription-withdrawn', 'revocation-answered']);
    expectAnswer(answers(rxId)[0], 'WITHDRAWN', revocation);
    expect(answers(rxId)[0].causationid).toBe(revocation.id);
    expect(w.publishedOf(rxId)[0].data).toMatchObject({ reason: 'REVOKED', dispensed: [] });
    const claim = await w.claim(rxId);
    expect(claim.status).toBe(422);
    expect(claim.body.code).toBe('PRESCRIPTION_REVOKED');
    // prescribing's follow-up prescription-revoked, and a redelivery, append nothing
    await w.prescriptionRevoked(rxId);
    await w.t.bus.publish(Topics.prescribing, [{ key: rxId, value: revocation }]);
    expect(await w.streamTypes(rxId)).toEqual(['PrescriptionRegistered', 'PrescriptionWithdrawn', 'RevocationAnswered']);
  });

  it('held, nothing dispensed: CANCELLATION_PENDING, visible to the holder; its release withdraws it', async () => {
    const { rxId } = await w.issue();
    await w.ready(rxId, 'P001');
    const revocation = await w.revocationRequested(rxId);
    expect(await awaitTypes(rxId, 3)).toEqual(['prescription-claimed', 'prescription-reviewed', 'revocation-answered']);
    expectAnswer(answers(rxId)[0], 'CANCELLATION_PENDING', revocation);

    expect((await w.get(rxId)).body).toMatchObject({ status: 'claimed', cancellationPending: true });
    const back = await w.claim(rxId, 'P001');
    expect(back.status).toBe(200);
    expect(back.body.cancellationPending).toBe(true);
    expect((await w.claim(rxId, 'P002')).status).toBe(409);
    const dispense = await w.dispense(rxId, { lines: [line('MET-500', 1, 50)] });
    expect(dispense.status).toBe(422);
    expect(dispense.body.code).toBe('CANCELLATION_PENDING');
    expect((await w.review(rxId)).body.code).toBe('CANCELLATION_PENDING');
    // a second revocation event while pending appends nothing
    await w.prescriptionRevoked(rxId);
    await w.t.bus.publish(Topics.prescribing, [{ key: rxId, value: revocation }]);

    const released = await w.t.http.delete(`/dispensing/claims/${rxId}`).set('Authorization', w.pharmacist('P001'));
    expect(released.body).toEqual({ prescriptionId: rxId, status: 'withdrawn', released: true });
    expect(await awaitTypes(rxId, 6)).toEqual([
      'prescription-claimed',
      'prescription-reviewed',
      'revocation-answered',
      'claim-released',
      'prescription-withdrawn',
      'revocation-answered',
    ]);
    expectAnswer(answers(rxId)[1], 'WITHDRAWN', revocation);
    expect(w.publishedOf(rxId, DispensingEventTypes.claimReleased)[0].data).toMatchObject({ reason: 'RELEASED' });
    expect((await w.claim(rxId, 'P002')).body.code).toBe('PRESCRIPTION_REVOKED');
  });

  it('held, nothing dispensed, and nobody touches it: the sweeper applies the cancellation when the claim lapses', async () => {
    const { rxId } = await w.issue();
    expect((await w.claim(rxId, 'P001')).status).toBe(201);
    const revocation = await w.revocationRequested(rxId);
    const sweeper = w.t.app.get(ClaimExpirySweeper);
    expect(await sweeper.sweep(w.clock.now())).toEqual([]);
    w.clock.advance(30 * MINUTE_MS);
    expect(await sweeper.sweep(w.clock.now())).toEqual([rxId]);
    expect(await awaitTypes(rxId, 5)).toEqual(['prescription-claimed', 'revocation-answered', 'claim-released', 'prescription-withdrawn', 'revocation-answered']);
    expect(w.publishedOf(rxId, DispensingEventTypes.claimReleased)[0].data).toMatchObject({ reason: 'EXPIRED' });
    expectAnswer(answers(rxId)[1], 'WITHDRAWN', revocation);
    expect((await w.get(rxId, w.auditor())).body).toMatchObject({ status: 'withdrawn', cancellationPending: false });
  });

  it('a lapsed claim: released as expired, withdrawn, answered WITHDRAWN', async () => {
    const { rxId } = await w.issue();
    expect((await w.claim(rxId, 'P002')).status).toBe(201);
    w.clock.advance(31 * MINUTE_MS);
    const revocation = await w.revocationRequested(rxId);
    expect(await awaitTypes(rxId, 4)).toEqual(['prescription-claimed', 'claim-released', 'prescription-withdrawn', 'revocation-answered']);
    expectAnswer(answers(rxId)[0], 'WITHDRAWN', revocation);
  });

  it('held and partly dispensed: the claim is cancelled and the answer says what was dispensed', async () => {
    const { rxId } = await w.issue();
    await w.ready(rxId);
    expect((await w.dispense(rxId, { lines: [line('MET-500', 10, 50)] })).status).toBe(201);
    const revocation = await w.revocationRequested(rxId);
    expect(await awaitTypes(rxId, 6)).toEqual([
      'prescription-claimed',
      'prescription-reviewed',
      'dispensed',
      'claim-released',
      'prescription-withdrawn',
      'revocation-answered',
    ]);
    expect(w.publishedOf(rxId, DispensingEventTypes.claimReleased)[0].data).toMatchObject({ reason: 'CANCELLED', pharmacyId: 'P001' });
    expect(w.publishedOf(rxId, DispensingEventTypes.prescriptionWithdrawn)[0].data).toMatchObject({ reason: 'REVOKED', dispensed: [{ drugCode: 'MET-500', quantity: 10 }] });
    expectAnswer(answers(rxId)[0], 'WITHDRAWN', revocation, [{ drugCode: 'MET-500', quantity: 10 }]);
    const view = (await w.get(rxId)).body;
    expect(view).toMatchObject({ status: 'withdrawn', claim: null });
    expect(view.items[0]).toMatchObject({ status: 'PARTLY_DISPENSED', dispensed: 10 });
    expect((await w.dispense(rxId, { lines: [line('MET-500', 4, 50, 99)] })).body.code).toBe('PRESCRIPTION_REVOKED');
  });

  it('fully dispensed: the revocation is DECLINED with everything dispensed', async () => {
    const { rxId } = await w.issue();
    await w.ready(rxId);
    expect((await w.dispense(rxId, ALL)).status).toBe(201);
    const revocation = await w.revocationRequested(rxId);
    expect(await awaitTypes(rxId, 4)).toEqual(['prescription-claimed', 'prescription-reviewed', 'dispensed', 'revocation-answered']);
    expectAnswer(answers(rxId)[0], 'DECLINED', revocation, [
      { drugCode: 'MET-500', quantity: 14 },
      { drugCode: 'ATV-20', quantity: 7 },
      { drugCode: 'VITC-100', quantity: 1 },
    ]);
    expect((await w.get(rxId)).body.status).toBe('completed');
  });

  it('expired by prescribing: withdrawn as EXPIRED (a pending cancellation is answered), later revocations answered WITHDRAWN', async () => {
    const pending = await w.issue();
    expect((await w.claim(pending.rxId, 'P001')).status).toBe(201);
    const revocation = await w.revocationRequested(pending.rxId);
    await w.prescribing(PrescribingEventTypes.prescriptionExpired, pending.rxId, { expiredAt: w.clock.now().toISOString(), validUntil: w.clock.now().toISOString() });
    expect(await awaitTypes(pending.rxId, 5)).toEqual(['prescription-claimed', 'revocation-answered', 'claim-released', 'prescription-withdrawn', 'revocation-answered']);
    expect(w.publishedOf(pending.rxId, DispensingEventTypes.prescriptionWithdrawn)[0].data).toMatchObject({ reason: 'EXPIRED' });
    expectAnswer(answers(pending.rxId)[1], 'WITHDRAWN', revocation);

    const { rxId } = await w.issue();
    const expired = await w.prescribing(PrescribingEventTypes.prescriptionExpired, rxId, { expiredAt: w.clock.now().toISOString(), validUntil: w.clock.now().toISOString() });
    await w.t.bus.publish(Topics.prescribing, [{ key: rxId, value: expired }]);
    const late = await w.revocationRequested(rxId);
    expect(await awaitTypes(rxId, 2)).toEqual(['prescription-withdrawn', 'revocation-answered']);
    expectAnswer(answers(rxId)[0], 'WITHDRAWN', late);
    expect((await w.claim(rxId)).body.code).toBe('PRESCRIPTION_EXPIRED');
    expect(await w.streamTypes(rxId)).toEqual(['PrescriptionRegistered', 'PrescriptionWithdrawn', 'RevocationAnswered']);
  });

  it('dead-letters at once a revocation for a prescription it never learnt, appending nothing', async () => {
    const event = envelope(PrescribingEventTypes.revocationRequested, 'RX-NEVER', { prescriptionId: 'RX-NEVER', reason: 'x', requestedBy: 'D001', requestedAt: w.clock.now().toISOString(), holderPharmacyId: null }, w.clock.now());
    await w.t.bus.publish(Topics.prescribing, [{ key: 'RX-NEVER', value: event }]);
    const dead = (w.t.bus as InMemoryMessageBus).deadLetters(Topics.prescribing).filter((d) => d.key === 'RX-NEVER' && d.groupId === 'dispensing');
    expect(dead.map((d) => d.reason)).toEqual([expect.stringMatching(/^unprocessable: UNKNOWN_PRESCRIPTION/)]);
    expect(await w.streamTypes('RX-NEVER')).toEqual([]);
  });
});
