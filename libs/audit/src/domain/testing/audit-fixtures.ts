import {
  DispensingEventTypes,
  PrescribingEventTypes,
  SettlementEventTypes,
  type AgreementDissolvedV1,
  type ClaimPaidV1,
  type ClaimSubmittedV1,
  type DispensedV1,
  type DispenseReversedV1,
  type FundPaymentRecordedV1,
  type PrescriptionClaimedV1,
  type PrescriptionIssuedV1,
  type SettlementAmountsV1,
} from '@rx/contracts';
import { sealPrescription } from '@rx/contracts/testing';
import { addDays, derivedId } from '@rx/kernel';
import { contextOfType, type AllEventData, type AuditFact, type KnownFactType } from '../audit-fact';

/**
 * Contract-typed data for tests (the shapes the other contexts publish) and facts built from it.
 * Ids are derived from the given names so a test reads `rx('A')` and stays deterministic.
 */
export const rxId = (name: string): string => derivedId('test-rx', name);
export const dispenseIdOf = (name: string): string => derivedId('test-dispense', name);

export function fact<K extends KnownFactType>(type: K, data: AllEventData[K], time: string, actor = 'system:test', id?: string): AuditFact {
  const m = /^([^:]+):(.+)$/.exec(actor)!;
  return { sourceEventId: id ?? derivedId('test-fact', type, JSON.stringify(data), time), type, context: contextOfType(type)!, time, actor: { role: m[1], id: m[2] }, data };
}

/** Sealed with the demo key of its institution (as prescribing seals it), unless `over` sets contentHash or signature. */
export function issuedData(prescriptionId: string, over: Partial<PrescriptionIssuedV1> = {}, issuedAt = '2026-03-02T09:00:00.000Z'): PrescriptionIssuedV1 {
  const data: PrescriptionIssuedV1 = {
    prescriptionId,
    institutionId: 'H001',
    institutionLevel: 1,
    agreementInstitutionId: 'H001',
    regionCode: '522700',
    physicianId: 'D001',
    patientId: 'PT002',
    insuranceType: 'employee',
    retired: false,
    longTerm: true,
    issuedAt,
    validUntil: addDays(new Date(issuedAt), 84).toISOString(),
    items: [
      {
        lineNo: 1,
        drugCode: 'AML-5',
        drugName: 'amlodipine 5 mg',
        drugClass: 'A',
        special: false,
        quantity: 84,
        unit: 'tablet',
        daysSupply: 84,
        dosage: { dose: 5, unit: 'mg', timesPerDay: 1 },
        referencePriceFen: 50,
      },
    ],
    diagnoses: [{ code: 'I10', name: 'essential hypertension' }],
    pickupCodeHash: 'a'.repeat(64),
    contentHash: 'b'.repeat(64),
    signature: 'c2lnbmF0dXJl',
    signingKeyInstitutionId: 'H001',
    ...over,
  };
  return over.contentHash !== undefined || over.signature !== undefined ? data : sealPrescription(data);
}

export function claimedData(prescriptionId: string, pharmacyId: string, claimedAt: string): PrescriptionClaimedV1 {
  return { prescriptionId, pharmacyId, claimedAt, expiresAt: new Date(Date.parse(claimedAt) + 30 * 60_000).toISOString(), pharmacistId: 'PH001' };
}

export interface DispenseOptions {
  dispenseId?: string;
  pharmacyId?: string;
  patientId?: string;
  drugCode?: string;
  quantity?: number;
  daysSupply?: number;
  unitPriceFen?: number;
  referencePriceFen?: number;
  instalment?: number;
  fullyDispensed?: boolean;
}

export function dispensedData(prescriptionId: string, dispensedAt: string, o: DispenseOptions = {}): DispensedV1 {
  const quantity = o.quantity ?? 28;
  const unitPriceFen = o.unitPriceFen ?? 50;
  const referencePriceFen = o.referencePriceFen ?? 50;
  return {
    dispenseId: o.dispenseId ?? derivedId('dispense', prescriptionId, dispensedAt),
    prescriptionId,
    pharmacyId: o.pharmacyId ?? 'P001',
    pharmacistId: 'PH001',
    patientId: o.patientId ?? 'PT002',
    insuranceType: 'employee',
    retired: false,
    regionCode: '522700',
    institutionLevel: 1,
    instalment: o.instalment ?? 1,
    daysSupply: o.daysSupply ?? 28,
    dispensedAt,
    lines: [
      {
        lineNo: 1,
        drugCode: o.drugCode ?? 'AML-5',
        drugName: 'amlodipine 5 mg',
        drugClass: 'A',
        special: false,
        quantity,
        unitPriceFen,
        referencePriceFen,
        amountFen: quantity * unitPriceFen,
        aboveReferencePrice: unitPriceFen > referencePriceFen,
        batchNo: 'B2026-01',
        traceCodes: ['81234567890123456789'],
        unit: 'tablet',
        daysSupply: o.daysSupply ?? 28,
      },
    ],
    deliveryFeeFen: 0,
    fullyDispensed: o.fullyDispensed ?? false,
    institutionId: 'H001',
    longTerm: true,
  };
}

export function reversedData(d: DispensedV1, reversedAt: string, reason = 'returned unopened'): DispenseReversedV1 {
  return {
    reversalId: derivedId('reversal', d.dispenseId),
    dispenseId: d.dispenseId,
    prescriptionId: d.prescriptionId,
    pharmacyId: d.pharmacyId,
    reason,
    reversedAt,
    pharmacistId: 'PH001',
    lines: d.lines.map((l) => ({ drugCode: l.drugCode, quantity: l.quantity })),
  };
}

export function amounts(totalFen: number, fundFen: number, personalAccountFen = totalFen - fundFen): SettlementAmountsV1 {
  return {
    totalFen,
    fullyOwnPayFen: 0,
    overLimitSelfPayFen: 0,
    preSelfPayFen: 0,
    inScopeFen: totalFen,
    deductibleAppliedFen: totalFen - fundFen - 0,
    fundFen,
    coPayFen: 0,
    personalAccountFen,
    cashFen: totalFen - fundFen - personalAccountFen,
    specialFundFen: 0,
    capShortfallFen: 0,
    deliveryFeeFen: 0,
    patientShareFen: totalFen - fundFen,
  };
}

export function negate(a: SettlementAmountsV1): SettlementAmountsV1 {
  return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v === 0 ? 0 : -v])) as unknown as SettlementAmountsV1;
}

export function paymentData(d: DispensedV1, paidAt: string, fundFen: number): FundPaymentRecordedV1 {
  const total = d.lines.reduce((a, l) => a + l.amountFen, 0);
  return {
    dispenseId: d.dispenseId,
    prescriptionId: d.prescriptionId,
    patientId: d.patientId,
    pharmacyId: d.pharmacyId,
    regionCode: d.regionCode,
    policyYear: 2026,
    policyVersion: '522700-2026.1',
    personalAccountHolderId: d.patientId,
    amounts: amounts(total, fundFen),
    flags: [],
    dispensedAt: d.dispensedAt,
    paidAt,
  };
}

export function dissolvedData(pharmacyId: string, effectiveAt: string, recordedAt = effectiveAt): AgreementDissolvedV1 {
  return { pharmacyId, regionCode: '522700', reasonCode: 'FRAUDULENT_CLAIMS', effectiveAt, origin: 'AGENCY', dissolvedBy: 'AG001', recordedAt };
}

export function claimSubmittedData(
  claimId: string,
  pharmacyId: string,
  lines: { dispenseId: string; prescriptionId: string; fundFen: number }[],
  submittedAt: string,
  dueBy: string,
  period: [string, string] = ['2026-03-01', '2026-03-31'],
): ClaimSubmittedV1 {
  return {
    claimId,
    pharmacyId,
    submittedBy: 'PH001',
    periodStart: period[0],
    periodEnd: period[1],
    submittedAt,
    dueBy,
    dueByProvisional: false,
    dispenseCount: lines.length,
    fundFen: lines.reduce((a, l) => a + l.fundFen, 0),
    lines,
    prescriptionIds: [...new Set(lines.map((l) => l.prescriptionId))].sort(),
  };
}

export function claimPaidData(s: ClaimSubmittedV1, paidAt: string, late: boolean): ClaimPaidV1 {
  return { claimId: s.claimId, pharmacyId: s.pharmacyId, paidBy: 'AG001', paidAt, amountFen: s.fundFen, late, lines: s.lines, prescriptionIds: s.prescriptionIds };
}

export const T = { PrescribingEventTypes, DispensingEventTypes, SettlementEventTypes };
