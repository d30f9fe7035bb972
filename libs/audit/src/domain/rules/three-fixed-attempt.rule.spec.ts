import type { AttemptRefusedV1, IssueRefusedV1 } from '@rx/contracts';
import { threeFixedAttemptRule } from './index';
import { fact, rxId, T } from '../testing/audit-fixtures';
import { ruleSpec } from '../testing/rule-spec';

const spec = ruleSpec(threeFixedAttemptRule);
const params = { repeatWindowDays: 30, repeatThreshold: 2 };
const atIssue = (name: string, at: string, over: Partial<IssueRefusedV1> = {}) =>
  fact(
    T.PrescribingEventTypes.issueRefused,
    { prescriptionId: rxId(name), institutionId: 'H001', physicianId: 'D005', patientId: 'PT003', code: 'INSTITUTION_NOT_DESIGNATED_FOR_SPECIAL_DRUG', field: 'items[0].drugCode', drugCodes: ['SD-OSIMERTINIB'], refusedAt: at, ...over },
    at,
    'physician:D005',
  );
const atClaim = (name: string, at: string, over: Partial<AttemptRefusedV1> = {}) =>
  fact(
    T.DispensingEventTypes.attemptRefused,
    { prescriptionId: rxId(name), pharmacyId: 'P002', pharmacistId: 'PH002', command: 'claim', code: 'PHARMACY_NOT_DESIGNATED_FOR_SPECIAL_DRUG', refusedAt: at, drugCodes: ['SD-OSIMERTINIB'], ...over },
    at,
    'pharmacist:PH002',
  );

describe('three-fixed attempt rule', () => {
  it('given an issue refused at an undesignated institution, then a warning on the institution leg', () => {
    const f = atIssue('A', '2026-03-02T10:00:00.000Z');
    spec.given([f]).when(params).thenRaises([
      {
        ruleId: 'three-fixed-attempt',
        severity: 'warning',
        prescriptionId: rxId('A'),
        patientId: 'PT003',
        drugCode: 'SD-OSIMERTINIB',
        evidence: [f.sourceEventId],
        details: { leg: 'INSTITUTION', party: 'H001', drugCodes: 'SD-OSIMERTINIB', attemptsInWindow: 1, windowDays: 30, institutionId: 'H001', physicianId: 'D005' },
      },
    ]);
  });

  it('given a claim refused at an undesignated pharmacy, then a warning on the pharmacy leg naming the pharmacy', () => {
    spec.given([atClaim('A', '2026-03-02T10:00:00.000Z')]).when(params).thenRaises([{ pharmacyId: 'P002', details: expect.objectContaining({ leg: 'PHARMACY', party: 'P002', pharmacistId: 'PH002' }) }]);
  });

  it('counts repeats per leg and party: the same physician twice is high, another party stays a warning', () => {
    const facts = [
      atIssue('A', '2026-03-02T10:00:00.000Z', { code: 'SPECIAL_DRUG_PHYSICIAN_NOT_DESIGNATED', institutionId: 'H002', physicianId: 'D002' }),
      atClaim('B', '2026-03-03T10:00:00.000Z'),
      atIssue('C', '2026-03-04T10:00:00.000Z', { code: 'SPECIAL_DRUG_PHYSICIAN_NOT_DESIGNATED', institutionId: 'H002', physicianId: 'D002' }),
      atIssue('D', '2026-05-04T10:00:00.000Z', { code: 'SPECIAL_DRUG_PHYSICIAN_NOT_DESIGNATED', institutionId: 'H002', physicianId: 'D002' }),
    ];
    spec
      .given(facts)
      .when(params)
      .thenMatch((alerts) => expect(alerts.map((a) => [a.details.leg, a.details.party, a.severity])).toEqual([['PHYSICIAN', 'D002', 'warning'], ['PHARMACY', 'P002', 'warning'], ['PHYSICIAN', 'D002', 'high'], ['PHYSICIAN', 'D002', 'warning']]));
  });

  it('ignores a trace-code refusal', () => {
    spec
      .given([atClaim('A', '2026-03-02T10:00:00.000Z', { command: 'dispense', code: 'TRACE_CODE_USED', drugCodes: undefined, traceCodes: [{ traceCode: '81234567890123456789', field: 'lines[0].traceCodes[0]', heldByDispenseId: 'd' }] })])
      .when(params)
      .thenNothing();
  });
});
