import { randomUUID } from 'node:crypto';
import {
  DispensingEventTypes,
  Topics,
  type CloudEvent,
  type DispensedDrugClass,
  type DispensedLineV1,
  type DispensedV1,
  type DispenseReversedV1,
} from '@rx/contracts';
import type { NewEvent, AppendOptions } from '@rx/event-store';
import { DelegatingStore } from '@rx/event-store/testing';
import type { TestApp } from '@rx/runtime/testing';

/** The demo catalog as the dispensing side prices it (reference-data.md). */
const DRUGS: Record<string, { name: string; drugClass: DispensedDrugClass; special: boolean; referencePriceFen: number }> = {
  'MET-500': { name: 'metformin 0.5 g tablet', drugClass: 'A', special: false, referencePriceFen: 50 },
  'AML-5': { name: 'amlodipine 5 mg tablet', drugClass: 'A', special: false, referencePriceFen: 80 },
  'ATV-20': { name: 'atorvastatin 20 mg tablet', drugClass: 'B', special: false, referencePriceFen: 500 },
  'SD-OSIMERTINIB': { name: 'osimertinib 80 mg tablet', drugClass: 'B', special: true, referencePriceFen: 17000 },
  'VITC-100': { name: 'vitamin C 100 tablets', drugClass: 'SELF_PAY', special: false, referencePriceFen: 2500 },
};

export const PATIENTS = {
  PT001: { insuranceType: 'employee', retired: false },
  PT002: { insuranceType: 'employee', retired: true },
  PT003: { insuranceType: 'resident', retired: false },
  PT004: { insuranceType: 'resident', retired: false },
} as const;

export type Line = [drugCode: string, quantity: number, unitPriceFen?: number];

export interface DispenseSpec {
  patientId?: keyof typeof PATIENTS;
  pharmacyId?: string;
  lines: Line[];
  deliveryFeeFen?: number;
  dispensedAt?: string;
  dispenseId?: string;
  prescriptionId?: string;
}

export function dispensedData(spec: DispenseSpec, now: Date): DispensedV1 {
  const patientId = spec.patientId ?? 'PT001';
  const lines: DispensedLineV1[] = spec.lines.map(([drugCode, quantity, price], i) => {
    const drug = DRUGS[drugCode];
    const unitPriceFen = price ?? drug.referencePriceFen;
    return {
      lineNo: i + 1,
      drugCode,
      drugName: drug.name,
      drugClass: drug.drugClass,
      special: drug.special,
      quantity,
      unitPriceFen,
      referencePriceFen: drug.referencePriceFen,
      amountFen: quantity * unitPriceFen,
      aboveReferencePrice: unitPriceFen > drug.referencePriceFen,
      batchNo: `B-${drugCode}`,
      traceCodes: ['81234567890123456789'],
    };
  });
  return {
    dispenseId: spec.dispenseId ?? randomUUID(),
    prescriptionId: spec.prescriptionId ?? randomUUID(),
    pharmacyId: spec.pharmacyId ?? 'P001',
    pharmacistId: 'PH001',
    patientId,
    ...PATIENTS[patientId],
    regionCode: '522700',
    institutionLevel: 1,
    instalment: 1,
    daysSupply: 7,
    dispensedAt: spec.dispensedAt ?? now.toISOString(),
    lines,
    deliveryFeeFen: spec.deliveryFeeFen ?? 0,
    fullyDispensed: true,
  };
}

export function envelope<T>(type: string, subject: string, data: T, time: Date, id: string = randomUUID()): CloudEvent<string, T> {
  return {
    specversion: '1.0',
    id,
    type,
    source: '/rx/dispensing',
    subject,
    time: time.toISOString(),
    datacontenttype: 'application/json',
    data,
    correlationid: randomUUID(),
    causationid: randomUUID(),
    actor: 'pharmacist:PH001',
  };
}

export function dispensedEnvelope(spec: DispenseSpec, now: Date): CloudEvent<string, DispensedV1> {
  const data = dispensedData(spec, now);
  return envelope(DispensingEventTypes.dispensed, data.prescriptionId, data, now);
}

export function reversedEnvelope(original: DispensedV1, now: Date, reason = 'patient returned the medicine'): CloudEvent<string, DispenseReversedV1> {
  const data: DispenseReversedV1 = {
    reversalId: randomUUID(),
    dispenseId: original.dispenseId,
    prescriptionId: original.prescriptionId,
    pharmacyId: original.pharmacyId,
    reason,
    reversedAt: now.toISOString(),
  };
  return envelope(DispensingEventTypes.dispenseReversed, original.prescriptionId, data, now);
}

/** Publishes the way the dispensing relay would (key = subject = prescription id). */
export async function publish(t: TestApp, event: CloudEvent): Promise<void> {
  await t.bus.publish(Topics.dispensing, [{ key: event.subject, value: event }]);
}

/**
 * An event store that fails chosen appends once, as if the process died right before them:
 * the crash-safety tests use it to stop a saga between two steps.
 */
export class CrashingStore extends DelegatingStore {
  private crashes: ((streamId: string, events: readonly NewEvent[]) => boolean)[] = [];

  /** The next append matching `when` throws instead of writing. */
  crashBefore(when: (streamId: string, events: readonly NewEvent[]) => boolean): void {
    this.crashes.push(when);
  }

  override append(streamId: string, events: readonly NewEvent[], options: AppendOptions) {
    const i = this.crashes.findIndex((c) => c(streamId, events));
    if (i >= 0) {
      this.crashes.splice(i, 1);
      return Promise.reject(new Error(`simulated crash before appending to ${streamId}`));
    }
    return this.inner.append(streamId, events, options);
  }
}

export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
