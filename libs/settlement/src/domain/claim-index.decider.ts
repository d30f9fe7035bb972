import { exhaustive, type Decider, type Fen, chinaDate } from '@rx/kernel';
import type { RecoveryLine } from './pharmacy-claim.decider';
import { ClaimEmpty, DispenseAlreadyClaimed, InvalidClaim, RecoveryAlreadyReserved } from './settlement.errors';
import { assertIsoDate, } from './working-days';

/**
 * Claim index, stream `claimindex-{pharmacyId}`: the cross-stream guarantee that a paid dispense
 * is claimed at most once. A claim first reserves all its dispenses here in ONE append with the
 * expected revision, so two concurrent claims of one pharmacy serialise on this stream and the
 * loser is refused (or, after a reload, finds nothing left to claim). Only then is the claim's own
 * stream written; a crash between the two is repaired by retrying with the same claim id, which
 * this decider treats as a no-op. (Reserving in each `payment-{dispenseId}` stream instead would
 * take N appends that cannot be made atomic.)
 */

/**
 * An outstanding recovery a claim takes, as a compare-and-set: `previousClaimId` is the claim that
 * last took it (null for none), which the caller saw paid. Two claims racing for one recovery
 * name the same predecessor; the first append wins and the other finds the index moved on.
 */
export interface ReservedRecovery extends RecoveryLine {
  previousClaimId: string | null;
}

/** The period asked for travels with the reservation, so a submission cut short can be completed as asked. */
interface Reservation {
  pharmacyId: string;
  claimId: string;
  dispenseIds: string[];
  /** ISO dates; absent on reservations recorded before they were kept. */
  periodStart?: string;
  periodEnd?: string;
  /** Absent on reservations recorded before recoveries existed. */
  recoveries?: ReservedRecovery[];
}

export type ClaimIndexCommand = { type: 'ReserveDispensesForClaim'; data: Reservation };

export type ClaimIndexEvent = { type: 'DispensesReservedForClaim'; data: Reservation };

export type ClaimIndex =
  | { status: 'empty' }
  | {
      status: 'active';
      pharmacyId: string;
      claimOf: Readonly<Record<string, string>>;
      claims: Readonly<Record<string, readonly string[]>>;
      /** Refunded dispense -> the claim that last took its recovery. */
      recoveryHolder: Readonly<Record<string, string>>;
      /** Claim -> the recoveries it took, as reserved (a retry or the repair sweeper rebuilds the claim from them). */
      recoveriesOf: Readonly<Record<string, readonly ReservedRecovery[]>>;
    };

const MAX_DISPENSES_PER_CLAIM = 10_000;

function decide(command: ClaimIndexCommand, state: ClaimIndex): ClaimIndexEvent[] {
  switch (command.type) {
    case 'ReserveDispensesForClaim': {
      const { pharmacyId, claimId, dispenseIds, periodStart, periodEnd } = command.data;
      const recoveries = command.data.recoveries ?? [];
      if (dispenseIds.length === 0) throw new ClaimEmpty('a claim needs at least one paid, unclaimed dispense');
      if (dispenseIds.length > MAX_DISPENSES_PER_CLAIM) throw new InvalidClaim(`at most ${MAX_DISPENSES_PER_CLAIM} dispenses per claim`, { field: 'dispenses' });
      const ids = [...dispenseIds].sort();
      if (new Set(ids).size !== ids.length) throw new InvalidClaim('a dispense appears twice in the claim', { field: 'dispenses' });
      if (state.status === 'active') {
        const previous = state.claims[claimId];
        if (previous) {
          if (previous.length === ids.length && previous.every((d, i) => d === ids[i])) return [];
          throw new InvalidClaim(`claim ${claimId} already reserved a different set of dispenses`, { field: 'claimId' });
        }
        const taken = ids.filter((d) => state.claimOf[d] !== undefined);
        if (taken.length > 0) {
          throw new DispenseAlreadyClaimed(`dispenses already claimed: ${taken.join(', ')}`, {
            details: { dispenses: taken.map((d) => ({ dispenseId: d, claimId: state.claimOf[d] })) },
          });
        }
      }
      const holders = state.status === 'active' ? state.recoveryHolder : {};
      const seen = new Set<string>();
      for (const r of recoveries) {
        if (!Number.isSafeInteger(r.amountFen) || r.amountFen <= 0) throw new InvalidClaim('a recovery must be positive integer fen', { field: 'recoveries' });
        if (seen.has(r.dispenseId)) throw new InvalidClaim(`recovery of ${r.dispenseId} appears twice`, { field: 'recoveries' });
        seen.add(r.dispenseId);
        const holder = holders[r.dispenseId] ?? null;
        if (holder !== r.previousClaimId) {
          throw new RecoveryAlreadyReserved(`the recovery of ${r.dispenseId} was taken by claim ${holder ?? 'none'} since`, { details: { dispenseId: r.dispenseId, claimId: holder } });
        }
      }
      const period = periodStart !== undefined && periodEnd !== undefined ? { periodStart, periodEnd } : {};
      const taking = recoveries.length > 0 ? { recoveries: recoveries.map((r) => ({ ...r })) } : {};
      return [{ type: 'DispensesReservedForClaim', data: { pharmacyId, claimId, dispenseIds: ids, ...period, ...taking } }];
    }
    default:
      return exhaustive(command.type, 'claim index command');
  }
}

function evolve(state: ClaimIndex, event: ClaimIndexEvent): ClaimIndex {
  switch (event.type) {
    case 'DispensesReservedForClaim': {
      const base = state.status === 'active' ? state : { status: 'active' as const, pharmacyId: event.data.pharmacyId, claimOf: {}, claims: {}, recoveryHolder: {}, recoveriesOf: {} };
      const claimOf: Record<string, string> = { ...base.claimOf };
      for (const d of event.data.dispenseIds) claimOf[d] = event.data.claimId;
      const recoveries = event.data.recoveries ?? [];
      const recoveryHolder: Record<string, string> = { ...base.recoveryHolder };
      for (const r of recoveries) recoveryHolder[r.dispenseId] = event.data.claimId;
      return {
        ...base,
        claimOf,
        claims: { ...base.claims, [event.data.claimId]: event.data.dispenseIds },
        recoveryHolder,
        recoveriesOf: recoveries.length > 0 ? { ...base.recoveriesOf, [event.data.claimId]: recoveries } : base.recoveriesOf,
      };
    }
    default:
      return exhaustive(event.type, 'claim index event');
  }
}

export const claimIndexDecider: Decider<ClaimIndexCommand, ClaimIndexEvent, ClaimIndex> = {
  initialState: () => ({ status: 'empty' }),
  decide: (command, state) => decide(command, state),
  evolve,
};

/** A paid dispense as the settlement read model knows it (from the payment streams). */
export interface PaidDispenseSummary {
  dispenseId: string;
  pharmacyId: string;
  dispensedAt: string;
  fundFen: Fen;
  reversed: boolean;
}

/**
 * The dispenses a claim for `pharmacyId` and [periodStart, periodEnd] (China-time calendar dates,
 * inclusive) gathers: the pharmacy's, dispensed in the period, not reversed, with a fund share to
 * reimburse, and not yet in any claim. The read model feeding it may lag; the reservation above is
 * what makes "at most once" hold.
 */
export function selectClaimableDispenses<T extends PaidDispenseSummary>(
  candidates: readonly T[],
  index: ClaimIndex,
  period: { pharmacyId: string; periodStart: string; periodEnd: string },
): T[] {
  assertIsoDate(period.periodStart, 'periodStart');
  assertIsoDate(period.periodEnd, 'periodEnd');
  if (period.periodStart > period.periodEnd) throw new InvalidClaim('periodStart is after periodEnd', { field: 'periodStart' });
  const claimed = index.status === 'active' ? index.claimOf : {};
  const seen = new Set<string>();
  return candidates
    .filter((c) => {
      if (seen.has(c.dispenseId)) return false;
      seen.add(c.dispenseId);
      const day = chinaDate(new Date(c.dispensedAt));
      return (
        c.pharmacyId === period.pharmacyId &&
        !c.reversed &&
        c.fundFen > 0 &&
        claimed[c.dispenseId] === undefined &&
        day >= period.periodStart &&
        day <= period.periodEnd
      );
    })
    .sort((a, b) => (a.dispensedAt === b.dispensedAt ? (a.dispenseId < b.dispenseId ? -1 : 1) : a.dispensedAt < b.dispensedAt ? -1 : 1));
}
