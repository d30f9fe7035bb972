import type { DispensedV1 } from '@rx/contracts';
import type { Patient, ReferenceDataService } from '@rx/reference-data';
import type { FundPaymentInput } from '../../domain/fund-payment.calculator';

/**
 * What the calculator sees of a dispense. Retail pharmacies pay as level-1 institutions (F1), so
 * the prescribing institution's level carried by the event is for the record only. Each line is
 * limited by its drug's payment standard from reference data (003), whatever the pharmacy charged.
 */
export function fundPaymentInput(d: DispensedV1, agreementDissolved: boolean, ref: Pick<ReferenceDataService, 'drug'>): FundPaymentInput {
  return {
    lines: d.lines.map((l) => {
      const standard = ref.drug(l.drugCode)?.paymentStandardFen;
      return {
        lineNo: l.lineNo,
        drugCode: l.drugCode,
        drugClass: l.drugClass,
        special: l.special,
        quantity: l.quantity,
        unitPriceFen: l.unitPriceFen,
        ...(standard === undefined ? {} : { paymentLimitUnitFen: standard }),
      };
    }),
    deliveryFeeFen: d.deliveryFeeFen,
    patient: { insuranceType: d.insuranceType, retired: d.retired },
    institutionLevel: 1,
    agreementDissolved,
  };
}

export interface Payer {
  holderId: string;
  /** Reference data's balance: the opening balance of a holder never seen before. */
  openingBalanceFen: number;
  /** The holder's insured region: whose policy sets the yearly allotment. */
  regionCode: string;
  /** A retired employee: the account gets the region's yearly allotment (004). */
  retiree: boolean;
}

/**
 * Whose personal account pays for a patient (F5): their own when they have one, else the family
 * holder's (mutual aid, e.g. PT004 → PT001); null when neither exists.
 */
export function payerOf(ref: Pick<ReferenceDataService, 'patient'>, patientId: string): Payer | null {
  const patient = ref.patient(patientId);
  if (!patient) return null;
  const own = accountOf(patient);
  if (own) return own;
  const holder = patient.familyAccountHolderId ? ref.patient(patient.familyAccountHolderId) : undefined;
  return holder ? accountOf(holder) : null;
}

/** The holder's own account, null when the patient has none (residents). */
export function accountOf(p: Patient): Payer | null {
  return typeof p.personalAccountFen === 'number'
    ? { holderId: p.id, openingBalanceFen: p.personalAccountFen, regionCode: p.regionCode, retiree: p.insuranceType === 'employee' && p.retired }
    : null;
}

/**
 * The region whose fund pays: the patient's insured region (reference data), not the prescribing
 * institution's, which is what the event's `regionCode` names. Undefined for a patient unknown here.
 */
export function insuredRegionOf(ref: Pick<ReferenceDataService, 'patient'>, patientId: string): string | undefined {
  return ref.patient(patientId)?.regionCode;
}
