import { DEFAULT_MONITORING_PARAMS, unusualVolumeRule } from './index';
import { dispensedData, fact, rxId, T } from '../testing/audit-fixtures';
import { ruleSpec } from '../testing/rule-spec';

const params = DEFAULT_MONITORING_PARAMS.unusualVolume;
const spec = ruleSpec((facts, p: typeof params) => unusualVolumeRule(facts, p));

/** `n` dispenses by `pharmacyId` on a China date, an hour apart from 09:00 China time. */
function day(date: string, n: number, pharmacyId = 'P001') {
  return Array.from({ length: n }, (_, i) => {
    const at = new Date(Date.parse(`${date}T01:00:00.000Z`) + i * 60_000).toISOString();
    return fact(T.DispensingEventTypes.dispensed, dispensedData(rxId(`${pharmacyId}-${at}`), at, { pharmacyId }), at);
  });
}
const history = (n = 2) => ['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06', '2026-03-07'].flatMap((d, i) => day(d, n + (i % 2)));

describe('unusual volume rule', () => {
  it('flags a day far above the pharmacy own baseline (mean + 3 sd), dated at the dispense that crossed it', () => {
    const busy = day('2026-03-08', 12);
    // Baseline 2,3,2,3,2,3,2: mean 2.43, sd 0.49 -> more than 3.9 is unusual, but at least 10 are needed.
    spec.given([...history(), ...busy]).when(params).thenRaises([
      {
        ruleId: 'unusual-volume',
        pharmacyId: 'P001',
        subjectKey: 'P001',
        occurredAt: (busy[9].data as { dispensedAt: string }).dispensedAt,
        details: expect.objectContaining({ day: '2026-03-08', count: 10, baselineDays: 7, reason: 'statistical' }),
      },
    ]);
  });

  it('needs enough history before the statistical test applies', () => {
    spec.given([...day('2026-03-06', 2), ...day('2026-03-07', 2), ...day('2026-03-08', 12)]).when(params).thenNothing();
  });

  it('always flags a day above the fixed ceiling', () => {
    spec.given(day('2026-03-08', 6)).when({ ...params, dailyCeiling: 5 }).thenRaises([{ details: expect.objectContaining({ count: 6, reason: 'ceiling' }) }]);
  });

  it('stays quiet for an ordinary day and looks at each pharmacy on its own', () => {
    spec.given([...history(), ...day('2026-03-08', 3), ...day('2026-03-08', 12, 'P002')]).when(params).thenNothing();
  });

  it('gives the same alert however many dispenses followed', () => {
    const a = unusualVolumeRule([...history(), ...day('2026-03-08', 10)], params);
    const b = unusualVolumeRule([...history(), ...day('2026-03-08', 40)], params);
    expect(a).toEqual(b);
  });
});
