import {
  DISPENSING_EVENT_TYPES,
  dispensingDataValidators,
  DispensingEventTypes,
  Topics,
  validateDispensedV1,
  validateDispensingCloudEvent,
  validatePrescriptionClaimedV1,
  validatePrescriptionReviewedV1,
  validateRevocationAnsweredV1,
  type CloudEvent,
  type DispensingIntegrationEvent,
} from '@rx/contracts';
import type { DispensationEvent } from './dispensation.events';
import { toIntegrationEvents } from './integration-events';
import { claim, days, dispense, history, line, mins, ordinaryRx, reject, releaseClaim, reverse, revocation, rxExpired, T0, traceCode } from './testing/dispensation.fixtures';

/** A history that produces every kind of dispensation event. */
function everything(): DispensationEvent[] {
  const h = history(ordinaryRx())
    .do({ type: 'RecordFailedPickupAttempt', data: { pharmacyId: 'P002' } }, mins(1))
    .do(claim('P002'), mins(2))
    .do(reject('P002'), mins(3))
    .ready('P001', mins(4))
    .do(dispense('P001', [line('MET-500', 14, 55, { traceCodes: [traceCode(3, 1)] })], { dispenseId: 'DSP-A', deliveryFeeFen: 800 }), mins(5))
    .do(reverse('P001', 'DSP-A', 'REV-A'), mins(6))
    .do(releaseClaim('P001'), mins(7))
    .ready('P002', mins(8))
    .do(revocation('evt-rev-1'), mins(9))
    .do(releaseClaim('P002'), mins(10));
  const expired = history(ordinaryRx()).do(rxExpired(), days(3));
  return [...h.events, ...expired.events];
}

const envelope = (e: DispensingIntegrationEvent, i: number): CloudEvent => ({
  specversion: '1.0',
  id: `evt-${i}`,
  type: e.type,
  source: '/rx/dispensing',
  subject: e.subject,
  time: T0.toISOString(),
  datacontenttype: 'application/json',
  data: e.data,
  correlationid: 'corr-1',
  causationid: 'cause-1',
});

describe('dispensing integration events', () => {
  it('maps every public domain event to a valid rx.dispensing.v1 event keyed by prescription', () => {
    const mapped = everything().flatMap(toIntegrationEvents);
    // attempt-refused comes from the refusal signals' own streams, not from a dispensation (refusal-signals.spec).
    expect(new Set(mapped.map((m) => m.type))).toEqual(new Set(DISPENSING_EVENT_TYPES.filter((t) => t !== DispensingEventTypes.attemptRefused)));
    mapped.forEach((m, i) => {
      expect(m.subject).toBe((m.data as { prescriptionId: string }).prescriptionId);
      expect(validateDispensingCloudEvent(envelope(m, i))).toBeUndefined();
    });
    expect(Topics.dispensing).toBe('rx.dispensing.v1');
  });

  it('keeps registration, pickup failures and the cancellation mark inside the context', () => {
    const internal = everything().filter((e) => toIntegrationEvents(e).length === 0).map((e) => e.type);
    expect(new Set(internal)).toEqual(new Set(['PrescriptionRegistered', 'PickupAttemptFailed', 'CancellationMarked']));
  });

  it('carries what settlement and audit need on a dispense', () => {
    const dispensed = everything().flatMap(toIntegrationEvents).find((m) => m.type === DispensingEventTypes.dispensed);
    expect(dispensed?.data).toMatchObject({
      dispenseId: 'DSP-A',
      pharmacyId: 'P001',
      pharmacistId: 'PH001',
      patientId: 'PT001',
      insuranceType: 'employee',
      retired: false,
      regionCode: '522700',
      institutionLevel: 1,
      instalment: 1,
      daysSupply: 7,
      deliveryFeeFen: 800,
      fullyDispensed: false,
      lines: [
        {
          lineNo: 1,
          drugCode: 'MET-500',
          drugClass: 'A',
          special: false,
          quantity: 14,
          unitPriceFen: 55,
          referencePriceFen: 50,
          amountFen: 770,
          aboveReferencePrice: true,
          batchNo: 'B20260101',
          traceCodes: [traceCode(3, 1)],
        },
      ],
    });
  });

  it('answers a revocation with the id of the prescribing event it answers', () => {
    const answers = everything()
      .flatMap(toIntegrationEvents)
      .filter((m) => m.type === DispensingEventTypes.revocationAnswered)
      .map((m) => m.data);
    expect(answers).toEqual([
      expect.objectContaining({ outcome: 'CANCELLATION_PENDING', revocationEventId: 'evt-rev-1' }),
      expect.objectContaining({ outcome: 'WITHDRAWN', revocationEventId: 'evt-rev-1', dispensed: [] }),
    ]);
  });

  it('maps a reversal keyed on the original dispense', () => {
    const reversed = everything().flatMap(toIntegrationEvents).find((m) => m.type === DispensingEventTypes.dispenseReversed);
    expect(reversed?.data).toMatchObject({ reversalId: 'REV-A', dispenseId: 'DSP-A', pharmacyId: 'P001', reason: 'patient returned unopened packages' });
  });
});

describe('dispensing contract validators (dead-letter reasons)', () => {
  const goodDispensed = () => everything().flatMap(toIntegrationEvents).find((m) => m.type === DispensingEventTypes.dispensed)!;

  it('accepts a message carrying only the agreed fields', () => {
    expect(validatePrescriptionClaimedV1({ prescriptionId: 'RX-1', pharmacyId: 'P001', claimedAt: '2026-03-02T01:00:00Z', expiresAt: '2026-03-02T01:30:00Z' })).toEqual({
      ok: true,
      value: expect.anything(),
    });
    expect(validateRevocationAnsweredV1({ prescriptionId: 'RX-1', outcome: 'DECLINED', dispensed: [{ drugCode: 'MET-500', quantity: 14 }] }).ok).toBe(true);
  });

  it.each([
    ['a short trace code', (d: any) => (d.lines[0].traceCodes = ['123']), 'data.lines[0].traceCodes[0] must be exactly 20 digits'],
    ['an amount that does not add up', (d: any) => (d.lines[0].amountFen = 1), 'data.lines[0].amountFen must equal quantity x unitPriceFen'],
    ['a wrong above-reference flag', (d: any) => (d.lines[0].aboveReferencePrice = false), 'data.lines[0].aboveReferencePrice must be true exactly when unitPriceFen > referencePriceFen'],
    ['a fractional fee', (d: any) => (d.deliveryFeeFen = 1.5), 'data.deliveryFeeFen must be an integer'],
    ['no lines', (d: any) => (d.lines = []), 'data.lines must have at least 1 element(s)'],
    ['an unknown class', (d: any) => (d.lines[0].drugClass = 'C'), 'data.lines[0].drugClass must be one of "A", "B", "SELF_PAY"'],
    ['a missing patient', (d: any) => delete d.patientId, 'data.patientId must be a non-blank string of 1 to 128 characters'],
    ['a bad level', (d: any) => (d.institutionLevel = 4), 'data.institutionLevel must be one of 1, 2, 3'],
    ['a bad instant', (d: any) => (d.dispensedAt = '2026-03-02'), 'data.dispensedAt must be an ISO-8601 instant'],
  ])('refuses a dispensed event with %s', (_name, spoil, reason) => {
    const data = structuredClone(goodDispensed().data) as any;
    spoil(data);
    expect(validateDispensedV1(data)).toEqual({ ok: false, reason });
  });

  it('refuses a rejection without reasons and a claim expiring before it starts', () => {
    expect(validatePrescriptionReviewedV1({ prescriptionId: 'RX-1', pharmacyId: 'P001', pharmacistId: 'PH001', decision: 'REJECTED', reasons: [] })).toEqual({
      ok: false,
      reason: 'data.reasons must have at least 1 element(s)',
    });
    expect(validatePrescriptionClaimedV1({ prescriptionId: 'RX-1', pharmacyId: 'P001', claimedAt: '2026-03-02T01:00:00Z', expiresAt: '2026-03-02T01:00:00Z' })).toEqual({
      ok: false,
      reason: 'data.expiresAt must be after claimedAt',
    });
  });

  it('refuses data that is not an object', () => {
    for (const validate of Object.values(dispensingDataValidators)) expect(validate([])).toEqual({ ok: false, reason: 'data must be an object' });
  });

  it('refuses an unknown type and a subject that is not the prescription', () => {
    const good = envelope(goodDispensed(), 1);
    expect(validateDispensingCloudEvent({ ...good, type: 'rx.dispensing.dispensed.v9' })).toBe('unknown dispensing event type "rx.dispensing.dispensed.v9"');
    expect(validateDispensingCloudEvent({ ...good, subject: 'RX-OTHER' })).toMatch(/subject must equal data.prescriptionId/);
    expect(validateDispensingCloudEvent({ ...good, data: { ...(good.data as object), lines: 'x' } })).toBe('rx.dispensing.dispensed.v1: data.lines must be an array');
  });
});
