import { applyRatio, ratioToBasisPoints, type Fen } from '@rx/kernel';
import type { DrugClass, InstitutionLevel, InsurancePlan, InsuranceType, RegionPolicy } from '@rx/reference-data';
import { allocateLargestRemainder } from './allocation';
import { InvalidFundPaymentInput } from './settlement.errors';

/**
 * The policy engine (F1-F6): what the pooling fund, the personal account and the patient pay for
 * one dispense. Pure and data-driven: every number comes from the plan of the patient's insurance
 * type in the RegionPolicy (ordinary lines: its outpatient plan; special drugs: its inpatient plan,
 * F4); a type without a plan gets no fund payment. The caller picks the policy of the patient's
 * insured region and the dispense's year, and says whether that policy is provisional.
 *
 * Rounding steps (F6: integer fen, half-up, at each defined step and nowhere else):
 *  R1 line amount = quantity x unit price (exact integers).
 *  R1' over-limit = quantity x (unit price - payment standard) when the price is above it (exact).
 *  R2 per line, half-up: the special-drug advance share (on the amount within the standard), then
 *     the Class B self-pay-first share (on what is left after the advance).
 *  R3 deductible: integer subtraction, no rounding.
 *  R4 per bucket (ordinary, special), once on the total: fund = round_half_up((eligible - deductible)
 *     x ratio), then limited to the bucket's remaining annual cap.
 *  R5 bucket totals (deductible, fund) go to lines by largest remainder, proportional to each
 *     line's eligible amount (deductible) and eligible-after-deductible amount (fund), ties to the
 *     earlier line, so lines sum exactly to the total.
 *  R6 personal account = min(balance, what it may pay): integer, then to lines by largest
 *     remainder proportional to what each line lets it pay.
 */

export type Bucket = 'ordinary' | 'special';

export interface FundPaymentLineInput {
  lineNo: number;
  drugCode: string;
  drugClass: DrugClass;
  special: boolean;
  quantity: number;
  unitPriceFen: Fen;
  /**
   * The drug's payment standard per unit (支付标准, reference data `paymentStandardFen`). The part of
   * the price above it is over-limit self-pay, outside the fund's scope. The procurement reference
   * price is not a payment limit (D7 only flags it). Absent: no limit.
   */
  paymentLimitUnitFen?: Fen;
}

export interface FundPaymentInput {
  lines: readonly FundPaymentLineInput[];
  deliveryFeeFen: Fen;
  patient: { insuranceType: InsuranceType; retired: boolean };
  /** Level of the dispensing institution; a retail pharmacy is level 1 (F1). */
  institutionLevel: InstitutionLevel;
  /** The pharmacy's agreement was dissolved before the dispense (S2): the fund pays nothing. */
  agreementDissolved: boolean;
}

/** The patient's benefit ledger for the year before this dispense (see benefit-ledger.decider). */
export interface BenefitUsage {
  deductibleUsedFen: Fen;
  ordinaryFundUsedFen: Fen;
  /** Special drugs have no deductible (001); kept for ledgers written before that rule. */
  specialDeductibleUsedFen: Fen;
  specialFundUsedFen: Fen;
}

export const NO_BENEFIT_USED: BenefitUsage = Object.freeze({
  deductibleUsedFen: 0,
  ordinaryFundUsedFen: 0,
  specialDeductibleUsedFen: 0,
  specialFundUsedFen: 0,
});

/** The personal account that pays: the patient's own, or a family holder's (F5); null when none. */
export interface PersonalAccountSnapshot {
  holderId: string;
  balanceFen: Fen;
}

export type FundPaymentFlag =
  /** S2: expense after the pharmacy's agreement was dissolved; neither fund nor account pays. */
  | 'AGREEMENT_DISSOLVED'
  /** The ordinary annual cap limited the fund (or was already used up). */
  | 'CAP_REACHED'
  /** The special-drug annual bucket (the inpatient plan's cap) limited the fund. */
  | 'SPECIAL_CAP_REACHED'
  /** The region's policy has no plan for the patient's insurance type: the fund pays nothing. */
  | 'NO_PLAN_FOR_INSURANCE_TYPE'
  /** The personal account balance was shorter than what it could have paid. */
  | 'ACCOUNT_BALANCE_SHORT';

/** Field comments name the national platform's settlement fields (domain.md, breakdown). */
export interface FundPaymentLine {
  lineNo: number;
  drugCode: string;
  drugClass: DrugClass;
  special: boolean;
  /** null for a self-pay drug: no fund bucket. */
  bucket: Bucket | null;
  quantity: number;
  unitPriceFen: Fen;
  /** medfee_sumamt of the line. */
  amountFen: Fen;
  /** fulamt_ownpay_amt: a drug outside the catalog. */
  fullyOwnPayFen: Fen;
  /** overlmt_selfpay: price above the payment standard. */
  overLimitSelfPayFen: Fen;
  /** Special-drug advance share, residents (part of preSelfPayFen). */
  advanceSelfPayFen: Fen;
  /** Class B self-pay-first share (part of preSelfPayFen). */
  classBSelfPayFirstFen: Fen;
  /** preselfpay_amt = advance + Class B first share. */
  preSelfPayFen: Fen;
  /** inscp_scp_amt: eligible for the fund. */
  inScopeFen: Fen;
  /** act_pay_dedc. */
  deductibleAppliedFen: Fen;
  /** hifp_pay. */
  fundFen: Fen;
  /** pool_prop_selfpay: in-scope amount the patient bears after the deductible (incl. cap shortfall). */
  coPayFen: Fen;
  /** acct_pay. */
  personalAccountFen: Fen;
  /** psn_cash_pay. */
  cashFen: Fen;
}

export interface FundPaymentBreakdown {
  /** medfee_sumamt: every line plus the delivery fee. */
  totalFen: Fen;
  /** fulamt_ownpay_amt: self-pay drugs + delivery fee (F3, D5). */
  fullyOwnPayFen: Fen;
  /** overlmt_selfpay. */
  overLimitSelfPayFen: Fen;
  /** preselfpay_amt: Class B self-pay-first + resident special-drug advance. */
  preSelfPayFen: Fen;
  /** inscp_scp_amt. */
  inScopeFen: Fen;
  /** act_pay_dedc (both buckets). */
  deductibleAppliedFen: Fen;
  /** hifp_pay (both buckets). */
  fundFen: Fen;
  /** pool_prop_selfpay = inScope - deductible - fund; includes capShortfallFen. */
  coPayFen: Fen;
  /** acct_pay. */
  personalAccountFen: Fen;
  /** psn_cash_pay. */
  cashFen: Fen;
  /** The part of fundFen paid from the special-drug bucket (F4: accounted separately). */
  specialFundFen: Fen;
  /** What the fund would have paid above the remaining annual cap (part of coPayFen). */
  capShortfallFen: Fen;
  /** Part of fullyOwnPayFen; never paid by fund nor account (D5, F5). */
  deliveryFeeFen: Fen;
  /** totalFen - fundFen: what the patient owes, from account and cash. */
  patientShareFen: Fen;
  /** Ratios applied, basis points (0 when the bucket had nothing eligible or the agreement was dissolved). */
  ordinaryRatioBp: number;
  specialRatioBp: number;
  regionCode: string;
  policyYear: number;
  policyVersion: string;
  /** The policy is another year's: the dispense's year has none published (ReferenceDataService.policyChoice). */
  policyProvisional: boolean;
  /** The insurance type whose plan was applied; null when the policy has none for the patient. */
  plan: InsuranceType | null;
  /** Holder whose personal account paid (the patient or a family member), null when none. */
  personalAccountHolderId: string | null;
  lines: FundPaymentLine[];
  flags: FundPaymentFlag[];
}

/** What this payment consumes from the patient's benefit ledger (all >= 0). */
export interface BenefitDelta {
  deductibleFen: Fen;
  ordinaryFundFen: Fen;
  specialDeductibleFen: Fen;
  specialFundFen: Fen;
}

export interface AccountDelta {
  holderId: string;
  debitFen: Fen;
}

export interface FundPaymentResult {
  breakdown: FundPaymentBreakdown;
  ledgerDelta: BenefitDelta;
  /** null when no personal account paid. */
  accountDelta: AccountDelta | null;
}

const MAX_LINES = 200;
const MAX_LINE_NO = 10_000;

interface BucketParams {
  deductibleRemaining: Fen;
  capRemaining: Fen;
  ratioBp: number;
}

/** Basis points for ordinary lines: the outpatient level ratio, plus the plan's retiree bonus for a retiree (F2). */
export function ordinaryRatioBasisPoints(plan: InsurancePlan, level: InstitutionLevel, patient: FundPaymentInput['patient']): number {
  const base = ratioToBasisPoints(plan.outpatient.ratioByLevel[String(level) as '1' | '2' | '3']);
  const bonus = patient.retired && plan.outpatient.retireeBonus !== undefined ? ratioToBasisPoints(plan.outpatient.retireeBonus) : 0;
  return Math.min(10_000, base + bonus);
}

/** Basis points for special drugs: the inpatient plan's ratio; the outpatient retiree bonus does not apply (README). */
export function specialRatioBasisPoints(plan: InsurancePlan): number {
  return ratioToBasisPoints(plan.inpatient.ratio);
}

export interface PolicyContext {
  /** The dispense's year has no published policy; `policy` is another year's. */
  provisional: boolean;
}

export function computeFundPayment(
  input: FundPaymentInput,
  policy: RegionPolicy,
  ledgerBefore: BenefitUsage,
  accountBefore: PersonalAccountSnapshot | null,
  context: PolicyContext = { provisional: false },
): FundPaymentResult {
  validate(input, ledgerBefore, accountBefore);
  const dissolved = input.agreementDissolved;
  // Never another type's figures: without a plan nothing is shared out before the fund, and it pays nothing.
  const plan = policy.plans[input.patient.insuranceType];
  const ordinaryClassBbp = plan ? ratioToBasisPoints(plan.outpatient.classBSelfPayFirst) : 0;
  const specialClassBbp = plan ? ratioToBasisPoints(plan.inpatient.classBSelfPayFirst) : 0;
  const advanceBp = plan?.inpatient.specialDrugAdvanceSelfPay !== undefined ? ratioToBasisPoints(plan.inpatient.specialDrugAdvanceSelfPay) : 0;

  // R1, R2: classify each line.
  const lines: FundPaymentLine[] = input.lines.map((l) => {
    const amountFen = l.quantity * l.unitPriceFen;
    const base = {
      lineNo: l.lineNo,
      drugCode: l.drugCode,
      drugClass: l.drugClass,
      special: l.special,
      quantity: l.quantity,
      unitPriceFen: l.unitPriceFen,
      amountFen,
      deductibleAppliedFen: 0,
      fundFen: 0,
      coPayFen: 0,
      personalAccountFen: 0,
      cashFen: 0,
    };
    if (l.drugClass === 'SELF_PAY') {
      // Outside the catalog: never eligible, whatever its special flag says (F3).
      return { ...base, bucket: null, fullyOwnPayFen: amountFen, overLimitSelfPayFen: 0, advanceSelfPayFen: 0, classBSelfPayFirstFen: 0, preSelfPayFen: 0, inScopeFen: 0 };
    }
    const limited = l.paymentLimitUnitFen !== undefined && l.unitPriceFen > l.paymentLimitUnitFen ? l.quantity * l.paymentLimitUnitFen : amountFen;
    const overLimitSelfPayFen = amountFen - limited;
    let rest = limited;
    let advanceSelfPayFen = 0;
    let classBSelfPayFirstFen = 0;
    if (l.special) {
      // F4: the advance share first (residents' inpatient plan), then its Class B policy on the rest.
      advanceSelfPayFen = applyRatio(rest, advanceBp);
      rest -= advanceSelfPayFen;
      if (l.drugClass === 'B') classBSelfPayFirstFen = applyRatio(rest, specialClassBbp);
    } else if (l.drugClass === 'B') {
      classBSelfPayFirstFen = applyRatio(rest, ordinaryClassBbp);
    }
    rest -= classBSelfPayFirstFen;
    return {
      ...base,
      bucket: l.special ? 'special' : 'ordinary',
      fullyOwnPayFen: 0,
      overLimitSelfPayFen,
      advanceSelfPayFen,
      classBSelfPayFirstFen,
      preSelfPayFen: advanceSelfPayFen + classBSelfPayFirstFen,
      inScopeFen: rest,
    };
  });

  const flags: FundPaymentFlag[] = [];
  if (dissolved) flags.push('AGREEMENT_DISSOLVED');
  if (!plan) flags.push('NO_PLAN_FOR_INSURANCE_TYPE');

  const buckets: Record<Bucket, BucketParams> | null = plan
    ? {
        ordinary: {
          deductibleRemaining: Math.max(0, plan.outpatient.deductibleFen - ledgerBefore.deductibleUsedFen),
          capRemaining: Math.max(0, plan.outpatient.annualCapFen - ledgerBefore.ordinaryFundUsedFen),
          ratioBp: ordinaryRatioBasisPoints(plan, input.institutionLevel, input.patient),
        },
        // F4: no deductible for special drugs at outpatient and retail pharmacies (001).
        special: {
          deductibleRemaining: 0,
          capRemaining: Math.max(0, plan.inpatient.annualCapFen - ledgerBefore.specialFundUsedFen),
          ratioBp: specialRatioBasisPoints(plan),
        },
      }
    : null;
  const outcome: Record<Bucket, { deductible: Fen; fund: Fen; shortfall: Fen; ratioBp: number }> = {
    ordinary: { deductible: 0, fund: 0, shortfall: 0, ratioBp: 0 },
    special: { deductible: 0, fund: 0, shortfall: 0, ratioBp: 0 },
  };

  if (!dissolved && buckets) {
    for (const bucket of ['ordinary', 'special'] as const) {
      const members = lines.filter((l) => l.bucket === bucket);
      const eligible = members.reduce((a, l) => a + l.inScopeFen, 0);
      if (eligible === 0) continue;
      const p = buckets[bucket];
      // R3
      const deductible = Math.min(eligible, p.deductibleRemaining);
      const dedParts = allocateLargestRemainder(deductible, members.map((l) => l.inScopeFen));
      members.forEach((l, i) => (l.deductibleAppliedFen = dedParts[i]));
      // R4
      const raw = applyRatio(eligible - deductible, p.ratioBp);
      const fund = Math.min(raw, p.capRemaining);
      const fundParts = allocateLargestRemainder(fund, members.map((l) => l.inScopeFen - l.deductibleAppliedFen));
      members.forEach((l, i) => (l.fundFen = fundParts[i]));
      outcome[bucket] = { deductible, fund, shortfall: raw - fund, ratioBp: p.ratioBp };
      if (raw > fund) flags.push(bucket === 'ordinary' ? 'CAP_REACHED' : 'SPECIAL_CAP_REACHED');
    }
  }
  for (const l of lines) l.coPayFen = l.inScopeFen - l.deductibleAppliedFen - l.fundFen;

  // R6: the account pays the patient's medical share (never the delivery fee, which is no line).
  const accountWeights = lines.map((l) => {
    if (dissolved || accountBefore === null) return 0;
    const medicalShare = l.amountFen - l.fullyOwnPayFen - l.fundFen;
    const selfPayDrug = policy.personalAccountPaysSelfPayDrugs ? l.fullyOwnPayFen : 0;
    return medicalShare + selfPayDrug;
  });
  const accountPayable = accountWeights.reduce((a, w) => a + w, 0);
  const accountTotal = accountBefore === null ? 0 : Math.min(accountPayable, accountBefore.balanceFen);
  if (accountBefore !== null && accountTotal < accountPayable) flags.push('ACCOUNT_BALANCE_SHORT');
  const accountParts = allocateLargestRemainder(accountTotal, accountWeights);
  lines.forEach((l, i) => {
    l.personalAccountFen = accountParts[i];
    l.cashFen = l.amountFen - l.fundFen - l.personalAccountFen;
  });

  const sum = (pick: (l: FundPaymentLine) => Fen): Fen => lines.reduce((a, l) => a + pick(l), 0);
  const totalFen = sum((l) => l.amountFen) + input.deliveryFeeFen;
  const fundFen = outcome.ordinary.fund + outcome.special.fund;
  const breakdown: FundPaymentBreakdown = {
    totalFen,
    fullyOwnPayFen: sum((l) => l.fullyOwnPayFen) + input.deliveryFeeFen,
    overLimitSelfPayFen: sum((l) => l.overLimitSelfPayFen),
    preSelfPayFen: sum((l) => l.preSelfPayFen),
    inScopeFen: sum((l) => l.inScopeFen),
    deductibleAppliedFen: outcome.ordinary.deductible + outcome.special.deductible,
    fundFen,
    coPayFen: sum((l) => l.coPayFen),
    personalAccountFen: accountTotal,
    cashFen: sum((l) => l.cashFen) + input.deliveryFeeFen,
    specialFundFen: outcome.special.fund,
    capShortfallFen: outcome.ordinary.shortfall + outcome.special.shortfall,
    deliveryFeeFen: input.deliveryFeeFen,
    patientShareFen: totalFen - fundFen,
    ordinaryRatioBp: outcome.ordinary.ratioBp,
    specialRatioBp: outcome.special.ratioBp,
    regionCode: policy.regionCode,
    policyYear: policy.year,
    policyVersion: policy.version,
    policyProvisional: context.provisional,
    plan: plan ? input.patient.insuranceType : null,
    personalAccountHolderId: accountTotal > 0 && accountBefore !== null ? accountBefore.holderId : null,
    lines,
    flags,
  };
  return {
    breakdown,
    ledgerDelta: {
      deductibleFen: outcome.ordinary.deductible,
      ordinaryFundFen: outcome.ordinary.fund,
      specialDeductibleFen: outcome.special.deductible,
      specialFundFen: outcome.special.fund,
    },
    accountDelta: accountTotal > 0 && accountBefore !== null ? { holderId: accountBefore.holderId, debitFen: accountTotal } : null,
  };
}

function validate(input: FundPaymentInput, ledger: BenefitUsage, account: PersonalAccountSnapshot | null): void {
  const bad = (message: string, field: string): never => {
    throw new InvalidFundPaymentInput(message, { field });
  };
  const fenOk = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (!Array.isArray(input.lines) || input.lines.length === 0) bad('a dispense has at least one line', 'lines');
  if (input.lines.length > MAX_LINES) bad(`at most ${MAX_LINES} lines`, 'lines');
  if (!fenOk(input.deliveryFeeFen)) bad('delivery fee must be non-negative integer fen', 'deliveryFeeFen');
  if (![1, 2, 3].includes(input.institutionLevel)) bad('institution level must be 1, 2 or 3', 'institutionLevel');
  if (input.patient.insuranceType !== 'employee' && input.patient.insuranceType !== 'resident') bad('unknown insurance type', 'patient.insuranceType');
  const seen = new Set<number>();
  let total = input.deliveryFeeFen;
  input.lines.forEach((l, i) => {
    const f = `lines[${i}]`;
    if (!Number.isInteger(l.lineNo) || l.lineNo < 1 || l.lineNo > MAX_LINE_NO) bad('line number must be a positive integer', `${f}.lineNo`);
    if (seen.has(l.lineNo)) bad(`line number ${l.lineNo} repeated`, `${f}.lineNo`);
    seen.add(l.lineNo);
    if (typeof l.drugCode !== 'string' || l.drugCode.length === 0) bad('drug code required', `${f}.drugCode`);
    if (l.drugClass !== 'A' && l.drugClass !== 'B' && l.drugClass !== 'SELF_PAY') bad('drug class must be A, B or SELF_PAY', `${f}.drugClass`);
    if (!Number.isSafeInteger(l.quantity) || l.quantity < 1) bad('quantity must be a positive integer', `${f}.quantity`);
    if (!fenOk(l.unitPriceFen)) bad('unit price must be non-negative integer fen', `${f}.unitPriceFen`);
    if (l.paymentLimitUnitFen !== undefined && !fenOk(l.paymentLimitUnitFen)) bad('payment limit must be non-negative integer fen', `${f}.paymentLimitUnitFen`);
    const amount = l.quantity * l.unitPriceFen;
    if (!Number.isSafeInteger(amount)) bad('line amount out of range', f);
    total += amount;
  });
  if (!Number.isSafeInteger(total)) bad('total out of range', 'lines');
  for (const k of ['deductibleUsedFen', 'ordinaryFundUsedFen', 'specialDeductibleUsedFen', 'specialFundUsedFen'] as const) {
    if (!fenOk(ledger[k])) bad('ledger amounts must be non-negative integer fen', `ledgerBefore.${k}`);
  }
  if (account !== null) {
    if (!fenOk(account.balanceFen)) bad('account balance must be non-negative integer fen', 'accountBefore.balanceFen');
    if (typeof account.holderId !== 'string' || account.holderId.length === 0) bad('account holder required', 'accountBefore.holderId');
  }
}
