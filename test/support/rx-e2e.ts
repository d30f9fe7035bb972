// What the end-to-end suites say to the apps, in the words of API v1 (architecture.md), plus the
// demo region's reference data the expectations are computed from.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeReply, eventuallyReply, request, type EventuallyOptions, type Reply, type Tokens } from './e2e-http';
import { REPO_ROOT } from './spawn-app';

const REFERENCE = join(REPO_ROOT, 'data', 'reference');

export interface DemoDrug {
  code: string;
  class: 'A' | 'B' | 'SELF_PAY';
  special: boolean;
  referencePriceFen: number;
}

export interface DemoOutpatientPlan {
  deductibleFen: number;
  annualCapFen: number;
  ratioByLevel: Record<string, string>;
  retireeBonus?: string;
  classBSelfPayFirst: string;
}

export interface DemoPolicy {
  version: string;
  plans: Partial<Record<'employee' | 'resident', { outpatient: DemoOutpatientPlan }>>;
  prescription: { instalmentMaxDays: number; earlyRefillToleranceDays: number };
}

export interface DemoPatient {
  id: string;
  insuranceType: 'employee' | 'resident';
  retired: boolean;
  personalAccountFen?: number;
}

export const demo = {
  drug(code: string): DemoDrug {
    const drugs = JSON.parse(readFileSync(join(REFERENCE, 'drugs.json'), 'utf8')) as DemoDrug[];
    const drug = drugs.find((d) => d.code === code);
    if (!drug) throw new Error(`no drug ${code} in the demo catalog`);
    return drug;
  },
  patient(id: string): DemoPatient {
    const patients = JSON.parse(readFileSync(join(REFERENCE, 'patients.json'), 'utf8')) as DemoPatient[];
    const patient = patients.find((p) => p.id === id);
    if (!patient) throw new Error(`no patient ${id} in the demo registry`);
    return patient;
  },
  policy(regionCode: string, year: number): DemoPolicy {
    return JSON.parse(readFileSync(join(REFERENCE, 'policies', `${regionCode}-${year}.json`), 'utf8')) as DemoPolicy;
  },
};

export const PHYSICIAN = { sub: 'D001', org: 'H001' } as const;
export const AUDITOR = { sub: 'AU001', org: 'AUDIT' } as const;
export const AGENCY = { sub: 'AG001', org: 'AGENCY' } as const;
/** The demo's pharmacists (data/reference/pharmacists.json); P001 and P002 have active agreements and pooling. */
export const PHARMACIST_OF: Record<string, string> = { P001: 'PH001', P002: 'PH002', P003: 'PH003', P004: 'PH004' };

export interface ItemSpec {
  drugCode: string;
  quantity: number;
  daysSupply: number;
  dosage: { dose: number; unit: string; timesPerDay: number };
}

export interface IssueBody {
  prescriptionId?: string;
  patientId: string;
  diagnoses: { code: string; name: string }[];
  items: ItemSpec[];
  longTerm?: boolean;
}

export interface Issued {
  prescriptionId: string;
  status: string;
  pickupCode: string;
  validUntil: string;
}

export function ordinaryPrescription(patientId = 'PT001', prescriptionId: string = randomUUID()): IssueBody {
  return {
    prescriptionId,
    patientId,
    diagnoses: [{ code: 'E11.9', name: 'Type 2 diabetes' }],
    items: [{ drugCode: 'MET-500', quantity: 14, daysSupply: 7, dosage: { dose: 1, unit: 'tablet', timesPerDay: 2 } }],
  };
}

export interface DispenseLine {
  drugCode: string;
  quantity: number;
  unitPriceFen: number;
  batchNo: string;
  traceCodes: string[];
}

let traceSeq = 0;
/** A fresh 20-digit traceability code (D6): unique within the run, as real package codes are. */
export function traceCode(): string {
  traceSeq += 1;
  const stamp = `${Date.now()}`.slice(-10);
  return `8${stamp}${String(process.pid % 1000).padStart(3, '0')}${String(traceSeq).padStart(6, '0')}`.slice(0, 20);
}

/** A line at the catalog's reference price, with one traceability code (a code marks a package). */
export function lineAtReferencePrice(drugCode: string, quantity: number): DispenseLine {
  return { drugCode, quantity, unitPriceFen: demo.drug(drugCode).referencePriceFen, batchNo: 'B2026E2E', traceCodes: [traceCode()] };
}

/** Thin HTTP client for one cluster: base URLs are passed per call, since instances come and go. */
export class RxClient {
  constructor(private readonly tokens: Tokens) {}

  physician(): string {
    return this.tokens.for('physician', PHYSICIAN.sub, PHYSICIAN.org);
  }

  pharmacist(pharmacyId: string): string {
    return this.tokens.for('pharmacist', PHARMACIST_OF[pharmacyId] ?? `PH-${pharmacyId}`, pharmacyId);
  }

  auditor(): string {
    return this.tokens.for('auditor', AUDITOR.sub, AUDITOR.org);
  }

  agency(): string {
    return this.tokens.for('agency', AGENCY.sub, AGENCY.org);
  }

  async issue(prescribingUrl: string, body: IssueBody): Promise<Issued> {
    const reply = await request<Issued>('POST', `${prescribingUrl}/prescriptions`, { token: this.physician(), body });
    if (reply.status !== 201) throw new Error(`issue refused: ${describeReply(reply)}`);
    return reply.body;
  }

  prescription(prescribingUrl: string, rxId: string): Promise<Reply<PrescriptionView>> {
    return request<PrescriptionView>('GET', `${prescribingUrl}/prescriptions/${rxId}`, { token: this.physician() });
  }

  revoke(prescribingUrl: string, rxId: string, reason: string): Promise<Reply<{ prescriptionId: string; status: string }>> {
    return request('POST', `${prescribingUrl}/prescriptions/${rxId}/revoke`, { token: this.physician(), body: { reason } });
  }

  /** The auditor's view of a dispensation (sees every claim and dispense). */
  dispensation(dispensingUrl: string, rxId: string): Promise<Reply<DispensationView>> {
    return request<DispensationView>('GET', `${dispensingUrl}/dispensing/prescriptions/${rxId}`, { token: this.auditor() });
  }

  /** Waits until the dispensing app has learnt the prescription from rx.prescribing.v1. */
  waitUntilDispensingKnows(dispensingUrl: string, rxId: string, options: EventuallyOptions = {}): Promise<Reply<DispensationView>> {
    return eventuallyReply(`dispensing at ${dispensingUrl} to know ${rxId}`, () => this.dispensation(dispensingUrl, rxId), (r) => r.status === 200, { timeoutMs: 30_000, ...options });
  }

  claim(dispensingUrl: string, pharmacyId: string, rxId: string, pickupCode: string): Promise<Reply<{ expiresAt: string; created: boolean; pharmacyId: string }>> {
    return request('POST', `${dispensingUrl}/dispensing/claims`, { token: this.pharmacist(pharmacyId), body: { prescriptionId: rxId, pickupCode } });
  }

  release(dispensingUrl: string, pharmacyId: string, rxId: string): Promise<Reply<{ status: string; released: boolean }>> {
    return request('DELETE', `${dispensingUrl}/dispensing/claims/${rxId}`, { token: this.pharmacist(pharmacyId) });
  }

  review(dispensingUrl: string, pharmacyId: string, rxId: string, decision: 'APPROVED' | 'REJECTED', reasons?: string[]): Promise<Reply<{ decision: string; status: string }>> {
    return request('POST', `${dispensingUrl}/dispensing/prescriptions/${rxId}/review`, { token: this.pharmacist(pharmacyId), body: { decision, ...(reasons ? { reasons } : {}) } });
  }

  dispense(dispensingUrl: string, pharmacyId: string, rxId: string, body: { lines: DispenseLine[]; deliveryFeeFen?: number; dispenseId?: string }): Promise<Reply<DispenseResult>> {
    return request('POST', `${dispensingUrl}/dispensing/prescriptions/${rxId}/dispenses`, { token: this.pharmacist(pharmacyId), body });
  }

  payment(settlementUrl: string, dispenseId: string): Promise<Reply<FundPaymentView>> {
    return request<FundPaymentView>('GET', `${settlementUrl}/settlement/dispenses/${dispenseId}`, { token: this.agency() });
  }

  benefits(settlementUrl: string, patientId: string, year: number): Promise<Reply<BenefitsView>> {
    return request<BenefitsView>('GET', `${settlementUrl}/settlement/patients/${patientId}/benefits/${year}`, { token: this.agency() });
  }

  history(auditUrl: string, rxId: string): Promise<Reply<AuditHistory>> {
    return request<AuditHistory>('GET', `${auditUrl}/audit/prescriptions/${rxId}/history`, { token: this.auditor() });
  }
}

/** A claim/dispense/answer etc. as the audit history lists it. */
export interface AuditEntry {
  seq: number;
  type: string;
  context: string;
  time: string;
  actor: { role: string; id: string } | null;
  summary: string;
  data: Record<string, unknown>;
  sourceEventId: string;
  integrity: { verified: boolean; auditChain: string; sourceHash: string | null; sourceVerified: boolean | null; reason?: string };
}

export interface AuditHistory {
  prescriptionId: string;
  entries: AuditEntry[];
  integrity: { ok: boolean; auditStream: { ok: boolean; eventCount: number }; sourcesReachable: boolean };
}

export interface PrescriptionView {
  prescriptionId: string;
  status: string;
  dispensing: { holderPharmacyId: string | null; dispenseIds: string[]; fullyDispensed: boolean };
  revocation?: { reason: string; requestedBy: string; requestedAt: string; revokedAt?: string; via?: string };
}

export interface DispensationView {
  prescriptionId: string;
  status: string;
  claim: { pharmacyId: string; pharmacistId: string; reviewed: boolean } | null;
  cancellationPending: boolean;
  items: { drugCode: string; prescribed: number; dispensed: number; remaining: number; status: string }[];
  dispenses: { dispenseId: string; instalment: number; pharmacyId: string }[];
}

export interface DispenseResult {
  dispenseId: string;
  prescriptionId: string;
  instalment: number;
  daysSupply: number;
  remaining: { drugCode: string; quantity: number }[];
  fullyDispensed: boolean;
  deliveryFeeFen: number;
  dispensedAt: string;
}

export interface FundPaymentView {
  dispenseId: string;
  prescriptionId: string;
  patientId: string;
  pharmacyId: string;
  policyYear: number;
  policyVersion: string;
  totalFen: number;
  fullyOwnPayFen: number;
  overLimitSelfPayFen: number;
  preSelfPayFen: number;
  inScopeFen: number;
  deductibleAppliedFen: number;
  fundFen: number;
  coPayFen: number;
  personalAccountFen: number;
  cashFen: number;
  deliveryFeeFen: number;
  patientShareFen: number;
  personalAccountHolderId: string | null;
  lines: unknown[];
}

export interface BenefitsView {
  deductibleFen: number;
  deductibleUsedFen: number;
  deductibleRemainingFen: number;
  ordinaryFundUsedFen: number;
  ordinaryFundRemainingFen: number;
  personalAccount: { holderId: string; balanceFen: number } | null;
}

/** Half-up rounding of amount x ratio, the ratio a decimal string like "0.70": integers only (F6). */
export function applyRatioHalfUp(amountFen: number, ratio: string): number {
  const bp = ratioToBasisPoints(ratio);
  return Math.floor((amountFen * bp + 5_000) / 10_000);
}

export function ratioToBasisPoints(ratio: string): number {
  const m = /^(\d+)(?:\.(\d{1,4}))?$/.exec(ratio);
  if (!m) throw new Error(`not a decimal ratio: ${ratio}`);
  return Number(m[1]) * 10_000 + Number((m[2] ?? '').padEnd(4, '0'));
}
