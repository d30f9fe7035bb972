import { generateKeyPairSync } from 'node:crypto';
import { DispensingEventTypes, pickupCodeHash, Topics, validateDispensingCloudEvent, type PrescriptionIssuedV1 } from '@rx/contracts';
import { sealPrescription } from '@rx/contracts/testing';
import type { InMemoryMessageBus } from '@rx/messaging';
import { MINUTE_MS } from '@rx/kernel';
import { ClaimExpirySweeper } from '../application/claim-expiry/claim-expiry.sweeper';
import { dispensingWorld, envelope, ORDINARY, PICKUP_CODE, SPECIAL, type DispensingWorld } from '../testing/dispensing-harness';

describe('claims over HTTP (embedded app, real SQLite store)', () => {
  let w: DispensingWorld;
  beforeEach(async () => (w = await dispensingWorld()));
  afterEach(() => w.close());

  describe('learning prescriptions from rx.prescribing.v1', () => {
    it('registers an issued prescription in its own dispensation stream', async () => {
      const { rxId, event } = await w.issue();
      const stored = await w.t.store.readStream(`dispensation-${rxId}`);
      expect(stored.map((e) => e.type)).toEqual(['PrescriptionRegistered']);
      expect(stored[0].metadata).toMatchObject({ causationId: event.id, correlationId: event.correlationid, actor: { role: 'physician', id: 'D001' } });
      const res = await w.get(rxId, w.auditor());
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ prescriptionId: rxId, status: 'circulating', claim: null, cancellationPending: false, patientId: 'PT001' });
      expect(res.body.items.map((i: { status: string }) => i.status)).toEqual(['NOT_DISPENSED', 'NOT_DISPENSED', 'NOT_DISPENSED']);
    });

    it('a redelivered issued event changes nothing (same envelope id)', async () => {
      const { rxId, event } = await w.issue();
      await w.t.bus.publish(Topics.prescribing, [{ key: rxId, value: event }]);
      await w.t.bus.publish(Topics.prescribing, [{ key: rxId, value: event }]);
      expect(await w.streamTypes(rxId)).toEqual(['PrescriptionRegistered']);
      // and after a claim, a redelivery neither resets nor duplicates anything
      expect((await w.claim(rxId)).status).toBe(201);
      await w.t.bus.publish(Topics.prescribing, [{ key: rxId, value: event }]);
      expect(await w.streamTypes(rxId)).toEqual(['PrescriptionRegistered', 'PrescriptionClaimed']);
    });

    describe('verifying the seal of every prescription it learns (issue 21)', () => {
      /** A copy of a real issued event under a new id with ten times the quantity, as the issue's kcat test made. */
      const forgeries = (genuine: PrescriptionIssuedV1, rxId: string): [string, PrescriptionIssuedV1, string][] => {
        const copy = { ...genuine, prescriptionId: rxId, pickupCodeHash: pickupCodeHash(rxId, PICKUP_CODE), items: genuine.items.map((i) => ({ ...i, quantity: i.quantity * 10 })) };
        return [
          ['the original hash and signature', copy, 'PRESCRIPTION_CONTENT_HASH_MISMATCH'],
          ['a recomputed hash and the original signature', { ...copy, contentHash: sealPrescription(copy, generateKeyPairSync('ed25519').privateKey).contentHash }, 'PRESCRIPTION_SIGNATURE_INVALID'],
          ['a seal of a key nobody knows', sealPrescription(copy, generateKeyPairSync('ed25519').privateKey), 'PRESCRIPTION_SIGNATURE_INVALID'],
          ["H002's genuine seal on H001's prescription", sealPrescription({ ...copy, signingKeyInstitutionId: 'H002' }), 'PRESCRIPTION_SIGNER_MISMATCH'],
          ['an institution the reference data does not know', sealPrescription({ ...copy, institutionId: 'H404', signingKeyInstitutionId: 'H404' }, generateKeyPairSync('ed25519').privateKey), 'PRESCRIPTION_SIGNING_KEY_UNKNOWN'],
        ];
      };

      it('given a forged copy of a real prescription, when it arrives, then it is dead-lettered with a stable reason, never registered, never claimable', async () => {
        const { event } = await w.issue();
        const bus = w.t.bus as InMemoryMessageBus;
        const cases = forgeries(event.data as PrescriptionIssuedV1, 'RX-ANY');
        for (const i of cases.keys()) {
          const rxId = `RX-FORGED-${i}`;
          const [, data] = forgeries(event.data as PrescriptionIssuedV1, rxId)[i];
          await bus.publish(Topics.prescribing, [{ key: rxId, value: envelope(event.type, rxId, data, w.clock.now()) }]);
        }
        const dead = bus.deadLetters(Topics.prescribing).filter((d) => d.groupId === 'dispensing');
        expect(dead.map((d) => d.key)).toEqual(cases.map((_, i) => `RX-FORGED-${i}`));
        dead.forEach((d, i) => expect(d.reason).toMatch(new RegExp(`^invalid event: rx\\.prescribing\\.prescription-issued\\.v1: ${cases[i][2]}: `)));
        for (const i of cases.keys()) {
          expect(await w.streamTypes(`RX-FORGED-${i}`)).toEqual([]);
          const claim = await w.claim(`RX-FORGED-${i}`);
          expect(claim.status).toBe(404);
          expect(claim.body.code).toBe('UNKNOWN_PRESCRIPTION');
        }
      });

      it('given a forged copy under the id of a prescription already circulating, then the real one is untouched', async () => {
        const { rxId, event } = await w.issue();
        const genuine = event.data as PrescriptionIssuedV1;
        const forged = { ...genuine, patientId: 'PT002', items: genuine.items.map((i) => ({ ...i, quantity: i.quantity * 10 })) };
        await w.t.bus.publish(Topics.prescribing, [{ key: rxId, value: envelope(event.type, rxId, forged, w.clock.now()) }]);
        expect((w.t.bus as InMemoryMessageBus).deadLetters(Topics.prescribing).map((d) => d.key)).toEqual([rxId]);
        expect(await w.streamTypes(rxId)).toEqual(['PrescriptionRegistered']);
        const view = await w.get(rxId, w.auditor());
        expect(view.body.patientId).toBe('PT001');
        expect(view.body.items[0].prescribed).toBe(genuine.items[0].quantity);
      });
    });

    it('dead-letters envelopes that fail the prescribing contract, or that the decider could never register', async () => {
      const bus = w.t.bus as InMemoryMessageBus;
      const bad = envelope('rx.prescribing.prescription-issued.v1', 'RX-BAD', { prescriptionId: 'RX-BAD', items: [] }, w.clock.now());
      await bus.publish(Topics.prescribing, [{ key: 'RX-BAD', value: bad }]);
      const { event } = await w.issue(ORDINARY(), { prescriptionId: 'RX-OK' });
      const twice = envelope(event.type, 'RX-TWICE', sealPrescription({ ...(event.data as PrescriptionIssuedV1), prescriptionId: 'RX-TWICE', items: [ORDINARY().items[0], { ...ORDINARY().items[0], lineNo: 2 }] }), w.clock.now());
      await bus.publish(Topics.prescribing, [{ key: 'RX-TWICE', value: twice }]);
      const dead = bus.deadLetters(Topics.prescribing).filter((d) => d.groupId === 'dispensing');
      expect(dead.map((d) => d.key)).toEqual(['RX-BAD', 'RX-TWICE']);
      expect(dead[0].reason).toContain('institutionId');
      expect(dead[1].reason).toContain('PRESCRIPTION_INVALID');
      expect(await w.streamTypes('RX-BAD')).toEqual([]);
      expect(await w.streamTypes('RX-TWICE')).toEqual([]);
      expect(await w.streamTypes('RX-OK')).toEqual(['PrescriptionRegistered']);
    });
  });

  describe('POST /dispensing/claims', () => {
    it('claims with the right pickup code: 201 with the expiry, and publishes prescription-claimed', async () => {
      const { rxId } = await w.issue();
      const res = await w.claim(rxId, 'P001', { code: PICKUP_CODE.toLowerCase() });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        prescriptionId: rxId,
        pharmacyId: 'P001',
        pharmacistId: 'PH001',
        claimedAt: w.clock.now().toISOString(),
        expiresAt: new Date(w.clock.now().getTime() + 30 * MINUTE_MS).toISOString(),
        created: true,
        cancellationPending: false,
      });
      await w.eventually('claimed event', () => w.publishedOf(rxId, DispensingEventTypes.prescriptionClaimed).length === 1);
      const [e] = w.publishedOf(rxId);
      expect(e).toMatchObject({ source: '/rx/dispensing', subject: rxId, actor: 'pharmacist:PH001', data: { prescriptionId: rxId, pharmacyId: 'P001', pharmacistId: 'PH001' } });
      expect(validateDispensingCloudEvent(e)).toBeUndefined();
      const stored = await w.t.store.readStream(`dispensation-${rxId}`);
      expect(e.id).toBe(stored[1].id);
    });

    it('refuses a wrong pickup code (422, one failed attempt recorded, nothing else), then throttles', async () => {
      const { rxId } = await w.issue();
      const wrong = await w.claim(rxId, 'P002', { code: 'ZZZZZZZZ' });
      expect(wrong.status).toBe(422);
      expect(wrong.body).toMatchObject({ code: 'PICKUP_CODE_INVALID', field: 'pickupCode' });
      expect(await w.streamTypes(rxId)).toEqual(['PrescriptionRegistered', 'PickupAttemptFailed']);
      for (let i = 2; i <= 5; i++) expect((await w.claim(rxId, 'P002', { code: `ZZZZZZZ${i}` })).body.code).toBe('PICKUP_CODE_INVALID');
      expect(await w.streamTypes(rxId)).toEqual(['PrescriptionRegistered', ...Array(5).fill('PickupAttemptFailed'), 'PickupLocked']);
      // P002 is locked out: even the right code is refused, and nothing more is recorded
      const locked = await w.claim(rxId, 'P002');
      expect(locked.status).toBe(422);
      expect(locked.body.code).toBe('PICKUP_ATTEMPTS_THROTTLED');
      expect((await w.claim(rxId, 'P002', { code: 'ZZZZZZZZ' })).body.code).toBe('PICKUP_ATTEMPTS_THROTTLED');
      expect((await w.streamTypes(rxId)).length).toBe(7);
      expect((await w.get(rxId, w.pharmacist('P002'))).body.pickupLockedUntil).toBe(new Date(w.clock.now().getTime() + 15 * MINUTE_MS).toISOString());
      expect((await w.get(rxId, w.pharmacist('P001'))).body.pickupLockedUntil).toBeUndefined();
      // the lock lifts after 15 minutes
      w.clock.advance(15 * MINUTE_MS);
      expect((await w.claim(rxId, 'P002')).status).toBe(201);
      // pickup failures stay inside the context
      await w.eventually('claim published', () => w.publishedOf(rxId).length === 1);
      expect(w.publishedOf(rxId).map((e) => e.type)).toEqual([DispensingEventTypes.prescriptionClaimed]);
    });

    it('refuses a pharmacy whose agreement is dissolved in reference data (P003) at the edge, before the claim is looked at', async () => {
      const { rxId } = await w.issue();
      const res = await w.claim(rxId, 'P003');
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('ORGANISATION_INACTIVE');
      expect(await w.streamTypes(rxId)).toEqual(['PrescriptionRegistered']);
    });

    it('refuses new claims by a pharmacy once settlement announces its dissolution (rx.settlement.v1)', async () => {
      const first = await w.issue();
      expect((await w.claim(first.rxId, 'P002')).status).toBe(201);
      const dissolved = await w.dissolve('P002', new Date(w.clock.now().getTime() + 60 * MINUTE_MS));
      await w.t.bus.publish(Topics.settlement, [{ key: 'P002', value: dissolved }]); // redelivered: nothing new
      expect((await w.t.store.readStream('pharmacy-status-P002')).map((e) => e.type)).toEqual(['PharmacyAgreementDissolved']);
      const { rxId } = await w.issue();
      // not yet effective
      expect((await w.claim(rxId, 'P002')).status).toBe(201);
      expect((await w.t.http.delete(`/dispensing/claims/${rxId}`).set('Authorization', w.pharmacist('P002'))).status).toBe(200);
      w.clock.advance(60 * MINUTE_MS);
      const res = await w.claim(rxId, 'P002');
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('PHARMACY_AGREEMENT_NOT_ACTIVE');
      expect((await w.claim(rxId, 'P001')).status).toBe(201);
    });

    it('dead-letters a malformed dissolution and ignores settlement events it does not need', async () => {
      const bus = w.t.bus as InMemoryMessageBus;
      const bad = envelope('rx.settlement.agreement-dissolved.v1', 'P002', { pharmacyId: 'P002' }, w.clock.now(), undefined, '/rx/settlement');
      const other = envelope('rx.settlement.claim-paid.v1', 'P002', { anything: true }, w.clock.now(), undefined, '/rx/settlement');
      await bus.publish(Topics.settlement, [{ key: 'P002', value: bad }, { key: 'P002', value: other }]);
      const dead = bus.deadLetters(Topics.settlement).filter((d) => d.groupId === 'dispensing.agreements');
      expect(dead).toHaveLength(1);
      expect(dead[0].reason).toContain('data.regionCode');
      const { rxId } = await w.issue();
      expect((await w.claim(rxId, 'P002')).status).toBe(201);
    });

    it('refuses a pharmacy that has not opened outpatient pooling (P004)', async () => {
      const { rxId } = await w.issue();
      const res = await w.claim(rxId, 'P004');
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('PHARMACY_POOLING_NOT_OPEN');
    });

    it('three-fixed: a special drug is refused at P002 and allowed at P001', async () => {
      const { rxId } = await w.issue(SPECIAL());
      const refused = await w.claim(rxId, 'P002');
      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({ code: 'PHARMACY_NOT_DESIGNATED_FOR_SPECIAL_DRUG', details: { drugCode: 'SD-OSIMERTINIB' } });
      expect((await w.claim(rxId, 'P001')).status).toBe(201);
    });

    it('is exclusive: the same pharmacy gets its claim back (200), another pharmacy gets 409', async () => {
      const { rxId } = await w.issue();
      const first = await w.claim(rxId, 'P001');
      expect(first.status).toBe(201);
      w.clock.advance(5 * MINUTE_MS);
      const again = await w.claim(rxId, 'P001', { sub: 'PH001-B' });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ created: false, expiresAt: first.body.expiresAt, claimedAt: first.body.claimedAt, pharmacistId: 'PH001' });
      const other = await w.claim(rxId, 'P002');
      expect(other.status).toBe(409);
      expect(other.body.code).toBe('ALREADY_CLAIMED');
      expect(await w.streamTypes(rxId)).toEqual(['PrescriptionRegistered', 'PrescriptionClaimed']);
      // another pharmacy may not see what P001 holds
      expect((await w.get(rxId, w.pharmacist('P002'))).status).toBe(403);
      expect((await w.get(rxId, w.pharmacist('P001'))).body.claim).toMatchObject({ pharmacyId: 'P001', reviewed: false });
    });

    it('expires after the time-to-live: then another pharmacy wins', async () => {
      const { rxId } = await w.issue();
      expect((await w.claim(rxId, 'P001')).status).toBe(201);
      w.clock.advance(30 * MINUTE_MS - 1);
      expect((await w.claim(rxId, 'P002')).status).toBe(409);
      w.clock.advance(1);
      const res = await w.claim(rxId, 'P002');
      expect(res.status).toBe(201);
      expect(res.body.pharmacyId).toBe('P002');
      expect(await w.streamTypes(rxId)).toEqual(['PrescriptionRegistered', 'PrescriptionClaimed', 'ClaimReleased', 'PrescriptionClaimed']);
      await w.eventually('release published', () => w.publishedOf(rxId).length === 3);
      expect(w.publishedOf(rxId, DispensingEventTypes.claimReleased)[0].data).toMatchObject({ pharmacyId: 'P001', reason: 'EXPIRED' });
    });

    it('the sweeper ends lapsed claims on time, even when nobody touches the prescription', async () => {
      const { rxId } = await w.issue();
      expect((await w.claim(rxId, 'P001')).status).toBe(201);
      const sweeper = w.t.app.get(ClaimExpirySweeper);
      expect(await sweeper.sweep(w.clock.now())).toEqual([]);
      w.clock.advance(30 * MINUTE_MS);
      expect(await sweeper.sweep(w.clock.now())).toEqual([rxId]);
      expect(await sweeper.sweep(w.clock.now())).toEqual([]);
      expect(await w.streamTypes(rxId)).toEqual(['PrescriptionRegistered', 'PrescriptionClaimed', 'ClaimReleased']);
      expect((await w.get(rxId)).body).toMatchObject({ status: 'circulating', claim: null, lastClaim: { pharmacyId: 'P001', reason: 'EXPIRED' } });
    });

    it('DELETE /dispensing/claims/:rxId returns it to circulation', async () => {
      const { rxId } = await w.issue();
      expect((await w.claim(rxId, 'P001')).status).toBe(201);
      const notHolder = await w.t.http.delete(`/dispensing/claims/${rxId}`).set('Authorization', w.pharmacist('P002'));
      expect(notHolder.status).toBe(409);
      expect(notHolder.body.code).toBe('NOT_CLAIMED_BY_PHARMACY');
      const res = await w.t.http.delete(`/dispensing/claims/${rxId}`).set('Authorization', w.pharmacist('P001'));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ prescriptionId: rxId, status: 'circulating', released: true });
      const again = await w.t.http.delete(`/dispensing/claims/${rxId}`).set('Authorization', w.pharmacist('P001'));
      expect(again.body).toEqual({ prescriptionId: rxId, status: 'circulating', released: false });
      expect((await w.claim(rxId, 'P002')).status).toBe(201);
      await w.eventually('release published', () => w.publishedOf(rxId, DispensingEventTypes.claimReleased).length === 1);
      expect(w.publishedOf(rxId, DispensingEventTypes.claimReleased)[0].data).toMatchObject({ pharmacyId: 'P001', reason: 'RELEASED' });
    });

    it('404 for a prescription never circulated; 400 for malformed input, naming the field', async () => {
      const unknown = await w.claim('RX-NEVER-ISSUED');
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('UNKNOWN_PRESCRIPTION');
      expect(await w.streamTypes('RX-NEVER-ISSUED')).toEqual([]);
      const auth = w.pharmacist('P001');
      const bad = await w.t.http.post('/dispensing/claims').set('Authorization', auth).send({ prescriptionId: 'RX 1', pickupCode: '123' });
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['pickupCode', 'prescriptionId']);
      const extra = await w.t.http.post('/dispensing/claims').set('Authorization', auth).send({ prescriptionId: 'RX-1', pickupCode: PICKUP_CODE, pharmacyId: 'P002' });
      expect(extra.status).toBe(400);
      const longId = await w.t.http.delete(`/dispensing/claims/${'x'.repeat(200)}`).set('Authorization', auth);
      expect(longId.status).toBe(400);
      expect(longId.body.errors[0].field).toBe('rxId');
    });

    it('401 without a valid token, 403 for a role that may not claim', async () => {
      const { rxId } = await w.issue();
      expect((await w.t.http.post('/dispensing/claims').send({ prescriptionId: rxId, pickupCode: PICKUP_CODE })).status).toBe(401);
      expect((await w.t.http.post('/dispensing/claims').set('Authorization', 'Bearer nope').send({ prescriptionId: rxId, pickupCode: PICKUP_CODE })).status).toBe(401);
      for (const role of ['physician', 'agency', 'auditor'] as const) {
        const res = await w.t.http.post('/dispensing/claims').set('Authorization', w.t.bearer(role, 'X1', 'H001')).send({ prescriptionId: rxId, pickupCode: PICKUP_CODE });
        expect(res.status).toBe(403);
      }
      expect((await w.t.http.get(`/dispensing/prescriptions/${rxId}`).set('Authorization', w.t.bearer('physician', 'D001', 'H001'))).status).toBe(403);
      expect((await w.t.http.delete(`/dispensing/claims/${rxId}`)).status).toBe(401);
      expect(await w.streamTypes(rxId)).toEqual(['PrescriptionRegistered']);
    });
  });
});
