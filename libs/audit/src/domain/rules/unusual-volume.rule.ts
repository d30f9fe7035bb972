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
export function unusualVolumeRule(facts: readonly AuditFact[], params: UnusualVolumeParams): Alert[] {
  const byPharmacy = new Map<string, Map<string, { at: string; sourceEventId: string; dispenseId: string }[]>>();
  const seen = new Set<string>();
  for (const f of facts) {
    if (f.type !== DispensingEventTypes.dispensed) continue;
    const d = f.data as DispensedV1;
    if (seen.has(d.dispenseId)) continue;
    seen.add(d.dispenseId);
    const days = byPharmacy.get(d.pharmacyId) ?? new Map();
    const day = chinaDate(d.dispensedAt);
    days.set(day, [...(days.get(day) ?? []), { at: d.dispensedAt, sourceEventId: f.sourceEventId, dispenseId: d.dispenseId }]);
    byPharmacy.set(d.pharmacyId, days);
  }
  const alerts: Alert[] = [];
  for (const [pharmacyId, days] of byPharmacy) {
    const firstDay = [...days.keys()].sort()[0];
    for (const [day, dispenses] of days) {
      const baselineStart = maxDate(firstDay, addDaysToDate(day, -params.lookbackDays));
      const baselineDays = Math.max(0, daysBetween(baselineStart, day));
      const counts: number[] = [];
      for (let i = 0; i < baselineDays; i++) counts.push(days.get(addDaysToDate(baselineStart, i))?.length ?? 0);
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
      if (dispenses.length < crossing) continue;
      const ordered = [...dispenses].sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || (a.dispenseId < b.dispenseId ? -1 : 1));
      const trigger = ordered[crossing - 1];
      alerts.push(
        alert({
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
        }),
      );
    }
  }
  return alerts;
}

function maxDate(a: string, b: string): string {
  return a > b ? a : b;
}
