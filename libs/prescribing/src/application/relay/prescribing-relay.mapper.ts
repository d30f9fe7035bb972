import {
  PrescribingEventTypes,
  Topics,
  type PrescribingEventDataByType,
  type PrescribingEventType,
} from '@rx/contracts';
import type { RecordedEvent } from '@rx/event-store';
import { prescriptionIdOfStream, type PrescriptionEvent } from '../../domain/prescription.events';

export interface PrescribingIntegrationMessage<T extends PrescribingEventType = PrescribingEventType> {
  topic: typeof Topics.prescribing;
  /** Partition key and CloudEvents subject: the prescription id. */
  key: string;
  type: T;
  data: PrescribingEventDataByType[T];
}

const msg = <T extends PrescribingEventType>(key: string, type: T, data: PrescribingEventDataByType[T]): PrescribingIntegrationMessage<T> => ({
  topic: Topics.prescribing,
  key,
  type,
  data,
});

/**
 * Stored prescription events → integration events on rx.prescribing.v1; null for what stays inside
 * the context (what prescribing learnt from dispensing is the dispensing side's news already).
 */
export function toPrescribingIntegrationEvent(recorded: RecordedEvent): PrescribingIntegrationMessage | null {
  const prescriptionId = prescriptionIdOfStream(recorded.streamId);
  if (!prescriptionId) return null;
  const e = { type: recorded.type, data: recorded.data } as PrescriptionEvent;
  switch (e.type) {
    case 'PrescriptionIssued': {
      const { requestHash: _internal, ...data } = e.data;
      return msg(prescriptionId, PrescribingEventTypes.prescriptionIssued, data);
    }
    case 'RevocationRequested':
      return msg(prescriptionId, PrescribingEventTypes.revocationRequested, { prescriptionId, ...e.data });
    case 'PrescriptionRevoked':
      return msg(prescriptionId, PrescribingEventTypes.prescriptionRevoked, {
        prescriptionId,
        reason: e.data.reason,
        revokedBy: e.data.revokedBy,
        revokedAt: e.data.revokedAt,
        via: e.data.via,
        dispensed: e.data.dispensed,
      });
    case 'RevocationDeclined':
      return msg(prescriptionId, PrescribingEventTypes.revocationDeclined, {
        prescriptionId,
        declinedAt: e.data.declinedAt,
        dispensed: e.data.dispensed,
        status: e.data.status,
      });
    case 'PrescriptionExpired':
      return msg(prescriptionId, PrescribingEventTypes.prescriptionExpired, { prescriptionId, ...e.data });
    case 'DispensingClaimRecorded':
    case 'DispensingClaimReleaseRecorded':
    case 'DispenseRecorded':
    case 'DispensedAfterRevocation':
    case 'DispensedAfterExpiry':
    case 'DispenseReversalRecorded':
      return null;
    default:
      // Compile-time exhaustive; at run time a type this build does not know publishes nothing.
      return unknownType(e);
  }
}

function unknownType(_e: never): null {
  return null;
}
