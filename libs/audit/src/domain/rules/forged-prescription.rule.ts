import type { PrescriptionIssuedV1, PrescriptionSealFailure } from '@rx/contracts';
import { alert, type Alert } from './rule';

export interface ReceivedEnvelope {
  id: string;
  type: string;
  source: string;
  time: string;
  actor?: string;
}

/**
 * A prescription-issued event whose seal failed on receipt (issue 21). It is dead-lettered, not
 * recorded as a fact: its fields are whatever the sender wrote, so they go into the alert as
 * claims, and the alert dates from its receipt, not from the time the envelope claims. One alert
 * per envelope id, however often it is redelivered.
 */
export function forgedPrescriptionAlert(envelope: ReceivedEnvelope, data: PrescriptionIssuedV1, failure: { code: PrescriptionSealFailure; reason: string }, receivedAt: Date): Alert {
  return alert({
    ruleId: 'forged-prescription',
    cause: [envelope.id],
    severity: 'high',
    subjectKey: data.prescriptionId,
    occurredAt: receivedAt.toISOString(),
    summary: `prescription ${data.prescriptionId} said to be issued by ${data.institutionId} failed its seal check (${failure.code}); dead-lettered, never circulated`,
    prescriptionId: data.prescriptionId,
    patientId: data.patientId,
    evidence: [envelope.id],
    details: {
      code: failure.code,
      reason: failure.reason,
      institutionId: data.institutionId,
      signingKeyInstitutionId: data.signingKeyInstitutionId,
      issuedAt: data.issuedAt,
      envelopeSource: envelope.source,
      envelopeTime: envelope.time,
      envelopeActor: envelope.actor ?? null,
    },
  });
}
