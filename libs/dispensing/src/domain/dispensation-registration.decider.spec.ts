import * as errors from './dispensation.errors';
import { PrescriptionInvalid, UnknownPrescription } from './dispensation.errors';
import { dispensationStreamId, viewOf } from './dispensation.state';
import { approve, claim, dispense, history, item, line, mins, ordinaryRx, register, reverse, spec, T0 } from './testing/dispensation.fixtures';

describe('dispensation: learning a prescription from rx.prescribing.v1', () => {
  it('registers an issued prescription into circulation', () => {
    const rx = ordinaryRx();
    spec().given([]).when(register(rx), T0).then([{ type: 'PrescriptionRegistered', data: rx }]);
    const view = viewOf(history(rx).state(), T0);
    expect(view).toMatchObject({ prescriptionId: rx.prescriptionId, status: 'circulating', cancellationPending: false });
    expect(view.items.map((i) => i.status)).toEqual(['NOT_DISPENSED', 'NOT_DISPENSED', 'NOT_DISPENSED']);
  });

  it('keeps only the contract fields of the incoming data', () => {
    const rx = { ...ordinaryRx(), hostile: '<script>' } as ReturnType<typeof ordinaryRx>;
    spec()
      .given([])
      .when(register(rx), T0)
      .thenMatch(([e]) => expect(e.data).not.toHaveProperty('hostile'));
  });

  it('ignores a redelivered issued event', () => {
    const rx = ordinaryRx();
    spec().given(history(rx).events).when(register(rx), mins(1)).thenNothing();
  });

  it.each([
    ['no items', { items: [] }],
    ['a drug twice', { items: [item(1, 'MET-500', 14, 7), item(2, 'MET-500', 14, 7)] }],
    ['a line number twice', { items: [item(1, 'MET-500', 14, 7), item(1, 'ATV-20', 7, 7)] }],
    ['a zero quantity', { items: [item(1, 'MET-500', 0, 7)] }],
    ['zero days of supply', { items: [item(1, 'MET-500', 14, 0)] }],
    ['a validity ending before issue', { validUntil: '2026-03-01T00:00:00.000Z' }],
    ['an unparseable issue time', { issuedAt: 'yesterday' }],
    ['a blank pickup code hash', { pickupCodeHash: '' }],
    ['an unknown insurance type', { insuranceType: 'private' as never }],
    ['an unknown institution level', { institutionLevel: 4 as never }],
    ['an unknown drug class', { items: [{ ...item(1, 'MET-500', 14, 7), drugClass: 'C' as never }] }],
  ])('refuses a prescription with %s', (_name, overrides) => {
    spec().given([]).when(register(ordinaryRx(overrides)), T0).thenThrows(PrescriptionInvalid, 'PRESCRIPTION_INVALID');
  });

  it.each([
    ['claim', claim('P002')],
    ['review', approve('P002')],
    ['dispense', dispense('P002', [line('MET-500', 1, 50)])],
    ['reversal', reverse('P002', 'DSP-X')],
  ])('answers %s of an unknown prescription with UNKNOWN_PRESCRIPTION (404)', (_name, cmd) => {
    spec().given([]).when(cmd, T0).thenThrows(UnknownPrescription, 'UNKNOWN_PRESCRIPTION');
  });

  it('keeps one stream per prescription', () => {
    expect(dispensationStreamId('RX-1')).toBe('dispensation-RX-1');
  });
});

describe('dispensation errors', () => {
  const kinds: Record<string, string> = {
    UNKNOWN_PRESCRIPTION: 'not-found',
    PRESCRIPTION_INVALID: 'invalid',
    PICKUP_CODE_INVALID: 'rule',
    PICKUP_ATTEMPTS_THROTTLED: 'rule',
    PHARMACY_AGREEMENT_NOT_ACTIVE: 'rule',
    PHARMACY_POOLING_NOT_OPEN: 'rule',
    PHARMACY_NOT_DESIGNATED_FOR_SPECIAL_DRUG: 'rule',
    ALREADY_CLAIMED: 'conflict',
    NOT_CLAIMED_BY_PHARMACY: 'conflict',
    PRESCRIPTION_EXPIRED: 'rule',
    PRESCRIPTION_REVOKED: 'rule',
    CANCELLATION_PENDING: 'rule',
    PRESCRIPTION_FULLY_DISPENSED: 'conflict',
    REVIEW_REQUIRED: 'rule',
    REVIEW_REJECTED: 'rule',
    REVIEW_REASONS_INVALID: 'invalid',
    DISPENSE_INPUT_INVALID: 'invalid',
    DRUG_NOT_ON_PRESCRIPTION: 'rule',
    QUANTITY_EXCEEDS_PRESCRIBED: 'rule',
    TRACE_CODE_INVALID: 'rule',
    TRACE_CODE_USED: 'rule',
    INSTALMENT_TOO_LONG: 'rule',
    INSTALMENT_TOO_EARLY: 'rule',
    DISPENSE_NOT_FOUND: 'not-found',
    DISPENSE_ALREADY_REVERSED: 'conflict',
    NOT_DISPENSED_BY_PHARMACY: 'forbidden',
    REVERSAL_REASON_INVALID: 'invalid',
  };

  it('have stable codes and kinds', () => {
    const actual = Object.fromEntries(
      Object.values(errors).map((E) => {
        const e = new E('m');
        return [e.code, e.kind];
      }),
    );
    expect(actual).toEqual(kinds);
  });
});
