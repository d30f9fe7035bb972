/* Test data for the decider specs: pure values, a copy per call (no shared mutable fixtures). */
import type { Drug, Institution, Patient, Physician, PrescriptionPolicy } from '@rx/reference-data';
import type { IssuePrescription, IssueReferences, RequestedItem } from './prescription.commands';
import { sha256Hex, type PrescriptionSigner } from './prescription-content';

export const T0 = new Date('2026-03-02T09:00:00.000Z');
export const at = (iso: string) => new Date(iso);

export const fakeSigner: PrescriptionSigner = { sign: (institutionId, content) => `sig(${institutionId}:${sha256Hex(content)})` };

const agreement = { status: 'active' as const, since: '2022-01-01T00:00:00+08:00' };
const key = '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA0uB9AixFyLPbuM8Nx8/wHtrFXXUNZ34Bk9WCSZNbNa4=\n-----END PUBLIC KEY-----\n';

export const institutions = (): Record<string, Institution> => ({
  H001: { id: 'H001', name: 'CHC', regionCode: '522700', kind: 'community-health-centre', level: 1, agreement, publicKeyPem: key },
  H003: { id: 'H003', name: 'Provincial', regionCode: '522700', kind: 'hospital', level: 3, agreement, publicKeyPem: key, specialDrugDesignated: true },
  H004: { id: 'H004', name: 'Internet', regionCode: '522700', kind: 'internet-hospital', level: 3, agreement, reliesOn: 'H003', publicKeyPem: key },
  H009: {
    id: 'H009',
    name: 'Dissolved',
    regionCode: '522700',
    kind: 'hospital',
    level: 2,
    agreement: { status: 'dissolved', since: '2022-01-01T00:00:00+08:00', dissolvedAt: '2025-12-01T00:00:00+08:00' },
    publicKeyPem: key,
  },
});

export const physicians = (): Record<string, Physician> => ({
  D001: { id: 'D001', name: 'D1', institutionId: 'H001', responsibleForSpecialDrugs: [] },
  D003: { id: 'D003', name: 'D3', institutionId: 'H003', responsibleForSpecialDrugs: ['SD-OSIMERTINIB'] },
  D005: { id: 'D005', name: 'D5', institutionId: 'H001', responsibleForSpecialDrugs: ['SD-OSIMERTINIB'] },
  D006: { id: 'D006', name: 'D6', institutionId: 'H003', responsibleForSpecialDrugs: [] },
  D004: { id: 'D004', name: 'D4', institutionId: 'H004', responsibleForSpecialDrugs: [] },
  D009: { id: 'D009', name: 'D9', institutionId: 'H009', responsibleForSpecialDrugs: [] },
});

export const drugs = (): Record<string, Drug> => ({
  'MET-500': { code: 'MET-500', name: 'metformin', form: '0.5 g tablet', unit: 'tablet', class: 'A', special: false, referencePriceFen: 50, maxQuantity: 600 },
  'ATV-20': { code: 'ATV-20', name: 'atorvastatin', form: '20 mg tablet', unit: 'tablet', class: 'B', special: false, referencePriceFen: 500, maxQuantity: 300 },
  'SD-OSIMERTINIB': { code: 'SD-OSIMERTINIB', name: 'osimertinib', form: '80 mg tablet', unit: 'tablet', class: 'B', special: true, referencePriceFen: 17000, maxQuantity: 90 },
  'VITC-100': { code: 'VITC-100', name: 'vitamin C', form: 'bottle', unit: 'bottle', class: 'SELF_PAY', special: false, referencePriceFen: 2500, maxQuantity: 10 },
});

export const patients = (): Record<string, Patient> => ({
  PT001: { id: 'PT001', name: 'P1', regionCode: '522700', insuranceType: 'employee', retired: false, personalAccountFen: 50000, chronicConditions: ['E11'] },
  PT003: { id: 'PT003', name: 'P3', regionCode: '522700', insuranceType: 'resident', retired: false, chronicConditions: [] },
});

export const policy = (): PrescriptionPolicy => ({ longTermMaxDays: 84, ordinaryMaxDays: 7, ordinaryValidityDays: 3, instalmentMaxDays: 28, earlyRefillToleranceDays: 7 });

export const item = (over: Partial<RequestedItem> = {}): RequestedItem => ({
  drugCode: 'MET-500',
  quantity: 42,
  daysSupply: 7,
  dosage: { dose: 0.5, unit: 'g', timesPerDay: 3 },
  ...over,
});

/** Resolves references the way the handler does, from the fixture tables. */
export function refsFor(data: IssuePrescription['data']): IssueReferences {
  const inst = institutions()[data.institutionId];
  const catalog = drugs();
  return {
    institution: inst,
    reliedOn: inst?.reliesOn ? institutions()[inst.reliesOn] : undefined,
    physician: physicians()[data.physicianId],
    patient: patients()[data.patientId],
    drugs: Object.fromEntries(data.items.map((i) => [i.drugCode, catalog[i.drugCode]])),
    policy: policy(),
  };
}

export function issueCmd(over: Partial<IssuePrescription['data']> = {}, refs: Partial<IssueReferences> = {}): IssuePrescription {
  const data: IssuePrescription['data'] = {
    prescriptionId: 'rx-1',
    physicianId: 'D001',
    institutionId: 'H001',
    patientId: 'PT001',
    diagnoses: [{ code: 'E11.9', name: 'type 2 diabetes mellitus' }],
    items: [item()],
    longTerm: false,
    pickupCodeHash: 'a'.repeat(64),
    ...over,
  };
  return { type: 'IssuePrescription', data, refs: { ...refsFor(data), ...refs } };
}
