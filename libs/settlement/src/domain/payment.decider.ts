import { canonicalJson, exhaustive, type Decider, type Fen } from '@rx/kernel';
import { SETTLEMENT_AMOUNT_KEYS, textProblem, TextLimits, type SettlementAmountsV1 } from '@rx/contracts';
import type { AccountDelta, BenefitDelta, FundPaymentBreakdown, FundPaymentLine } from './fund-payment.calculator';
import { FundPaymentAlreadyRecorded, FundPaymentNotFound, InvalidFundPaymentRecord } from './settlement.errors';

/**
 * Fund payment record, stream `payment-{dispenseId}` (domain.md, breakdown): recorded once with
 * the full breakdown and policy version; a refund is a reversal keyed on the original, never an
 * edit. Both commands come from reactors, so a redelivery must append nothing.
 */

export interface FundPaymentRecordData {
  dispenseId: string;
  /** The dispensed prescription: key and subject of the integration events, and audit's join. */
  prescriptionId: string;
  patientId: string;
  pharmacyId: string;
  regionCode: string;
  /** Policy year the benefit ledger was charged for. */
  year: number;
  /** ISO instant of the dispense (selects the claim period). */
  dispensedAt: string;
  breakdown: FundPaymentBreakdown;
  ledgerDelta: BenefitDelta;
  accountDelta: AccountDelta | null;
}

// The breakdown's amounts are exactly the contract's: one list of keys for both.
const AMOUNT_KEYS = SETTLEMENT_AMOUNT_KEYS;
export type PaymentAmounts = Record<keyof SettlementAmountsV1, Fen>;

const LINE_AMOUNT_KEYS = [
  'amountFen',
  'fullyOwnPayFen',
  'overLimitSelfPayFen',
  'advanceSelfPayFen',
  'classBSelfPayFirstFen',
  'preSelfPayFen',
  'inScopeFen',
  'deductibleAppliedFen',
  'fundFen',
  'coPayFen',
  'personalAccountFen',
  'cashFen',
] as const;
type LineAmountKey = (typeof LINE_AMOUNT_KEYS)[number];
export type LineAmounts = { lineNo: number } & Record<LineAmountKey, Fen>;

export interface FundPaymentReversalData {
  dispenseId: string;
  /** The reversal is keyed on the original record: same dispense, same stream. */
  reversalOf: 'FundPaymentRecorded';
  prescriptionId: string;
  patientId: string;
  pharmacyId: string;
  regionCode: string;
  year: number;
  reason: string;
  reversedAt: string;
  policyVersion: string;
  /** Every amount of the original, negated (original + reversal = 0 field by field). */
  amounts: PaymentAmounts;
  lines: LineAmounts[];
  /** Exactly what the original consumed, to give back to the ledger and the account. */
  ledgerRestore: BenefitDelta;
  accountRestore: AccountDelta | null;
}

export type PaymentCommand =
  | { type: 'RecordFundPayment'; data: FundPaymentRecordData }
  | { type: 'ReverseFundPayment'; data: { dispenseId: string; reason: string } };

export type PaymentEvent = { type: 'FundPaymentRecorded'; data: FundPaymentRecordData } | { type: 'FundPaymentReversed'; data: FundPaymentReversalData };

export type Payment =
  | { status: 'none' }
  | { status: 'recorded'; record: FundPaymentRecordData }
  | { status: 'reversed'; record: FundPaymentRecordData; reversal: FundPaymentReversalData };

export function amountsOf(b: FundPaymentBreakdown): PaymentAmounts {
  return Object.fromEntries(AMOUNT_KEYS.map((k) => [k, b[k]])) as PaymentAmounts;
}

const negate = (v: Fen): Fen => (v === 0 ? 0 : -v);

export function negateAmounts(a: PaymentAmounts): PaymentAmounts {
  return Object.fromEntries(AMOUNT_KEYS.map((k) => [k, negate(a[k])])) as PaymentAmounts;
}

function negateLine(l: FundPaymentLine): LineAmounts {
  return { lineNo: l.lineNo, ...(Object.fromEntries(LINE_AMOUNT_KEYS.map((k) => [k, negate(l[k])])) as Record<LineAmountKey, Fen>) };
}

const MAX_REASON = TextLimits.reason.max;

function decide(command: PaymentCommand, state: Payment, now: Date): PaymentEvent[] {
  switch (command.type) {
    case 'RecordFundPayment': {
      const data = command.data;
      if (state.status !== 'none') {
        // Redelivery (even after a reversal) appends nothing; a different record is refused.
        if (canonicalJson(state.record) === canonicalJson(data)) return [];
        throw new FundPaymentAlreadyRecorded(`dispense ${data.dispenseId} already has a fund payment`, { details: { dispenseId: data.dispenseId } });
      }
      validateRecord(data);
      return [{ type: 'FundPaymentRecorded', data }];
    }
    case 'ReverseFundPayment': {
      const { dispenseId, reason } = command.data;
      if (textProblem(reason, TextLimits.reason)) {
        throw new InvalidFundPaymentRecord(`a reversal needs a reason of 1..${MAX_REASON} characters`, { field: 'reason' });
      }
      if (state.status === 'none') throw new FundPaymentNotFound(`no fund payment for dispense ${dispenseId}`);
      if (state.status === 'reversed') return [];
      const r = state.record;
      return [
        {
          type: 'FundPaymentReversed',
          data: {
            dispenseId: r.dispenseId,
            reversalOf: 'FundPaymentRecorded',
            prescriptionId: r.prescriptionId,
            patientId: r.patientId,
            pharmacyId: r.pharmacyId,
            regionCode: r.regionCode,
            year: r.year,
            reason: reason.trim(),
            reversedAt: now.toISOString(),
            policyVersion: r.breakdown.policyVersion,
            amounts: negateAmounts(amountsOf(r.breakdown)),
            lines: r.breakdown.lines.map(negateLine),
            ledgerRestore: { ...r.ledgerDelta },
            accountRestore: r.accountDelta ? { ...r.accountDelta } : null,
          },
        },
      ];
    }
    default:
      return exhaustive(command, 'payment command');
  }
}

/** The record must add up: a breakdown that does not balance is never stored. */
function validateRecord(d: FundPaymentRecordData): void {
  const b = d.breakdown;
  const fail = (why: string): never => {
    throw new InvalidFundPaymentRecord(`fund payment for ${d.dispenseId} does not balance: ${why}`);
  };
  if (b.totalFen !== b.fullyOwnPayFen + b.overLimitSelfPayFen + b.preSelfPayFen + b.inScopeFen) fail('total != own pay + over limit + pre self-pay + in scope');
  if (b.inScopeFen !== b.deductibleAppliedFen + b.fundFen + b.coPayFen) fail('in scope != deductible + fund + co-pay');
  if (b.totalFen !== b.fundFen + b.personalAccountFen + b.cashFen) fail('total != fund + account + cash');
  if (b.fundFen !== d.ledgerDelta.ordinaryFundFen + d.ledgerDelta.specialFundFen) fail('fund != ledger fund delta');
  if (b.personalAccountFen !== (d.accountDelta?.debitFen ?? 0)) fail('account != account delta');
  if (!/^\d{4}$/.test(String(d.year))) fail('year');
}

function evolve(state: Payment, event: PaymentEvent): Payment {
  switch (event.type) {
    case 'FundPaymentRecorded':
      return { status: 'recorded', record: event.data };
    case 'FundPaymentReversed':
      return state.status === 'none' ? state : { status: 'reversed', record: state.record, reversal: event.data };
    default:
      return exhaustive(event, 'payment event');
  }
}

export const paymentDecider: Decider<PaymentCommand, PaymentEvent, Payment> = {
  initialState: () => ({ status: 'none' }),
  decide,
  evolve,
};
