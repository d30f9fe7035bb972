import type { Fen } from '@rx/kernel';
import type { ExistingClaim } from './pharmacy-claim.decider';

/**
 * Recoveries (冲销) of one pharmacy, folded from its claims: each raised on the paid claim that
 * reimbursed a dispense refunded afterwards, taken by the pharmacy's later claims as negative lines,
 * offset when those claims are paid (up to what they owe; the rest carries forward). What is not yet
 * offset is a receivable of the fund from the pharmacy: with no later claim (a dissolved pharmacy) it
 * stays outstanding.
 */
export interface RecoveryEntry {
  dispenseId: string;
  prescriptionId: string;
  pharmacyId: string;
  /** The paid claim that reimbursed the refunded dispense. */
  fromClaimId: string;
  raisedAt: string;
  reason: string;
  regionCode: string;
  year: number;
  amountFen: Fen;
  recoveredFen: Fen;
  outstandingFen: Fen;
  /** Paid claims that offset part of it, in order. */
  offsets: { claimId: string; amountFen: Fen }[];
  /** The claim that last took it (null: none yet). */
  lastClaimId: string | null;
  /** The claim holding it now, not yet paid: no other claim may take it meanwhile. */
  heldByClaimId: string | null;
}

export function recoveryLedger(claims: readonly ExistingClaim[], pharmacyId?: string): RecoveryEntry[] {
  const mine = claims.filter((c) => pharmacyId === undefined || c.claim.pharmacyId === pharmacyId);
  const entries = new Map<string, RecoveryEntry>();
  for (const c of mine) {
    for (const r of c.reversals.raised) {
      entries.set(r.dispenseId, {
        dispenseId: r.dispenseId,
        prescriptionId: r.prescriptionId,
        pharmacyId: r.pharmacyId,
        fromClaimId: r.claimId,
        raisedAt: r.raisedAt,
        reason: r.reason,
        regionCode: r.regionCode,
        year: r.year,
        amountFen: r.amountFen,
        recoveredFen: 0,
        outstandingFen: r.amountFen,
        offsets: [],
        lastClaimId: null,
        heldByClaimId: null,
      });
    }
  }
  // Claims take a recovery one after another (the claim index's compare-and-set), so submission order is that chain.
  const bySubmission = [...mine].sort((a, b) => (a.claim.submittedAt < b.claim.submittedAt ? -1 : a.claim.submittedAt > b.claim.submittedAt ? 1 : 0));
  for (const c of bySubmission) {
    for (const line of c.claim.recoveries ?? []) {
      const e = entries.get(line.dispenseId);
      if (!e) continue;
      e.lastClaimId = c.claim.claimId;
      e.heldByClaimId = c.status === 'paid' ? null : c.claim.claimId;
    }
    if (c.status !== 'paid') continue;
    for (const r of c.payment.recovered ?? []) {
      const e = entries.get(r.dispenseId);
      if (!e || r.recoveredFen === 0) continue;
      e.offsets.push({ claimId: c.claim.claimId, amountFen: r.recoveredFen });
      e.recoveredFen += r.recoveredFen;
      e.outstandingFen = e.amountFen - e.recoveredFen;
    }
  }
  return [...entries.values()].sort((a, b) => (a.raisedAt === b.raisedAt ? (a.dispenseId < b.dispenseId ? -1 : 1) : a.raisedAt < b.raisedAt ? -1 : 1));
}

/** Recoveries a new claim may take: outstanding and not held by a claim awaiting payment. */
export const recoverable = (ledger: readonly RecoveryEntry[]): RecoveryEntry[] => ledger.filter((e) => e.outstandingFen > 0 && e.heldByClaimId === null);

export function recoveryTotals(ledger: readonly RecoveryEntry[]): { raisedFen: Fen; recoveredFen: Fen; outstandingFen: Fen; count: number } {
  return {
    raisedFen: ledger.reduce((a, e) => a + e.amountFen, 0),
    recoveredFen: ledger.reduce((a, e) => a + e.recoveredFen, 0),
    outstandingFen: ledger.reduce((a, e) => a + e.outstandingFen, 0),
    count: ledger.length,
  };
}
