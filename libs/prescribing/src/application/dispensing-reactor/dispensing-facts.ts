import { DispensingEventTypes, textProblem, TextLimits } from '@rx/contracts';
import type { PrescriptionCommand } from '../../domain/prescription.commands';

/**
 * Consumer-side reading of rx.dispensing.v1: only the five types prescribing acts on, and only
 * the fields it reads (a tolerant reader; the producer may add fields). Other types are ignored.
 */
export const CONSUMED_DISPENSING_TYPES: readonly string[] = [
  DispensingEventTypes.prescriptionClaimed,
  DispensingEventTypes.claimReleased,
  DispensingEventTypes.dispensed,
  DispensingEventTypes.dispenseReversed,
  DispensingEventTypes.revocationAnswered,
];

type Data = Record<string, unknown>;
class Invalid extends Error {}
const need = (ok: boolean, what: string) => {
  if (!ok) throw new Invalid(what);
};
const id = (d: Data, k: string) => {
  const v = d[k];
  const problem = textProblem(v, TextLimits.id);
  need(problem === undefined, `data.${k} ${problem}`);
  return v as string;
};
const instant = (d: Data, k: string) => {
  const v = d[k];
  need(typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v)), `data.${k} must be an ISO-8601 instant`);
  return new Date(v as string).toISOString();
};
const oneOf = <T extends string>(d: Data, k: string, allowed: readonly T[]): T => {
  need(allowed.includes(d[k] as T), `data.${k} must be one of ${allowed.join(', ')}`);
  return d[k] as T;
};
const drugQuantities = (d: Data, k: string) => {
  const v = d[k];
  need(Array.isArray(v) && v.length <= 100, `data.${k} must be an array of at most 100 entries`);
  return (v as unknown[]).map((x, i) => {
    need(typeof x === 'object' && x !== null && !Array.isArray(x), `data.${k}[${i}] must be an object`);
    const q = x as Data;
    need(typeof q.drugCode === 'string' && q.drugCode.length > 0 && q.drugCode.length <= 64, `data.${k}[${i}].drugCode must be a drug code`);
    need(typeof q.quantity === 'number' && Number.isSafeInteger(q.quantity) && q.quantity >= 0, `data.${k}[${i}].quantity must be a non-negative integer`);
    return { drugCode: q.drugCode as string, quantity: q.quantity as number };
  });
};

export interface DispensingFact {
  prescriptionId: string;
  command: PrescriptionCommand;
}

/**
 * The reactor command for one dispensing event, or null for a type prescribing does not act on.
 * Throws Invalid (via `readDispensingFact`'s caller, `validateDispensingFact`) for a bad payload.
 */
function read(event: { id: string; type: string; subject: string; data: unknown }): DispensingFact | null {
  if (!CONSUMED_DISPENSING_TYPES.includes(event.type)) return null;
  need(typeof event.data === 'object' && event.data !== null && !Array.isArray(event.data), 'data must be an object');
  const d = event.data as Data;
  const prescriptionId = id(d, 'prescriptionId');
  need(event.subject === prescriptionId, 'subject must equal data.prescriptionId');
  const sourceEventId = event.id;
  switch (event.type) {
    case DispensingEventTypes.prescriptionClaimed:
      return {
        prescriptionId,
        command: { type: 'RecordClaim', data: { sourceEventId, pharmacyId: id(d, 'pharmacyId'), claimedAt: instant(d, 'claimedAt'), expiresAt: instant(d, 'expiresAt') } },
      };
    case DispensingEventTypes.claimReleased:
      return {
        prescriptionId,
        command: { type: 'RecordClaimRelease', data: { sourceEventId, pharmacyId: id(d, 'pharmacyId'), reason: oneOf(d, 'reason', ['RELEASED', 'EXPIRED', 'REJECTED', 'CANCELLED'] as const) } },
      };
    case DispensingEventTypes.dispensed:
      need(typeof d.fullyDispensed === 'boolean', 'data.fullyDispensed must be a boolean');
      return {
        prescriptionId,
        command: { type: 'RecordDispense', data: { sourceEventId, dispenseId: id(d, 'dispenseId'), pharmacyId: id(d, 'pharmacyId'), fullyDispensed: d.fullyDispensed as boolean } },
      };
    case DispensingEventTypes.dispenseReversed:
      return {
        prescriptionId,
        command: {
          type: 'RecordDispenseReversal',
          data: { sourceEventId, reversalId: id(d, 'reversalId'), dispenseId: id(d, 'dispenseId'), pharmacyId: id(d, 'pharmacyId'), reversedAt: instant(d, 'reversedAt') },
        },
      };
    case DispensingEventTypes.revocationAnswered:
      return {
        prescriptionId,
        command: {
          type: 'RecordRevocationAnswer',
          data: { sourceEventId, outcome: oneOf(d, 'outcome', ['WITHDRAWN', 'CANCELLATION_PENDING', 'DECLINED'] as const), dispensed: drugQuantities(d, 'dispensed') },
        },
      };
    default:
      return null;
  }
}

/** For ConsumerOptions.validate: a reason to dead-letter, or undefined (also for types we ignore). */
export function validateDispensingFact(event: { id: string; type: string; subject: string; data: unknown }): string | undefined {
  try {
    read(event);
    return undefined;
  } catch (e) {
    if (e instanceof Invalid) return `${event.type}: ${e.message}`;
    throw e;
  }
}

export function readDispensingFact(event: { id: string; type: string; subject: string; data: unknown }): DispensingFact | null {
  return read(event);
}
