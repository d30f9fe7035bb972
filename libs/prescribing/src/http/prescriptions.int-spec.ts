import { createHash, randomUUID, verify } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  PrescribingEventTypes,
  Topics,
  pickupCodeHash,
  prescriptionSignedContent,
  validatePrescribingCloudEvent,
  type CloudEvent,
  type PrescriptionIssuedV1,
} from '@rx/contracts';
import { canonicalJson, DAY_MS, ManualClock } from '@rx/kernel';
import { ReferenceDataService } from '@rx/reference-data';
import { createTestApp, referenceDataWith, type TestApp } from '@rx/runtime/testing';
import { PrescribingModule } from '../prescribing.module';
import { ExpirySweeper } from '../application/expiry/expiry.sweeper';
import { prescriptionStreamId } from '../domain/prescription.events';

const REF = ReferenceDataService.load(join(__dirname, '../../../../data/reference'));

describe('prescribing over HTTP (embedded app, real SQLite store)', () => {
  let t: TestApp;
  let refDir: string;
  let published: CloudEvent[];

  beforeEach(async () => {
    // D001-OTHER: a second physician of H001 (the demo registers one per institution).
    refDir = referenceDataWith({ physicians: [{ id: 'D001-OTHER', institutionId: 'H001' }] });
    const env = { RX_REFERENCE_DATA: refDir };
    t = await createTestApp({ imports: [PrescribingModule], clock: new ManualClock('2026-03-02T09:00:00.000Z'), env });
    published = [];
    await t.bus.consume({ groupId: `observer-${randomUUID()}`, topics: [Topics.prescribing], handler: async (m) => void published.push(m.event) });
  });
  afterEach(async () => {
    await t.close();
    rmSync(refDir, { recursive: true, force: true });
  });

  const physician = (sub = 'D001', org = 'H001') => t.bearer('physician', sub, org);
  const body = (over: Record<string, unknown> = {}) => ({
    patientId: 'PT001',
    diagnoses: [{ code: 'E11.9', name: 'type 2 diabetes mellitus' }],
    items: [{ drugCode: 'MET-500', quantity: 42, daysSupply: 7, dosage: { dose: 0.5, unit: 'g', timesPerDay: 3 } }],
    ...over,
  });
  const issue = (b: Record<string, unknown> = body(), auth = physician()) => t.http.post('/prescriptions').set('Authorization', auth).send(b);
  const streamOf = (id: string) => t.store.readStream(prescriptionStreamId(id));
  const allPrescriptionEvents = () => t.store.readAll({ streamPrefixes: ['prescription-'] });
  const eventually = async (what: string, check: () => boolean, timeoutMs = 3000) => {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const publishedOf = (id: string, type?: string) => published.filter((e) => e.subject === id && (!type || e.type === type));
  const dispensing = async (type: string, rxId: string, data: Record<string, unknown>, id: string = randomUUID()) => {
    const event: CloudEvent = {
      specversion: '1.0',
      id,
      type,
      source: '/rx/dispensing',
      subject: rxId,
      time: t.clock.now().toISOString(),
      datacontenttype: 'application/json',
      data: { prescriptionId: rxId, ...data },
      correlationid: randomUUID(),
      causationid: randomUUID(),
      actor: 'pharmacist:PH001',
    };
    await t.bus.publish(Topics.dispensing, [{ key: rxId, value: event }]);
    return event;
  };
  const claim = (rxId: string, id?: string) =>
    dispensing('rx.dispensing.prescription-claimed.v1', rxId, { pharmacyId: 'P001', claimedAt: t.clock.now().toISOString(), expiresAt: new Date(t.clock.now().getTime() + 30 * 60_000).toISOString() }, id);

  describe('POST /prescriptions', () => {
    it('issues an ordinary prescription: 201 with id, status, pickup code, validity, hash and a verifiable signature', async () => {
      const res = await issue();
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ status: 'ISSUED', validUntil: '2026-03-05T09:00:00.000Z', signingKeyInstitutionId: 'H001' });
      expect(res.body.pickupCode).toMatch(/^[0-9A-HJKMNP-TV-Z]{8}$/);
      const id: string = res.body.prescriptionId;

      const stored = await streamOf(id);
      expect(stored.map((e) => e.type)).toEqual(['PrescriptionIssued']);
      const data = stored[0].data as PrescriptionIssuedV1;
      // Only the hash of the pickup code is stored.
      expect(JSON.stringify(stored.map((e) => e.data))).not.toContain(res.body.pickupCode);
      expect(data.pickupCodeHash).toBe(pickupCodeHash(id, res.body.pickupCode));
      expect(stored[0].metadata.actor).toEqual({ role: 'physician', id: 'D001' });

      const canonical = canonicalJson(prescriptionSignedContent(data));
      expect(res.body.contentHash).toBe(createHash('sha256').update(canonical).digest('hex'));
      expect(verify(null, Buffer.from(canonical), REF.institutionPublicKey('H001')!, Buffer.from(res.body.signature, 'base64'))).toBe(true);
      expect(verify(null, Buffer.from(canonical.replace('"quantity":42', '"quantity":43')), REF.institutionPublicKey('H001')!, Buffer.from(res.body.signature, 'base64'))).toBe(false);
    });

    it('publishes rx.prescribing.prescription-issued.v1 with everything a pharmacy and the fund need', async () => {
      const res = await issue(body({ items: [body().items[0], { drugCode: 'VITC-100', quantity: 1, daysSupply: 7, dosage: { dose: 100, unit: 'mg', timesPerDay: 1 } }] }));
      const id = res.body.prescriptionId;
      await eventually('issued event', () => publishedOf(id, PrescribingEventTypes.prescriptionIssued).length === 1);
      const [e] = publishedOf(id);
      expect(e).toMatchObject({ type: 'rx.prescribing.prescription-issued.v1', source: '/rx/prescribing', subject: id, actor: 'physician:D001' });
      expect(validatePrescribingCloudEvent(e)).toBeUndefined();
      const data = e.data as PrescriptionIssuedV1;
      expect(data).toMatchObject({
        prescriptionId: id,
        institutionId: 'H001',
        institutionLevel: 1,
        agreementInstitutionId: 'H001',
        regionCode: '522700',
        physicianId: 'D001',
        patientId: 'PT001',
        insuranceType: 'employee',
        retired: false,
        longTerm: false,
        contentHash: res.body.contentHash,
        signature: res.body.signature,
        signingKeyInstitutionId: 'H001',
      });
      expect(data.items[1]).toMatchObject({ lineNo: 2, drugCode: 'VITC-100', drugClass: 'SELF_PAY', special: false, unit: 'bottle', referencePriceFen: 2500 });
      expect(data).not.toHaveProperty('requestHash');
      const canonical = canonicalJson(prescriptionSignedContent(data));
      expect(verify(null, Buffer.from(canonical), REF.institutionPublicKey(data.signingKeyInstitutionId)!, Buffer.from(data.signature, 'base64'))).toBe(true);
    });

    it('issues a long-term prescription for a chronic patient, valid until its supply ends', async () => {
      const res = await issue(
        body({ longTerm: true, patientId: 'PT002', items: [{ drugCode: 'AML-5', quantity: 84, daysSupply: 84, dosage: { dose: 5, unit: 'mg', timesPerDay: 1 } }] }),
        physician('D002', 'H002'),
      );
      expect(res.status).toBe(201);
      expect(res.body.validUntil).toBe('2026-05-25T09:00:00.000Z');
    });

    it('lets internet hospital H004 issue under H003, signing with its own key', async () => {
      const res = await issue(body(), physician('D004', 'H004'));
      expect(res.status).toBe(201);
      expect(res.body.signingKeyInstitutionId).toBe('H004');
      const [stored] = await streamOf(res.body.prescriptionId);
      const data = stored.data as PrescriptionIssuedV1;
      expect(data).toMatchObject({ institutionId: 'H004', agreementInstitutionId: 'H003' });
      const canonical = canonicalJson(prescriptionSignedContent(data));
      expect(verify(null, Buffer.from(canonical), REF.institutionPublicKey('H004')!, Buffer.from(res.body.signature, 'base64'))).toBe(true);
      expect(verify(null, Buffer.from(canonical), REF.institutionPublicKey('H003')!, Buffer.from(res.body.signature, 'base64'))).toBe(false);
    });

    it('lets the designated responsible physician prescribe a special drug', async () => {
      const res = await issue(
        body({ patientId: 'PT003', items: [{ drugCode: 'SD-OSIMERTINIB', quantity: 7, daysSupply: 7, dosage: { dose: 80, unit: 'mg', timesPerDay: 1 } }] }),
        physician('D003', 'H003'),
      );
      expect(res.status).toBe(201);
    });

    it.each<[string, Record<string, unknown>, [string, string], string]>([
      ['PATIENT_NOT_REGISTERED', body({ patientId: 'PT999' }), ['D001', 'H001'], 'unknown patient'],
      ['DRUG_NOT_IN_CATALOG', body({ items: [{ drugCode: 'ASPIRIN-1', quantity: 1, daysSupply: 1, dosage: { dose: 1, unit: 'tablet', timesPerDay: 1 } }] }), ['D001', 'H001'], 'unknown drug'],
      ['DUPLICATE_DRUG', body({ items: [body().items[0], body().items[0]] }), ['D001', 'H001'], 'same drug twice'],
      ['ORDINARY_SUPPLY_EXCEEDED', body({ items: [{ ...body().items[0], daysSupply: 8 }] }), ['D001', 'H001'], '8 days ordinary'],
      ['LONG_TERM_LIMIT_EXCEEDED', body({ longTerm: true, items: [{ ...body().items[0], quantity: 255, daysSupply: 85 }] }), ['D001', 'H001'], '85 days long-term'],
      ['LONG_TERM_NOT_ELIGIBLE', body({ longTerm: true, patientId: 'PT003', items: [{ ...body().items[0], daysSupply: 28 }] }), ['D001', 'H001'], 'no chronic condition'],
      ['SPECIAL_DRUG_PHYSICIAN_NOT_DESIGNATED', body({ items: [{ drugCode: 'SD-OSIMERTINIB', quantity: 7, daysSupply: 7, dosage: { dose: 80, unit: 'mg', timesPerDay: 1 } }] }), ['D002', 'H002'], 'not designated'],
      ['INSTITUTION_NOT_DESIGNATED_FOR_SPECIAL_DRUG', body({ items: [{ drugCode: 'SD-OSIMERTINIB', quantity: 7, daysSupply: 7, dosage: { dose: 80, unit: 'mg', timesPerDay: 1 } }] }), ['D005', 'H001'], 'designated physician, level-1 institution'],
      ['QUANTITY_OUT_OF_RANGE', body({ items: [{ ...body().items[0], quantity: 601 }] }), ['D001', 'H001'], 'above the drug bound'],
    ])('422 %s (%s) appends nothing', async (code, b, [sub, org]) => {
      const prescriptionId = randomUUID();
      const before = (await allPrescriptionEvents()).length;
      const res = await issue({ ...b, prescriptionId }, physician(sub, org));
      expect(res.status).toBe(422);
      expect(res.body.code).toBe(code);
      expect(typeof res.body.message).toBe('string');
      expect(await streamOf(prescriptionId)).toEqual([]);
      expect((await allPrescriptionEvents()).length).toBe(before);
    });

    it.each<[string, unknown]>([
      ['an empty body', {}],
      ['missing items', { patientId: 'PT001', diagnoses: [{ code: 'E11', name: 'x' }] }],
      ['missing diagnoses', { patientId: 'PT001', items: body().items }],
      ['empty items', body({ items: [] })],
      ['a negative quantity', body({ items: [{ ...body().items[0], quantity: -5 }] })],
      ['a zero dose', body({ items: [{ ...body().items[0], dosage: { dose: 0, unit: 'g', timesPerDay: 3 } }] })],
      ['a quantity as a string', body({ items: [{ ...body().items[0], quantity: '42' }] })],
      ['a fractional quantity', body({ items: [{ ...body().items[0], quantity: 4.2 }] })],
      ['longTerm as a string', body({ longTerm: 'yes' })],
      ['items as an object', body({ items: { drugCode: 'MET-500' } })],
      ['a dosage as a string', body({ items: [{ ...body().items[0], dosage: '0.5 g tid' }] })],
      ['a missing dosage', body({ items: [{ drugCode: 'MET-500', quantity: 1, daysSupply: 1 }] })],
      ['an unknown top-level field', body({ discount: 10 })],
      ['an unknown item field', body({ items: [{ ...body().items[0], priceFen: 1 }] })],
      ['an unknown dosage field', body({ items: [{ ...body().items[0], dosage: { dose: 1, unit: 'g', timesPerDay: 1, route: 'iv' } }] })],
      ['a huge items array', body({ items: Array.from({ length: 1000 }, () => body().items[0]) })],
      ['a huge diagnoses array', body({ diagnoses: Array.from({ length: 500 }, () => ({ code: 'E11', name: 'x' })) })],
      ['a non-UUID prescriptionId', body({ prescriptionId: 'rx-1; drop table' })],
      ['a hostile patient id', body({ patientId: '../../etc/passwd' })],
      ['a JSON array body', [body()]],
    ])('400 for %s', async (_, b) => {
      const before = (await allPrescriptionEvents()).length;
      const res = await issue(b as Record<string, unknown>);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect((await allPrescriptionEvents()).length).toBe(before);
    });

    it('400 for malformed JSON', async () => {
      const res = await t.http.post('/prescriptions').set('Authorization', physician()).set('Content-Type', 'application/json').send('{"patientId": ');
      expect([res.status, res.body.code]).toEqual([400, 'BAD_REQUEST']);
    });

    it('refuses bodies the HTTP layer cannot take with a 4xx and a stable code, appending nothing', async () => {
      const before = (await allPrescriptionEvents()).length;
      const post = () => t.http.post('/prescriptions').set('Authorization', physician());
      const empty = await post().set('Content-Type', 'application/json').send('');
      expect([empty.status, empty.body.code]).toEqual([400, 'BAD_REQUEST']);
      const xml = await post().set('Content-Type', 'application/xml').send('<prescription/>');
      expect([xml.status, xml.body.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
      const text = await post().set('Content-Type', 'text/plain').send(JSON.stringify(body()));
      expect([text.status, text.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      const huge = await post().send(body({ diagnoses: [{ code: 'E11.9', name: 'x'.repeat(300 * 1024) }] }));
      expect([huge.status, huge.body.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
      expect((await allPrescriptionEvents()).length).toBe(before);
    });

    it('reports field-level messages', async () => {
      const res = await issue(body({ items: [{ ...body().items[0], quantity: -5 }] }));
      expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'items[0].quantity' })]));
    });

    it('401 without a token, with a bad token, and with a token signed by another secret', async () => {
      expect((await t.http.post('/prescriptions').send(body())).status).toBe(401);
      expect((await issue(body(), 'Bearer not.a.jwt')).status).toBe(401);
      const forged = physician().replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
      expect((await issue(body(), forged)).status).toBe(401);
    });

    it('403 for a pharmacist, agency or auditor', async () => {
      for (const [role, sub, org] of [['pharmacist', 'PH001', 'P001'], ['agency', 'AG001', 'AGENCY'], ['auditor', 'AU001', 'AUDIT']] as const) {
        const res = await issue(body(), t.bearer(role, sub, org));
        expect(res.status).toBe(403);
      }
      expect((await allPrescriptionEvents()).length).toBe(0);
    });

    it('is idempotent by prescriptionId: same content gives the same response, different content 409', async () => {
      const prescriptionId = randomUUID();
      const first = await issue(body({ prescriptionId }));
      expect(first.status).toBe(201);
      t.clock.advance(60_000);
      const again = await issue(body({ prescriptionId }));
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
      expect(await streamOf(prescriptionId)).toHaveLength(1);

      const different = await issue(body({ prescriptionId, items: [{ ...body().items[0], quantity: 21 }] }));
      expect(different.status).toBe(409);
      expect(different.body.code).toBe('PRESCRIPTION_ID_CONFLICT');
      const otherInstitution = await issue(body({ prescriptionId }), physician('D002', 'H002'));
      expect(otherInstitution.status).toBe(409);
      expect(await streamOf(prescriptionId)).toHaveLength(1);
    });
  });

  describe('GET /prescriptions/:id', () => {
    it('shows the issuing institution\'s physicians and auditors the current view, never the pickup code or its hash', async () => {
      const issued = await issue();
      const id = issued.body.prescriptionId;
      for (const auth of [physician(), physician('D001-OTHER', 'H001'), t.bearer('auditor', 'AU001', 'AUDIT')]) {
        const res = await t.http.get(`/prescriptions/${id}`).set('Authorization', auth);
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ prescriptionId: id, status: 'ISSUED', institutionId: 'H001', contentHash: issued.body.contentHash, signature: issued.body.signature });
        const text = JSON.stringify(res.body);
        expect(text).not.toContain(issued.body.pickupCode);
        expect(text).not.toContain(pickupCodeHash(id, issued.body.pickupCode));
        expect(res.body).not.toHaveProperty('pickupCodeHash');
        expect(res.body).not.toHaveProperty('requestHash');
      }
    });

    it('403 for another institution\'s physician and for a pharmacist; 404 unknown; 400 not a UUID; 401 without a token', async () => {
      const id = (await issue()).body.prescriptionId;
      const other = await t.http.get(`/prescriptions/${id}`).set('Authorization', physician('D002', 'H002'));
      expect(other.status).toBe(403);
      expect(other.body.code).toBe('NOT_ISSUING_INSTITUTION');
      expect((await t.http.get(`/prescriptions/${id}`).set('Authorization', t.bearer('pharmacist', 'PH001', 'P001'))).status).toBe(403);
      const unknown = await t.http.get(`/prescriptions/${randomUUID()}`).set('Authorization', physician());
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('PRESCRIPTION_NOT_FOUND');
      expect((await t.http.get('/prescriptions/not-a-uuid').set('Authorization', physician())).status).toBe(400);
      expect((await t.http.get(`/prescriptions/${id}`)).status).toBe(401);
    });
  });

  describe('POST /prescriptions/:id/revoke (D8)', () => {
    const revoke = (id: string, reason: unknown = 'wrong dosage', auth = physician()) => t.http.post(`/prescriptions/${id}/revoke`).set('Authorization', auth).send({ reason });

    it('200 REVOKED at once when no pharmacy holds it, and publishes prescription-revoked', async () => {
      const id = (await issue()).body.prescriptionId;
      const res = await revoke(id);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ prescriptionId: id, status: 'REVOKED' });
      await eventually('revoked event', () => publishedOf(id, PrescribingEventTypes.prescriptionRevoked).length === 1);
      const [e] = publishedOf(id, PrescribingEventTypes.prescriptionRevoked);
      expect(e.data).toMatchObject({ prescriptionId: id, reason: 'wrong dosage', revokedBy: 'D001', via: 'IMMEDIATE', dispensed: [] });
      expect(validatePrescribingCloudEvent(e)).toBeUndefined();
      // Asking again: same answer, nothing new.
      expect((await revoke(id)).status).toBe(200);
      expect((await streamOf(id)).map((x) => x.type)).toEqual(['PrescriptionIssued', 'PrescriptionRevoked']);
    });

    it('202 pending while a pharmacy holds it, then revoked when the pharmacy withdraws', async () => {
      const id = (await issue()).body.prescriptionId;
      await claim(id);
      const res = await revoke(id);
      expect(res.status).toBe(202);
      expect(res.body.status).toBe('REVOCATION_PENDING');
      await eventually('revocation-requested', () => publishedOf(id, PrescribingEventTypes.revocationRequested).length === 1);
      expect(publishedOf(id, PrescribingEventTypes.revocationRequested)[0].data).toMatchObject({ holderPharmacyId: 'P001', reason: 'wrong dosage' });

      await dispensing('rx.dispensing.revocation-answered.v1', id, { outcome: 'CANCELLATION_PENDING', dispensed: [] });
      expect((await t.http.get(`/prescriptions/${id}`).set('Authorization', physician())).body.status).toBe('REVOCATION_PENDING');

      const answer = await dispensing('rx.dispensing.revocation-answered.v1', id, { outcome: 'WITHDRAWN', dispensed: [] });
      const view = await t.http.get(`/prescriptions/${id}`).set('Authorization', physician());
      expect(view.body).toMatchObject({ status: 'REVOKED', revocation: { via: 'WITHDRAWN', reason: 'wrong dosage', requestedBy: 'D001' } });
      await eventually('revoked event', () => publishedOf(id, PrescribingEventTypes.prescriptionRevoked).length === 1);

      // Redelivery of the same answer appends nothing.
      const before = (await streamOf(id)).length;
      await t.bus.publish(Topics.dispensing, [{ key: id, value: answer }]);
      expect((await streamOf(id)).length).toBe(before);
      const stored = await streamOf(id);
      expect(stored.map((e) => e.type)).toEqual(['PrescriptionIssued', 'DispensingClaimRecorded', 'RevocationRequested', 'PrescriptionRevoked']);
      expect(stored[1].metadata).toMatchObject({ actor: { role: 'pharmacist', id: 'PH001' } });
    });

    it('202 pending, then declined: back to ISSUED and revocation-declined published', async () => {
      const id = (await issue()).body.prescriptionId;
      await claim(id);
      expect((await revoke(id)).status).toBe(202);
      await dispensing('rx.dispensing.revocation-answered.v1', id, { outcome: 'DECLINED', dispensed: [{ drugCode: 'MET-500', quantity: 42 }] });
      expect((await t.http.get(`/prescriptions/${id}`).set('Authorization', physician())).body.status).toBe('ISSUED');
      await eventually('declined event', () => publishedOf(id, PrescribingEventTypes.revocationDeclined).length === 1);
      expect(publishedOf(id, PrescribingEventTypes.revocationDeclined)[0].data).toMatchObject({ status: 'ISSUED', dispensed: [{ drugCode: 'MET-500', quantity: 42 }] });
    });

    it('409 ALREADY_DISPENSED once fully dispensed, appending nothing', async () => {
      const id = (await issue()).body.prescriptionId;
      await claim(id);
      await dispensing('rx.dispensing.dispensed.v1', id, { dispenseId: randomUUID(), pharmacyId: 'P001', fullyDispensed: true, extra: 'ignored' });
      expect((await t.http.get(`/prescriptions/${id}`).set('Authorization', physician())).body.status).toBe('DISPENSED');
      const before = (await streamOf(id)).length;
      const res = await revoke(id);
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('ALREADY_DISPENSED');
      expect((await streamOf(id)).length).toBe(before);
    });

    it('records the race: a dispense reported after revocation stays visible', async () => {
      const id = (await issue()).body.prescriptionId;
      expect((await revoke(id)).status).toBe(200);
      const dispenseId = randomUUID();
      await dispensing('rx.dispensing.dispensed.v1', id, { dispenseId, pharmacyId: 'P002', fullyDispensed: true });
      const view = await t.http.get(`/prescriptions/${id}`).set('Authorization', t.bearer('auditor', 'AU001', 'AUDIT'));
      expect(view.body).toMatchObject({ status: 'REVOKED', lateDispenseIds: [dispenseId] });
      expect((await streamOf(id)).map((e) => e.type)).toContain('DispensedAfterRevocation');
    });

    it('dead-letters a dispensing event that fails the consumer contract, and keeps going', async () => {
      const id = (await issue()).body.prescriptionId;
      await dispensing('rx.dispensing.prescription-claimed.v1', id, { pharmacyId: 'P001', claimedAt: 'yesterday', expiresAt: 'tomorrow' });
      const dlq = (t.bus as unknown as { deadLetters(topic: string): { reason: string }[] }).deadLetters(Topics.dispensing);
      expect(dlq.some((d) => d.reason.includes('claimedAt'))).toBe(true);
      await claim(id);
      expect((await revoke(id)).status).toBe(202);
    });

    it('403 for another institution and for a pharmacist; 404 unknown; 400 for a missing, blank or oversized reason', async () => {
      const id = (await issue()).body.prescriptionId;
      const other = await revoke(id, 'x', physician('D002', 'H002'));
      expect(other.status).toBe(403);
      expect(other.body.code).toBe('NOT_ISSUING_INSTITUTION');
      expect((await revoke(id, 'x', t.bearer('pharmacist', 'PH001', 'P001'))).status).toBe(403);
      expect((await revoke(randomUUID())).status).toBe(404);
      for (const sent of [{}, { reason: '' }, { reason: '   ' }, { reason: 'x'.repeat(501) }, { reason: 42 }, { reason: 'x', force: true }]) {
        const res = await t.http.post(`/prescriptions/${id}/revoke`).set('Authorization', physician()).send(sent);
        expect([sent, res.status, res.body.code]).toEqual([sent, 400, 'VALIDATION_FAILED']);
      }
      expect((await streamOf(id)).length).toBe(1);
    });
  });

  describe('expiry', () => {
    it('the sweeper expires ordinary prescriptions 3 days after issue, and publishes prescription-expired', async () => {
      const ordinary = (await issue()).body.prescriptionId;
      const longTerm = (await issue(body({ longTerm: true, items: [{ ...body().items[0], quantity: 84, daysSupply: 28 }] }))).body.prescriptionId;
      const revoked = (await issue()).body.prescriptionId;
      await t.http.post(`/prescriptions/${revoked}/revoke`).set('Authorization', physician()).send({ reason: 'x' });
      const sweeper = t.app.get(ExpirySweeper);

      t.clock.advance(3 * DAY_MS - 1);
      expect(await sweeper.sweep(t.clock.now())).toEqual([]);
      t.clock.advance(1);
      expect(await sweeper.sweep(t.clock.now())).toEqual([ordinary]);
      expect(await sweeper.sweep(t.clock.now())).toEqual([]);
      expect((await t.http.get(`/prescriptions/${ordinary}`).set('Authorization', physician())).body).toMatchObject({ status: 'EXPIRED', expiredAt: '2026-03-05T09:00:00.000Z' });
      await eventually('expired event', () => publishedOf(ordinary, PrescribingEventTypes.prescriptionExpired).length === 1);
      expect(publishedOf(ordinary, PrescribingEventTypes.prescriptionExpired)[0].data).toEqual({ prescriptionId: ordinary, expiredAt: '2026-03-05T09:00:00.000Z', validUntil: '2026-03-05T09:00:00.000Z' });

      const revoke = await t.http.post(`/prescriptions/${ordinary}/revoke`).set('Authorization', physician()).send({ reason: 'x' });
      expect(revoke.status).toBe(409);
      expect(revoke.body.code).toBe('PRESCRIPTION_EXPIRED');

      t.clock.advance(25 * DAY_MS);
      expect(await sweeper.sweep(t.clock.now())).toEqual([longTerm]);
      expect((await streamOf(revoked)).map((e) => e.type)).toEqual(['PrescriptionIssued', 'PrescriptionRevoked']);
    });

    it('a fully dispensed prescription is not swept; refunded, it is open again and expires at its validity end', async () => {
      const id = (await issue()).body.prescriptionId;
      const dispenseId = randomUUID();
      await claim(id);
      await dispensing('rx.dispensing.dispensed.v1', id, { dispenseId, pharmacyId: 'P001', fullyDispensed: true });
      const sweeper = t.app.get(ExpirySweeper);
      t.clock.advance(3 * DAY_MS);
      expect(await sweeper.sweep(t.clock.now())).toEqual([]);

      const refund = { reversalId: randomUUID(), dispenseId, pharmacyId: 'P001', reason: 'returned', reversedAt: t.clock.now().toISOString() };
      const source = await dispensing('rx.dispensing.dispense-reversed.v1', id, refund);
      await dispensing('rx.dispensing.dispense-reversed.v1', id, refund, source.id); // redelivered
      const view = await t.http.get(`/prescriptions/${id}`).set('Authorization', physician());
      expect(view.body).toMatchObject({ status: 'ISSUED', dispensing: { dispenseIds: [dispenseId], reversedDispenseIds: [dispenseId], fullyDispensed: false } });
      expect((await streamOf(id)).filter((e) => e.type === 'DispenseReversalRecorded')).toHaveLength(1);
      expect(await sweeper.sweep(t.clock.now())).toEqual([id]);
      expect((await t.http.get(`/prescriptions/${id}`).set('Authorization', physician())).body.status).toBe('EXPIRED');
    });
  });
});
