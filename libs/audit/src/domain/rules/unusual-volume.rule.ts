import { DispensingEventTypes, type DispensedV1 } from '@rx/contracts';
import type { AuditFact } from '../audit-fact';
import { addDaysToDate, chinaDate, daysBetween } from '@rx/kernel';
import { alert, type Alert } from './rule';
import type { UnusualVolumeParams } from './monitoring-params';

/**
 * Unusual dispensing volume for a pharmacy (A1): a China-time day with more dispenses than a fixed
 * ceiling, or (once the pharmacy has `minHistoryDays` of history in the lookback) more than
 * mean + sigma x sd of its daily counts over the previous `lookbackDays` (days without dispenses
 * count as 0, from its first dispense on) and at least `minDailyCount`. The alert is dated at
 * the dispense that crossed the line and reports that count, so it reads the same whenever it is
 * evaluated; one per pharmacy and day.
 */
/** One dispense in a pharmacy's day book. */
export interface DayEntry {
  at: string;
  sourceEventId: string;
  dispenseId: string;
}

/** A pharmacy's dispenses by China-time day, and its first day. */
export interface PharmacyDayBook {
  days: Map<string, DayEntry[]>;
  firstDay: string;
  seen: Set<string>;
}

export function newDayBook(): PharmacyDayBook {
  return { days: new Map(), firstDay: '9999-12-31', seen: new Set() };
}

/** Adds a dispense to the book (once per dispense); returns its day, or undefined for a repeat. */
export function recordDispense(book: PharmacyDayBook, d: Pick<DispensedV1, 'dispenseId' | 'dispensedAt'>, sourceEventId: string): string | undefined {
  if (book.seen.has(d.dispenseId)) return undefined;
  book.seen.add(d.dispenseId);
  const day = chinaDate(d.dispensedAt);
  const entries = book.days.get(day);
  const entry = { at: d.dispensedAt, sourceEventId, dispenseId: d.dispenseId };
  if (entries) entries.push(entry);
  else book.days.set(day, [entry]);
  if (day < book.firstDay) book.firstDay = day;
  return day;
}

export function unusualVolumeRule(facts: readonly AuditFact[], params: UnusualVolumeParams): Alert[] {
  const books = new Map<string, PharmacyDayBook>();
  for (const f of facts) {
    if (f.type !== DispensingEventTypes.dispensed) continue;
    const d = f.data as DispensedV1;
    const book = books.get(d.pharmacyId) ?? newDayBook();
    books.set(d.pharmacyId, book);
    recordDispense(book, d, f.sourceEventId);
  }
  const alerts: Alert[] = [];
  for (const [pharmacyId, book] of books) {
    for (const day of book.days.keys()) {
      const a = judgeUnusualVolumeDay(pharmacyId, book, day, params);
      if (a) alerts.push(a);
    }
  }
  return alerts;
}

/** The rule for one pharmacy and day: what the monitoring projection runs as each dispense arrives. */
export function judgeUnusualVolumeDay(pharmacyId: string, book: PharmacyDayBook, day: string, params: UnusualVolumeParams): Alert | undefined {
  const dispenses = book.days.get(day) ?? [];
  const baselineStart = maxDate(book.firstDay, addDaysToDate(day, -params.lookbackDays));
  const baselineDays = Math.max(0, daysBetween(baselineStart, day));
  const counts: number[] = [];
  for (let i = 0; i < baselineDays; i++) counts.push(book.days.get(addDaysToDate(baselineStart, i))?.length ?? 0);
  // The smallest count that is unusual on this day, by either test.
  let crossing = params.dailyCeiling + 1;
  let mean: number | null = null;
  let sd: number | null = null;
  if (counts.length >= params.minHistoryDays) {
    mean = counts.reduce((a, b) => a + b, 0) / counts.length;
    sd = Math.sqrt(counts.reduce((a, c) => a + (c - mean!) ** 2, 0) / counts.length);
    const statistical = Math.max(params.minDailyCount, Math.floor(mean + params.sigma * sd) + 1);
    crossing = Math.min(crossing, statistical);
  }
  if (dispenses.length < crossing) return undefined;
  const ordered = [...dispenses].sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || (a.dispenseId < b.dispenseId ? -1 : 1));
  const trigger = ordered[crossing - 1];
  return alert({
    ruleId: 'unusual-volume',
    cause: [pharmacyId, day],
    severity: 'warning',
    subjectKey: pharmacyId,
    occurredAt: trigger.at,
    summary: `pharmacy ${pharmacyId} dispensed ${crossing} prescriptions on ${day}${mean === null ? ` (ceiling ${params.dailyCeiling})` : `, baseline ${mean.toFixed(1)} ± ${sd!.toFixed(1)} a day`}`,
    pharmacyId,
    evidence: ordered.slice(0, crossing).map((x) => x.sourceEventId),
    details: {
      day,
      count: crossing,
      dailyCeiling: params.dailyCeiling,
      baselineDays: counts.length,
      baselineMean: mean === null ? null : Math.round(mean * 100) / 100,
      baselineSd: sd === null ? null : Math.round(sd * 100) / 100,
      sigma: params.sigma,
      reason: crossing > params.dailyCeiling ? 'ceiling' : 'statistical',
    },
  });
}

function maxDate(a: string, b: string): string {
  return a > b ? a : b;
}
