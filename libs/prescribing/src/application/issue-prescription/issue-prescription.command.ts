import { Command } from '@nestjs/cqrs';
import type { AuthenticatedActor } from '@rx/auth';
import type { Diagnosis } from '../../domain/prescription.events';
import type { RequestedItem } from '../../domain/prescription.commands';
import type { PrescriptionStatus } from '../../domain/prescription.decider';

export interface IssuePrescriptionResult {
  prescriptionId: string;
  status: PrescriptionStatus;
  /** The patient's secret for the pharmacy; derived, so a re-issue returns it again (see PickupCodes). */
  pickupCode: string;
  validUntil: string;
  contentHash: string;
  signature: string;
  signingKeyInstitutionId: string;
}

export class IssuePrescriptionCommand extends Command<IssuePrescriptionResult> {
  constructor(
    readonly actor: AuthenticatedActor,
    readonly input: {
      prescriptionId?: string;
      patientId: string;
      diagnoses: Diagnosis[];
      items: RequestedItem[];
      longTerm?: boolean;
    },
  ) {
    super();
  }
}
