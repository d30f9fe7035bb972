import { DispensingEventTypes, type DispensedV1, type DispenseReversedV1 } from '@rx/contracts';
import { DAY_MS } from '@rx/kernel';
import type { AuditFact } from '../audit-fact';
import { alert, type Alert } from './rule';
import type { StockpilingParams } from './monitoring-params';

interface Supply {
  patientId: string;
  drugCode: string;
  prescriptionId: string;
  dispenseId: string;
  pharmacyId: string;
  start: number;
  end: number;
  at: string;
  sourceEventId: string;
}

/**
 * Stockpiling through overlapping prescriptions (A1): when a patient is dispensed a drug while
 * still holding supply of the same drug from *other* prescriptions, the overlap is counted in days
 * of supply. A dispense whose overlap with earlier dispenses (started within `windowDays`, not
 * reversed) exceeds `overlapDaysThreshold` raises one alert. Instalments of one prescription never
 * count against each other: the dispensing context already bounds them.
 */
export function stockpilingRule(facts: readonly AuditFact[], params: StockpilingParams): Alert[] {
  const reversed = new Set(facts.filter((f) => f.type === DispensingEventTypes.dispenseReversed).map((f) => (f.data as DispenseReversedV1).dispenseId));
  const byPatientDrug = new Map<string, Supply[]>();
  for (const f of facts) {
    if (f.type !== DispensingEventTypes.dispensed) continue;
    const d = f.data as DispensedV1;
    if (reversed.has(d.dispenseId)) continue;
    const start = Date.parse(d.dispensedAt);
    for (const l of d.lines) {
      const days = l.daysSupply ?? d.daysSupply;
      const s: Supply = {
        patientId: d.patientId,
        drugCode: l.drugCode,
        prescriptionId: d.prescriptionId,
        dispenseId: d.dispenseId,
        pharmacyId: d.pharmacyId,
        start,
        end: start + days * DAY_MS,
        at: d.dispensedAt,
        sourceEventId: f.sourceEventId,
      };
      const key = `${s.patientId}\u0000${s.drugCode}`;
      const list = byPatientDrug.get(key) ?? [];
      if (!list.some((x) => x.dispenseId === s.dispenseId)) list.push(s);
      byPatientDrug.set(key, list);
    }
  }
  const alerts: Alert[] = [];
  for (const supplies of byPatientDrug.values()) {
    supplies.sort((a, b) => a.start - b.start || (a.dispenseId < b.dispenseId ? -1 : a.dispenseId > b.dispenseId ? 1 : 0));
    for (let i = 0; i < supplies.length; i++) {
      const s = supplies[i];
      const earlier = supplies.slice(0, i).filter((o) => o.prescriptionId !== s.prescriptionId && o.start >= s.start - params.windowDays * DAY_MS);
      let overlapMs = 0;
      const evidence: string[] = [];
      for (const o of earlier) {
        const overlap = Math.min(o.end, s.end) - Math.max(o.start, s.start);
        if (overlap > 0) {
          overlapMs += overlap;
          evidence.push(o.sourceEventId);
        }
      }
      const overlapDays = Math.floor(overlapMs / DAY_MS);
      if (overlapDays <= params.overlapDaysThreshold) continue;
      alerts.push(
        alert({
          ruleId: 'stockpiling',
          cause: [s.patientId, s.drugCode, s.dispenseId],
          severity: 'warning',
          subjectKey: s.prescriptionId,
          occurredAt: s.at,
          summary: `patient ${s.patientId} received ${s.drugCode} while holding ${overlapDays} days of it from ${evidence.length} other prescription(s)`,
          prescriptionId: s.prescriptionId,
          patientId: s.patientId,
          pharmacyId: s.pharmacyId,
          dispenseId: s.dispenseId,
          drugCode: s.drugCode,
          evidence: [...evidence, s.sourceEventId],
          details: { overlapDays, thresholdDays: params.overlapDaysThreshold, windowDays: params.windowDays, otherPrescriptions: new Set(earlier.map((o) => o.prescriptionId)).size },
        }),
      );
    }
  }
  return alerts;
}
