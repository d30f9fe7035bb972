/**
 * The shape of the reference data shipped under `data/reference` (reference-data.md).
 * All money is integer fen; ratios are decimal strings ("0.70") turned into basis points by
 * @rx/kernel's ratioToBasisPoints, so no float ever touches an amount.
 */
export type InstitutionKind = 'community-health-centre' | 'hospital' | 'internet-hospital';
export type InstitutionLevel = 1 | 2 | 3;

export interface Agreement {
  status: 'active' | 'dissolved';
  /** ISO date-time the agreement took effect. */
  since: string;
  /** Set when dissolved. */
  dissolvedAt?: string;
  reasonCode?: string;
}

export interface Institution {
  id: string;
  name: string;
  regionCode: string;
  kind: InstitutionKind;
  level: InstitutionLevel;
  agreement: Agreement;
  /** An internet hospital issues under the agreement of the physical institution it relies on (P1). */
  reliesOn?: string;
  /** Ed25519 public key (SPKI PEM): anyone can verify the institution's prescription signatures. */
  publicKeyPem: string;
  /** Designated for special (dual-channel) drugs: three-fixed, level 2 and above only (001). Absent = not designated. */
  specialDrugDesignated?: boolean;
  /** When `publicKeyPem` came into force (ISO instant); absent: always. Required with `retiredKeys`. */
  publicKeySince?: string;
  /** Keys the institution signed with before, each in force over `[since, until)`; they still verify what was issued then. */
  retiredKeys?: RetiredKey[];
}

export interface RetiredKey {
  publicKeyPem: string;
  /** ISO instant; absent: from the beginning. */
  since?: string;
  /** ISO instant, exclusive. */
  until: string;
}

export interface Physician {
  id: string;
  name: string;
  institutionId: string;
  /** Special drugs (catalog codes) this physician is the designated responsible physician for (P4). */
  responsibleForSpecialDrugs: string[];
}

export interface Pharmacy {
  id: string;
  name: string;
  regionCode: string;
  agreement: Agreement;
  /** Outpatient pooling opened (D1). */
  outpatientPooling: boolean;
  /** Special drugs this pharmacy is designated for (three-fixed, P4). */
  designatedSpecialDrugs: string[];
}

export interface Pharmacist {
  id: string;
  name: string;
  pharmacyId: string;
}

export type DrugClass = 'A' | 'B' | 'SELF_PAY';

export interface Drug {
  code: string;
  name: string;
  /** Dosage form and strength as printed, e.g. "0.5 g tablet". */
  form: string;
  /** Dispensing unit, e.g. "tablet", "box". */
  unit: string;
  class: DrugClass;
  special: boolean;
  /** Procurement platform reference price per unit, fen (D7): a higher price is flagged, not limited. */
  referencePriceFen: number;
  /**
   * Payment standard per unit, fen (支付标准, 003): the part of a sale price above it is over-limit
   * self-pay, outside the fund's scope. Catalog (A/B) drugs only; absent: no standard, no limit.
   */
  paymentStandardFen?: number;
  /** Upper bound of one item's quantity on one prescription (hostile-input bound). */
  maxQuantity: number;
}

export type InsuranceType = 'employee' | 'resident';

export interface Patient {
  id: string;
  name: string;
  regionCode: string;
  insuranceType: InsuranceType;
  retired: boolean;
  /** Employees only: personal account balance at the start of the policy year, fen. */
  personalAccountFen?: number;
  /** Whose personal account may pay for this patient (family mutual aid, F5). */
  familyAccountHolderId?: string;
  /** Chronic conditions that make the patient eligible for long-term prescriptions (P2). */
  chronicConditions: string[];
}

/** The ordinary outpatient pooling (门诊统筹) of one insurance type (F1-F3). */
export interface OutpatientPlan {
  deductibleFen: number;
  annualCapFen: number;
  /** Fund ratio by institution level; retail pharmacies count as level 1 (F1). */
  ratioByLevel: Record<'1' | '2' | '3', string>;
  /** Added to the ratio for retirees (the employee plan, F2); absent: no bonus. */
  retireeBonus?: string;
  classBSelfPayFirst: string;
}

/**
 * The inpatient plan of one insurance type. Special drugs are paid under it (F4, seed 001) with no
 * deductible at outpatient and retail pharmacies, in their own annual bucket.
 */
export interface InpatientPlan {
  ratio: string;
  /** Annual fund cap per person, fen. */
  annualCapFen: number;
  classBSelfPayFirst: string;
  /** Share of a special drug the patient pays first, before the Class B policy (residents, 001); absent: none. */
  specialDrugAdvanceSelfPay?: string;
}

/** What the fund pays for one insurance type (employee 职工, resident 城乡居民). */
export interface InsurancePlan {
  outpatient: OutpatientPlan;
  inpatient: InpatientPlan;
}

export interface PrescriptionPolicy {
  longTermMaxDays: number;
  ordinaryMaxDays: number;
  ordinaryValidityDays: number;
  instalmentMaxDays: number;
  /** The next instalment no earlier than this many days before the previous one runs out. */
  earlyRefillToleranceDays: number;
}

export interface RegionPolicy {
  regionCode: string;
  regionName: string;
  year: number;
  /** Named version: every payment record carries it so a replay years later explains the numbers. */
  version: string;
  /** One plan per insurance type; a type without a plan gets no fund payment (never another type's figures). */
  plans: Partial<Record<InsuranceType, InsurancePlan>>;
  prescription: PrescriptionPolicy;
  /** Whether the personal account may also pay fully self-paid drugs (F5); never the delivery fee. */
  personalAccountPaysSelfPayDrugs: boolean;
  claimTtlMinutes: number;
  settlementDeadlineWorkingDays: number;
  outpatientPoolingBudgetFen: number;
  /** Credited each natural year to a retired employee's personal account (004: 1,200 yuan); absent = none. */
  retireeAccountAllotmentFen?: number;
}

/**
 * The policy that governs a region and year, and whether it is provisional: a year with no
 * published policy of its own is governed by another year's (ReferenceDataService.policyChoice).
 */
export interface PolicyChoice {
  policy: RegionPolicy;
  /** The year asked for. */
  year: number;
  /** True when `policy.year` is not `year`. */
  provisional: boolean;
}

export interface HolidayCalendarYear {
  year: number;
  /** Notice the dates come from. */
  source: string;
  /** ISO dates (YYYY-MM-DD) that are official holidays. */
  holidays: string[];
  /** ISO dates of weekend days that are worked (调休上班). */
  makeUpWorkingDays: string[];
}

/** An agency user or auditor: `org` is the organisation their tokens carry. */
export interface OfficeUser {
  id: string;
  org: string;
}

export interface ReferenceData {
  institutions: Institution[];
  physicians: Physician[];
  pharmacies: Pharmacy[];
  pharmacists: Pharmacist[];
  drugs: Drug[];
  patients: Patient[];
  policies: RegionPolicy[];
  holidays: HolidayCalendarYear[];
  /** Agency users and auditors, each with the organisation (agency, audit office) a token must name. */
  agencyUsers: OfficeUser[];
  auditors: OfficeUser[];
  /** Drug code → ICD-10 prefixes it is indicated for (`indications.json`, monitoring only); absent: no table. */
  indications?: Record<string, string[]>;
}

export const REFERENCE_DATA = Symbol('ReferenceData');
