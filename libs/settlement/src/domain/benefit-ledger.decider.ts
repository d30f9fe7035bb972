import { exhaustive, type Decider, type Fen } from '@rx/kernel';
import type { InsuranceType, RegionPolicy } from '@rx/reference-data';
import type { BenefitDelta, BenefitUsage } from './fund-payment.calculator';
import { BenefitAlreadyApplied, BenefitLedgerStale, BenefitLimitExceeded, InvalidBenefitDelta } from './settlement.errors';

/**
 * Benefit ledger, stream `benefit-{patientId}-{year}` (F2, F4): the deductible and fund a patient
 * has used in a policy year, ordinary and special buckets apart. The calculator decides from a
 * snapshot; this stream is where two concurrent dispenses meet. An ApplyPayment names the usage it
 * was computed against (`basis`): if the ledger moved in between, the decision is stale and is
 * refused, so the handler recomputes rather than consuming the same deductible twice. The limits
 * are checked again as a second line of defence.
 */

export interface BenefitLimits {
  deductibleFen: Fen;
  annualCapFen: Fen;
  specialDeductibleFen: Fen;
  specialAnnualCapFen: Fen;
}

/**
 * The limits of the plan the calculator applied: the outpatient deductible and cap, and the
 * inpatient cap for special drugs (no deductible, 001). No plan for the type: all zero (it pays nothing).
 */
export function benefitLimits(policy: RegionPolicy, insuranceType: InsuranceType): BenefitLimits {
  const plan = policy.plans[insuranceType];
  if (!plan) return { deductibleFen: 0, annualCapFen: 0, specialDeductibleFen: 0, specialAnnualCapFen: 0 };
  return { deductibleFen: plan.outpatient.deductibleFen, annualCapFen: plan.outpatient.annualCapFen, specialDeductibleFen: 0, specialAnnualCapFen: plan.inpatient.annualCapFen };
}

export type BenefitLedgerCommand =
  | {
      type: 'ApplyPayment';
      data: { patientId: string; year: number; dispenseId: string; delta: BenefitDelta; basis: BenefitUsage; limits: BenefitLimits; policyVersion: string };
    }
  | { type: 'ReversePayment'; data: { patientId: string; year: number; dispenseId: string } };

export type BenefitLedgerEvent =
  | { type: 'BenefitConsumed'; data: { patientId: string; year: number; dispenseId: string; delta: BenefitDelta; policyVersion: string } }
  /** `delta` is exactly what BenefitConsumed took for the same dispense; evolve gives it back. */
  | { type: 'BenefitRestored'; data: { patientId: string; year: number; dispenseId: string; delta: BenefitDelta } };

interface Entry {
  delta: BenefitDelta;
  reversed: boolean;
}

export type BenefitLedger =
  | { status: 'empty' }
  | { status: 'active'; patientId: string; year: number; usage: BenefitUsage; entries: Readonly<Record<string, Entry>> };

export const emptyUsage = (): BenefitUsage => ({ deductibleUsedFen: 0, ordinaryFundUsedFen: 0, specialDeductibleUsedFen: 0, specialFundUsedFen: 0 });

export function usageOf(state: BenefitLedger): BenefitUsage {
  return state.status === 'empty' ? emptyUsage() : { ...state.usage };
}

const DELTA_KEYS = ['deductibleFen', 'ordinaryFundFen', 'specialDeductibleFen', 'specialFundFen'] as const;

const sameDelta = (a: BenefitDelta, b: BenefitDelta): boolean => DELTA_KEYS.every((k) => a[k] === b[k]);
const isZero = (d: BenefitDelta): boolean => DELTA_KEYS.every((k) => d[k] === 0);
const sameUsage = (a: BenefitUsage, b: BenefitUsage): boolean =>
  a.deductibleUsedFen === b.deductibleUsedFen &&
  a.ordinaryFundUsedFen === b.ordinaryFundUsedFen &&
  a.specialDeductibleUsedFen === b.specialDeductibleUsedFen &&
  a.specialFundUsedFen === b.specialFundUsedFen;

function applyDelta(usage: BenefitUsage, d: BenefitDelta, sign: 1 | -1): BenefitUsage {
  return {
    deductibleUsedFen: usage.deductibleUsedFen + sign * d.deductibleFen,
    ordinaryFundUsedFen: usage.ordinaryFundUsedFen + sign * d.ordinaryFundFen,
    specialDeductibleUsedFen: usage.specialDeductibleUsedFen + sign * d.specialDeductibleFen,
    specialFundUsedFen: usage.specialFundUsedFen + sign * d.specialFundFen,
  };
}

function decide(command: BenefitLedgerCommand, state: BenefitLedger): BenefitLedgerEvent[] {
  switch (command.type) {
    case 'ApplyPayment': {
      const { patientId, year, dispenseId, delta, basis, limits, policyVersion } = command.data;
      for (const k of DELTA_KEYS) {
        if (!Number.isSafeInteger(delta[k]) || delta[k] < 0) throw new InvalidBenefitDelta(`${k} must be non-negative integer fen`, { field: k });
      }
      const existing = state.status === 'active' ? state.entries[dispenseId] : undefined;
      if (existing) {
        // A redelivered payment is a no-op, also after its reversal; a different one is a bug.
        if (sameDelta(existing.delta, delta)) return [];
        throw new BenefitAlreadyApplied(`dispense ${dispenseId} already consumed a different benefit`, { details: { dispenseId } });
      }
      if (isZero(delta)) return [];
      const usage = usageOf(state);
      if (!sameUsage(usage, basis)) {
        throw new BenefitLedgerStale(`benefit ledger of ${patientId} for ${year} changed since the payment was computed`, {
          details: { dispenseId, basis, current: usage },
        });
      }
      const after = applyDelta(usage, delta, 1);
      const over: string[] = [];
      if (after.deductibleUsedFen > limits.deductibleFen) over.push('deductible');
      if (after.ordinaryFundUsedFen > limits.annualCapFen) over.push('annual cap');
      if (after.specialDeductibleUsedFen > limits.specialDeductibleFen) over.push('special deductible');
      if (after.specialFundUsedFen > limits.specialAnnualCapFen) over.push('special annual cap');
      if (over.length > 0) {
        throw new BenefitLimitExceeded(`payment for ${dispenseId} would exceed the ${over.join(', ')}`, { details: { dispenseId, over } });
      }
      return [{ type: 'BenefitConsumed', data: { patientId, year, dispenseId, delta: { ...delta }, policyVersion } }];
    }
    case 'ReversePayment': {
      const { patientId, year, dispenseId } = command.data;
      const entry = state.status === 'active' ? state.entries[dispenseId] : undefined;
      // Nothing consumed (a zero-delta payment, e.g. after dissolution) or already restored: no-op.
      if (!entry || entry.reversed) return [];
      return [{ type: 'BenefitRestored', data: { patientId, year, dispenseId, delta: { ...entry.delta } } }];
    }
    default:
      return exhaustive(command, 'benefit ledger command');
  }
}

function evolve(state: BenefitLedger, event: BenefitLedgerEvent): BenefitLedger {
  const current =
    state.status === 'active' ? state : { status: 'active' as const, patientId: event.data.patientId, year: event.data.year, usage: emptyUsage(), entries: {} };
  switch (event.type) {
    case 'BenefitConsumed':
      return {
        ...current,
        usage: applyDelta(current.usage, event.data.delta, 1),
        entries: { ...current.entries, [event.data.dispenseId]: { delta: event.data.delta, reversed: false } },
      };
    case 'BenefitRestored':
      return {
        ...current,
        usage: applyDelta(current.usage, event.data.delta, -1),
        entries: { ...current.entries, [event.data.dispenseId]: { delta: event.data.delta, reversed: true } },
      };
    default:
      return exhaustive(event, 'benefit ledger event');
  }
}

export const benefitLedgerDecider: Decider<BenefitLedgerCommand, BenefitLedgerEvent, BenefitLedger> = {
  initialState: () => ({ status: 'empty' }),
  decide: (command, state) => decide(command, state),
  evolve,
};
