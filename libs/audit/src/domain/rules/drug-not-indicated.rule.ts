import { PrescribingEventTypes, type PrescriptionIssuedV1 } from '@rx/contracts';
import type { AuditFact } from '../audit-fact';
import { alert, type Alert } from './rule';
import type { DrugNotIndicatedParams } from './monitoring-params';

/** ICD-10 codes compared without the dot and case: `E11.9` is under the prefix `E11`. */
const normal = (code: string): string => code.replace(/\./g, '').toUpperCase();

/**
 * Unreasonable medication (004): a drug prescribed although none of the prescription's diagnoses is
 * among its indications. `indications` maps a drug code to ICD-10 prefixes (reference data,
 * `indications.json`); a drug without an entry is not judged (no table, no opinion). One alert per
 * prescription and drug, `warning`, at issue.
 */
export function drugNotIndicatedRule(facts: readonly AuditFact[], params: DrugNotIndicatedParams): Alert[] {
  const alerts: Alert[] = [];
  for (const f of facts) {
    if (f.type !== PrescribingEventTypes.prescriptionIssued) continue;
    const d = f.data as PrescriptionIssuedV1;
    const diagnoses = d.diagnoses.map((x) => normal(x.code));
    for (const item of d.items) {
      const prefixes = params.indications[item.drugCode];
      if (!prefixes || prefixes.length === 0) continue;
      if (diagnoses.some((code) => prefixes.some((p) => code.startsWith(normal(p))))) continue;
      alerts.push(
        alert({
          ruleId: 'drug-not-indicated',
          cause: [d.prescriptionId, item.drugCode],
          severity: 'warning',
          subjectKey: d.prescriptionId,
          occurredAt: d.issuedAt,
          summary: `${item.drugCode} prescribed by ${d.physicianId} at ${d.institutionId} for ${d.diagnoses.map((x) => x.code).join(', ')}; indicated for ${prefixes.join(', ')}`,
          prescriptionId: d.prescriptionId,
          patientId: d.patientId,
          drugCode: item.drugCode,
          evidence: [f.sourceEventId],
          details: { diagnoses: d.diagnoses.map((x) => x.code).join(','), indicatedFor: prefixes.join(','), physicianId: d.physicianId, institutionId: d.institutionId },
        }),
      );
    }
  }
  return alerts;
}
