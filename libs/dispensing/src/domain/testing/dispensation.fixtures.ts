import { addDays, addMinutes } from '@rx/kernel';
import { deciderSpec } from '@rx/kernel/testing';
import type {
  ClaimPrescription,
  CirculatedPrescription,
  DispensationCommand,
  Dispense,
  DispenseLineInput,
  PharmacyFacts,
  PrescribedItem,
  RegisterPrescription,
} from '../dispensation.commands';
import { dispensationDecider, evolveDispensation, initialDispensation } from '../dispensation.decider';
import type { DispensationEvent } from '../dispensation.events';
import type { Dispensation } from '../dispensation.state';
import { dispensingPolicyFrom, type DispensingPolicy } from '../dispensing-policy';

/**
 * Builders for the demo world (reference-data.md). Every call returns fresh objects and every
 * prescription gets its own id, so no test shares mutable state with another.
 */

/** 2026-03-02 09:00 China Standard Time. */
export const T0 = new Date('2026-03-02T01:00:00.000Z');
export const mins = (m: number, from: Date = T0): Date => addMinutes(from, m);
export const days = (d: number, from: Date = T0): Date => addDays(from, d);

/** Qiannan 2026: claim TTL 30 min, instalments of at most 28 days, refill 7 days early. */
export function demoPolicy(overrides: Partial<DispensingPolicy> = {}): DispensingPolicy {
  return {
    ...dispensingPolicyFrom({
      claimTtlMinutes: 30,
      prescription: { longTermMaxDays: 84, ordinaryMaxDays: 7, ordinaryValidityDays: 3, instalmentMaxDays: 28, earlyRefillToleranceDays: 7 },
    }),
    ...overrides,
  };
}

export const spec = (policy: DispensingPolicy = demoPolicy()) => deciderSpec(dispensationDecider(policy));

export const PICKUP_HASH = 'sha256:8d969eef6ecad3c29a3a629280e686cf0c3f5d5a86aff3ca12020c923adc6c92';
export const WRONG_HASH = 'sha256:0000000000000000000000000000000000000000000000000000000000000000';

export const PHARMACIES: Record<'P001' | 'P002' | 'P003' | 'P004', PharmacyFacts> = {
  P001: { agreementActive: true, outpatientPooling: true, designatedSpecialDrugs: ['SD-OSIMERTINIB'] },
  P002: { agreementActive: true, outpatientPooling: true, designatedSpecialDrugs: [] },
  P003: { agreementActive: false, outpatientPooling: true, designatedSpecialDrugs: [] },
  P004: { agreementActive: true, outpatientPooling: false, designatedSpecialDrugs: ['SD-OSIMERTINIB'] },
};
export type PharmacyId = keyof typeof PHARMACIES;
export const PHARMACIST: Record<PharmacyId, string> = { P001: 'PH001', P002: 'PH002', P003: 'PH003', P004: 'PH004' };

const DRUGS: Record<string, Omit<PrescribedItem, 'lineNo' | 'quantity' | 'daysSupply'>> = {
  'MET-500': { drugCode: 'MET-500', drugName: 'metformin 0.5 g tablet', drugClass: 'A', special: false, unit: 'tablet', referencePriceFen: 50 },
  'AML-5': { drugCode: 'AML-5', drugName: 'amlodipine 5 mg tablet', drugClass: 'A', special: false, unit: 'tablet', referencePriceFen: 80 },
  'ATV-20': { drugCode: 'ATV-20', drugName: 'atorvastatin 20 mg tablet', drugClass: 'B', special: false, unit: 'tablet', referencePriceFen: 500 },
  'SD-OSIMERTINIB': { drugCode: 'SD-OSIMERTINIB', drugName: 'osimertinib 80 mg tablet', drugClass: 'B', special: true, unit: 'tablet', referencePriceFen: 17000 },
  'VITC-100': { drugCode: 'VITC-100', drugName: 'vitamin C 100 tablets', drugClass: 'SELF_PAY', special: false, unit: 'bottle', referencePriceFen: 2500 },
};

export function item(lineNo: number, drugCode: keyof typeof DRUGS, quantity: number, daysSupply: number): PrescribedItem {
  return { ...DRUGS[drugCode], lineNo, quantity, daysSupply };
}

let sequence = 0;
export type Rx = CirculatedPrescription & { sourceEventId: string };

function rx(items: PrescribedItem[], longTerm: boolean, validDays: number, overrides: Partial<Rx>): Rx {
  sequence += 1;
  const id = `RX-${String(sequence).padStart(6, '0')}`;
  return {
    prescriptionId: id,
    patientId: 'PT001',
    insuranceType: 'employee',
    retired: false,
    institutionId: 'H001',
    institutionLevel: 1,
    regionCode: '522700',
    longTerm,
    issuedAt: T0.toISOString(),
    validUntil: days(validDays).toISOString(),
    pickupCodeHash: PICKUP_HASH,
    items,
    sourceEventId: `evt-issued-${id}`,
    ...overrides,
  };
}

/** Ordinary: 7 days of metformin (2/day) and atorvastatin (1/day) plus a self-pay bottle; valid 3 days. */
export const ordinaryRx = (overrides: Partial<Rx> = {}): Rx =>
  rx([item(1, 'MET-500', 14, 7), item(2, 'ATV-20', 7, 7), item(3, 'VITC-100', 1, 7)], false, 3, overrides);

/** Long-term: 84 days of metformin (2/day) and amlodipine (1/day), valid for the supply period. */
export const longTermRx = (overrides: Partial<Rx> = {}): Rx => rx([item(1, 'MET-500', 168, 84), item(2, 'AML-5', 84, 84)], true, 84, overrides);

/** A special (dual-channel) drug next to an ordinary one. */
export const specialRx = (overrides: Partial<Rx> = {}): Rx =>
  rx([item(1, 'SD-OSIMERTINIB', 28, 28), item(2, 'MET-500', 14, 7)], false, 3, overrides);

// ---- commands ----

export const register = (r: Rx): RegisterPrescription => ({ type: 'RegisterPrescription', data: r });

export function claim(pharmacyId: PharmacyId, opts: { hash?: string; facts?: PharmacyFacts; pharmacyLockedUntil?: string } = {}): ClaimPrescription {
  return {
    type: 'ClaimPrescription',
    data: {
      pharmacyId,
      pharmacistId: PHARMACIST[pharmacyId],
      pickupCodeHash: opts.hash ?? PICKUP_HASH,
      pharmacy: opts.facts ?? PHARMACIES[pharmacyId],
      ...(opts.pharmacyLockedUntil ? { pharmacyPickupLockedUntil: opts.pharmacyLockedUntil } : {}),
    },
  };
}
export const failedPickup = (pharmacyId: PharmacyId): DispensationCommand => ({ type: 'RecordFailedPickupAttempt', data: { pharmacyId } });
export const releaseClaim = (pharmacyId: PharmacyId): DispensationCommand => ({ type: 'ReleaseClaim', data: { pharmacyId } });
export const expireClaim = (): DispensationCommand => ({ type: 'ExpireClaim', data: {} });
export const approve = (pharmacyId: PharmacyId): DispensationCommand => ({
  type: 'ReviewPrescription',
  data: { pharmacyId, pharmacistId: PHARMACIST[pharmacyId], decision: 'APPROVED', reasons: [] },
});
export const reject = (pharmacyId: PharmacyId, reasons: string[] = ['dose exceeds label for renal impairment']): DispensationCommand => ({
  type: 'ReviewPrescription',
  data: { pharmacyId, pharmacistId: PHARMACIST[pharmacyId], decision: 'REJECTED', reasons },
});

/** A 20-digit traceability code, unique per (seed, n). */
export const traceCode = (seed: number, n = 0): string => `8${String(seed).padStart(9, '0')}${String(n).padStart(10, '0')}`;

export function line(drugCode: string, quantity: number, unitPriceFen: number, opts: { traceCodes?: string[]; seed?: number; batchNo?: string } = {}): DispenseLineInput {
  return { drugCode, quantity, unitPriceFen, batchNo: opts.batchNo ?? 'B20260101', traceCodes: opts.traceCodes ?? [traceCode(opts.seed ?? 1, 0)] };
}

let dispenseSequence = 0;
export function dispense(pharmacyId: PharmacyId, lines: DispenseLineInput[], opts: { dispenseId?: string; deliveryFeeFen?: number } = {}): Dispense {
  dispenseSequence += 1;
  return {
    type: 'Dispense',
    data: {
      dispenseId: opts.dispenseId ?? `DSP-${String(dispenseSequence).padStart(6, '0')}`,
      pharmacyId,
      pharmacistId: PHARMACIST[pharmacyId],
      lines,
      ...(opts.deliveryFeeFen === undefined ? {} : { deliveryFeeFen: opts.deliveryFeeFen }),
    },
  };
}
export const reverse = (pharmacyId: PharmacyId, dispenseId: string, reversalId = `REV-${dispenseId}`, reason = 'patient returned unopened packages'): DispensationCommand => ({
  type: 'ReverseDispense',
  data: { reversalId, dispenseId, pharmacyId, pharmacistId: PHARMACIST[pharmacyId], reason },
});
export const revocation = (sourceEventId: string, source: 'revocation-requested' | 'prescription-revoked' = 'revocation-requested'): DispensationCommand => ({
  type: 'ApplyRevocation',
  data: { sourceEventId, source },
});
export const rxExpired = (sourceEventId = 'evt-expired'): DispensationCommand => ({ type: 'ApplyPrescriptionExpired', data: { sourceEventId } });

// ---- histories ----

/** Builds a history by running the real decider, so every given event is one it could produce. */
export class History {
  readonly events: DispensationEvent[] = [];
  private readonly decider: ReturnType<typeof dispensationDecider>;

  constructor(
    readonly rx: Rx,
    policy: DispensingPolicy = demoPolicy(),
  ) {
    this.decider = dispensationDecider(policy);
    this.do(register(rx), T0);
  }

  do(command: DispensationCommand, now: Date): this {
    this.events.push(...this.decider.decide(command, this.state(), now));
    return this;
  }

  /** Claimed by the pharmacy and approved by its pharmacist at `now`. */
  ready(pharmacyId: PharmacyId, now: Date): this {
    return this.do(claim(pharmacyId), now).do(approve(pharmacyId), now);
  }

  state(): Dispensation {
    return this.events.reduce(evolveDispensation, initialDispensation());
  }
}

export const history = (r: Rx, policy?: DispensingPolicy): History => new History(r, policy);
