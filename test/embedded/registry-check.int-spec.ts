import { AuditModule } from '@rx/audit';
import { DispensingModule } from '@rx/dispensing';
import { ManualClock } from '@rx/kernel';
import { PrescribingModule } from '@rx/prescribing';
import { createTestApp, TestApp } from '@rx/runtime/testing';
import { SettlementModule } from '@rx/settlement';

/**
 * Issue 15.2: a validly signed token is not enough. Its `sub` must be registered in the reference
 * data with that role and that organisation, and handlers act as the resolved actor; a refusal is
 * a 403 with a stable code and appends nothing.
 */
describe('the registry check on every request (embedded app)', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await createTestApp({ imports: [PrescribingModule, DispensingModule, SettlementModule, AuditModule], clock: new ManualClock('2026-03-02T01:00:00.000Z') });
  });
  afterEach(() => t.close());

  const body = {
    patientId: 'PT003',
    diagnoses: [{ code: 'I10', name: 'Hypertension' }],
    items: [{ drugCode: 'AML-5', quantity: 7, daysSupply: 7, dosage: { dose: 1, unit: 'tablet', timesPerDay: 1 } }],
  };
  const allEvents = async () => (await t.store.readAll({})).length;

  async function issued(): Promise<{ prescriptionId: string; pickupCode: string }> {
    const res = await t.http.post('/prescriptions').set('Authorization', t.as('D001')).send(body);
    expect(res.status).toBe(201);
    const rx = { prescriptionId: res.body.prescriptionId as string, pickupCode: res.body.pickupCode as string };
    const deadline = Date.now() + 5000;
    while ((await t.http.get(`/dispensing/prescriptions/${rx.prescriptionId}`).set('Authorization', t.as('AU001'))).status !== 200) {
      if (Date.now() > deadline) throw new Error('dispensing never learnt the prescription');
      await new Promise((r) => setTimeout(r, 10));
    }
    return rx;
  }

  /** Waits until the relays and reactors have nothing left to append, so "appends nothing" is measured on a still store. */
  async function settled(): Promise<number> {
    let last = -1;
    let now = await allEvents();
    while (now !== last) {
      last = now;
      await new Promise((r) => setTimeout(r, 50));
      now = await allEvents();
    }
    return now;
  }

  it('given D002 of H002 with a token claiming H001, when it revokes an H001 prescription, then 403 ACTOR_ORGANISATION_MISMATCH and nothing is appended', async () => {
    const rx = await issued();
    const before = await settled();
    const res = await t.http.post(`/prescriptions/${rx.prescriptionId}/revoke`).set('Authorization', t.bearer('physician', 'D002', 'H001')).send({ reason: 'not mine to revoke' });
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 403, code: 'ACTOR_ORGANISATION_MISMATCH' });
    expect(await settled()).toBe(before);
    const view = await t.http.get(`/prescriptions/${rx.prescriptionId}`).set('Authorization', t.as('D001'));
    expect(view.body.status).toBe('ISSUED');
  });

  it('given a physician of another institution claiming H001, when it issues or reads, then 403 ACTOR_ORGANISATION_MISMATCH', async () => {
    const rx = await issued();
    const issue = await t.http.post('/prescriptions').set('Authorization', t.bearer('physician', 'D003', 'H001')).send(body);
    expect({ status: issue.status, code: issue.body.code }).toEqual({ status: 403, code: 'ACTOR_ORGANISATION_MISMATCH' });
    const read = await t.http.get(`/prescriptions/${rx.prescriptionId}`).set('Authorization', t.bearer('physician', 'D002', 'H001'));
    expect({ status: read.status, code: read.body.code }).toEqual({ status: 403, code: 'ACTOR_ORGANISATION_MISMATCH' });
  });

  it('given an unknown sub with a validly signed token, when it acts as a physician or pharmacist, then 403 ACTOR_UNKNOWN', async () => {
    const rx = await issued();
    const before = await settled();
    const issue = await t.http.post('/prescriptions').set('Authorization', t.bearer('physician', 'D999', 'H001')).send(body);
    expect({ status: issue.status, code: issue.body.code }).toEqual({ status: 403, code: 'ACTOR_UNKNOWN' });
    const claim = await t.http.post('/dispensing/claims').set('Authorization', t.bearer('pharmacist', 'PH999', 'P001')).send(rx);
    expect({ status: claim.status, code: claim.body.code }).toEqual({ status: 403, code: 'ACTOR_UNKNOWN' });
    // a physician's id with the pharmacist role is not a pharmacist
    const asOtherRole = await t.http.post('/dispensing/claims').set('Authorization', t.bearer('pharmacist', 'D001', 'P001')).send(rx);
    expect({ status: asOtherRole.status, code: asOtherRole.body.code }).toEqual({ status: 403, code: 'ACTOR_UNKNOWN' });
    expect(await settled()).toBe(before);
  });

  it('given a pharmacist of another pharmacy or of a dissolved one claiming P001, when it claims with the right code, then 403 and the prescription stays unclaimed', async () => {
    const rx = await issued();
    const before = await settled();
    for (const sub of ['PH002', 'PH003']) {
      const res = await t.http.post('/dispensing/claims').set('Authorization', t.bearer('pharmacist', sub, 'P001')).send(rx);
      expect({ sub, status: res.status, code: res.body.code }).toEqual({ sub, status: 403, code: 'ACTOR_ORGANISATION_MISMATCH' });
    }
    expect(await settled()).toBe(before);
    expect((await t.http.post('/dispensing/claims').set('Authorization', t.as('PH001')).send(rx)).status).toBe(201);
  });

  it('given the pharmacist of dissolved P003 with its own pharmacy in the token, when it claims or reviews, then 403 ORGANISATION_INACTIVE; its reads stay open', async () => {
    const rx = await issued();
    const before = await settled();
    const claim = await t.http.post('/dispensing/claims').set('Authorization', t.as('PH003')).send(rx);
    expect({ status: claim.status, code: claim.body.code }).toEqual({ status: 403, code: 'ORGANISATION_INACTIVE' });
    const review = await t.http.post(`/dispensing/prescriptions/${rx.prescriptionId}/review`).set('Authorization', t.as('PH003')).send({ decision: 'APPROVED' });
    expect({ status: review.status, code: review.body.code }).toEqual({ status: 403, code: 'ORGANISATION_INACTIVE' });
    expect(await settled()).toBe(before);
    expect((await t.http.get('/settlement/pharmacies/P003/agreement').set('Authorization', t.as('PH003'))).status).toBe(200);
  });

  it('given the physician of dissolved H009, when it issues, then 403 ORGANISATION_INACTIVE', async () => {
    const res = await t.http.post('/prescriptions').set('Authorization', t.as('D009')).send(body);
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 403, code: 'ORGANISATION_INACTIVE' });
  });

  it('given any sub with role agency or auditor, when it is not registered as one (or names another office), then 403', async () => {
    const cases: Array<[string, string, 'agency' | 'auditor', string, string]> = [
      ['GET', '/settlement/budget/522700/2026', 'agency', 'AG999', 'AGENCY'],
      ['GET', '/settlement/budget/522700/2026', 'agency', 'AU001', 'AGENCY'],
      ['GET', '/settlement/budget/522700/2026', 'agency', 'AG001', 'AUDIT'],
      ['GET', '/audit/alerts', 'auditor', 'AU999', 'AUDIT'],
      ['GET', '/audit/alerts', 'auditor', 'AG001', 'AUDIT'],
      ['GET', '/audit/alerts', 'auditor', 'AU001', 'AGENCY'],
    ];
    for (const [, path, role, sub, org] of cases) {
      const res = await t.http.get(path).set('Authorization', t.bearer(role, sub, org));
      expect({ path, sub, org, status: res.status, code: res.body.code }).toEqual({
        path,
        sub,
        org,
        status: 403,
        code: sub === 'AG999' || sub === 'AU999' || (role === 'agency') !== sub.startsWith('AG') ? 'ACTOR_UNKNOWN' : 'ACTOR_ORGANISATION_MISMATCH',
      });
    }
    expect((await t.http.get('/settlement/budget/522700/2026').set('Authorization', t.as('AG001'))).status).toBe(200);
    expect((await t.http.get('/audit/alerts').set('Authorization', t.as('AU001'))).status).toBe(200);
  });

  it('given a registered actor, when a handler records who acted, then it is the resolved actor', async () => {
    const rx = await issued();
    const claim = await t.http.post('/dispensing/claims').set('Authorization', t.as('PH002')).send(rx);
    expect(claim.status).toBe(201);
    expect(claim.body).toMatchObject({ pharmacyId: 'P002', pharmacistId: 'PH002' });
  });
});
