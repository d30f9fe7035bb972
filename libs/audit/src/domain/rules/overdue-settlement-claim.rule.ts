import { SettlementEventTypes, type ClaimPaidV1, type ClaimSubmittedV1 } from '@rx/contracts';
import type { AuditFact } from '../audit-fact';
import { addDaysToDate, chinaDate, chinaDayStart } from '@rx/kernel';
import { alert, type Alert } from './rule';
import type { OverdueClaimParams } from './monitoring-params';

/**
 * A pharmacy settlement claim past its deadline (S1: settle within 30 working days of receipt).
 * Time-driven: an unpaid claim becomes overdue when the China-time date passes `dueBy` (+ grace),
 * which only a sweep with the clock can notice; a claim paid late is flagged from its payment.
 * One alert per claim, whichever noticed it first; it is dated when the claim became overdue.
 */
export function overdueSettlementClaimRule(facts: readonly AuditFact[], params: OverdueClaimParams, now: Date): Alert[] {
  const submitted = new Map<string, { d: ClaimSubmittedV1; sourceEventId: string }>();
  const paid = new Map<string, { d: ClaimPaidV1; sourceEventId: string }>();
  for (const f of facts) {
    if (f.type === SettlementEventTypes.claimSubmitted) submitted.set((f.data as ClaimSubmittedV1).claimId, { d: f.data as ClaimSubmittedV1, sourceEventId: f.sourceEventId });
    if (f.type === SettlementEventTypes.claimPaid) paid.set((f.data as ClaimPaidV1).claimId, { d: f.data as ClaimPaidV1, sourceEventId: f.sourceEventId });
  }
  const today = chinaDate(now);
  const alerts: Alert[] = [];
  for (const [claimId, { d, sourceEventId }] of submitted) {
    const lastDay = addDaysToDate(d.dueBy, params.graceDays);
    const overdueFrom = addDaysToDate(lastDay, 1);
    const payment = paid.get(claimId);
    const paidLate = payment !== undefined && (payment.d.late || chinaDate(payment.d.paidAt) > lastDay);
    const unpaidOverdue = payment === undefined && today > lastDay;
    if (!paidLate && !unpaidOverdue) continue;
    alerts.push(
      alert({
        ruleId: 'overdue-settlement-claim',
        cause: [claimId],
        severity: 'warning',
        subjectKey: d.pharmacyId,
        occurredAt: chinaDayStart(overdueFrom).toISOString(),
        summary: paidLate
          ? `settlement claim ${claimId} of pharmacy ${d.pharmacyId} was paid on ${chinaDate(payment!.d.paidAt)}, after its deadline ${d.dueBy}`
          : `settlement claim ${claimId} of pharmacy ${d.pharmacyId} is unpaid past its deadline ${d.dueBy}`,
        pharmacyId: d.pharmacyId,
        claimId,
        evidence: payment ? [sourceEventId, payment.sourceEventId] : [sourceEventId],
        details: { dueBy: d.dueBy, dueByProvisional: d.dueByProvisional, graceDays: params.graceDays, fundFen: d.fundFen, paidLate, noticedOn: paidLate ? chinaDate(payment!.d.paidAt) : today },
      }),
    );
  }
  return alerts;
}
