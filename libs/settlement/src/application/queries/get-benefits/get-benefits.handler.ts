import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ReferenceDataService } from '@rx/reference-data';
import { benefitLedgerDecider, usageOf } from '../../../domain/benefit-ledger.decider';
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
    const policy = this.ref.policyFor(patient.regionCode, year);
    if (!policy) throw new PolicyNotFound(`no fund policy for region ${patient.regionCode} and ${year}`);
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
    const o = policy.ordinary;
    const sp = policy.special;
    return {
      patientId,
      year,
      regionCode: policy.regionCode,
      policyVersion: policy.version,
      deductibleFen: o.deductibleFen,
      deductibleUsedFen: usage.deductibleUsedFen,
      deductibleRemainingFen: Math.max(0, o.deductibleFen - usage.deductibleUsedFen),
      ordinaryFundCapFen: o.annualCapFen,
      ordinaryFundUsedFen: usage.ordinaryFundUsedFen,
      ordinaryFundRemainingFen: Math.max(0, o.annualCapFen - usage.ordinaryFundUsedFen),
      specialDeductibleUsedFen: usage.specialDeductibleUsedFen,
      specialFundCapFen: sp.annualCapFen,
      specialFundUsedFen: usage.specialFundUsedFen,
      specialFundRemainingFen: Math.max(0, sp.annualCapFen - usage.specialFundUsedFen),
      personalAccount,
    };
  }
}
