import { drugNotIndicatedRule } from './index';
import { fact, issuedData, rxId, T } from '../testing/audit-fixtures';
import { ruleSpec } from '../testing/rule-spec';

const spec = ruleSpec(drugNotIndicatedRule);
const params = { indications: { 'AML-5': ['I10', 'I11', 'I20'], 'MET-500': ['E11'] } };
const issued = (name: string, diagnoses: { code: string; name: string }[], drugCode = 'AML-5') => {
  const base = issuedData(rxId(name), { diagnoses });
  return fact(T.PrescribingEventTypes.prescriptionIssued, { ...base, items: base.items.map((i) => ({ ...i, drugCode })) }, base.issuedAt, 'physician:D001');
};

describe('drug not indicated rule', () => {
  it('given amlodipine for a diabetes-only diagnosis, then one warning naming drug, diagnoses and indications', () => {
    const f = issued('A', [{ code: 'E11.9', name: 'type 2 diabetes' }]);
    spec.given([f]).when(params).thenRaises([
      {
        ruleId: 'drug-not-indicated',
        severity: 'warning',
        prescriptionId: rxId('A'),
        patientId: 'PT002',
        drugCode: 'AML-5',
        evidence: [f.sourceEventId],
        details: { diagnoses: 'E11.9', indicatedFor: 'I10,I11,I20', physicianId: 'D001', institutionId: 'H001' },
      },
    ]);
  });

  it('stays quiet when any diagnosis falls under an indication prefix (dot and case ignored)', () => {
    spec.given([issued('A', [{ code: 'e11.9', name: 'diabetes' }, { code: 'I10', name: 'hypertension' }])]).when(params).thenNothing();
    spec.given([issued('B', [{ code: 'E11.65', name: 'diabetes with hyperglycaemia' }], 'MET-500')]).when(params).thenNothing();
    spec.given([issued('C', [{ code: 'I20.0', name: 'unstable angina' }])]).when(params).thenNothing();
  });

  it('does not judge a drug the table does not list', () => {
    spec.given([issued('A', [{ code: 'J06.9', name: 'upper respiratory infection' }], 'VITC-100')]).when(params).thenNothing();
  });

  it('follows the table it is given: the same prescription is flagged once the table says so', () => {
    const f = issued('A', [{ code: 'J06.9', name: 'upper respiratory infection' }], 'VITC-100');
    spec.given([f]).when({ indications: { 'VITC-100': ['E54'] } }).thenRaises([{ drugCode: 'VITC-100', details: expect.objectContaining({ indicatedFor: 'E54' }) }]);
  });
});
