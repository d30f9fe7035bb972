import { DispensingEventTypes, type DispensingIntegrationEvent } from '@rx/contracts';
import { exhaustive } from '@rx/kernel';
import type { DispensationEvent } from './dispensation.events';

/**
 * Pure mapping from stored dispensation events to `rx.dispensing.v1` integration events
 * (subject = prescriptionId). The relay wraps each in a CloudEvents envelope and derives its id
 * from the stored event id and the index here, so a re-publish carries the same ids.
 * Registration, pickup failures and the cancellation mark stay inside the context: the
 * revocation answer tells prescribing what it needs.
 */
export function toIntegrationEvents(e: DispensationEvent): DispensingIntegrationEvent[] {
  const subject = e.data.prescriptionId;
  switch (e.type) {
    case 'PrescriptionRegistered':
    case 'PickupAttemptFailed':
    case 'PickupLocked':
    case 'CancellationMarked':
      return [];
    case 'PrescriptionClaimed':
      return [{ type: DispensingEventTypes.prescriptionClaimed, subject, data: { ...e.data } }];
    case 'ClaimReleased':
      return [{ type: DispensingEventTypes.claimReleased, subject, data: { ...e.data } }];
    case 'PrescriptionReviewed':
      return [{ type: DispensingEventTypes.prescriptionReviewed, subject, data: { ...e.data, reasons: [...e.data.reasons] } }];
    case 'PrescriptionDispensed': {
      const d = e.data;
      return [
        {
          type: DispensingEventTypes.dispensed,
          subject,
          data: {
            dispenseId: d.dispenseId,
            prescriptionId: d.prescriptionId,
            pharmacyId: d.pharmacyId,
            pharmacistId: d.pharmacistId,
            patientId: d.patientId,
            insuranceType: d.insuranceType,
            retired: d.retired,
            regionCode: d.regionCode,
            institutionId: d.institutionId,
            institutionLevel: d.institutionLevel,
            longTerm: d.longTerm,
            instalment: d.instalment,
            daysSupply: d.daysSupply,
            dispensedAt: d.dispensedAt,
            lines: d.lines.map((l) => ({
              lineNo: l.lineNo,
              drugCode: l.drugCode,
              drugName: l.drugName,
              drugClass: l.drugClass,
              special: l.special,
              unit: l.unit,
              quantity: l.quantity,
              unitPriceFen: l.unitPriceFen,
              referencePriceFen: l.referencePriceFen,
              amountFen: l.amountFen,
              aboveReferencePrice: l.aboveReferencePrice,
              batchNo: l.batchNo,
              traceCodes: [...l.traceCodes],
              daysSupply: l.daysSupply,
            })),
            deliveryFeeFen: d.deliveryFeeFen,
            fullyDispensed: d.fullyDispensed,
            remaining: d.remaining.map((r) => ({ ...r })),
          },
        },
      ];
    }
    case 'DispenseReversed':
      return [{ type: DispensingEventTypes.dispenseReversed, subject, data: { ...e.data, lines: e.data.lines.map((l) => ({ ...l })) } }];
    case 'PrescriptionWithdrawn':
      return [{ type: DispensingEventTypes.prescriptionWithdrawn, subject, data: { ...e.data, dispensed: e.data.dispensed.map((q) => ({ ...q })) } }];
    case 'RevocationAnswered': {
      const { sourceEventId, ...rest } = e.data;
      return [
        {
          type: DispensingEventTypes.revocationAnswered,
          subject,
          data: { ...rest, revocationEventId: sourceEventId, dispensed: rest.dispensed.map((q) => ({ ...q })) },
        },
      ];
    }
    default:
      return exhaustive(e, 'dispensation event');
  }
}
