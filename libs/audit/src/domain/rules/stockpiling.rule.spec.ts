import { DEFAULT_MONITORING_PARAMS, stockpilingRule } from './index';
import { dispensedData, fact, reversedData, rxId, T } from '../testing/audit-fixtures';
import { ruleSpec } from '../testing/rule-spec';

const params = DEFAULT_MONITORING_PARAMS.stockpiling;
const spec = ruleSpec((facts, p: typeof params) => stockpilingRule(facts, p));
const dispensed = (rx: string, at: string, o: Parameters<typeof dispensedData>[2] = {}) => fact(T.DispensingEventTypes.dispensed, dispensedData(rx, at, o), at);

describe('stockpiling rule', () => {
  it('flags a dispense while the patient still holds more than 30 days of the drug from another prescription', () => {
    const first = dispensed(rxId('A'), '2026-03-02T09:00:00.000Z', { daysSupply: 84, quantity: 84 });
    const second = dispensed(rxId('B'), '2026-03-12T09:00:00.000Z', { daysSupply: 84, quantity: 84, pharmacyId: 'P002' });
    spec.given([first, second]).when(params).thenRaises([
      {
        ruleId: 'stockpiling',
        severity: 'warning',
        prescriptionId: rxId('B'),
        subjectKey: rxId('B'),
        patientId: 'PT002',
        pharmacyId: 'P002',
        drugCode: 'AML-5',
        occurredAt: '2026-03-12T09:00:00.000Z',
        evidence: [first.sourceEventId, second.sourceEventId],
        details: expect.objectContaining({ overlapDays: 74, thresholdDays: 30 }),
      },
    ]);
  });

  it('adds up overlaps across several other prescriptions', () => {
    const a = dispensed(rxId('A'), '2026-03-02T09:00:00.000Z', { daysSupply: 28 });
    const b = dispensed(rxId('B'), '2026-03-03T09:00:00.000Z', { daysSupply: 28 });
    const c = dispensed(rxId('C'), '2026-03-10T09:00:00.000Z', { daysSupply: 28 });
    // c overlaps a by 20 days and b by 21: 41 > 30; b overlaps a by 27 only.
    spec.given([a, b, c]).when(params).thenRaises([{ prescriptionId: rxId('C'), details: expect.objectContaining({ overlapDays: 41, otherPrescriptions: 2 }) }]);
  });

  it('does not count instalments of the same prescription against each other', () => {
    spec
      .given([
        dispensed(rxId('A'), '2026-03-02T09:00:00.000Z', { daysSupply: 84, instalment: 1 }),
        dispensed(rxId('A'), '2026-03-05T09:00:00.000Z', { daysSupply: 84, instalment: 2 }),
      ])
      .when(params)
      .thenNothing();
  });

  it('stays quiet at the threshold, for other drugs or patients, outside the window, and for reversed dispenses', () => {
    const base = dispensed(rxId('A'), '2026-03-02T09:00:00.000Z', { daysSupply: 60 });
    spec.given([base, dispensed(rxId('B'), '2026-04-01T09:00:00.000Z', { daysSupply: 60 })]).when(params).thenNothing(); // exactly 30 days
    spec.given([base, dispensed(rxId('B'), '2026-03-05T09:00:00.000Z', { drugCode: 'MET-500' })]).when(params).thenNothing();
    spec.given([base, dispensed(rxId('B'), '2026-03-05T09:00:00.000Z', { patientId: 'PT001' })]).when(params).thenNothing();
    spec.given([base, dispensed(rxId('B'), '2026-03-05T09:00:00.000Z', { daysSupply: 84 })]).when({ ...params, windowDays: 1 }).thenNothing();
    spec
      .given([base, fact(T.DispensingEventTypes.dispenseReversed, reversedData(base.data as never, '2026-03-03T09:00:00.000Z'), '2026-03-03T09:00:00.000Z'), dispensed(rxId('B'), '2026-03-05T09:00:00.000Z', { daysSupply: 84 })])
      .when(params)
      .thenNothing();
  });

  it('derives the alert id from the cause, so evaluating again raises the same alert', () => {
    const facts = [dispensed(rxId('A'), '2026-03-02T09:00:00.000Z', { daysSupply: 84 }), dispensed(rxId('B'), '2026-03-12T09:00:00.000Z', { daysSupply: 84 })];
    expect(stockpilingRule(facts, params).map((a) => a.alertId)).toEqual(stockpilingRule([...facts].reverse(), params).map((a) => a.alertId));
  });
});
