import {
  DispensingEventTypes,
  SettlementEventTypes,
  type AgreementDissolvedV1,
  type ClaimSubmittedV1,
  type DispensedV1,
  type PrescriptionClaimedV1,
} from '@rx/contracts';
import type { AuditFact } from '../audit-fact';
import { addDaysToDate, chinaDayStart } from '@rx/kernel';
import { alert, type Alert } from './rule';

interface Activity {
  kind: 'prescription-claimed' | 'dispensed' | 'settlement-claim';
  pharmacyId: string;
  /** When the activity counts as happening (for a settlement claim: the end of its period). */
  at: number;
  occurredAt: string;
  sourceEventId: string;
  prescriptionId?: string;
  patientId?: string;
  dispenseId?: string;
  claimId?: string;
}

/**
 * Business with a pharmacy after its agreement was dissolved (S2: such expenses are not settled).
 * Flags a prescription claimed or dispensed at or after the dissolution's `effectiveAt`, and a
 * settlement claim whose period reaches past it. Order of arrival does not matter: a dissolution
 * learnt late still flags what happened after its effective time.
 */
export function dissolvedAgreementRule(facts: readonly AuditFact[]): Alert[] {
  const dissolvedFrom = new Map<string, { at: number; effectiveAt: string; reasonCode: string; sourceEventId: string }>();
  for (const f of facts) {
    if (f.type !== SettlementEventTypes.agreementDissolved) continue;
    const d = f.data as AgreementDissolvedV1;
    const at = Date.parse(d.effectiveAt);
    const known = dissolvedFrom.get(d.pharmacyId);
    if (!known || at < known.at) dissolvedFrom.set(d.pharmacyId, { at, effectiveAt: d.effectiveAt, reasonCode: d.reasonCode, sourceEventId: f.sourceEventId });
  }
  if (dissolvedFrom.size === 0) return [];
  const alerts: Alert[] = [];
  for (const a of activities(facts)) {
    const dissolution = dissolvedFrom.get(a.pharmacyId);
    if (!dissolution || a.at < dissolution.at) continue;
    alerts.push(
      alert({
        ruleId: 'dissolved-agreement',
        cause: [a.kind, a.sourceEventId],
        severity: 'high',
        subjectKey: a.prescriptionId ?? a.pharmacyId,
        occurredAt: a.occurredAt,
        summary: `${a.kind.replace('-', ' ')} by pharmacy ${a.pharmacyId} after its agreement was dissolved on ${dissolution.effectiveAt}`,
        prescriptionId: a.prescriptionId,
        patientId: a.patientId,
        pharmacyId: a.pharmacyId,
        dispenseId: a.dispenseId,
        claimId: a.claimId,
        evidence: [dissolution.sourceEventId, a.sourceEventId],
        details: { activity: a.kind, effectiveAt: dissolution.effectiveAt, reasonCode: dissolution.reasonCode },
      }),
    );
  }
  return alerts;
}

function activities(facts: readonly AuditFact[]): Activity[] {
  const out: Activity[] = [];
  for (const f of facts) {
    if (f.type === DispensingEventTypes.prescriptionClaimed) {
      const d = f.data as PrescriptionClaimedV1;
      out.push({ kind: 'prescription-claimed', pharmacyId: d.pharmacyId, at: Date.parse(d.claimedAt), occurredAt: d.claimedAt, sourceEventId: f.sourceEventId, prescriptionId: d.prescriptionId });
    } else if (f.type === DispensingEventTypes.dispensed) {
      const d = f.data as DispensedV1;
      out.push({
        kind: 'dispensed',
        pharmacyId: d.pharmacyId,
        at: Date.parse(d.dispensedAt),
        occurredAt: d.dispensedAt,
        sourceEventId: f.sourceEventId,
        prescriptionId: d.prescriptionId,
        patientId: d.patientId,
        dispenseId: d.dispenseId,
      });
    } else if (f.type === SettlementEventTypes.claimSubmitted) {
      const d = f.data as ClaimSubmittedV1;
      // The period is inclusive China dates: it reaches up to the start of the day after periodEnd.
      const periodEndsAt = chinaDayStart(addDaysToDate(d.periodEnd, 1)).getTime() - 1;
      out.push({ kind: 'settlement-claim', pharmacyId: d.pharmacyId, at: periodEndsAt, occurredAt: d.submittedAt, sourceEventId: f.sourceEventId, claimId: d.claimId });
    }
  }
  return out;
}
