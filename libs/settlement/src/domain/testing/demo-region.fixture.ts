import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HolidayCalendarYear, Pharmacy, RegionPolicy } from '@rx/reference-data';
import type { FundPaymentInput, FundPaymentLineInput } from '../fund-payment.calculator';

/** The shipped reference data (read only by tests: the fixtures below must match it). */
const SHIPPED = join(__dirname, '../../../../../data/reference');
export const readShipped = <T>(relativePath: string): T => JSON.parse(readFileSync(join(SHIPPED, relativePath), 'utf8')) as T;

/** The demo policy of reference-data.md: region 522700 (Qiannan), 2026. A fresh copy per call. */
export function demoPolicy(overrides: Partial<RegionPolicy> = {}): RegionPolicy {
  return {
    regionCode: '522700',
    regionName: 'Qiannan Buyei and Miao Autonomous Prefecture',
    year: 2026,
    version: '522700-2026.2',
    plans: {
      employee: {
        outpatient: {
          deductibleFen: 15000,
          annualCapFen: 200000,
          ratioByLevel: { '1': '0.70', '2': '0.60', '3': '0.50' },
          retireeBonus: '0.05',
          classBSelfPayFirst: '0.10',
        },
        inpatient: { ratio: '0.70', annualCapFen: 30_000_000, classBSelfPayFirst: '0.10' },
      },
      resident: {
        outpatient: {
          deductibleFen: 5000,
          annualCapFen: 50000,
          ratioByLevel: { '1': '0.55', '2': '0.50', '3': '0.45' },
          classBSelfPayFirst: '0.10',
        },
        inpatient: { ratio: '0.60', annualCapFen: 30_000_000, classBSelfPayFirst: '0.10', specialDrugAdvanceSelfPay: '0.20' },
      },
    },
    prescription: { longTermMaxDays: 84, ordinaryMaxDays: 7, ordinaryValidityDays: 3, instalmentMaxDays: 28, earlyRefillToleranceDays: 7 },
    personalAccountPaysSelfPayDrugs: true,
    claimTtlMinutes: 30,
    settlementDeadlineWorkingDays: 30,
    outpatientPoolingBudgetFen: 5000000000,
    retireeAccountAllotmentFen: 120000,
    ...overrides,
  };
}

/** Catalog lines of the demo drugs (reference prices as unit prices unless given). */
export const met = (lineNo: number, quantity: number, unitPriceFen = 50): FundPaymentLineInput => ({ lineNo, drugCode: 'MET-500', drugClass: 'A', special: false, quantity, unitPriceFen });
export const aml = (lineNo: number, quantity: number, unitPriceFen = 80): FundPaymentLineInput => ({ lineNo, drugCode: 'AML-5', drugClass: 'A', special: false, quantity, unitPriceFen });
export const atv = (lineNo: number, quantity: number, unitPriceFen = 500): FundPaymentLineInput => ({ lineNo, drugCode: 'ATV-20', drugClass: 'B', special: false, quantity, unitPriceFen });
export const osi = (lineNo: number, quantity: number, unitPriceFen = 17000): FundPaymentLineInput => ({ lineNo, drugCode: 'SD-OSIMERTINIB', drugClass: 'B', special: true, quantity, unitPriceFen });
export const vitc = (lineNo: number, quantity: number, unitPriceFen = 2500): FundPaymentLineInput => ({ lineNo, drugCode: 'VITC-100', drugClass: 'SELF_PAY', special: false, quantity, unitPriceFen });

/** Demo patients as the calculator sees them. */
export const PT001 = { insuranceType: 'employee', retired: false } as const; // employee, account 50000
export const PT002 = { insuranceType: 'employee', retired: true } as const; // retiree, account 120000
export const PT003 = { insuranceType: 'resident', retired: false } as const; // resident, no account
export const PT004 = { insuranceType: 'resident', retired: false } as const; // child of PT001, PT001's account pays

/** A retail-pharmacy dispense (level 1, F1) under an active agreement. */
export function retailDispense(lines: FundPaymentLineInput[], patient: FundPaymentInput['patient'], deliveryFeeFen = 0): FundPaymentInput {
  return { lines, deliveryFeeFen, patient, institutionLevel: 1, agreementDissolved: false };
}

/** The worked example of domain.md. */
export function workedExample(): FundPaymentInput {
  return retailDispense([met(1, 60), atv(2, 28), vitc(3, 1)], PT001, 800);
}

/** The shipped holiday calendars, data/reference/holidays/2025.json and 2026.json. */
export const CALENDARS: HolidayCalendarYear[] = [readShipped<HolidayCalendarYear>('holidays/2025.json'), readShipped<HolidayCalendarYear>('holidays/2026.json')];
export const shippedPolicy = (): RegionPolicy => readShipped<RegionPolicy>('policies/522700-2026.json');
export const shippedPharmacies = (): Pharmacy[] => readShipped<Pharmacy[]>('pharmacies.json');
