import { exhaustive, formatYuan } from '@rx/kernel';
import { contextOfType, typed, type AuditFact } from './audit-fact';

const isKnown = (type: string): boolean => contextOfType(type) !== undefined;

/** The key facts of one event in a line, for timelines (CLI and the `summary` of history entries). */
export function describeFact(fact: AuditFact): string {
  if (!isKnown(fact.type)) return fact.type;
  const f = typed(fact);
  switch (f.type) {
    case 'rx.prescribing.prescription-issued.v1':
      return `issued by ${f.data.physicianId} at ${f.data.institutionId} for patient ${f.data.patientId}${f.data.longTerm ? ' (long-term)' : ''}: ${f.data.items
        .map((i) => `${i.drugCode} x${i.quantity} (${i.daysSupply}d)`)
        .join(', ')}; valid until ${f.data.validUntil}`;
    case 'rx.prescribing.revocation-requested.v1':
      return `revocation requested by ${f.data.requestedBy}: ${f.data.reason}${f.data.holderPharmacyId ? ` (held by ${f.data.holderPharmacyId})` : ''}`;
    case 'rx.prescribing.prescription-revoked.v1':
      return `revoked (${f.data.via}) by ${f.data.revokedBy}: ${f.data.reason}`;
    case 'rx.prescribing.revocation-declined.v1':
      return `revocation declined; status ${f.data.status}`;
    case 'rx.prescribing.prescription-expired.v1':
      return `expired (valid until ${f.data.validUntil})`;
    case 'rx.dispensing.prescription-claimed.v1':
      return `claimed by pharmacy ${f.data.pharmacyId} until ${f.data.expiresAt}`;
    case 'rx.dispensing.claim-released.v1':
      return `claim of pharmacy ${f.data.pharmacyId} released (${f.data.reason})`;
    case 'rx.dispensing.prescription-reviewed.v1':
      return `reviewed by ${f.data.pharmacistId} at ${f.data.pharmacyId}: ${f.data.decision}${f.data.reasons.length ? ` (${f.data.reasons.join('; ')})` : ''}`;
    case 'rx.dispensing.dispensed.v1': {
      const total = f.data.lines.reduce((a, l) => a + l.amountFen, 0) + f.data.deliveryFeeFen;
      const above = f.data.lines.some((l) => l.aboveReferencePrice) ? ', ABOVE REFERENCE PRICE' : '';
      return `dispense ${f.data.dispenseId} instalment ${f.data.instalment} at ${f.data.pharmacyId}: ${f.data.lines
        .map((l) => `${l.drugCode} x${l.quantity} @${formatYuan(l.unitPriceFen)}`)
        .join(', ')}; total ${formatYuan(total)} yuan${above}${f.data.fullyDispensed ? '; fully dispensed' : ''}`;
    }
    case 'rx.dispensing.dispense-reversed.v1':
      return `dispense ${f.data.dispenseId} reversed at ${f.data.pharmacyId}: ${f.data.reason}`;
    case 'rx.dispensing.revocation-answered.v1':
      return `pharmacy answered the revocation: ${f.data.outcome}`;
    case 'rx.dispensing.prescription-withdrawn.v1':
      return `withdrawn from dispensing (${f.data.reason})`;
    case 'rx.prescribing.issue-refused.v1':
      return `REFUSED issue by ${f.data.physicianId} at ${f.data.institutionId} for patient ${f.data.patientId}: ${f.data.code} (${f.data.drugCodes.join(', ')})`;
    case 'rx.dispensing.attempt-refused.v1':
      return `REFUSED ${f.data.command} at ${f.data.pharmacyId} by ${f.data.pharmacistId}: ${f.data.code}${
        f.data.traceCodes ? ` (${f.data.traceCodes.map((t) => `${t.traceCode} sold in dispense ${t.heldByDispenseId}`).join(', ')})` : ''
      }${f.data.drugCodes ? ` (${f.data.drugCodes.join(', ')})` : ''}`;
    case 'rx.settlement.fund-payment-recorded.v1':
      return `fund paid ${formatYuan(f.data.amounts.fundFen)} of ${formatYuan(f.data.amounts.totalFen)} yuan for dispense ${f.data.dispenseId} (personal account ${formatYuan(
        f.data.amounts.personalAccountFen,
      )}, cash ${formatYuan(f.data.amounts.cashFen)}; policy ${f.data.policyVersion})${f.data.flags.length ? ` [${f.data.flags.join(', ')}]` : ''}`;
    case 'rx.settlement.fund-payment-reversed.v1':
      return `fund payment for dispense ${f.data.dispenseId} reversed (${formatYuan(f.data.amounts.fundFen)} yuan): ${f.data.reason}`;
    case 'rx.settlement.agreement-dissolved.v1':
      return `agreement of pharmacy ${f.data.pharmacyId} dissolved from ${f.data.effectiveAt} (${f.data.reasonCode}, ${f.data.origin})`;
    case 'rx.settlement.claim-submitted.v1': {
      const rec = f.data.recoveries ?? [];
      const recovering = rec.length
        ? `, less recoveries ${rec.map((r) => `-${formatYuan(r.amountFen)} for refunded dispense ${r.dispenseId}`).join(', ')}`
        : '';
      return `settlement claim ${f.data.claimId} submitted by ${f.data.pharmacyId}: ${f.data.dispenseCount} dispenses, ${formatYuan(f.data.fundFen)} yuan${recovering}, due by ${f.data.dueBy}`;
    }
    case 'rx.settlement.claim-approved.v1':
      return `settlement claim ${f.data.claimId} approved: ${formatYuan(f.data.approvedFundFen)} yuan${f.data.refusedLines.length ? `, ${f.data.refusedLines.length} line(s) refused` : ''}`;
    case 'rx.settlement.claim-paid.v1': {
      const withdrawn = (f.data.withdrawnLines ?? []).map((w) => `; dispense ${w.dispenseId} withdrawn (refunded before payment, ${formatYuan(w.fundFen)} yuan)`).join('');
      const recovered = (f.data.recovered ?? []).map((r) => `; recovered ${formatYuan(r.recoveredFen)} of ${formatYuan(r.amountFen)} yuan for refunded dispense ${r.dispenseId}`).join('');
      const carried = f.data.carriedForwardFen ? `; ${formatYuan(f.data.carriedForwardFen)} yuan carried forward` : '';
      return `settlement claim ${f.data.claimId} paid: ${formatYuan(f.data.amountFen)} yuan${f.data.late ? ' (LATE)' : ''}${withdrawn}${recovered}${carried}`;
    }
    case 'rx.settlement.recovery-raised.v1':
      return `dispense ${f.data.dispenseId} refunded after claim ${f.data.claimId} paid pharmacy ${f.data.pharmacyId}: ${formatYuan(f.data.amountFen)} yuan to recover from the pharmacy`;
    default:
      return exhaustive(f, 'fact type');
  }
}
