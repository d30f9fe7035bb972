import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import {
  PrescribingEventTypes,
  SettlementEventTypes,
  Topics,
  pickupCodeHash,
  type AgreementDissolvedV1,
  type CloudEvent,
  type PrescribedItemV1,
  type PrescriptionIssuedV1,
} from '@rx/contracts';
import { sealPrescription } from '@rx/contracts/testing';
import { addDays, ManualClock } from '@rx/kernel';
import { InMemoryMessageBus } from '@rx/messaging';
import { createTestApp, referenceDataWith, type TestApp } from '@rx/runtime/testing';
import type { EventStore } from '@rx/event-store';
import { DispensingModule } from '../dispensing.module';

/**
 * Test world for the dispensing app: a real SQLite store, the in-process bus, and prescribing's
 * side simulated by publishing rx.prescribing.v1 envelopes the way its relay would.
 */

/** 2026-03-02 09:00 China Standard Time. */
export const T0 = '2026-03-02T01:00:00.000Z';
export const PICKUP_CODE = 'K7M2Q9XD';

type Drug = Omit<PrescribedItemV1, 'lineNo' | 'quantity' | 'daysSupply' | 'dosage'>;
export const DRUGS: Record<string, Drug> = {
  'MET-500': { drugCode: 'MET-500', drugName: 'metformin 0.5 g tablet', drugClass: 'A', special: false, unit: 'tablet', referencePriceFen: 50 },
  'AML-5': { drugCode: 'AML-5', drugName: 'amlodipine 5 mg tablet', drugClass: 'A', special: false, unit: 'tablet', referencePriceFen: 80 },
  'ATV-20': { drugCode: 'ATV-20', drugName: 'atorvastatin 20 mg tablet', drugClass: 'B', special: false, unit: 'tablet', referencePriceFen: 500 },
  'SD-OSIMERTINIB': { drugCode: 'SD-OSIMERTINIB', drugName: 'osimertinib 80 mg tablet', drugClass: 'B', special: true, unit: 'tablet', referencePriceFen: 17000 },
  'VITC-100': { drugCode: 'VITC-100', drugName: 'vitamin C 100 tablets', drugClass: 'SELF_PAY', special: false, unit: 'bottle', referencePriceFen: 2500 },
};

export const item = (lineNo: number, drugCode: keyof typeof DRUGS, quantity: number, daysSupply: number): PrescribedItemV1 => ({
  ...DRUGS[drugCode],
  lineNo,
  quantity,
  daysSupply,
  dosage: { dose: 1, unit: 'tablet', timesPerDay: 1 },
});

/** Ordinary: metformin 14 (7 days), atorvastatin 7, one bottle of vitamin C; valid 3 days. */
export const ORDINARY = () => ({ items: [item(1, 'MET-500', 14, 7), item(2, 'ATV-20', 7, 7), item(3, 'VITC-100', 1, 7)], longTerm: false, validDays: 3 });
/** Long-term: 84 days of metformin (2/day) and amlodipine (1/day). */
export const LONG_TERM = () => ({ items: [item(1, 'MET-500', 168, 84), item(2, 'AML-5', 84, 84)], longTerm: true, validDays: 84 });
/** A special (dual-channel) drug next to an ordinary one. */
export const SPECIAL = () => ({ items: [item(1, 'SD-OSIMERTINIB', 28, 28), item(2, 'MET-500', 14, 7)], longTerm: false, validDays: 3 });

/** A 20-digit traceability code, unique per (seed, n). */
export const traceCode = (seed: number, n = 0): string => `8${String(seed).padStart(9, '0')}${String(n).padStart(10, '0')}`;

export function envelope(type: string, subject: string, data: unknown, at: Date, id: string = randomUUID(), source = '/rx/prescribing', actor = 'physician:D001'): CloudEvent {
  return {
    specversion: '1.0',
    id,
    type,
    source,
    subject,
    time: at.toISOString(),
    datacontenttype: 'application/json',
    data,
    correlationid: randomUUID(),
    causationid: randomUUID(),
    actor,
  };
}

export interface DispensingWorld {
  t: TestApp;
  clock: ManualClock;
  /** Everything the relay published on rx.dispensing.v1, in order. */
  published: CloudEvent[];
  pharmacist(pharmacyId?: string, sub?: string): string;
  auditor(): string;
  /** Publishes prescribing's issued event; returns the prescription id and the envelope. */
  issue(shape?: { items: PrescribedItemV1[]; longTerm: boolean; validDays: number }, opts?: { prescriptionId?: string; eventId?: string }): Promise<{ rxId: string; event: CloudEvent }>;
  prescribing(type: string, rxId: string, data: Record<string, unknown>, eventId?: string): Promise<CloudEvent>;
  revocationRequested(rxId: string, eventId?: string): Promise<CloudEvent>;
  prescriptionRevoked(rxId: string, eventId?: string): Promise<CloudEvent>;
  dissolve(pharmacyId: string, effectiveAt?: Date): Promise<CloudEvent>;
  claim(rxId: string, pharmacyId?: string, opts?: { code?: string; sub?: string }): Promise<import('supertest').Response>;
  review(rxId: string, pharmacyId?: string, decision?: 'APPROVED' | 'REJECTED', reasons?: string[]): Promise<import('supertest').Response>;
  ready(rxId: string, pharmacyId?: string): Promise<void>;
  dispense(rxId: string, body: Record<string, unknown>, pharmacyId?: string): Promise<import('supertest').Response>;
  get(rxId: string, auth?: string): Promise<import('supertest').Response>;
  publishedOf(rxId: string, type?: string): CloudEvent[];
  eventually(what: string, check: () => boolean, timeoutMs?: number): Promise<void>;
  streamTypes(rxId: string): Promise<string[]>;
  close(): Promise<void>;
}

/** Pharmacists registered beside the demo's one per pharmacy, so a pharmacy's colleagues can be told apart. */
export const COLLEAGUES = { P001: ['PH001-B'], P002: ['PH002-B'] } as const;

export async function dispensingWorld(
  options: { clock?: ManualClock; store?: EventStore; bus?: InMemoryMessageBus; pharmacists?: Array<{ id: string; pharmacyId: string }> } = {},
): Promise<DispensingWorld> {
  const clock = options.clock ?? new ManualClock(T0);
  const colleagues = Object.entries(COLLEAGUES).flatMap(([pharmacyId, ids]) => ids.map((id) => ({ id, pharmacyId })));
  const referenceData = referenceDataWith({ pharmacists: [...colleagues, ...(options.pharmacists ?? [])] });
  const t = await createTestApp({ imports: [DispensingModule], clock, store: options.store, bus: options.bus, env: { RX_REFERENCE_DATA: referenceData } });
  const published: CloudEvent[] = [];
  await t.bus.consume({ groupId: `observer-${randomUUID()}`, topics: [Topics.dispensing], handler: async (m) => void published.push(m.event) });

  const pharmacistOf: Record<string, string> = { P001: 'PH001', P002: 'PH002', P003: 'PH003', P004: 'PH004' };
  const pharmacist = (pharmacyId = 'P001', sub = pharmacistOf[pharmacyId] ?? `PH-${pharmacyId}`) => t.bearer('pharmacist', sub, pharmacyId);
  const prescribing = async (type: string, rxId: string, data: Record<string, unknown>, eventId?: string) => {
    const event = envelope(type, rxId, { prescriptionId: rxId, ...data }, clock.now(), eventId);
    await t.bus.publish(Topics.prescribing, [{ key: rxId, value: event }]);
    return event;
  };

  const world: DispensingWorld = {
    t,
    clock,
    published,
    pharmacist,
    auditor: () => t.bearer('auditor', 'AU001', 'AUDIT'),
    async issue(shape = ORDINARY(), opts = {}) {
      const rxId = opts.prescriptionId ?? randomUUID();
      const now = clock.now();
      // Sealed with H001's demo key, as prescribing seals it: dispensing verifies every prescription.
      const data: PrescriptionIssuedV1 = sealPrescription({
        prescriptionId: rxId,
        institutionId: 'H001',
        institutionLevel: 1,
        agreementInstitutionId: 'H001',
        regionCode: '522700',
        physicianId: 'D001',
        patientId: 'PT001',
        insuranceType: 'employee',
        retired: false,
        longTerm: shape.longTerm,
        issuedAt: now.toISOString(),
        validUntil: addDays(now, shape.validDays).toISOString(),
        items: shape.items,
        diagnoses: [{ code: 'E11.9', name: 'type 2 diabetes mellitus' }],
        pickupCodeHash: pickupCodeHash(rxId, PICKUP_CODE),
        signingKeyInstitutionId: 'H001',
      });
      const event = await prescribing(PrescribingEventTypes.prescriptionIssued, rxId, data as unknown as Record<string, unknown>, opts.eventId);
      return { rxId, event };
    },
    prescribing,
    revocationRequested: (rxId, eventId) =>
      prescribing(PrescribingEventTypes.revocationRequested, rxId, { reason: 'wrong dose', requestedBy: 'D001', requestedAt: clock.now().toISOString(), holderPharmacyId: null }, eventId),
    prescriptionRevoked: (rxId, eventId) =>
      prescribing(
        PrescribingEventTypes.prescriptionRevoked,
        rxId,
        { reason: 'wrong dose', revokedBy: 'D001', revokedAt: clock.now().toISOString(), via: 'IMMEDIATE', dispensed: [] },
        eventId,
      ),
    async dissolve(pharmacyId, effectiveAt = clock.now()) {
      const data: AgreementDissolvedV1 = {
        pharmacyId,
        regionCode: '522700',
        reasonCode: 'CASHING_OUT_PERSONAL_ACCOUNTS',
        effectiveAt: effectiveAt.toISOString(),
        origin: 'AGENCY',
        dissolvedBy: 'AG001',
        recordedAt: clock.now().toISOString(),
      };
      const event = envelope(SettlementEventTypes.agreementDissolved, pharmacyId, data, clock.now(), randomUUID(), '/rx/settlement', 'agency:AG001');
      await t.bus.publish(Topics.settlement, [{ key: pharmacyId, value: event }]);
      return event;
    },
    claim: (rxId, pharmacyId = 'P001', opts = {}) =>
      t.http
        .post('/dispensing/claims')
        .set('Authorization', pharmacist(pharmacyId, opts.sub))
        .send({ prescriptionId: rxId, pickupCode: opts.code ?? PICKUP_CODE }),
    review: (rxId, pharmacyId = 'P001', decision = 'APPROVED', reasons) =>
      t.http
        .post(`/dispensing/prescriptions/${rxId}/review`)
        .set('Authorization', pharmacist(pharmacyId))
        .send(reasons ? { decision, reasons } : { decision }),
    async ready(rxId, pharmacyId = 'P001') {
      const c = await world.claim(rxId, pharmacyId);
      if (c.status !== 201 && c.status !== 200) throw new Error(`claim failed: ${c.status} ${JSON.stringify(c.body)}`);
      const r = await world.review(rxId, pharmacyId);
      if (r.status !== 200) throw new Error(`review failed: ${r.status} ${JSON.stringify(r.body)}`);
    },
    dispense: (rxId, body, pharmacyId = 'P001') => t.http.post(`/dispensing/prescriptions/${rxId}/dispenses`).set('Authorization', pharmacist(pharmacyId)).send(body),
    get: (rxId, auth = pharmacist('P001')) => t.http.get(`/dispensing/prescriptions/${rxId}`).set('Authorization', auth),
    publishedOf: (rxId, type) => published.filter((e) => e.subject === rxId && (!type || e.type === type)),
    async eventually(what, check, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async streamTypes(rxId) {
      return (await t.store.readStream(`dispensation-${rxId}`)).map((e) => e.type);
    },
    close: async () => {
      await t.close();
      rmSync(referenceData, { recursive: true, force: true });
    },
  };
  return world;
}
