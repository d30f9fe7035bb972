/** Pure formatting and calendar helpers (no DOM): money in yuan, times in China time, working days. */

export type Lang = 'zh' | 'en';

/** Integer fen → "¥1,234.50" (two decimals, exact: no floating point on the amount). */
export function yuan(fen: number | null | undefined, lang: Lang = 'zh'): string {
  if (fen === null || fen === undefined || !Number.isFinite(fen)) return '—';
  const negative = fen < 0;
  const abs = Math.abs(Math.trunc(fen));
  const whole = Math.floor(abs / 100).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-US');
  const cents = String(abs % 100).padStart(2, '0');
  return `${negative ? '-' : ''}¥${whole}.${cents}`;
}

/** "12.34" or "12" (yuan typed by a person) → fen; undefined when it is not an amount with at most two decimals. */
export function parseYuan(text: string): number | undefined {
  const m = /^\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$/.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

const CHINA_OFFSET_MS = 8 * 3600_000;

function parts(iso: string): { date: string; time: string } | undefined {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return undefined;
  const shifted = new Date(ms + CHINA_OFFSET_MS).toISOString();
  return { date: shifted.slice(0, 10), time: shifted.slice(11, 19) };
}

/** An instant in China time (UTC+8, no daylight saving): "2026-03-02 17:00:00". */
export function chinaTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const p = parts(iso);
  return p ? `${p.date} ${p.time}` : iso;
}

/** The China calendar date of an instant, "2026-03-02". */
export function chinaDate(iso: string | Date): string {
  const p = parts(typeof iso === 'string' ? iso : iso.toISOString());
  return p ? p.date : '';
}

/** An instant as the value of an <input type="datetime-local"> showing China time. */
export function toChinaLocalInput(iso: string): string {
  const p = parts(iso);
  return p ? `${p.date}T${p.time}` : '';
}

/** The value of a datetime-local input read as China time → an ISO instant with +08:00. */
export function fromChinaLocalInput(value: string): string | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?$/.exec(value);
  if (!m) return undefined;
  const iso = `${m[1]}T${m[2]}${m[3] ?? ':00'}+08:00`;
  return Number.isNaN(Date.parse(iso)) ? undefined : iso;
}

export interface HolidayYear {
  year: number;
  holidays: string[];
  makeUpWorkingDays: string[];
}

function addDays(date: string, n: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** A working day: Monday to Friday unless a holiday, or a weekend day worked in exchange (调休). */
export function isWorkingDay(date: string, calendars: HolidayYear[]): boolean {
  const cal = calendars.find((c) => c.year === Number(date.slice(0, 4)));
  if (cal?.makeUpWorkingDays.includes(date)) return true;
  if (cal?.holidays.includes(date)) return false;
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return weekday !== 0 && weekday !== 6;
}

/**
 * Working days from `today` (exclusive) to `dueBy` (inclusive): 0 on the last day, negative once
 * past it (the working days overdue). The agency's 30-working-day deadline is counted so.
 */
export function workingDaysLeft(today: string, dueBy: string, calendars: HolidayYear[]): number {
  // Counts the working days in (earlier, later]: after today up to the due date, or after the due date up to today.
  const [earlier, later, sign] = today <= dueBy ? [today, dueBy, 1] : [dueBy, today, -1];
  let n = 0;
  for (let d = addDays(earlier, 1); d <= later; d = addDays(d, 1)) if (isWorkingDay(d, calendars)) n++;
  return sign * n;
}
