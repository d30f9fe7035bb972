import { overdueSettlementClaimRule } from './index';
import { claimPaidData, claimSubmittedData, dispenseIdOf, fact, rxId, T } from '../testing/audit-fixtures';
import { ruleSpec } from '../testing/rule-spec';

const spec = ruleSpec(overdueSettlementClaimRule);
const submittedData = claimSubmittedData('C-9', 'P001', [{ dispenseId: dispenseIdOf('d'), prescriptionId: rxId('A'), fundFen: 420 }], '2026-04-01T02:00:00.000Z', '2026-05-14');
const submitted = fact(T.SettlementEventTypes.claimSubmitted, submittedData, '2026-04-01T02:00:00.000Z', 'pharmacist:PH001');

describe('overdue settlement claim rule', () => {
  it('is quiet on the deadline day (China time) and flags an unpaid claim the day after', () => {
    spec.given([submitted]).when({ graceDays: 0 }, new Date('2026-05-14T15:59:59.000Z')).thenNothing();
    spec.given([submitted]).when({ graceDays: 0 }, new Date('2026-05-14T16:00:00.000Z')).thenRaises([
      {
        ruleId: 'overdue-settlement-claim',
        claimId: 'C-9',
        pharmacyId: 'P001',
        subjectKey: 'P001',
        occurredAt: '2026-05-14T16:00:00.000Z',
        evidence: [submitted.sourceEventId],
        details: expect.objectContaining({ dueBy: '2026-05-14', paidLate: false }),
      },
    ]);
  });

  it('flags a claim paid late, once, with the same id as the sweep would have used', () => {
    const paid = fact(T.SettlementEventTypes.claimPaid, claimPaidData(submittedData, '2026-05-20T02:00:00.000Z', true), '2026-05-20T02:00:00.000Z', 'agency:AG001');
    const [late] = overdueSettlementClaimRule([submitted, paid], { graceDays: 0 }, new Date('2026-05-21T00:00:00Z'));
    const [swept] = overdueSettlementClaimRule([submitted], { graceDays: 0 }, new Date('2026-05-16T00:00:00Z'));
    expect(late).toMatchObject({ details: expect.objectContaining({ paidLate: true }) });
    expect(late.alertId).toBe(swept.alertId);
    expect(late.occurredAt).toBe(swept.occurredAt);
  });

  it('is quiet for a claim paid in time, and honours grace days', () => {
    const paid = fact(T.SettlementEventTypes.claimPaid, claimPaidData(submittedData, '2026-05-10T02:00:00.000Z', false), '2026-05-10T02:00:00.000Z');
    spec.given([submitted, paid]).when({ graceDays: 0 }, new Date('2026-06-30T00:00:00Z')).thenNothing();
    spec.given([submitted]).when({ graceDays: 3 }, new Date('2026-05-17T00:00:00Z')).thenNothing();
    spec.given([submitted]).when({ graceDays: 3 }, new Date('2026-05-17T16:00:00Z')).thenRaises([{ claimId: 'C-9' }]);
  });
});
