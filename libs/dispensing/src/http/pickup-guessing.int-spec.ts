import { MINUTE_MS } from '@rx/kernel';
import { dispensingWorld, type DispensingWorld } from '../testing/dispensing-harness';

/**
 * Issue 15.4: wrong pickup codes lock out the pharmacy that guessed, per prescription and across
 * prescriptions; a pharmacy that may not claim at all is refused before any guess counts; the
 * patient's right code still works at any other eligible pharmacy.
 */
describe('pickup-code guessing over HTTP (embedded app, real SQLite store)', () => {
  let w: DispensingWorld;
  beforeEach(async () => (w = await dispensingWorld()));
  afterEach(() => w.close());

  const WRONG = 'ZZZZZZZZ';
  const guess = (rxId: string, pharmacyId: string) => w.claim(rxId, pharmacyId, { code: WRONG });
  const guardOf = async (pharmacyId: string) => (await w.t.store.readStream(`pickup-guard-${pharmacyId}`)).map((e) => e.type);

  it('given five wrong codes from P002, when the patient takes the code to P001, then P001 claims it; P002 stays locked out', async () => {
    const { rxId } = await w.issue();
    for (let i = 0; i < 5; i++) expect((await guess(rxId, 'P002')).body.code).toBe('PICKUP_CODE_INVALID');
    const locked = await w.claim(rxId, 'P002');
    expect({ status: locked.status, code: locked.body.code, scope: locked.body.details?.scope }).toEqual({ status: 422, code: 'PICKUP_ATTEMPTS_THROTTLED', scope: 'PRESCRIPTION' });
    expect((await w.claim(rxId, 'P001')).status).toBe(201);
  });

  it('given a pharmacy that has not opened pooling (P004) or whose agreement the agency dissolved, when it guesses, then it is refused and nothing counts', async () => {
    const { rxId } = await w.issue();
    await w.dissolve('P002');
    for (let i = 0; i < 6; i++) {
      expect((await guess(rxId, 'P004')).body.code).toBe('PHARMACY_POOLING_NOT_OPEN');
      expect((await guess(rxId, 'P002')).body.code).toBe('PHARMACY_AGREEMENT_NOT_ACTIVE');
    }
    expect(await w.streamTypes(rxId)).toEqual(['PrescriptionRegistered']);
    expect(await guardOf('P004')).toEqual([]);
    expect((await w.claim(rxId, 'P001')).status).toBe(201);
  });

  it('given a pharmacy guessing a few codes on each of many prescriptions, when it reaches 20 within the hour, then it is locked out everywhere for an hour, and only it', async () => {
    for (let n = 0; n < 5; n++) {
      const { rxId } = await w.issue();
      for (let i = 0; i < 4; i++) expect((await guess(rxId, 'P002')).body.code).toBe('PICKUP_CODE_INVALID');
    }
    expect(await guardOf('P002')).toEqual([...Array(20).fill('PharmacyPickupFailed'), 'PharmacyPickupLocked']);
    const { rxId } = await w.issue();
    const refused = await w.claim(rxId, 'P002');
    expect({ status: refused.status, code: refused.body.code, scope: refused.body.details?.scope }).toEqual({ status: 422, code: 'PICKUP_ATTEMPTS_THROTTLED', scope: 'PHARMACY' });
    expect(await w.streamTypes(rxId)).toEqual(['PrescriptionRegistered']);
    w.clock.advance(60 * MINUTE_MS);
    expect((await w.claim(rxId, 'P002')).status).toBe(201);
  });

  it('given a claim released by its pharmacy, when the old claim request is replayed, then it is a new claim (201, created) that needs a fresh review; a spent prescription answers no code', async () => {
    const { rxId } = await w.issue();
    const first = await w.claim(rxId, 'P001');
    expect(first.status).toBe(201);
    await w.review(rxId, 'P001');
    expect((await w.t.http.delete(`/dispensing/claims/${rxId}`).set('Authorization', w.pharmacist('P001'))).status).toBe(200);
    w.clock.advance(MINUTE_MS);
    const replay = await w.claim(rxId, 'P001');
    expect({ status: replay.status, created: replay.body.created }).toEqual({ status: 201, created: true });
    expect(replay.body.claimedAt).not.toBe(first.body.claimedAt);
    const unreviewed = await w.dispense(rxId, { lines: [{ drugCode: 'MET-500', quantity: 1, unitPriceFen: 50, batchNo: 'B1', traceCodes: ['00000000000000000001'] }] }, 'P001');
    expect(unreviewed.body.code).toBe('REVIEW_REQUIRED');
    expect(await w.streamTypes(rxId)).toEqual(['PrescriptionRegistered', 'PrescriptionClaimed', 'PrescriptionReviewed', 'ClaimReleased', 'PrescriptionClaimed']);
  });
});
