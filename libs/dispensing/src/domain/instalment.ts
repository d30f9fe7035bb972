import { CHINA_OFFSET_MS, DAY_MS } from '@rx/kernel';
import type { PrescribedItem } from './dispensation.commands';

/**
 * Days of supply a dispensed quantity covers, from the prescription's own rate
 * (prescribed quantity over prescribed days): ceil(quantity x daysSupply / prescribed quantity).
 * Rounded up so a partial day counts as a day: it never understates supply (stockpiling, A1).
 */
export function daysCovered(item: Pick<PrescribedItem, 'quantity' | 'daysSupply'>, quantity: number): number {
  const numerator = quantity * item.daysSupply;
  return Math.floor((numerator + item.quantity - 1) / item.quantity);
}

/** Calendar day number in China Standard Time: refill windows count dates, not 24-hour periods. */
export function chinaDayNumber(at: Date | string): number {
  const ms = typeof at === 'string' ? Date.parse(at) : at.getTime();
  return Math.floor((ms + CHINA_OFFSET_MS) / DAY_MS);
}

/** The first calendar day (CST day number) the next instalment of a drug may be dispensed. */
export function earliestNextInstalmentDay(previousDispensedAt: string, previousDays: number, toleranceDays: number): number {
  return chinaDayNumber(previousDispensedAt) + previousDays - toleranceDays;
}

export function chinaDateOfDayNumber(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}
