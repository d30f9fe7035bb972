import { SettlementEventTypes, type FundPaymentRecordedV1, type FundPaymentReversedV1 } from '@rx/contracts';
import { DAY_MS } from '@rx/kernel';
import type { AuditFact } from '../audit-fact';
import { alert, type Alert } from './rule';
import type { CashOutParams } from './monitoring-params';

interface Payment {
  f: AuditFact;
  d: FundPaymentRecordedV1;
  holderId: string;
  t: number;
}

type Pattern = 'DRAIN' | 'SELF_PAY_FROM_ACCOUNT';

/**
 * Personal-account cash-out (004: "personal account cash withdrawal"), per account holder and
 * pharmacy over a sliding window of `windowDays` (unreversed payments only):
 * - `DRAIN`: at least `drainMinPayments` purchases paid from the account, together at least
 *   `drainMinAccountFen`, with the account paying at least `drainMinShareBp` of their total: the
 *   account is emptied at one counter, the way a pharmacy that hands out cash or goods does.
 * - `SELF_PAY_FROM_ACCOUNT`: self-pay items (outside the fund's catalogue) paid from the account,
 *   together at least `selfPayMinAccountFen` (the account's part of a payment that goes to self-pay
 *   items is min(account, self-pay)).
 * One alert per pattern at the payment that first crosses the line; the pattern must fall back
 * below it before another alert, so a steady drain is one alert, not one per purchase.
 */
export function personalAccountCashOutRule(facts: readonly AuditFact[], params: CashOutParams): Alert[] {
  const reversed = new Set(facts.filter((f) => f.type === SettlementEventTypes.fundPaymentReversed).map((f) => (f.data as FundPaymentReversedV1).dispenseId));
  const groups = new Map<string, Payment[]>();
  for (const f of facts) {
    if (f.type !== SettlementEventTypes.fundPaymentRecorded) continue;
    const d = f.data as FundPaymentRecordedV1;
    if (reversed.has(d.dispenseId) || d.amounts.personalAccountFen <= 0) continue;
    const holderId = d.personalAccountHolderId ?? d.patientId;
    const key = `${holderId}\u0000${d.pharmacyId}`;
    const list = groups.get(key) ?? [];
    if (!list.some((p) => p.d.dispenseId === d.dispenseId)) list.push({ f, d, holderId, t: Date.parse(d.dispensedAt) });
    groups.set(key, list);
  }
  const alerts: Alert[] = [];
  for (const payments of groups.values()) {
    payments.sort((a, b) => a.t - b.t || (a.d.dispenseId < b.d.dispenseId ? -1 : 1));
    const over: Record<Pattern, boolean> = { DRAIN: false, SELF_PAY_FROM_ACCOUNT: false };
    payments.forEach((p, i) => {
      const window = payments.slice(0, i + 1).filter((o) => o.t > p.t - params.windowDays * DAY_MS);
      const accountFen = window.reduce((a, o) => a + o.d.amounts.personalAccountFen, 0);
      const totalFen = window.reduce((a, o) => a + o.d.amounts.totalFen, 0);
      const selfPayFromAccountFen = window.reduce((a, o) => a + Math.min(o.d.amounts.personalAccountFen, Math.max(0, o.d.amounts.fullyOwnPayFen - o.d.amounts.deliveryFeeFen)), 0);
      // Integer comparison: account x 10000 >= total x share (no floating point on money).
      const crossing: Record<Pattern, boolean> = {
        DRAIN: window.length >= params.drainMinPayments && accountFen >= params.drainMinAccountFen && accountFen * 10_000 >= totalFen * params.drainMinShareBp,
        SELF_PAY_FROM_ACCOUNT: selfPayFromAccountFen >= params.selfPayMinAccountFen,
      };
      for (const pattern of ['DRAIN', 'SELF_PAY_FROM_ACCOUNT'] as const) {
        if (crossing[pattern] && !over[pattern]) {
          alerts.push(
            alert({
              ruleId: 'personal-account-cash-out',
              cause: [pattern, p.holderId, p.d.pharmacyId, p.d.dispenseId],
              severity: 'high',
              subjectKey: p.d.prescriptionId,
              occurredAt: p.d.dispensedAt,
              summary:
                pattern === 'DRAIN'
                  ? `personal account of ${p.holderId} paid ${accountFen} fen over ${window.length} purchases at pharmacy ${p.d.pharmacyId} within ${params.windowDays} days`
                  : `personal account of ${p.holderId} paid ${selfPayFromAccountFen} fen of self-pay items at pharmacy ${p.d.pharmacyId} within ${params.windowDays} days`,
              prescriptionId: p.d.prescriptionId,
              patientId: p.d.patientId,
              pharmacyId: p.d.pharmacyId,
              dispenseId: p.d.dispenseId,
              evidence: window.map((o) => o.f.sourceEventId),
              details: { pattern, holderId: p.holderId, payments: window.length, accountFen, totalFen, selfPayFromAccountFen, windowDays: params.windowDays },
            }),
          );
        }
        over[pattern] = crossing[pattern];
      }
    });
  }
  return alerts;
}
