import type { AttemptRefusedV1 } from '@rx/contracts';
import { traceCodeReuseRule } from './index';
import { fact, rxId, T } from '../testing/audit-fixtures';
import { ruleSpec } from '../testing/rule-spec';

const spec = ruleSpec(traceCodeReuseRule);
const params = { repeatWindowDays: 30, repeatThreshold: 3 };
const refused = (name: string, at: string, over: Partial<AttemptRefusedV1> = {}) =>
  fact(
    T.DispensingEventTypes.attemptRefused,
    {
      prescriptionId: rxId(name),
      pharmacyId: 'P002',
      pharmacistId: 'PH002',
      command: 'dispense',
      code: 'TRACE_CODE_USED',
      field: 'lines[0].traceCodes[0]',
      refusedAt: at,
      dispenseId: `d-${name}`,
      traceCodes: [{ traceCode: '81234567890123456789', field: 'lines[0].traceCodes[0]', heldByDispenseId: 'd-first', heldByPrescriptionId: rxId('first') }],
      ...over,
    },
    at,
    'pharmacist:PH002',
  );

describe('trace-code reuse rule', () => {
  it('given one refused reuse, then one warning naming the box, where it was sold, and the pharmacy', () => {
    const f = refused('B', '2026-03-02T10:00:00.000Z');
    spec.given([f]).when(params).thenRaises([
      {
        ruleId: 'trace-code-reuse',
        severity: 'warning',
        subjectKey: rxId('B'),
        prescriptionId: rxId('B'),
        pharmacyId: 'P002',
        dispenseId: 'd-B',
        occurredAt: '2026-03-02T10:00:00.000Z',
        evidence: [f.sourceEventId],
        details: { traceCode: '81234567890123456789', codesRefused: 1, heldByDispenseId: 'd-first', heldByPrescriptionId: rxId('first'), attemptsInWindow: 1, windowDays: 30, pharmacistId: 'PH002' },
      },
    ]);
  });

  it('given repeated attempts by one pharmacy, then the threshold-th within the window and later ones are high', () => {
    const facts = [refused('B', '2026-03-02T10:00:00.000Z'), refused('C', '2026-03-10T10:00:00.000Z'), refused('D', '2026-03-20T10:00:00.000Z'), refused('E', '2026-05-20T10:00:00.000Z')];
    spec
      .given(facts)
      .when(params)
      .thenMatch((alerts) => expect(alerts.map((a) => [a.severity, a.details.attemptsInWindow])).toEqual([['warning', 1], ['warning', 2], ['high', 3], ['warning', 1]]));
  });

  it('ignores other refusals and other facts', () => {
    spec.given([refused('B', '2026-03-02T10:00:00.000Z', { code: 'PHARMACY_NOT_DESIGNATED_FOR_SPECIAL_DRUG', command: 'claim', traceCodes: undefined, drugCodes: ['SD-OSIMERTINIB'] })]).when(params).thenNothing();
  });

  it('raises the same alert id for the same attempt however often it is judged', () => {
    const f = refused('B', '2026-03-02T10:00:00.000Z');
    expect(traceCodeReuseRule([f], params)[0].alertId).toBe(traceCodeReuseRule([f, refused('C', '2026-03-03T10:00:00.000Z')], params)[0].alertId);
  });
});
