import { assertDispensingPolicy, DEFAULT_PICKUP_THROTTLE, dispensingPolicyFrom } from './dispensing-policy';
import { chinaDateOfDayNumber, chinaDayNumber, daysCovered, earliestNextInstalmentDay } from './instalment';
import { isTraceCode } from './trace-code';

describe('dispensing policy', () => {
  const region = {
    claimTtlMinutes: 30,
    prescription: { longTermMaxDays: 84, ordinaryMaxDays: 7, ordinaryValidityDays: 3, instalmentMaxDays: 28, earlyRefillToleranceDays: 7 },
  };

  it('is built from the region policy, with the default throttle', () => {
    expect(dispensingPolicyFrom(region)).toEqual({
      claimTtlMinutes: 30,
      instalmentMaxDays: 28,
      earlyRefillToleranceDays: 7,
      pickupThrottle: { maxFailures: 5, windowMinutes: 15, lockMinutes: 15 },
    });
    expect(DEFAULT_PICKUP_THROTTLE).toEqual({ maxFailures: 5, windowMinutes: 15, lockMinutes: 15 });
  });

  it.each([
    ['a zero time-to-live', { ...region, claimTtlMinutes: 0 }],
    ['fractional instalment days', { ...region, prescription: { ...region.prescription, instalmentMaxDays: 1.5 } }],
    ['a negative tolerance', { ...region, prescription: { ...region.prescription, earlyRefillToleranceDays: -1 } }],
  ])('refuses %s', (_name, bad) => {
    expect(() => dispensingPolicyFrom(bad)).toThrow(RangeError);
  });

  it('refuses a throttle it cannot track', () => {
    expect(() => assertDispensingPolicy({ ...dispensingPolicyFrom(region), pickupThrottle: { maxFailures: 33, windowMinutes: 15, lockMinutes: 15 } })).toThrow(RangeError);
  });
});

describe('instalment arithmetic', () => {
  it('derives days covered from the prescribed rate, rounding up', () => {
    expect(daysCovered({ quantity: 168, daysSupply: 84 }, 56)).toBe(28);
    expect(daysCovered({ quantity: 168, daysSupply: 84 }, 57)).toBe(29);
    expect(daysCovered({ quantity: 90, daysSupply: 84 }, 30)).toBe(28);
    expect(daysCovered({ quantity: 1, daysSupply: 7 }, 1)).toBe(7);
  });

  it('counts calendar days in China Standard Time', () => {
    expect(chinaDayNumber('2026-03-02T15:59:59.999Z')).toBe(chinaDayNumber('2026-03-02T00:00:00.000Z'));
    expect(chinaDayNumber('2026-03-02T16:00:00.000Z')).toBe(chinaDayNumber('2026-03-02T00:00:00.000Z') + 1);
    expect(chinaDateOfDayNumber(earliestNextInstalmentDay('2026-03-02T01:00:00.000Z', 28, 7))).toBe('2026-03-23');
  });
});

describe('traceability code', () => {
  it('is exactly 20 ASCII digits', () => {
    expect(isTraceCode('81234567890123456789')).toBe(true);
    expect(isTraceCode('8123456789012345678')).toBe(false);
    expect(isTraceCode('812345678901234567890')).toBe(false);
    expect(isTraceCode('8123456789012345678a')).toBe(false);
    expect(isTraceCode(' 8123456789012345678')).toBe(false);
    expect(isTraceCode(81234567890123456789)).toBe(false);
  });
});
