import type { RegionPolicy } from '@rx/reference-data';

/** Wrong-pickup-code throttle: `maxFailures` failures within `windowMinutes` lock claims for `lockMinutes`. */
export interface PickupThrottlePolicy {
  maxFailures: number;
  windowMinutes: number;
  lockMinutes: number;
}

/** Everything configurable the dispensation decider reads; built from the prescription's region policy. */
export interface DispensingPolicy {
  claimTtlMinutes: number;
  /** Longest instalment of a long-term prescription, in days of supply (D4). */
  instalmentMaxDays: number;
  /** The next instalment may start this many days before the previous one runs out (D4). */
  earlyRefillToleranceDays: number;
  pickupThrottle: PickupThrottlePolicy;
}

/** Kept in state to bound it; a throttle may not count more failures than this. */
export const MAX_TRACKED_PICKUP_FAILURES = 32;

export const DEFAULT_PICKUP_THROTTLE: PickupThrottlePolicy = { maxFailures: 5, windowMinutes: 15, lockMinutes: 15 };

export function dispensingPolicyFrom(region: Pick<RegionPolicy, 'claimTtlMinutes' | 'prescription'>, pickupThrottle: PickupThrottlePolicy = DEFAULT_PICKUP_THROTTLE): DispensingPolicy {
  return assertDispensingPolicy({
    claimTtlMinutes: region.claimTtlMinutes,
    instalmentMaxDays: region.prescription.instalmentMaxDays,
    earlyRefillToleranceDays: region.prescription.earlyRefillToleranceDays,
    pickupThrottle: { ...pickupThrottle },
  });
}

/** A misconfigured policy is a programming or data error, not a domain refusal: fail loudly. */
export function assertDispensingPolicy(p: DispensingPolicy): DispensingPolicy {
  const positive = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`dispensing policy: ${name} must be a positive integer, got ${v}`);
  };
  positive('claimTtlMinutes', p.claimTtlMinutes);
  positive('instalmentMaxDays', p.instalmentMaxDays);
  if (!Number.isInteger(p.earlyRefillToleranceDays) || p.earlyRefillToleranceDays < 0)
    throw new RangeError(`dispensing policy: earlyRefillToleranceDays must be a non-negative integer, got ${p.earlyRefillToleranceDays}`);
  positive('pickupThrottle.maxFailures', p.pickupThrottle.maxFailures);
  positive('pickupThrottle.windowMinutes', p.pickupThrottle.windowMinutes);
  positive('pickupThrottle.lockMinutes', p.pickupThrottle.lockMinutes);
  if (p.pickupThrottle.maxFailures > MAX_TRACKED_PICKUP_FAILURES)
    throw new RangeError(`dispensing policy: pickupThrottle.maxFailures must be at most ${MAX_TRACKED_PICKUP_FAILURES}`);
  return p;
}
