import type { HolidayCalendarYear } from '@rx/reference-data';
import { InvalidCalendarInput } from './settlement.errors';

/**
 * Working days for the settlement deadline (S1, holidays.md): Monday to Friday, minus official
 * holidays, plus make-up working days (调休上班). Dates are ISO calendar dates (YYYY-MM-DD) in
 * China time; the arithmetic runs on UTC midnights so no time zone or DST can shift a day.
 */

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

export function assertIsoDate(value: string, field = 'date'): void {
  const m = ISO_DATE.exec(value);
  if (!m) throw new InvalidCalendarInput(`${field} must be an ISO date YYYY-MM-DD: ${value}`, { field });
  const d = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) {
    throw new InvalidCalendarInput(`${field} is not a calendar date: ${value}`, { field });
  }
}

const toUtc = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);
const toIso = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export function addCalendarDays(iso: string, days: number): string {
  assertIsoDate(iso);
  return toIso(toUtc(iso) + days * DAY_MS);
}

interface CalendarIndex {
  years: Set<number>;
  holidays: Set<string>;
  makeUp: Set<string>;
}

function indexCalendars(calendars: readonly HolidayCalendarYear[]): CalendarIndex {
  const index: CalendarIndex = { years: new Set(), holidays: new Set(), makeUp: new Set() };
  for (const cal of calendars) {
    if (index.years.has(cal.year)) throw new InvalidCalendarInput(`two calendars for ${cal.year}`, { field: 'year' });
    index.years.add(cal.year);
    for (const d of cal.holidays) {
      assertIsoDate(d, 'holidays');
      if (Number(d.slice(0, 4)) !== cal.year) throw new InvalidCalendarInput(`holiday ${d} outside ${cal.year}`, { field: 'holidays' });
      index.holidays.add(d);
    }
    for (const d of cal.makeUpWorkingDays) {
      assertIsoDate(d, 'makeUpWorkingDays');
      if (Number(d.slice(0, 4)) !== cal.year) throw new InvalidCalendarInput(`make-up day ${d} outside ${cal.year}`, { field: 'makeUpWorkingDays' });
      if (index.holidays.has(d)) throw new InvalidCalendarInput(`${d} is both a holiday and a make-up day`, { field: 'makeUpWorkingDays' });
      index.makeUp.add(d);
    }
  }
  return index;
}

const isWeekend = (iso: string): boolean => {
  const dow = new Date(toUtc(iso)).getUTCDay();
  return dow === 0 || dow === 6;
};

function workingDay(iso: string, index: CalendarIndex): { working: boolean; known: boolean } {
  const known = index.years.has(Number(iso.slice(0, 4)));
  if (!known) return { working: !isWeekend(iso), known };
  if (index.holidays.has(iso)) return { working: false, known };
  if (index.makeUp.has(iso)) return { working: true, known };
  return { working: !isWeekend(iso), known };
}

/** Whether `date` is a working day; for a year without calendar data, Monday to Friday. */
export function isWorkingDay(date: string, calendars: readonly HolidayCalendarYear[]): boolean {
  assertIsoDate(date);
  return workingDay(date, indexCalendars(calendars)).working;
}

export interface WorkingDayDeadline {
  date: string;
  /** True when a day counted (or skipped) fell in a year without calendar data: weekdays only. */
  provisional: boolean;
}

/** Hard bound on the loop (hostile input): far beyond any regulatory deadline. */
const MAX_WORKING_DAYS = 3_650;

/**
 * The n-th working day after `start`. Day 1 is the first working day after the day of receipt
 * (the receipt day itself never counts, whether or not it is a working day), so a claim received
 * on Monday with n = 1 is due on Tuesday. n = 0 returns `start`.
 */
export function addWorkingDays(start: string, n: number, calendars: readonly HolidayCalendarYear[]): WorkingDayDeadline {
  assertIsoDate(start, 'start');
  if (!Number.isInteger(n) || n < 0 || n > MAX_WORKING_DAYS) {
    throw new InvalidCalendarInput(`working days must be an integer 0..${MAX_WORKING_DAYS}: ${n}`, { field: 'n' });
  }
  const index = indexCalendars(calendars);
  let day = start;
  let counted = 0;
  let provisional = false;
  while (counted < n) {
    day = toIso(toUtc(day) + DAY_MS);
    const { working, known } = workingDay(day, index);
    if (!known) provisional = true;
    if (working) counted++;
  }
  return { date: day, provisional };
}
