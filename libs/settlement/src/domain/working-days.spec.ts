import { chinaDate } from '@rx/kernel';
import type { HolidayCalendarYear } from '@rx/reference-data';
import { InvalidCalendarInput } from './settlement.errors';
import { CALENDARS } from './testing/demo-region.fixture';
import { addWorkingDays, isWorkingDay } from './working-days';

describe('working days (S1, holidays.md)', () => {
  describe('the shipped holiday data', () => {
    const [y2025, y2026] = CALENDARS;

    it('lists every holiday date of the notices, ranges expanded', () => {
      expect(y2025).toMatchObject({ year: 2025, makeUpWorkingDays: ['2025-01-26', '2025-02-08', '2025-04-27', '2025-09-28', '2025-10-11'] });
      expect(y2025.holidays).toHaveLength(1 + 8 + 3 + 5 + 3 + 8);
      expect(y2025.holidays).toEqual(expect.arrayContaining(['2025-01-01', '2025-01-28', '2025-02-04', '2025-05-31', '2025-06-02', '2025-10-08']));
      expect(y2026).toMatchObject({ year: 2026, makeUpWorkingDays: ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10'] });
      expect(y2026.holidays).toHaveLength(3 + 9 + 3 + 5 + 3 + 3 + 7);
      expect(y2026.holidays).toEqual(expect.arrayContaining(['2026-01-03', '2026-02-15', '2026-02-23', '2026-06-19', '2026-09-27', '2026-10-07']));
      expect(y2025.source).toContain('2024-11-12');
      expect(y2026.source).toContain('2025-11-04');
    });

    it('has make-up days only on weekends, and no day both holiday and make-up', () => {
      for (const cal of CALENDARS) {
        for (const d of cal.makeUpWorkingDays) expect([0, 6]).toContain(new Date(`${d}T00:00:00Z`).getUTCDay());
        expect(cal.holidays.filter((d) => cal.makeUpWorkingDays.includes(d))).toEqual([]);
        expect(new Set(cal.holidays).size).toBe(cal.holidays.length);
      }
    });
  });

  it('knows holidays, make-up days and ordinary weekends', () => {
    expect(isWorkingDay('2026-10-01', CALENDARS)).toBe(false); // National Day
    expect(isWorkingDay('2026-10-10', CALENDARS)).toBe(true); // Saturday worked
    expect(isWorkingDay('2026-10-11', CALENDARS)).toBe(false); // Sunday
    expect(isWorkingDay('2026-10-12', CALENDARS)).toBe(true);
  });

  it('counts day 1 as the first working day after receipt', () => {
    expect(addWorkingDays('2026-03-02', 1, CALENDARS)).toEqual({ date: '2026-03-03', provisional: false });
    expect(addWorkingDays('2026-03-06', 1, CALENDARS)).toEqual({ date: '2026-03-09', provisional: false }); // Friday -> Monday
    expect(addWorkingDays('2026-03-02', 0, CALENDARS)).toEqual({ date: '2026-03-02', provisional: false });
  });

  it('a make-up Saturday counts: received Friday 2026-02-13, day 1 is Saturday 2026-02-14', () => {
    expect(addWorkingDays('2026-02-13', 1, CALENDARS).date).toBe('2026-02-14');
    expect(addWorkingDays('2026-02-14', 1, CALENDARS).date).toBe('2026-02-24'); // Spring Festival 15-23
  });

  it('30 working days from 2026-09-21 cross Mid-Autumn, National Day and the Oct 10 make-up day: 2026-11-09', () => {
    // Weekdays alone would give 2026-11-02; six weekday holidays (Sep 25, Oct 1, 2, 5, 6, 7) push it
    // six days later and the worked Saturday Oct 10 pulls it one back.
    expect(addWorkingDays('2026-09-21', 30, CALENDARS)).toEqual({ date: '2026-11-09', provisional: false });
    expect(addWorkingDays('2026-09-21', 30, []).date).toBe('2026-11-02');
  });

  it('a deadline running into 2027 (no data) is counted on weekdays only and marked provisional', () => {
    expect(addWorkingDays('2026-12-01', 30, CALENDARS)).toEqual({ date: '2027-01-12', provisional: true });
    expect(addWorkingDays('2026-11-02', 30, CALENDARS)).toEqual({ date: '2026-12-14', provisional: false });
    const with2027: HolidayCalendarYear = { year: 2027, source: 'test', holidays: ['2027-01-01'], makeUpWorkingDays: [] };
    expect(addWorkingDays('2026-12-01', 30, [...CALENDARS, with2027])).toEqual({ date: '2027-01-13', provisional: false });
  });

  it('takes the receipt date in China time', () => {
    expect(chinaDate(new Date('2026-09-20T16:30:00Z'))).toBe('2026-09-21');
    expect(chinaDate(new Date('2026-09-21T15:59:59Z'))).toBe('2026-09-21');
  });

  it('refuses malformed input', () => {
    expect(() => addWorkingDays('2026-02-30', 1, CALENDARS)).toThrow(InvalidCalendarInput);
    expect(() => addWorkingDays('21/09/2026', 1, CALENDARS)).toThrow(InvalidCalendarInput);
    expect(() => addWorkingDays('2026-09-21', -1, CALENDARS)).toThrow(InvalidCalendarInput);
    expect(() => addWorkingDays('2026-09-21', 1.5, CALENDARS)).toThrow(InvalidCalendarInput);
    expect(() => addWorkingDays('2026-09-21', 1, [CALENDARS[1], CALENDARS[1]])).toThrow(InvalidCalendarInput);
  });
});
