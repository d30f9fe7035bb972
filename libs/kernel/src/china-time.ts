import { DAY_MS } from './clock';

/**
 * Calendar days, policy years, claim periods and deadlines are China Standard Time (UTC+8, no
 * daylight saving), whatever the server's zone: a dispense at 23:30 UTC on 31 December is a
 * purchase of the next year.
 */
export const CHINA_OFFSET_MS = 8 * 3_600_000;

/** The China-time calendar date (YYYY-MM-DD) of an instant. */
export function chinaDate(at: string | Date): string {
  const ms = typeof at === 'string' ? Date.parse(at) : at.getTime();
  return new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/** The China-time calendar year of an instant: the policy year. */
export function chinaYear(at: string | Date): number {
  return Number(chinaDate(at).slice(0, 4));
}

/** The instant a China-time date begins. */
export function chinaDayStart(date: string): Date {
  return new Date(Date.parse(`${date}T00:00:00.000Z`) - CHINA_OFFSET_MS);
}

export function addDaysToDate(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00.000Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from one date to another (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00.000Z`) - Date.parse(`${from}T00:00:00.000Z`)) / DAY_MS);
}

/**
 * True when the date (and time, if any) written at the start of an ISO-8601 text exist on the
 * calendar. `Date.parse` rolls `2026-02-30` over to 2 March and `T24:00` to the next day; a client
 * that wrote either meant something else, so it is refused rather than coerced.
 */
export function isCalendarValid(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(text);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return false;
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || (m[6] !== undefined && Number(m[6]) > 59))) return false;
  return true;
}
