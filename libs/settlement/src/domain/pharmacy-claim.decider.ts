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
      data: { claimId: string; pharmacyId: string; submittedBy: string; periodStart: string; periodEnd: string; dispenses: ClaimLine[] };
    }
  | { type: 'ApproveClaim'; data: { claimId: string; approvedBy: string; refusedLines: RefusedLine[] } }
  | { type: 'PayClaim'; data: { claimId: string; paidBy: string; amountFen: Fen } };

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
        fundFen: Fen;
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
      data: { claimId: string; pharmacyId: string; paidBy: string; paidAt: string; amountFen: Fen; late: boolean; paidLines: ClaimLine[] };
    };

type Submitted = Extract<PharmacyClaimEvent, { type: 'ClaimSubmitted' }>['data'];
type Approved = Extract<PharmacyClaimEvent, { type: 'ClaimApproved' }>['data'];
type Paid = Extract<PharmacyClaimEvent, { type: 'ClaimPaid' }>['data'];

export type PharmacyClaim =
  | { status: 'none' }
  | { status: 'submitted'; claim: Submitted }
  | { status: 'approved'; claim: Submitted; approval: Approved }
  | { status: 'paid'; claim: Submitted; approval: Approved; payment: Paid };

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
        if (state.status !== 'none') {
          // The same submission retried (e.g. after a crash past the claim-index append) is a no-op.
          const c = state.claim;
          const same = c.pharmacyId === pharmacyId && c.periodStart === periodStart && c.periodEnd === periodEnd && sameLines(c.dispenses, dispenses);
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
        if (amountFen !== state.approval.approvedFundFen) {
          throw new ClaimPaymentMismatch(`claim ${claimId} approved ${state.approval.approvedFundFen} fen, payment says ${amountFen}`, { field: 'amountFen' });
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
              paidLines: state.approval.approvedLines,
            },
          },
        ];
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

function evolve(state: PharmacyClaim, event: PharmacyClaimEvent): PharmacyClaim {
  switch (event.type) {
    case 'ClaimSubmitted':
      return { status: 'submitted', claim: event.data };
    case 'ClaimApproved':
      return state.status === 'submitted' ? { status: 'approved', claim: state.claim, approval: event.data } : state;
    case 'ClaimPaid':
      return state.status === 'approved' ? { status: 'paid', claim: state.claim, approval: state.approval, payment: event.data } : state;
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
