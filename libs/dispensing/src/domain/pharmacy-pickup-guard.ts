import { exhaustive, type Decider } from '@rx/kernel';
import { MAX_TRACKED_PICKUP_FAILURES, type PickupThrottlePolicy } from './dispensing-policy';

/**
 * Wrong pickup codes counted per pharmacy across all prescriptions (issue 15.4): a pharmacy that
 * guesses a few codes on each of many prescriptions is stopped too, not only one that hammers one
 * prescription. One small stream per pharmacy, `pickup-guard-{pharmacyId}`; never relayed. Only
 * the guessing pharmacy is locked: patients and other pharmacies are untouched.
 */
export interface PharmacyPickupFailed {
  type: 'PharmacyPickupFailed';
  data: { pharmacyId: string; prescriptionId: string; failedAt: string };
}

export interface PharmacyPickupLocked {
  type: 'PharmacyPickupLocked';
  data: { pharmacyId: string; failures: number; lockedAt: string; lockedUntil: string };
}

export type PharmacyPickupGuardEvent = PharmacyPickupFailed | PharmacyPickupLocked;

export interface RecordPharmacyPickupFailure {
  type: 'RecordPharmacyPickupFailure';
  data: { pharmacyId: string; prescriptionId: string };
}

export interface PharmacyPickupGuard {
  /** ISO instants of recent failures, oldest first, bounded. */
  failures: string[];
  lockedUntil?: string;
}

/** 20 wrong codes within an hour, on any prescriptions, lock the pharmacy's claims for an hour. */
export const DEFAULT_PHARMACY_PICKUP_THROTTLE: PickupThrottlePolicy = { maxFailures: 20, windowMinutes: 60, lockMinutes: 60 };

export const pharmacyPickupGuardStreamId = (pharmacyId: string): string => `pickup-guard-${pharmacyId}`;

export function pharmacyPickupLockedUntil(s: PharmacyPickupGuard, now: Date): string | undefined {
  return s.lockedUntil && Date.parse(s.lockedUntil) > now.getTime() ? s.lockedUntil : undefined;
}

export function pharmacyPickupGuardDecider(policy: PickupThrottlePolicy = DEFAULT_PHARMACY_PICKUP_THROTTLE): Decider<RecordPharmacyPickupFailure, PharmacyPickupGuardEvent, PharmacyPickupGuard> {
  if (policy.maxFailures > MAX_TRACKED_PICKUP_FAILURES) throw new RangeError(`pharmacy pickup throttle: maxFailures must be at most ${MAX_TRACKED_PICKUP_FAILURES}`);
  return {
    initialState: () => ({ failures: [] }),
    decide(cmd, s, now) {
      switch (cmd.type) {
        case 'RecordPharmacyPickupFailure': {
          if (pharmacyPickupLockedUntil(s, now)) return []; // already locked: its claims answer no codes
          const windowStart = now.getTime() - policy.windowMinutes * 60_000;
          const failures = s.failures.filter((f) => Date.parse(f) > windowStart).length + 1;
          const events: PharmacyPickupGuardEvent[] = [{ type: 'PharmacyPickupFailed', data: { ...cmd.data, failedAt: now.toISOString() } }];
          if (failures >= policy.maxFailures) {
            const lockedUntil = new Date(now.getTime() + policy.lockMinutes * 60_000).toISOString();
            events.push({ type: 'PharmacyPickupLocked', data: { pharmacyId: cmd.data.pharmacyId, failures, lockedAt: now.toISOString(), lockedUntil } });
          }
          return events;
        }
        default:
          return exhaustive(cmd.type, 'pharmacy pickup guard command');
      }
    },
    evolve(s, e) {
      switch (e.type) {
        case 'PharmacyPickupFailed':
          return { ...s, failures: [...s.failures, e.data.failedAt].slice(-MAX_TRACKED_PICKUP_FAILURES) };
        case 'PharmacyPickupLocked':
          return { failures: [], lockedUntil: e.data.lockedUntil }; // a lock starts a fresh count
        default:
          return exhaustive(e, 'pharmacy pickup guard event');
      }
    },
  };
}
