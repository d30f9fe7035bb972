import { DispensingEventTypes, type DispensedV1 } from '@rx/contracts';
import type { AuditFact } from '../audit-fact';
import { alert, type Alert } from './rule';
import type { PriceAboveReferenceParams } from './monitoring-params';

/**
 * A sale price above the procurement reference price (D7): allowed, never refused, flagged here.
 * One alert per dispense line whose unit price exceeds the reference by more than the tolerance
 * (the dispensing context's `aboveReferencePrice` flag is trusted as well as recomputed).
 */
export function priceAboveReferenceRule(facts: readonly AuditFact[], params: PriceAboveReferenceParams): Alert[] {
  const alerts: Alert[] = [];
  for (const f of facts) {
    if (f.type !== DispensingEventTypes.dispensed) continue;
    const d = f.data as DispensedV1;
    for (const l of d.lines) {
      const excessPerUnit = l.unitPriceFen - l.referencePriceFen;
      // Integer comparison: excess x 10000 > reference x tolerance (no floating point on money).
      const beyondTolerance = excessPerUnit > 0 && excessPerUnit * 10_000 > l.referencePriceFen * params.toleranceBasisPoints;
      const flagged = params.toleranceBasisPoints === 0 ? l.aboveReferencePrice || excessPerUnit > 0 : beyondTolerance;
      if (!flagged) continue;
      alerts.push(
        alert({
          ruleId: 'price-above-reference',
          cause: [d.dispenseId, l.drugCode],
          severity: 'info',
          subjectKey: d.prescriptionId,
          occurredAt: d.dispensedAt,
          summary: `${l.drugCode} sold at ${l.unitPriceFen} fen per unit, reference ${l.referencePriceFen} fen, by pharmacy ${d.pharmacyId}`,
          prescriptionId: d.prescriptionId,
          patientId: d.patientId,
          pharmacyId: d.pharmacyId,
          dispenseId: d.dispenseId,
          drugCode: l.drugCode,
          evidence: [f.sourceEventId],
          details: {
            unitPriceFen: l.unitPriceFen,
            referencePriceFen: l.referencePriceFen,
            quantity: l.quantity,
            excessFen: Math.max(0, excessPerUnit) * l.quantity,
            excessBasisPoints: l.referencePriceFen > 0 ? Math.round((excessPerUnit * 10_000) / l.referencePriceFen) : null,
          },
        }),
      );
    }
  }
  return alerts;
}
