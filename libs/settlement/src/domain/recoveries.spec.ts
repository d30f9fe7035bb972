import { fold } from '@rx/kernel';
import { createPharmacyClaimDecider, type ExistingClaim, type PharmacyClaimCommand, type PharmacyClaimEvent } from './pharmacy-claim.decider';
import { recoverable, recoveryLedger, recoveryTotals } from './recoveries';
import { CALENDARS } from './testing/demo-region.fixture';

const decider = createPharmacyClaimDecider({ calendars: CALENDARS, deadlineWorkingDays: 30 });

/** Runs commands on one claim's stream and returns its state. */
function claim(commands: [PharmacyClaimCommand, string][]): ExistingClaim {
  const events: PharmacyClaimEvent[] = [];
  for (const [c, at] of commands) events.push(...decider.decide(c, fold(decider, events), new Date(at)));
  return fold(decider, events) as ExistingClaim;
}
const submit = (claimId: string, at: string, dispenses: { dispenseId: string; fundFen: number }[], recoveries: { dispenseId: string; amountFen: number; fromClaimId: string }[] = []): [PharmacyClaimCommand, string] => [
  {
    type: 'SubmitClaim',
    data: {
      claimId,
      pharmacyId: 'P001',
      submittedBy: 'PH001',
      periodStart: '2026-03-01',
      periodEnd: '2026-03-31',
      dispenses: dispenses.map((d) => ({ ...d, prescriptionId: `rx-${d.dispenseId}` })),
      recoveries: recoveries.map((r) => ({ ...r, prescriptionId: `rx-${r.dispenseId}` })),
    },
  },
  at,
];
const approve = (claimId: string, at: string): [PharmacyClaimCommand, string] => [{ type: 'ApproveClaim', data: { claimId, approvedBy: 'AG001', refusedLines: [] } }, at];
const pay = (claimId: string, amountFen: number, at: string): [PharmacyClaimCommand, string] => [{ type: 'PayClaim', data: { claimId, paidBy: 'AG001', amountFen } }, at];
const refund = (claimId: string, dispenseId: string, at: string): [PharmacyClaimCommand, string] => [
  { type: 'NoteDispenseReversed', data: { claimId, dispenseId, reason: 'returned', regionCode: '522700', year: 2026 } },
  at,
];

describe('recovery ledger of a pharmacy (issue 22.2)', () => {
  const c1 = claim([submit('c1', '2026-04-01T02:00:00Z', [{ dispenseId: 'd1', fundFen: 5000 }]), approve('c1', '2026-04-02T02:00:00Z'), pay('c1', 5000, '2026-04-03T02:00:00Z'), refund('c1', 'd1', '2026-04-10T02:00:00Z')]);

  it('a refund after payment is outstanding until a later claim offsets it (a dissolved pharmacy: a receivable)', () => {
    const ledger = recoveryLedger([c1], 'P001');
    expect(ledger).toEqual([
      expect.objectContaining({ dispenseId: 'd1', fromClaimId: 'c1', amountFen: 5000, recoveredFen: 0, outstandingFen: 5000, lastClaimId: null, heldByClaimId: null }),
    ]);
    expect(recoverable(ledger).map((e) => e.dispenseId)).toEqual(['d1']);
    expect(recoveryTotals(ledger)).toEqual({ raisedFen: 5000, recoveredFen: 0, outstandingFen: 5000, count: 1 });
  });

  it('held by a claim awaiting payment, it cannot be taken again; paid short, the rest stays outstanding', () => {
    const c2 = claim([submit('c2', '2026-05-01T02:00:00Z', [{ dispenseId: 'd2', fundFen: 3000 }], [{ dispenseId: 'd1', amountFen: 5000, fromClaimId: 'c1' }]), approve('c2', '2026-05-02T02:00:00Z')]);
    expect(recoveryLedger([c1, c2])[0]).toMatchObject({ heldByClaimId: 'c2', lastClaimId: 'c2', outstandingFen: 5000 });
    expect(recoverable(recoveryLedger([c1, c2]))).toEqual([]);
    const c2paid = claim([
      submit('c2', '2026-05-01T02:00:00Z', [{ dispenseId: 'd2', fundFen: 3000 }], [{ dispenseId: 'd1', amountFen: 5000, fromClaimId: 'c1' }]),
      approve('c2', '2026-05-02T02:00:00Z'),
      pay('c2', 0, '2026-05-03T02:00:00Z'),
    ]);
    const ledger = recoveryLedger([c1, c2paid]);
    expect(ledger[0]).toMatchObject({ recoveredFen: 3000, outstandingFen: 2000, heldByClaimId: null, lastClaimId: 'c2', offsets: [{ claimId: 'c2', amountFen: 3000 }] });
    expect(recoveryTotals(ledger)).toEqual({ raisedFen: 5000, recoveredFen: 3000, outstandingFen: 2000, count: 1 });
    expect(recoveryLedger([c1, c2paid], 'P002')).toEqual([]);
  });
});
