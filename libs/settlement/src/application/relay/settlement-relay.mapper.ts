import {
  SettlementEventTypes,
  Topics,
  type ClaimLineV1,
  type RecoveryLineV1,
  type SettlementAmountsV1,
  type SettlementEventDataByType,
  type SettlementEventType,
} from '@rx/contracts';
import type { RecordedEvent } from '@rx/event-store';
import type { AgreementEvent } from '../../domain/agreement.decider';
import { amountsOf, type PaymentAmounts, type PaymentEvent } from '../../domain/payment.decider';
import type { ClaimLine, PharmacyClaimEvent, RecoveryLine } from '../../domain/pharmacy-claim.decider';

export const SETTLEMENT_RELAY = 'relay-settlement';
/** The streams whose events become integration events; ledgers, accounts and the claim index stay inside. */
export const RELAYED_STREAM_PREFIXES = ['payment-', 'agreement-', 'pharmacyclaim-'] as const;

export interface SettlementIntegrationMessage<T extends SettlementEventType = SettlementEventType> {
  topic: typeof Topics.settlement;
  /** Partition key and CloudEvents subject: the prescription id for payments, the pharmacy id otherwise. */
  key: string;
  type: T;
  data: SettlementEventDataByType[T];
}

const msg = <T extends SettlementEventType>(key: string, type: T, data: SettlementEventDataByType[T]): SettlementIntegrationMessage<T> => ({
  topic: Topics.settlement,
  key,
  type,
  data,
});

const amounts = (a: PaymentAmounts): SettlementAmountsV1 => ({ ...a });
const lines = (ls: readonly ClaimLine[]): ClaimLineV1[] => ls.map((l) => ({ dispenseId: l.dispenseId, prescriptionId: l.prescriptionId, fundFen: l.fundFen }));
const recoveryLine = (r: RecoveryLine): RecoveryLineV1 => ({ dispenseId: r.dispenseId, prescriptionId: r.prescriptionId, fromClaimId: r.fromClaimId, amountFen: r.amountFen });
const prescriptionIds = (...groups: readonly { prescriptionId: string }[][]): string[] => [...new Set(groups.flat().map((l) => l.prescriptionId))].sort();

type SettlementStoredEvent = PaymentEvent | AgreementEvent | PharmacyClaimEvent;

/** Stored settlement events → rx.settlement.v1; null for what stays inside the context. */
export function toSettlementIntegrationEvent(recorded: RecordedEvent): SettlementIntegrationMessage | null {
  if (!RELAYED_STREAM_PREFIXES.some((p) => recorded.streamId.startsWith(p))) return null;
  const e = { type: recorded.type, data: recorded.data } as SettlementStoredEvent;
  switch (e.type) {
    case 'FundPaymentRecorded': {
      const d = e.data;
      const b = d.breakdown;
      return msg(d.prescriptionId, SettlementEventTypes.fundPaymentRecorded, {
        dispenseId: d.dispenseId,
        prescriptionId: d.prescriptionId,
        patientId: d.patientId,
        pharmacyId: d.pharmacyId,
        regionCode: d.regionCode,
        policyYear: d.year,
        policyVersion: b.policyVersion,
        // Records written before the provisional rule carry no flag: they were not provisional.
        policyProvisional: b.policyProvisional === true,
        personalAccountHolderId: b.personalAccountHolderId,
        amounts: amounts(amountsOf(b)),
        flags: [...b.flags],
        dispensedAt: d.dispensedAt,
        paidAt: recorded.metadata.occurredAt,
      });
    }
    case 'FundPaymentReversed': {
      const d = e.data;
      return msg(d.prescriptionId, SettlementEventTypes.fundPaymentReversed, {
        dispenseId: d.dispenseId,
        prescriptionId: d.prescriptionId,
        patientId: d.patientId,
        pharmacyId: d.pharmacyId,
        regionCode: d.regionCode,
        policyYear: d.year,
        policyVersion: d.policyVersion,
        reason: d.reason,
        reversedAt: d.reversedAt,
        amounts: amounts(d.amounts),
      });
    }
    case 'AgreementSeeded': {
      const d = e.data;
      // An agreement already dissolved in the reference data is news for the dispensing side too.
      if (!d.dissolution) return null;
      return msg(d.pharmacyId, SettlementEventTypes.agreementDissolved, {
        pharmacyId: d.pharmacyId,
        regionCode: d.regionCode,
        reasonCode: d.dissolution.reasonCode,
        effectiveAt: new Date(d.dissolution.effectiveAt).toISOString(),
        origin: 'REFERENCE_DATA',
        dissolvedBy: null,
        recordedAt: recorded.metadata.occurredAt,
      });
    }
    case 'AgreementDissolved': {
      const d = e.data;
      return msg(d.pharmacyId, SettlementEventTypes.agreementDissolved, {
        pharmacyId: d.pharmacyId,
        regionCode: d.regionCode,
        reasonCode: d.reasonCode,
        effectiveAt: d.effectiveAt,
        origin: 'AGENCY',
        dissolvedBy: d.dissolvedBy,
        recordedAt: d.recordedAt,
      });
    }
    case 'ClaimSubmitted': {
      const d = e.data;
      return msg(d.pharmacyId, SettlementEventTypes.claimSubmitted, {
        claimId: d.claimId,
        pharmacyId: d.pharmacyId,
        submittedBy: d.submittedBy,
        periodStart: d.periodStart,
        periodEnd: d.periodEnd,
        submittedAt: d.submittedAt,
        dueBy: d.dueBy,
        dueByProvisional: d.dueByProvisional,
        dispenseCount: d.dispenses.length,
        fundFen: d.fundFen,
        lines: lines(d.dispenses),
        recoveries: (d.recoveries ?? []).map(recoveryLine),
        recoveryFen: d.recoveryFen ?? 0,
        prescriptionIds: prescriptionIds(d.dispenses, d.recoveries ?? []),
      });
    }
    case 'ClaimApproved': {
      const d = e.data;
      return msg(d.pharmacyId, SettlementEventTypes.claimApproved, {
        claimId: d.claimId,
        pharmacyId: d.pharmacyId,
        approvedBy: d.approvedBy,
        approvedAt: d.approvedAt,
        approvedFundFen: d.approvedFundFen,
        approvedLines: lines(d.approvedLines),
        refusedLines: d.refusedLines.map((r) => ({ dispenseId: r.dispenseId, prescriptionId: r.prescriptionId, reason: r.reason })),
        prescriptionIds: prescriptionIds(d.approvedLines, d.refusedLines),
      });
    }
    case 'ClaimPaid': {
      const d = e.data;
      return msg(d.pharmacyId, SettlementEventTypes.claimPaid, {
        claimId: d.claimId,
        pharmacyId: d.pharmacyId,
        paidBy: d.paidBy,
        paidAt: d.paidAt,
        amountFen: d.amountFen,
        late: d.late,
        lines: lines(d.paidLines),
        grossFen: d.grossFen ?? d.paidLines.reduce((a, l) => a + l.fundFen, 0),
        withdrawnLines: (d.withdrawnLines ?? []).map((w) => ({ dispenseId: w.dispenseId, prescriptionId: w.prescriptionId, fundFen: w.fundFen, reason: w.reason })),
        recovered: (d.recovered ?? []).map((r) => ({ ...recoveryLine(r), recoveredFen: r.recoveredFen })),
        carriedForwardFen: d.carriedForwardFen ?? 0,
        prescriptionIds: prescriptionIds(d.paidLines, d.withdrawnLines ?? [], d.recovered ?? []),
      });
    }
    case 'RecoveryRaised': {
      const d = e.data;
      return msg(d.prescriptionId, SettlementEventTypes.recoveryRaised, {
        claimId: d.claimId,
        pharmacyId: d.pharmacyId,
        dispenseId: d.dispenseId,
        prescriptionId: d.prescriptionId,
        regionCode: d.regionCode,
        year: d.year,
        amountFen: d.amountFen,
        reason: d.reason,
        raisedAt: d.raisedAt,
      });
    }
    // Inside the claim: a refund before payment shows as the refused or withdrawn line of the approval or payment.
    case 'ClaimLineReversed':
    case 'ClaimLineWithdrawn':
      return null;
    default:
      // Compile-time exhaustive; at run time a type this build does not know publishes nothing.
      return unknownType(e);
  }
}

function unknownType(_e: never): null {
  return null;
}
