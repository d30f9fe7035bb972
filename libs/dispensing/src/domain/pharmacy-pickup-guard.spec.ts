import { DEFAULT_PHARMACY_PICKUP_THROTTLE, pharmacyPickupGuardDecider, pharmacyPickupLockedUntil, type PharmacyPickupGuard } from './pharmacy-pickup-guard';

const T0 = new Date('2026-03-02T01:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const fail = (prescriptionId: string) => ({ type: 'RecordPharmacyPickupFailure' as const, data: { pharmacyId: 'P002', prescriptionId } });

function after(count: number, every = 1, decider = pharmacyPickupGuardDecider()): PharmacyPickupGuard {
  let s = decider.initialState();
  for (let i = 0; i < count; i++) s = decider.decide(fail(`rx-${i}`), s, at(i * every)).reduce(decider.evolve, s);
  return s;
}

describe('pharmacy pickup guard: wrong codes counted per pharmacy across prescriptions', () => {
  const decider = pharmacyPickupGuardDecider();

  it('given 19 wrong codes on different prescriptions within the hour, when the 20th comes, then the pharmacy is locked for an hour', () => {
    const events = decider.decide(fail('rx-19'), after(19), at(19));
    expect(events.map((e) => e.type)).toEqual(['PharmacyPickupFailed', 'PharmacyPickupLocked']);
    expect(events[1].data).toMatchObject({ pharmacyId: 'P002', failures: 20, lockedUntil: at(79).toISOString() });
    const locked = events.reduce(decider.evolve, after(19));
    expect(pharmacyPickupLockedUntil(locked, at(78))).toBe(at(79).toISOString());
    expect(pharmacyPickupLockedUntil(locked, at(79))).toBeUndefined();
  });

  it('given a locked pharmacy, when it guesses again, then nothing is recorded', () => {
    const locked = after(20);
    expect(decider.decide(fail('rx-x'), locked, at(25))).toEqual([]);
  });

  it('given wrong codes spread wider than the window, when counted, then the old ones do not count', () => {
    const s = after(19, 4); // one every 4 minutes: 76 minutes
    expect(decider.decide(fail('rx-x'), s, at(80)).map((e) => e.type)).toEqual(['PharmacyPickupFailed']);
  });

  it('takes its numbers from the policy, within what the state keeps', () => {
    expect(DEFAULT_PHARMACY_PICKUP_THROTTLE).toEqual({ maxFailures: 20, windowMinutes: 60, lockMinutes: 60 });
    const small = pharmacyPickupGuardDecider({ maxFailures: 2, windowMinutes: 5, lockMinutes: 10 });
    expect(small.decide(fail('b'), after(1, 1, small), at(1)).map((e) => e.type)).toEqual(['PharmacyPickupFailed', 'PharmacyPickupLocked']);
    expect(() => pharmacyPickupGuardDecider({ maxFailures: 33, windowMinutes: 5, lockMinutes: 10 })).toThrow(RangeError);
  });
});
