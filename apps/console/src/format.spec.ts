import { chinaDate, chinaTime, fromChinaLocalInput, isWorkingDay, parseYuan, toChinaLocalInput, workingDaysLeft, yuan } from './format';

const calendars = [{ year: 2026, holidays: ['2026-10-01', '2026-10-02', '2026-10-05'], makeUpWorkingDays: ['2026-10-10'] }];

describe('money in yuan from integer fen', () => {
  it.each([
    [0, '¥0.00'],
    [5, '¥0.05'],
    [700, '¥7.00'],
    [123456789, '¥1,234,567.89'],
    [-4200, '-¥42.00'],
  ])('%i fen reads %s', (fen, text) => expect(yuan(fen)).toBe(text));

  it('shows a dash for a missing amount', () => expect(yuan(null)).toBe('—'));

  it.each([
    ['12.34', 1234],
    ['0.5', 50],
    ['7', 700],
    [' 1500.00 ', 150000],
  ])('reads "%s" typed as %i fen', (text, fen) => expect(parseYuan(text)).toBe(fen));

  it.each(['1.234', '-1', 'abc', '', '1e3'])('refuses "%s"', (text) => expect(parseYuan(text)).toBeUndefined());
});

describe('China time (UTC+8)', () => {
  it('shows an instant on the China clock and calendar', () => {
    expect(chinaTime('2026-03-01T17:30:00.000Z')).toBe('2026-03-02 01:30:00');
    expect(chinaDate('2026-03-01T17:30:00Z')).toBe('2026-03-02');
    expect(chinaDate('2026-03-01T15:59:59Z')).toBe('2026-03-01');
  });

  it('reads a datetime-local value as China time and round-trips it', () => {
    expect(fromChinaLocalInput('2026-03-02T09:00')).toBe('2026-03-02T09:00:00+08:00');
    expect(new Date(fromChinaLocalInput('2026-03-02T09:00:30')!).toISOString()).toBe('2026-03-02T01:00:30.000Z');
    expect(toChinaLocalInput('2026-03-02T01:00:30.000Z')).toBe('2026-03-02T09:00:30');
    expect(fromChinaLocalInput('yesterday')).toBeUndefined();
  });
});

describe('working days against the holiday calendar', () => {
  it('skips weekends and holidays and counts make-up working days', () => {
    expect(isWorkingDay('2026-10-01', calendars)).toBe(false); // National Day, a Thursday
    expect(isWorkingDay('2026-10-10', calendars)).toBe(true); // a Saturday worked in exchange
    expect(isWorkingDay('2026-10-11', calendars)).toBe(false); // Sunday
    expect(isWorkingDay('2026-10-06', calendars)).toBe(true);
  });

  it('counts what is left to the due date, 0 on the day itself', () => {
    // Wed 30 Sep → Fri 9 Oct: 1 Oct, 2 Oct and 5 Oct are holidays, 3/4 Oct a weekend: 6, 7, 8, 9 Oct.
    expect(workingDaysLeft('2026-09-30', '2026-10-09', calendars)).toBe(4);
    expect(workingDaysLeft('2026-10-09', '2026-10-09', calendars)).toBe(0);
    expect(workingDaysLeft('2026-10-09', '2026-10-10', calendars)).toBe(1);
  });

  it('counts the working days overdue as negative', () => {
    // Due Fri 9 Oct; on Tue 13 Oct: Sat 10 Oct (worked), Mon 12, Tue 13 have passed.
    expect(workingDaysLeft('2026-10-13', '2026-10-09', calendars)).toBe(-3);
  });
});
