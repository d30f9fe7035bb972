import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ReferenceDataService, type InsuranceType } from '@rx/reference-data';
import { benefitLedgerDecider, benefitLimits, usageOf } from '../../../domain/benefit-ledger.decider';
import { personalAccountDecider } from '../../../domain/personal-account.decider';
import { benefitStreamId, personalAccountStreamId } from '../../../domain/stream-ids';
import { payerOf } from '../../payment/dispensed-input';
import { PatientNotFound, PolicyNotFound } from '../../settlement-app.errors';
import { SettlementStore } from '../../settlement-store';
import { GetBenefitsQuery } from './get-benefits.query';

export interface BenefitsView {
  patientId: string;
  year: number;
  regionCode: string;
  policyVersion: string;
  /** The year has no published policy: the figures are the latest published one's. */
  policyProvisional: boolean;
  /** The insurance type whose plan applies; null when the region's policy has none for the patient (the fund pays nothing). */
  plan: InsuranceType | null;
  deductibleFen: number;
  deductibleUsedFen: number;
  deductibleRemainingFen: number;
  ordinaryFundCapFen: number;
  ordinaryFundUsedFen: number;
  ordinaryFundRemainingFen: number;
  specialDeductibleUsedFen: number;
  specialFundCapFen: number;
  specialFundUsedFen: number;
  specialFundRemainingFen: number;
  /** The account that pays for the patient (their own, or the family holder's), null when none. */
  personalAccount: { holderId: string; openingBalanceFen: number; balanceFen: number; familyAccount: boolean } | null;
}

/** The benefit ledger of a patient and year, read from its stream, against the region's policy. */
@QueryHandler(GetBenefitsQuery)
export class GetBenefitsHandler implements IQueryHandler<GetBenefitsQuery, BenefitsView> {
  constructor(
    private readonly s: SettlementStore,
    private readonly ref: ReferenceDataService,
  ) {}

  async execute({ patientId, year }: GetBenefitsQuery): Promise<BenefitsView> {
    const patient = this.ref.patient(patientId);
    if (!patient) throw new PatientNotFound(`no insured patient ${patientId}`);
    const choice = this.ref.policyChoice(patient.regionCode, year);
    if (!choice) throw new PolicyNotFound(`no fund policy for region ${patient.regionCode} and ${year}`);
    const usage = usageOf((await this.s.load(benefitStreamId(patientId, year), benefitLedgerDecider)).state);
    const payer = payerOf(this.ref, patientId);
    let personalAccount: BenefitsView['personalAccount'] = null;
    if (payer) {
      const account = (await this.s.load(personalAccountStreamId(payer.holderId), personalAccountDecider)).state;
      // One continuing account (not per year); never seen yet: reference data's balance.
      const opening = account.status === 'open' ? account.openingBalanceFen : payer.openingBalanceFen;
      const balance = account.status === 'open' ? account.balanceFen : payer.openingBalanceFen;
      personalAccount = { holderId: payer.holderId, openingBalanceFen: opening, balanceFen: balance, familyAccount: payer.holderId !== patientId };
    }
    const { policy, provisional } = choice;
    const limits = benefitLimits(policy, patient.insuranceType);
    return {
      patientId,
      year,
      regionCode: policy.regionCode,
      policyVersion: policy.version,
      policyProvisional: provisional,
      plan: policy.plans[patient.insuranceType] ? patient.insuranceType : null,
      deductibleFen: limits.deductibleFen,
      deductibleUsedFen: usage.deductibleUsedFen,
      deductibleRemainingFen: Math.max(0, limits.deductibleFen - usage.deductibleUsedFen),
      ordinaryFundCapFen: limits.annualCapFen,
      ordinaryFundUsedFen: usage.ordinaryFundUsedFen,
      ordinaryFundRemainingFen: Math.max(0, limits.annualCapFen - usage.ordinaryFundUsedFen),
      specialDeductibleUsedFen: usage.specialDeductibleUsedFen,
      specialFundCapFen: limits.specialAnnualCapFen,
      specialFundUsedFen: usage.specialFundUsedFen,
      specialFundRemainingFen: Math.max(0, limits.specialAnnualCapFen - usage.specialFundUsedFen),
      personalAccount,
    };
  }
}
