import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  PrescribingEventTypes,
  prescriptionSealRefusal,
  Topics,
  validateDispensingCloudEvent,
  validatePrescribingCloudEvent,
  validateSettlementCloudEvent,
  type CloudEvent,
  type PrescriptionIssuedV1,
} from '@rx/contracts';
import { EVENT_STORE, type EventStore } from '@rx/event-store';
import { CLOCK, derivedId, type Clock } from '@rx/kernel';
import { UnprocessableMessageError, type ConsumerOptions, type IncomingMessage } from '@rx/messaging';
import { REFERENCE_DATA, ReferenceDataService, type ReferenceData } from '@rx/reference-data';
import { auditTargets, contextOfType, parseActor, toAuditFactData, type AuditContext } from '../domain/audit-fact';
import { forgedPrescriptionAlert } from '../domain/rules';
import { appendAlert } from './alert-writer';

export const AUDIT_CONSUMER_GROUP = 'audit';
export const AUDITED_TOPICS: readonly string[] = [Topics.prescribing, Topics.dispensing, Topics.settlement];

const VALIDATORS: Record<AuditContext, (e: CloudEvent) => string | undefined> = {
  prescribing: validatePrescribingCloudEvent,
  dispensing: validateDispensingCloudEvent,
  settlement: validateSettlementCloudEvent,
};

/** The envelope's contract check; a reason sends it to the dead-letter topic. */
export function validateAuditedEnvelope(event: CloudEvent): string | undefined {
  const context = contextOfType(event.type);
  if (!context) return `not an audited event type ${JSON.stringify(event.type)}`;
  return VALIDATORS[context](event);
}

/**
 * Keeps a copy of every integration event as a fact in the audit context's own streams (A2), the
 * same code in the embedded and the distributed mode. The copy's id derives from the envelope id
 * and the target stream, so a redelivered message appends nothing; the store chains the copy's
 * hash like any other event, and the source's integrity hash travels inside it.
 */
@Injectable()
export class AuditFactRecorder {
  private readonly logger = new Logger('audit:fact-recorder');
  private readonly ref: ReferenceDataService;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(REFERENCE_DATA) ref: ReferenceData,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.ref = ReferenceDataService.from(ref);
  }

  readonly validate = (event: CloudEvent): string | undefined => validateAuditedEnvelope(event);

  /**
   * An issued prescription whose seal fails is not a fact of anyone's history: it raises a
   * `forged-prescription` alert (stored before the refusal, so a crash in between redelivers and
   * the derived alert id appends nothing new) and is dead-lettered with the stable reason.
   */
  readonly handle = async (message: IncomingMessage): Promise<void> => {
    const event = message.event;
    if (event.type === PrescribingEventTypes.prescriptionIssued) {
      const forged = prescriptionSealRefusal(event, (id, at) => this.ref.institutionPublicKeyAt(id, at));
      if (forged) {
        const alert = forgedPrescriptionAlert(event, event.data as PrescriptionIssuedV1, forged, this.clock.now());
        await appendAlert(this.store, alert, this.clock.now().toISOString());
        this.logger.warn({ msg: 'forged prescription refused and alerted', id: event.id, subject: event.subject, code: forged.code, alertId: alert.alertId });
        throw new UnprocessableMessageError(forged.reason);
      }
    }
    await this.record(event);
  };

  /** Appends the fact to each target stream (no seal check: `handle` does that); returns how many copies were new. */
  async record(event: CloudEvent): Promise<number> {
    const context = contextOfType(event.type);
    if (!context) return 0;
    const data = toAuditFactData(event, context);
    const actor = parseActor(event.actor) ?? { role: 'system', id: context };
    let written = 0;
    for (const streamId of auditTargets(event)) {
      const result = await this.store.append(
        streamId,
        [
          {
            id: derivedId(event.id, 'audit', streamId),
            type: event.type,
            data,
            // occurredAt is the source's time, so `readStream(upTo)` answers "as it was then".
            metadata: { correlationId: event.correlationid, causationId: event.id, actor, occurredAt: event.time },
          },
        ],
        { expectedRevision: 'any' },
      );
      if (result.written) written++;
    }
    return written;
  }

  consumerOptions(): ConsumerOptions {
    return { groupId: AUDIT_CONSUMER_GROUP, topics: AUDITED_TOPICS, validate: this.validate, handler: this.handle };
  }
}
