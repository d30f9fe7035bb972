import { textProblem, TextLimits } from '@rx/contracts';
import { exhaustive, type Decider, type Fen, chinaDate } from '@rx/kernel';
import type { HolidayCalendarYear } from '@rx/reference-data';
import {
  ClaimAlreadySubmitted,
  ClaimEmpty,
  ClaimNotApproved,
  ClaimNotFound,
  ClaimNotSubmitted,
  ClaimPaymentMismatch,
  InvalidClaim,
  RefusalReasonRequired,
  RefusedLineNotInClaim,
} from './settlement.errors';
import { addWorkingDays, assertIsoDate, } from './working-days';

/**
 * Pharmacy settlement claim, stream `pharmacyclaim-{claimId}` (S1): submitted by a pharmacist for a
 * period, audited by the agency (lines may be refused with reasons), then paid. The agency must
 * settle within N working days of receipt; the receipt day is the China-time date of submission
 * and day 1 is the first working day after it (working-days.ts).
 */

export interface ClaimLine {
  dispenseId: string;
  /** Carried so audit can attach the claim to each prescription's history. */
  prescriptionId: string;
  fundFen: Fen;
}

/**
 * A recovery (冲销) deducted from this claim: the fund's share of a dispense refunded after an
 * earlier claim of the pharmacy had paid it. A negative line naming the refunded dispense.
 */
export interface RecoveryLine {
  dispenseId: string;
  prescriptionId: string;
  /** The paid claim that reimbursed the refunded dispense. */
  fromClaimId: string;
  /** What was still outstanding when this claim took it (positive; deducted). */
  amountFen: Fen;
}

/** The part of a recovery line a payment actually offset (the rest carries forward). */
export interface RecoveredLine extends RecoveryLine {
  /** Of `amountFen`, what this claim's payment offset. */
  recoveredFen: Fen;
}

/** A dispense of this claim refunded after the claim was submitted (before approval, or after approval before payment). */
export interface ReversedClaimLine extends ClaimLine {
  reason: string;
}

/** Raised when a dispense this claim paid is refunded: the pharmacy owes the fund its share back. */
export interface RecoveryRaisedData {
  claimId: string;
  pharmacyId: string;
  dispenseId: string;
  prescriptionId: string;
  amountFen: Fen;
  reason: string;
  raisedAt: string;
  /** The refunded dispense's region and policy year: the budget line the recovery belongs to. */
  regionCode: string;
  year: number;
}

export interface RefusedLine {
  dispenseId: string;
  reason: string;
}

export interface RefusedClaimLine extends RefusedLine {
  prescriptionId: string;
}

export type PharmacyClaimCommand =
  | {
      type: 'SubmitClaim';
      data: {
        claimId: string;
        pharmacyId: string;
        submittedBy: string;
        periodStart: string;
        periodEnd: string;
        dispenses: ClaimLine[];
        /** Outstanding recoveries the claim index reserved for this claim. */
        recoveries?: RecoveryLine[];
      };
    }
  | { type: 'ApproveClaim'; data: { claimId: string; approvedBy: string; refusedLines: RefusedLine[] } }
  | { type: 'PayClaim'; data: { claimId: string; paidBy: string; amountFen: Fen } }
  /** A dispense of this claim was refunded: what it means depends on how far the claim got. */
  | { type: 'NoteDispenseReversed'; data: { claimId: string; dispenseId: string; reason: string; regionCode: string; year: number } };

export type PharmacyClaimEvent =
  | {
      type: 'ClaimSubmitted';
      data: {
        claimId: string;
        pharmacyId: string;
        submittedBy: string;
        periodStart: string;
        periodEnd: string;
        dispenses: ClaimLine[];
        /** Sum of the dispense lines (gross, before recoveries). */
        fundFen: Fen;
        /** Absent on claims submitted before recoveries existed (read as none). */
        recoveries?: RecoveryLine[];
        recoveryFen?: Fen;
        submittedAt: string;
        /** ISO date: last working day to settle. */
        dueBy: string;
        /** The deadline ran into a year without holiday data: weekdays only (holidays.md). */
        dueByProvisional: boolean;
      };
    }
  | {
      type: 'ClaimApproved';
      data: {
        claimId: string;
        pharmacyId: string;
        approvedBy: string;
        approvedAt: string;
        approvedLines: ClaimLine[];
        refusedLines: RefusedClaimLine[];
        approvedFundFen: Fen;
      };
    }
  | {
      type: 'ClaimPaid';
      /** Self-describing (pharmacy and the lines paid), so the relay needs no other event to publish it. */
      data: {
        claimId: string;
        pharmacyId: string;
        paidBy: string;
        paidAt: string;
        /** Transferred: the paid lines less the recoveries offset, never below zero. */
        amountFen: Fen;
        late: boolean;
        /** Approved lines less those withdrawn (refunded after approval). */
        paidLines: ClaimLine[];
        grossFen?: Fen;
        withdrawnLines?: ReversedClaimLine[];
        recovered?: RecoveredLine[];
        /** Recoveries this payment could not offset: they stay outstanding for the next claim. */
        carriedForwardFen?: Fen;
      };
    }
  | { type: 'ClaimLineReversed'; data: ReversedClaimLine & { claimId: string; pharmacyId: string } }
  | { type: 'ClaimLineWithdrawn'; data: ReversedClaimLine & { claimId: string; pharmacyId: string } }
  | { type: 'RecoveryRaised'; data: RecoveryRaisedData };

type Submitted = Extract<PharmacyClaimEvent, { type: 'ClaimSubmitted' }>['data'];
type Approved = Extract<PharmacyClaimEvent, { type: 'ClaimApproved' }>['data'];
type Paid = Extract<PharmacyClaimEvent, { type: 'ClaimPaid' }>['data'];

/** What refunds did to the claim's lines, by stage (README "Recoveries"). */
export interface ClaimReversals {
  /** Refunded before approval: refused at approval. */
  reversed: ReversedClaimLine[];
  /** Refunded after approval, before payment: taken out of the payment. */
  withdrawn: ReversedClaimLine[];
  /** Refunded after payment: recoveries raised against the pharmacy. */
  raised: RecoveryRaisedData[];
}

export type PharmacyClaim =
  | { status: 'none' }
  | { status: 'submitted'; claim: Submitted; reversals: ClaimReversals }
  | { status: 'approved'; claim: Submitted; approval: Approved; reversals: ClaimReversals }
  | { status: 'paid'; claim: Submitted; approval: Approved; payment: Paid; reversals: ClaimReversals };

export type ExistingClaim = Exclude<PharmacyClaim, { status: 'none' }>;

export const recoveriesOf = (c: Submitted): RecoveryLine[] => c.recoveries ?? [];

/**
 * What paying the claim now transfers: the approved lines less those withdrawn, less the
 * recoveries in their order, each offset up to what is left; never below zero, the rest carried forward.
 */
export function settlementOf(state: Extract<PharmacyClaim, { status: 'approved' | 'paid' }>): {
  paidLines: ClaimLine[];
  grossFen: Fen;
  recovered: RecoveredLine[];
  payableFen: Fen;
  carriedForwardFen: Fen;
} {
  const withdrawn = new Set(state.reversals.withdrawn.map((w) => w.dispenseId));
  const paidLines = state.approval.approvedLines.filter((l) => !withdrawn.has(l.dispenseId));
  const grossFen = paidLines.reduce((a, l) => a + l.fundFen, 0);
  let left = grossFen;
  const recovered = recoveriesOf(state.claim).map((r) => {
    const recoveredFen = Math.min(r.amountFen, left);
    left -= recoveredFen;
    return { ...r, recoveredFen };
  });
  const recoveredFen = recovered.reduce((a, r) => a + r.recoveredFen, 0);
  const carriedForwardFen = recovered.reduce((a, r) => a + r.amountFen - r.recoveredFen, 0);
  return { paidLines, grossFen, recovered, payableFen: grossFen - recoveredFen, carriedForwardFen };
}

export interface PharmacyClaimConfig {
  calendars: readonly HolidayCalendarYear[];
  /** RegionPolicy.settlementDeadlineWorkingDays (30 in the demo). */
  deadlineWorkingDays: number;
}

const MAX_REASON = TextLimits.reason.max;
const MAX_LINES = 10_000;

function decideWith(config: PharmacyClaimConfig) {
  return (command: PharmacyClaimCommand, state: PharmacyClaim, now: Date): PharmacyClaimEvent[] => {
    switch (command.type) {
      case 'SubmitClaim': {
        const { claimId, pharmacyId, submittedBy, periodStart, periodEnd, dispenses } = command.data;
        const recoveries = command.data.recoveries ?? [];
        if (state.status !== 'none') {
          // The same submission retried (e.g. after a crash past the claim-index append) is a no-op.
          const c = state.claim;
          const same =
            c.pharmacyId === pharmacyId &&
            c.periodStart === periodStart &&
            c.periodEnd === periodEnd &&
            sameLines(c.dispenses, dispenses) &&
            sameRecoveries(recoveriesOf(c), recoveries);
          if (same) return [];
          throw new ClaimAlreadySubmitted(`claim ${claimId} was already submitted`);
        }
        assertIsoDate(periodStart, 'periodStart');
        assertIsoDate(periodEnd, 'periodEnd');
        if (periodStart > periodEnd) throw new InvalidClaim('periodStart is after periodEnd', { field: 'periodStart' });
        if (dispenses.length === 0) throw new ClaimEmpty('a claim needs at least one paid, unclaimed dispense');
        if (dispenses.length > MAX_LINES) throw new InvalidClaim(`at most ${MAX_LINES} dispenses per claim`, { field: 'dispenses' });
        const ids = new Set(dispenses.map((d) => d.dispenseId));
        if (ids.size !== dispenses.length) throw new InvalidClaim('a dispense appears twice in the claim', { field: 'dispenses' });
        for (const d of dispenses) {
          if (!Number.isSafeInteger(d.fundFen) || d.fundFen < 0) throw new InvalidClaim('fund amounts must be non-negative integer fen', { field: 'dispenses' });
          if (typeof d.prescriptionId !== 'string' || d.prescriptionId.length === 0) throw new InvalidClaim('every line names its prescription', { field: 'dispenses' });
        }
        const recovering = new Set<string>();
        for (const r of recoveries) {
          if (!Number.isSafeInteger(r.amountFen) || r.amountFen <= 0) throw new InvalidClaim('a recovery must be positive integer fen', { field: 'recoveries' });
          if (recovering.has(r.dispenseId)) throw new InvalidClaim(`recovery of ${r.dispenseId} appears twice`, { field: 'recoveries' });
          if (ids.has(r.dispenseId)) throw new InvalidClaim(`dispense ${r.dispenseId} cannot be claimed and recovered in one claim`, { field: 'recoveries' });
          recovering.add(r.dispenseId);
        }
        const due = addWorkingDays(chinaDate(now), config.deadlineWorkingDays, config.calendars);
        return [
          {
            type: 'ClaimSubmitted',
            data: {
              claimId,
              pharmacyId,
              submittedBy,
              periodStart,
              periodEnd,
              dispenses: dispenses.map((d) => ({ dispenseId: d.dispenseId, prescriptionId: d.prescriptionId, fundFen: d.fundFen })),
              fundFen: dispenses.reduce((a, d) => a + d.fundFen, 0),
              recoveries: recoveries.map((r) => ({ dispenseId: r.dispenseId, prescriptionId: r.prescriptionId, fromClaimId: r.fromClaimId, amountFen: r.amountFen })),
              recoveryFen: recoveries.reduce((a, r) => a + r.amountFen, 0),
              submittedAt: now.toISOString(),
              dueBy: due.date,
              dueByProvisional: due.provisional,
            },
          },
        ];
      }
      case 'ApproveClaim': {
        const { claimId, approvedBy, refusedLines } = command.data;
        if (state.status === 'none') throw new ClaimNotFound(`no claim ${claimId}`);
        if (state.status !== 'submitted') throw new ClaimNotSubmitted(`claim ${claimId} is ${state.status}, not awaiting approval`);
        const inClaim = new Map(state.claim.dispenses.map((d) => [d.dispenseId, d]));
        const refused = new Map<string, string>();
        for (const r of refusedLines) {
          const reason = typeof r.reason === 'string' ? r.reason.trim() : '';
          if (textProblem(reason, TextLimits.reason)) {
            throw new RefusalReasonRequired(`refusing ${r.dispenseId} needs a reason of 1..${MAX_REASON} characters`, { field: 'refusedLines' });
          }
          if (!inClaim.has(r.dispenseId)) throw new RefusedLineNotInClaim(`dispense ${r.dispenseId} is not in claim ${claimId}`, { field: 'refusedLines' });
          if (refused.has(r.dispenseId)) throw new InvalidClaim(`dispense ${r.dispenseId} refused twice`, { field: 'refusedLines' });
          refused.set(r.dispenseId, reason);
        }
        // The fund's share of a dispense refunded since submission is no longer owed to the pharmacy.
        for (const r of state.reversals.reversed) if (!refused.has(r.dispenseId)) refused.set(r.dispenseId, `DISPENSE_REVERSED: ${r.reason}`.slice(0, MAX_REASON));
        const approvedLines = state.claim.dispenses.filter((d) => !refused.has(d.dispenseId));
        return [
          {
            type: 'ClaimApproved',
            data: {
              claimId,
              pharmacyId: state.claim.pharmacyId,
              approvedBy,
              approvedAt: now.toISOString(),
              approvedLines,
              refusedLines: [...refused].map(([dispenseId, reason]) => ({ dispenseId, prescriptionId: inClaim.get(dispenseId)!.prescriptionId, reason })),
              approvedFundFen: approvedLines.reduce((a, d) => a + d.fundFen, 0),
            },
          },
        ];
      }
      case 'PayClaim': {
        const { claimId, paidBy, amountFen } = command.data;
        if (state.status === 'none') throw new ClaimNotFound(`no claim ${claimId}`);
        if (state.status !== 'approved') throw new ClaimNotApproved(`claim ${claimId} is ${state.status}; only an approved claim is paid`);
        const due = settlementOf(state);
        if (amountFen !== due.payableFen) {
          throw new ClaimPaymentMismatch(
            `claim ${claimId} owes ${due.payableFen} fen (approved ${state.approval.approvedFundFen}, withdrawn ${state.approval.approvedFundFen - due.grossFen}, recovered ${due.grossFen - due.payableFen}), payment says ${amountFen}`,
            { field: 'amountFen', details: { payableFen: due.payableFen } },
          );
        }
        return [
          {
            type: 'ClaimPaid',
            data: {
              claimId,
              pharmacyId: state.claim.pharmacyId,
              paidBy,
              paidAt: now.toISOString(),
              amountFen,
              late: chinaDate(now) > state.claim.dueBy,
              paidLines: due.paidLines,
              grossFen: due.grossFen,
              withdrawnLines: state.reversals.withdrawn,
              recovered: due.recovered,
              carriedForwardFen: due.carriedForwardFen,
            },
          },
        ];
      }
      case 'NoteDispenseReversed': {
        const { claimId, dispenseId, reason, regionCode, year } = command.data;
        if (state.status === 'none') throw new ClaimNotFound(`no claim ${claimId}`);
        const line = state.claim.dispenses.find((d) => d.dispenseId === dispenseId);
        const r = state.reversals;
        const noted = [...r.reversed, ...r.withdrawn].some((x) => x.dispenseId === dispenseId) || r.raised.some((x) => x.dispenseId === dispenseId);
        if (!line || noted) return [];
        const why = (typeof reason === 'string' && reason.trim()) || 'dispense reversed';
        const base = { claimId, pharmacyId: state.claim.pharmacyId, ...line, reason: why.slice(0, MAX_REASON) };
        switch (state.status) {
          case 'submitted':
            return [{ type: 'ClaimLineReversed', data: base }];
          case 'approved':
            // A refused line was never going to be paid: nothing to take out.
            if (!state.approval.approvedLines.some((l) => l.dispenseId === dispenseId)) return [];
            return [{ type: 'ClaimLineWithdrawn', data: base }];
          case 'paid': {
            const paid = state.payment.paidLines.find((l) => l.dispenseId === dispenseId);
            if (!paid || paid.fundFen === 0) return [];
            return [
              {
                type: 'RecoveryRaised',
                data: {
                  claimId,
                  pharmacyId: state.claim.pharmacyId,
                  dispenseId,
                  prescriptionId: paid.prescriptionId,
                  amountFen: paid.fundFen,
                  reason: base.reason,
                  raisedAt: now.toISOString(),
                  regionCode,
                  year,
                },
              },
            ];
          }
          default:
            return exhaustive(state, 'pharmacy claim state');
        }
      }
      default:
        return exhaustive(command, 'pharmacy claim command');
    }
  };
}

function sameLines(a: readonly ClaimLine[], b: readonly ClaimLine[]): boolean {
  if (a.length !== b.length) return false;
  const key = (l: ClaimLine) => `${l.dispenseId}:${l.prescriptionId}:${l.fundFen}`;
  const sa = a.map(key).sort();
  const sb = b.map(key).sort();
  return sa.every((k, i) => k === sb[i]);
}

function sameRecoveries(a: readonly RecoveryLine[], b: readonly RecoveryLine[]): boolean {
  const key = (l: RecoveryLine) => `${l.dispenseId}:${l.prescriptionId}:${l.fromClaimId}:${l.amountFen}`;
  return a.length === b.length && a.map(key).sort().join('|') === b.map(key).sort().join('|');
}

const NO_REVERSALS: ClaimReversals = { reversed: [], withdrawn: [], raised: [] };

function evolve(state: PharmacyClaim, event: PharmacyClaimEvent): PharmacyClaim {
  switch (event.type) {
    case 'ClaimSubmitted':
      return { status: 'submitted', claim: event.data, reversals: NO_REVERSALS };
    case 'ClaimApproved':
      return state.status === 'submitted' ? { status: 'approved', claim: state.claim, approval: event.data, reversals: state.reversals } : state;
    case 'ClaimPaid':
      return state.status === 'approved' ? { status: 'paid', claim: state.claim, approval: state.approval, payment: event.data, reversals: state.reversals } : state;
    case 'ClaimLineReversed': {
      if (state.status === 'none') return state;
      const { claimId: _c, pharmacyId: _p, ...line } = event.data;
      return { ...state, reversals: { ...state.reversals, reversed: [...state.reversals.reversed, line] } };
    }
    case 'ClaimLineWithdrawn': {
      if (state.status === 'none') return state;
      const { claimId: _c, pharmacyId: _p, ...line } = event.data;
      return { ...state, reversals: { ...state.reversals, withdrawn: [...state.reversals.withdrawn, line] } };
    }
    case 'RecoveryRaised':
      return state.status === 'none' ? state : { ...state, reversals: { ...state.reversals, raised: [...state.reversals.raised, event.data] } };
    default:
      return exhaustive(event, 'pharmacy claim event');
  }
}

export function createPharmacyClaimDecider(config: PharmacyClaimConfig): Decider<PharmacyClaimCommand, PharmacyClaimEvent, PharmacyClaim> {
  return { initialState: () => ({ status: 'none' }), decide: decideWith(config), evolve };
}

/** Overdue: submitted but not paid, and the China-time date is past the last working day allowed. */
export function isClaimOverdue(state: PharmacyClaim, now: Date): boolean {
  switch (state.status) {
    case 'none':
    case 'paid':
      return false;
    case 'submitted':
    case 'approved':
      return chinaDate(now) > state.claim.dueBy;
    default:
      return exhaustive(state, 'pharmacy claim state');
  }
}
