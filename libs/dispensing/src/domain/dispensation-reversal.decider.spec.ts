import { DispenseAlreadyReversed, DispenseNotFound, NotDispensedByPharmacy, ReversalReasonInvalid } from './dispensation.errors';
import { viewOf } from './dispensation.state';
import { claim, days, dispense, history, line, longTermRx, mins, ordinaryRx, reverse, revocation, spec, traceCode } from './testing/dispensation.fixtures';

describe('dispensation: dispense reversal (a refund keyed on the original dispense)', () => {
  const dispensed = () =>
    history(ordinaryRx())
      .ready('P002', mins(10))
      .do(dispense('P002', [line('MET-500', 14, 50, { traceCodes: [traceCode(5, 1)] }), line('ATV-20', 7, 500, { seed: 2 }), line('VITC-100', 1, 2500, { seed: 3 })], { dispenseId: 'DSP-1' }), mins(15));

  it('records the reversal against the original dispense with the quantities returned', () => {
    const h = dispensed();
    spec()
      .given(h.events)
      .when(reverse('P002', 'DSP-1', 'REV-1', ' wrong patient billed '), days(1))
      .then([
        {
          type: 'DispenseReversed',
          data: {
            reversalId: 'REV-1',
            dispenseId: 'DSP-1',
            prescriptionId: h.rx.prescriptionId,
            pharmacyId: 'P002',
            pharmacistId: 'PH002',
            reason: 'wrong patient billed',
            reversedAt: days(1).toISOString(),
            lines: [
              { drugCode: 'MET-500', quantity: 14 },
              { drugCode: 'ATV-20', quantity: 7 },
              { drugCode: 'VITC-100', quantity: 1 },
            ],
          },
        },
      ]);
  });

  it('puts the quantities back and returns a completed prescription to circulation', () => {
    const view = viewOf(dispensed().do(reverse('P002', 'DSP-1'), days(1)).state(), days(1));
    expect(view.status).toBe('circulating');
    expect(view.items.map((i) => [i.drugCode, i.dispensed, i.status])).toEqual([
      ['MET-500', 0, 'NOT_DISPENSED'],
      ['ATV-20', 0, 'NOT_DISPENSED'],
      ['VITC-100', 0, 'NOT_DISPENSED'],
    ]);
    expect(view.dispenses).toEqual([expect.objectContaining({ dispenseId: 'DSP-1', reversed: true })]);
  });

  it('lets the returned quantity, and its trace codes, be dispensed again', () => {
    const h = dispensed().do(reverse('P002', 'DSP-1'), mins(20)).do(claim('P002'), mins(21)).do({ type: 'ReviewPrescription', data: { pharmacyId: 'P002', pharmacistId: 'PH002', decision: 'APPROVED', reasons: [] } }, mins(21));
    spec()
      .given(h.events)
      .when(dispense('P002', [line('MET-500', 14, 50, { traceCodes: [traceCode(5, 1)] })]), mins(22))
      .thenMatch(([e]) => expect(e).toMatchObject({ type: 'PrescriptionDispensed', data: { instalment: 2 } }));
  });

  it('treats the same reversal retried as done', () => {
    spec().given(dispensed().do(reverse('P002', 'DSP-1', 'REV-1'), days(1)).events).when(reverse('P002', 'DSP-1', 'REV-1'), days(1)).thenNothing();
  });

  it('refuses a second reversal of the same dispense', () => {
    spec()
      .given(dispensed().do(reverse('P002', 'DSP-1', 'REV-1'), days(1)).events)
      .when(reverse('P002', 'DSP-1', 'REV-2'), days(2))
      .thenThrows(DispenseAlreadyReversed, 'DISPENSE_ALREADY_REVERSED');
  });

  it('refuses an unknown dispense', () => {
    spec().given(dispensed().events).when(reverse('P002', 'DSP-NOPE'), days(1)).thenThrows(DispenseNotFound, 'DISPENSE_NOT_FOUND');
  });

  it('refuses a pharmacy that did not make the dispense', () => {
    spec().given(dispensed().events).when(reverse('P001', 'DSP-1'), days(1)).thenThrows(NotDispensedByPharmacy, 'NOT_DISPENSED_BY_PHARMACY');
  });

  it('needs a reason', () => {
    spec().given(dispensed().events).when(reverse('P002', 'DSP-1', 'REV-1', '  '), days(1)).thenThrows(ReversalReasonInvalid, 'REVERSAL_REASON_INVALID');
    spec().given(dispensed().events).when(reverse('P002', 'DSP-1', 'REV-1', 'x'.repeat(501)), days(1)).thenThrows(ReversalReasonInvalid);
  });

  it('is still possible after the prescription was withdrawn', () => {
    const h = history(ordinaryRx())
      .ready('P002', mins(10))
      .do(dispense('P002', [line('MET-500', 7, 50)], { dispenseId: 'DSP-W' }), mins(15))
      .do(revocation('evt-rev'), mins(16));
    expect(h.state().status).toBe('withdrawn');
    spec()
      .given(h.events)
      .when(reverse('P002', 'DSP-W'), mins(30))
      .thenMatch(([e]) => expect(e.type).toBe('DispenseReversed'));
    expect(h.do(reverse('P002', 'DSP-W'), mins(30)).state().status).toBe('withdrawn');
  });

  it('leaves a reversed instalment out of the refill timing', () => {
    const h = history(longTermRx())
      .ready('P002', mins(10))
      .do(dispense('P002', [line('MET-500', 56, 50)], { dispenseId: 'DSP-L1' }), mins(15))
      .do(reverse('P002', 'DSP-L1'), mins(20))
      .ready('P002', days(1));
    spec()
      .given(h.events)
      .when(dispense('P002', [line('MET-500', 56, 50, { seed: 2 })]), mins(5, days(1)))
      .thenMatch(([e]) => expect(e.type).toBe('PrescriptionDispensed'));
  });
});
