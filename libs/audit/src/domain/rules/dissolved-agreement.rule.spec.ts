import { dissolvedAgreementRule } from './index';
import { claimedData, claimSubmittedData, dispensedData, dispenseIdOf, dissolvedData, fact, rxId, T } from '../testing/audit-fixtures';
import { ruleSpec } from '../testing/rule-spec';

const spec = ruleSpec((facts) => dissolvedAgreementRule(facts));
const dissolved = fact(T.SettlementEventTypes.agreementDissolved, dissolvedData('P002', '2026-03-10T00:00:00.000+08:00', '2026-03-09T08:00:00.000Z'), '2026-03-09T08:00:00.000Z', 'agency:AG001');
const dispensedAt = (at: string) => fact(T.DispensingEventTypes.dispensed, dispensedData(rxId(at), at, { pharmacyId: 'P002' }), at, 'pharmacist:PH002');

describe('dissolved agreement rule', () => {
  it('flags a dispense at or after the dissolution took effect', () => {
    const after = dispensedAt('2026-03-09T16:00:00.000Z'); // 00:00 China time on the 10th
    spec.given([dissolved, after]).when(undefined).thenRaises([
      {
        ruleId: 'dissolved-agreement',
        severity: 'high',
        pharmacyId: 'P002',
        prescriptionId: rxId('2026-03-09T16:00:00.000Z'),
        evidence: [dissolved.sourceEventId, after.sourceEventId],
        details: expect.objectContaining({ activity: 'dispensed', reasonCode: 'FRAUDULENT_CLAIMS' }),
      },
    ]);
  });

  it('does not flag what happened before, nor other pharmacies', () => {
    const otherPharmacy = fact(T.DispensingEventTypes.dispensed, dispensedData(rxId('x'), '2026-03-11T00:00:00.000Z', { pharmacyId: 'P001' }), '2026-03-11T00:00:00.000Z');
    spec.given([dissolved, dispensedAt('2026-03-09T15:59:59.999Z'), otherPharmacy]).when(undefined).thenNothing();
  });

  it('flags a prescription claimed after dissolution, whichever fact arrived first', () => {
    const claimed = fact(T.DispensingEventTypes.prescriptionClaimed, claimedData(rxId('late'), 'P002', '2026-03-12T01:00:00.000Z'), '2026-03-12T01:00:00.000Z');
    spec.given([claimed, dissolved]).when(undefined).thenRaises([{ details: expect.objectContaining({ activity: 'prescription-claimed' }), prescriptionId: rxId('late') }]);
  });

  it('flags a settlement claim whose period reaches past the dissolution, not one that ends before it', () => {
    const line = [{ dispenseId: dispenseIdOf('d1'), prescriptionId: rxId('A'), fundFen: 100 }];
    const reaching = fact(T.SettlementEventTypes.claimSubmitted, claimSubmittedData('C-1', 'P002', line, '2026-04-01T02:00:00.000Z', '2026-05-14', ['2026-03-01', '2026-03-31']), '2026-04-01T02:00:00.000Z');
    const before = fact(T.SettlementEventTypes.claimSubmitted, claimSubmittedData('C-2', 'P002', line, '2026-03-12T02:00:00.000Z', '2026-04-23', ['2026-03-01', '2026-03-09']), '2026-03-12T02:00:00.000Z');
    spec.given([dissolved, reaching, before]).when(undefined).thenRaises([{ claimId: 'C-1', subjectKey: 'P002', details: expect.objectContaining({ activity: 'settlement-claim' }) }]);
  });

  it('takes no dissolution as no alert', () => {
    spec.given([dispensedAt('2026-03-11T00:00:00.000Z')]).when(undefined).thenNothing();
  });
});
