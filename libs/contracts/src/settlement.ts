import type { CloudEvent } from './cloud-event';
import { textProblem, TextLimits, type TextLimit } from './text';

/**
 * Integration events the settlement context publishes on `rx.settlement.v1`.
 * Subject and partition key: the prescription id for fund payments (one prescription's events stay
 * ordered with dispensing's); the pharmacy id for agreements and pharmacy claims, which belong to
 * no single prescription. Claims list every dispense and prescription they cover so audit can
 * attach them to each prescription's history. A shape change means a new `.vN` type.
 */
export const SettlementEventTypes = {
  fundPaymentRecorded: 'rx.settlement.fund-payment-recorded.v1',
  fundPaymentReversed: 'rx.settlement.fund-payment-reversed.v1',
  agreementDissolved: 'rx.settlement.agreement-dissolved.v1',
  claimSubmitted: 'rx.settlement.claim-submitted.v1',
  claimApproved: 'rx.settlement.claim-approved.v1',
  claimPaid: 'rx.settlement.claim-paid.v1',
  recoveryRaised: 'rx.settlement.recovery-raised.v1',
} as const;

export type SettlementEventType = (typeof SettlementEventTypes)[keyof typeof SettlementEventTypes];

export const SETTLEMENT_EVENT_TYPES: readonly SettlementEventType[] = Object.values(SettlementEventTypes);

export type FundPaymentFlagV1 = 'AGREEMENT_DISSOLVED' | 'CAP_REACHED' | 'SPECIAL_CAP_REACHED' | 'ACCOUNT_BALANCE_SHORT' | 'NO_PLAN_FOR_INSURANCE_TYPE';

/**
 * The settlement breakdown in fen (domain.md; national platform field names in brackets).
 * totalFen = fullyOwnPayFen + overLimitSelfPayFen + preSelfPayFen + inScopeFen
 * inScopeFen = deductibleAppliedFen + fundFen + coPayFen; totalFen = fundFen + personalAccountFen + cashFen.
 * In a reversal every amount is the original's negation.
 */
export interface SettlementAmountsV1 {
  /** medfee_sumamt */
  totalFen: number;
  /** fulamt_ownpay_amt: self-pay drugs and the delivery fee */
  fullyOwnPayFen: number;
  /** overlmt_selfpay */
  overLimitSelfPayFen: number;
  /** preselfpay_amt: Class B self-pay-first and the resident special-drug advance */
  preSelfPayFen: number;
  /** inscp_scp_amt */
  inScopeFen: number;
  /** act_pay_dedc */
  deductibleAppliedFen: number;
  /** hifp_pay: ordinary and special buckets */
  fundFen: number;
  /** pool_prop_selfpay */
  coPayFen: number;
  /** acct_pay */
  personalAccountFen: number;
  /** psn_cash_pay */
  cashFen: number;
  /** Part of fundFen from the special-drug bucket (accounted separately). */
  specialFundFen: number;
  /** Part of coPayFen the fund would have paid above the annual cap. */
  capShortfallFen: number;
  /** Part of fullyOwnPayFen and cashFen. */
  deliveryFeeFen: number;
  /** totalFen - fundFen */
  patientShareFen: number;
}

export interface FundPaymentRecordedV1 {
  dispenseId: string;
  prescriptionId: string;
  patientId: string;
  pharmacyId: string;
  regionCode: string;
  policyYear: number;
  /** The policy the amounts were computed under, so a replay years later explains them. */
  policyVersion: string;
  /** addition: true when policyYear had no published policy and the amounts follow another year's. */
  policyProvisional?: boolean;
  /** Whose personal account paid (the patient or a family member), null when none. */
  personalAccountHolderId: string | null;
  amounts: SettlementAmountsV1;
  flags: FundPaymentFlagV1[];
  /** ISO instant of the dispense. */
  dispensedAt: string;
  /** ISO instant the payment was recorded. */
  paidAt: string;
}

export interface FundPaymentReversedV1 {
  dispenseId: string;
  prescriptionId: string;
  patientId: string;
  pharmacyId: string;
  regionCode: string;
  policyYear: number;
  policyVersion: string;
  reason: string;
  reversedAt: string;
  /** The original amounts negated. */
  amounts: SettlementAmountsV1;
}

export interface AgreementDissolvedV1 {
  pharmacyId: string;
  regionCode: string;
  reasonCode: string;
  /** Expenses at or after this instant are not settled by the fund; dispensing refuses new claims. */
  effectiveAt: string;
  /** AGENCY: dissolved through the API; REFERENCE_DATA: the agreement was already dissolved when seeded. */
  origin: 'AGENCY' | 'REFERENCE_DATA';
  /** Agency user, null for REFERENCE_DATA. */
  dissolvedBy: string | null;
  recordedAt: string;
}

export interface ClaimLineV1 {
  dispenseId: string;
  prescriptionId: string;
  fundFen: number;
}

export interface RefusedClaimLineV1 {
  dispenseId: string;
  prescriptionId: string;
  reason: string;
}

/** A recovery (冲销) deducted from a claim: the fund's share of a dispense refunded after an earlier claim paid it. */
export interface RecoveryLineV1 {
  dispenseId: string;
  prescriptionId: string;
  /** The paid claim that had reimbursed the refunded dispense. */
  fromClaimId: string;
  /** Positive: what the claim deducts. */
  amountFen: number;
}

export interface RecoveredLineV1 extends RecoveryLineV1 {
  /** Of amountFen, what the payment offset; the rest carries forward to the next claim. */
  recoveredFen: number;
}

export interface WithdrawnClaimLineV1 extends ClaimLineV1 {
  reason: string;
}

/**
 * A dispense refunded after the claim that reimbursed it was paid: the pharmacy owes the fund its
 * share back, deducted from its next claims (or outstanding, if none comes). Subject and key: the
 * prescription id, so it sits in the prescription's history beside the refund.
 */
export interface RecoveryRaisedV1 {
  claimId: string;
  pharmacyId: string;
  dispenseId: string;
  prescriptionId: string;
  regionCode: string;
  year: number;
  amountFen: number;
  reason: string;
  raisedAt: string;
}

export interface ClaimSubmittedV1 {
  claimId: string;
  pharmacyId: string;
  submittedBy: string;
  /** ISO dates (China time), inclusive. */
  periodStart: string;
  periodEnd: string;
  submittedAt: string;
  /** ISO date: the last working day the agency has to settle (S1). */
  dueBy: string;
  /** The deadline ran into a year without holiday data (weekdays only). */
  dueByProvisional: boolean;
  dispenseCount: number;
  fundFen: number;
  lines: ClaimLineV1[];
  /** Negative lines (optional: absent before recoveries existed); prescriptionIds covers them too. */
  recoveries?: RecoveryLineV1[];
  recoveryFen?: number;
  /** Distinct prescription ids of the lines, sorted. */
  prescriptionIds: string[];
}

export interface ClaimApprovedV1 {
  claimId: string;
  pharmacyId: string;
  approvedBy: string;
  approvedAt: string;
  approvedFundFen: number;
  approvedLines: ClaimLineV1[];
  refusedLines: RefusedClaimLineV1[];
  prescriptionIds: string[];
}

export interface ClaimPaidV1 {
  claimId: string;
  pharmacyId: string;
  paidBy: string;
  paidAt: string;
  amountFen: number;
  /** Paid after the deadline. */
  late: boolean;
  lines: ClaimLineV1[];
  /** Optional (absent before recoveries existed): amountFen = grossFen - sum(recovered.recoveredFen). */
  grossFen?: number;
  /** Approved lines refunded before payment, taken out of it. */
  withdrawnLines?: WithdrawnClaimLineV1[];
  recovered?: RecoveredLineV1[];
  carriedForwardFen?: number;
  prescriptionIds: string[];
}

export interface SettlementEventDataByType {
  'rx.settlement.fund-payment-recorded.v1': FundPaymentRecordedV1;
  'rx.settlement.fund-payment-reversed.v1': FundPaymentReversedV1;
  'rx.settlement.agreement-dissolved.v1': AgreementDissolvedV1;
  'rx.settlement.claim-submitted.v1': ClaimSubmittedV1;
  'rx.settlement.claim-approved.v1': ClaimApprovedV1;
  'rx.settlement.claim-paid.v1': ClaimPaidV1;
  'rx.settlement.recovery-raised.v1': RecoveryRaisedV1;
}

export type SettlementCloudEvent = {
  [K in SettlementEventType]: CloudEvent<K, SettlementEventDataByType[K]>;
}[SettlementEventType];

/** Which data field is the envelope's subject and the partition key. */
export function settlementSubjectField(type: SettlementEventType): 'prescriptionId' | 'pharmacyId' {
  return type === SettlementEventTypes.fundPaymentRecorded || type === SettlementEventTypes.fundPaymentReversed || type === SettlementEventTypes.recoveryRaised
    ? 'prescriptionId'
    : 'pharmacyId';
}

// ---- validation: hand-written so a dead-letter reason names the exact field ----

const MAX_ID = TextLimits.id.max;
const MAX_LINES = 10_000;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const FLAGS: readonly FundPaymentFlagV1[] = ['AGREEMENT_DISSOLVED', 'CAP_REACHED', 'SPECIAL_CAP_REACHED', 'ACCOUNT_BALANCE_SHORT', 'NO_PLAN_FOR_INSURANCE_TYPE'];
/** Every amount of a settlement breakdown, in the national platform's order: the one list of them. */
export const SETTLEMENT_AMOUNT_KEYS: readonly (keyof SettlementAmountsV1)[] = [
  'totalFen',
  'fullyOwnPayFen',
  'overLimitSelfPayFen',
  'preSelfPayFen',
  'inScopeFen',
  'deductibleAppliedFen',
  'fundFen',
  'coPayFen',
  'personalAccountFen',
  'cashFen',
  'specialFundFen',
  'capShortfallFen',
  'deliveryFeeFen',
  'patientShareFen',
];

type Data = Record<string, unknown>;
type Check = (d: Data, p: string) => void;
class Invalid extends Error {}
const fail = (path: string, what: string): never => {
  throw new Invalid(`${path} ${what}`);
};
const obj = (v: unknown, path: string): Data => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'must be an object');
  return v as Data;
};
const str = (d: Data, k: string, p: string, max: number | TextLimit = MAX_ID): string => {
  const v = d[k];
  const problem = textProblem(v, typeof max === 'number' ? { max } : max);
  if (problem) fail(`${p}.${k}`, problem);
  return v as string;
};
const nullableStr = (d: Data, k: string, p: string): void => {
  if (d[k] !== null) str(d, k, p);
};
const instant = (d: Data, k: string, p: string): void => {
  const v = d[k];
  if (typeof v !== 'string' || !ISO_INSTANT.test(v) || Number.isNaN(Date.parse(v))) fail(`${p}.${k}`, 'must be an ISO-8601 instant');
};
const date = (d: Data, k: string, p: string): string => {
  const v = d[k];
  if (typeof v !== 'string' || !ISO_DATE.test(v) || new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) !== v) fail(`${p}.${k}`, 'must be an ISO date YYYY-MM-DD');
  return v as string;
};
const int = (d: Data, k: string, p: string, min = -Number.MAX_SAFE_INTEGER): number => {
  const v = d[k];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(`${p}.${k}`, 'must be an integer');
  if ((v as number) < min) fail(`${p}.${k}`, `must be at least ${min}`);
  return v as number;
};
const bool = (d: Data, k: string, p: string): void => {
  if (typeof d[k] !== 'boolean') fail(`${p}.${k}`, 'must be a boolean');
};
const oneOf = (d: Data, k: string, p: string, allowed: readonly unknown[]): void => {
  if (!allowed.includes(d[k])) fail(`${p}.${k}`, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
};
const arr = (d: Data, k: string, p: string, max: number, min = 0): unknown[] => {
  const v = d[k];
  if (!Array.isArray(v)) fail(`${p}.${k}`, 'must be an array');
  const a = v as unknown[];
  if (a.length < min) fail(`${p}.${k}`, `must have at least ${min} element(s)`);
  if (a.length > max) fail(`${p}.${k}`, `must have at most ${max} elements`);
  return a;
};

/** Amounts must be integers and balance (the identities above); `sign` 1 for a payment, -1 for a reversal. */
function amounts(d: Data, p: string, sign: 1 | -1): void {
  const a = obj(d.amounts, `${p}.amounts`);
  const ap = `${p}.amounts`;
  const v = Object.fromEntries(SETTLEMENT_AMOUNT_KEYS.map((k) => [k, int(a, k, ap)])) as unknown as SettlementAmountsV1;
  for (const k of SETTLEMENT_AMOUNT_KEYS) if (sign * v[k] < 0) fail(`${ap}.${k}`, sign === 1 ? 'must not be negative' : 'must not be positive');
  if (v.totalFen !== v.fullyOwnPayFen + v.overLimitSelfPayFen + v.preSelfPayFen + v.inScopeFen) fail(`${ap}.totalFen`, 'must equal fully own pay + over limit + pre self-pay + in scope');
  if (v.inScopeFen !== v.deductibleAppliedFen + v.fundFen + v.coPayFen) fail(`${ap}.inScopeFen`, 'must equal deductible + fund + co-pay');
  if (v.totalFen !== v.fundFen + v.personalAccountFen + v.cashFen) fail(`${ap}.totalFen`, 'must equal fund + personal account + cash');
}

function claimLines(d: Data, k: string, p: string, min = 0): void {
  const seen = new Set<string>();
  arr(d, k, p, MAX_LINES, min).forEach((e, i) => {
    const lp = `${p}.${k}[${i}]`;
    const l = obj(e, lp);
    const id = str(l, 'dispenseId', lp);
    if (seen.has(id)) fail(`${lp}.dispenseId`, `repeats ${id}`);
    seen.add(id);
    str(l, 'prescriptionId', lp);
    int(l, 'fundFen', lp, 0);
  });
}

function recoveryLines(d: Data, k: string, p: string, recovered: boolean): void {
  if (d[k] === undefined) return;
  arr(d, k, p, MAX_LINES).forEach((e, i) => {
    const lp = `${p}.${k}[${i}]`;
    const l = obj(e, lp);
    for (const f of ['dispenseId', 'prescriptionId', 'fromClaimId']) str(l, f, lp);
    const amount = int(l, 'amountFen', lp, 1);
    if (recovered && int(l, 'recoveredFen', lp, 0) > amount) fail(`${lp}.recoveredFen`, 'must not exceed amountFen');
  });
}

function prescriptionIds(d: Data, p: string): void {
  arr(d, 'prescriptionIds', p, MAX_LINES).forEach((v, i) => {
    const problem = textProblem(v, TextLimits.id);
    if (problem) fail(`${p}.prescriptionIds[${i}]`, problem);
  });
}

const validators: { [K in SettlementEventType]: Check } = {
  'rx.settlement.fund-payment-recorded.v1': (d, p) => {
    for (const k of ['dispenseId', 'prescriptionId', 'patientId', 'pharmacyId', 'regionCode', 'policyVersion']) str(d, k, p);
    int(d, 'policyYear', p, 1900);
    if (d.policyProvisional !== undefined) bool(d, 'policyProvisional', p);
    nullableStr(d, 'personalAccountHolderId', p);
    amounts(d, p, 1);
    arr(d, 'flags', p, FLAGS.length).forEach((f, i) => {
      if (!FLAGS.includes(f as FundPaymentFlagV1)) fail(`${p}.flags[${i}]`, `must be one of ${FLAGS.join(', ')}`);
    });
    instant(d, 'dispensedAt', p);
    instant(d, 'paidAt', p);
  },
  'rx.settlement.fund-payment-reversed.v1': (d, p) => {
    for (const k of ['dispenseId', 'prescriptionId', 'patientId', 'pharmacyId', 'regionCode', 'policyVersion']) str(d, k, p);
    int(d, 'policyYear', p, 1900);
    str(d, 'reason', p, TextLimits.reason);
    instant(d, 'reversedAt', p);
    amounts(d, p, -1);
  },
  'rx.settlement.agreement-dissolved.v1': (d, p) => {
    str(d, 'pharmacyId', p);
    str(d, 'regionCode', p);
    str(d, 'reasonCode', p);
    instant(d, 'effectiveAt', p);
    oneOf(d, 'origin', p, ['AGENCY', 'REFERENCE_DATA']);
    if (d.origin === 'AGENCY') str(d, 'dissolvedBy', p);
    else nullableStr(d, 'dissolvedBy', p);
    instant(d, 'recordedAt', p);
  },
  'rx.settlement.claim-submitted.v1': (d, p) => {
    for (const k of ['claimId', 'pharmacyId', 'submittedBy']) str(d, k, p);
    if (date(d, 'periodStart', p) > date(d, 'periodEnd', p)) fail(`${p}.periodStart`, 'must not be after periodEnd');
    instant(d, 'submittedAt', p);
    date(d, 'dueBy', p);
    bool(d, 'dueByProvisional', p);
    claimLines(d, 'lines', p, 1);
    if (int(d, 'dispenseCount', p, 1) !== (d.lines as unknown[]).length) fail(`${p}.dispenseCount`, 'must equal the number of lines');
    if (int(d, 'fundFen', p, 0) !== (d.lines as ClaimLineV1[]).reduce((a, l) => a + l.fundFen, 0)) fail(`${p}.fundFen`, 'must equal the sum of the lines');
    recoveryLines(d, 'recoveries', p, false);
    if (d.recoveries !== undefined && int(d, 'recoveryFen', p, 0) !== (d.recoveries as RecoveryLineV1[]).reduce((a, l) => a + l.amountFen, 0)) {
      fail(`${p}.recoveryFen`, 'must equal the sum of the recoveries');
    }
    prescriptionIds(d, p);
  },
  'rx.settlement.claim-approved.v1': (d, p) => {
    for (const k of ['claimId', 'pharmacyId', 'approvedBy']) str(d, k, p);
    instant(d, 'approvedAt', p);
    claimLines(d, 'approvedLines', p);
    if (int(d, 'approvedFundFen', p, 0) !== (d.approvedLines as ClaimLineV1[]).reduce((a, l) => a + l.fundFen, 0)) fail(`${p}.approvedFundFen`, 'must equal the sum of the approved lines');
    arr(d, 'refusedLines', p, MAX_LINES).forEach((e, i) => {
      const lp = `${p}.refusedLines[${i}]`;
      const l = obj(e, lp);
      str(l, 'dispenseId', lp);
      str(l, 'prescriptionId', lp);
      str(l, 'reason', lp, TextLimits.reason);
    });
    prescriptionIds(d, p);
  },
  'rx.settlement.claim-paid.v1': (d, p) => {
    for (const k of ['claimId', 'pharmacyId', 'paidBy']) str(d, k, p);
    instant(d, 'paidAt', p);
    const amount = int(d, 'amountFen', p, 0);
    bool(d, 'late', p);
    claimLines(d, 'lines', p);
    recoveryLines(d, 'recovered', p, true);
    if (d.grossFen !== undefined) {
      const gross = int(d, 'grossFen', p, 0);
      if (gross !== (d.lines as ClaimLineV1[]).reduce((a, l) => a + l.fundFen, 0)) fail(`${p}.grossFen`, 'must equal the sum of the lines');
      const recovered = ((d.recovered as RecoveredLineV1[] | undefined) ?? []).reduce((a, r) => a + r.recoveredFen, 0);
      if (amount !== gross - recovered) fail(`${p}.amountFen`, 'must equal grossFen less what was recovered');
      int(d, 'carriedForwardFen', p, 0);
    }
    if (d.withdrawnLines !== undefined) {
      arr(d, 'withdrawnLines', p, MAX_LINES).forEach((e, i) => {
        const lp = `${p}.withdrawnLines[${i}]`;
        const l = obj(e, lp);
        str(l, 'dispenseId', lp);
        str(l, 'prescriptionId', lp);
        int(l, 'fundFen', lp, 0);
        str(l, 'reason', lp, TextLimits.reason);
      });
    }
    prescriptionIds(d, p);
  },
  'rx.settlement.recovery-raised.v1': (d, p) => {
    for (const k of ['claimId', 'pharmacyId', 'dispenseId', 'prescriptionId', 'regionCode']) str(d, k, p);
    int(d, 'year', p, 1900);
    int(d, 'amountFen', p, 1);
    str(d, 'reason', p, TextLimits.reason);
    instant(d, 'raisedAt', p);
  },
};

export function isSettlementEventType(type: unknown): type is SettlementEventType {
  return typeof type === 'string' && Object.prototype.hasOwnProperty.call(validators, type);
}

/** Validates the data of a settlement event: undefined when valid, otherwise the reason naming the field. */
export function validateSettlementEventData(type: string, data: unknown): string | undefined {
  if (!isSettlementEventType(type)) return `unknown settlement event type ${JSON.stringify(type)}`;
  try {
    validators[type](obj(data, 'data'), 'data');
    return undefined;
  } catch (e) {
    if (e instanceof Invalid) return e.message;
    throw e;
  }
}

export const validateFundPaymentRecordedV1 = (data: unknown) => validateSettlementEventData(SettlementEventTypes.fundPaymentRecorded, data);
export const validateFundPaymentReversedV1 = (data: unknown) => validateSettlementEventData(SettlementEventTypes.fundPaymentReversed, data);
export const validateAgreementDissolvedV1 = (data: unknown) => validateSettlementEventData(SettlementEventTypes.agreementDissolved, data);
export const validateClaimSubmittedV1 = (data: unknown) => validateSettlementEventData(SettlementEventTypes.claimSubmitted, data);
export const validateClaimApprovedV1 = (data: unknown) => validateSettlementEventData(SettlementEventTypes.claimApproved, data);
export const validateClaimPaidV1 = (data: unknown) => validateSettlementEventData(SettlementEventTypes.claimPaid, data);
export const validateRecoveryRaisedV1 = (data: unknown) => validateSettlementEventData(SettlementEventTypes.recoveryRaised, data);

/**
 * For `ConsumerOptions.validate` on rx.settlement.v1: a reason to dead-letter, or undefined.
 * Unknown types are refused; extra fields are tolerated. The subject must be the key field.
 */
export function validateSettlementCloudEvent(event: { type: string; subject: string; data: unknown }): string | undefined {
  const reason = validateSettlementEventData(event.type, event.data);
  if (reason) return `${event.type}: ${reason}`;
  const field = settlementSubjectField(event.type as SettlementEventType);
  const expected = (event.data as Data)[field];
  if (event.subject !== expected) return `${event.type}: subject must equal data.${field} (${String(expected)})`;
  return undefined;
}
