import { Inject, Injectable } from '@nestjs/common';
import {
  Topics,
  validateDispensingCloudEvent,
  validatePrescribingCloudEvent,
  validateSettlementCloudEvent,
  type CloudEvent,
} from '@rx/contracts';
import { EVENT_STORE, type EventStore } from '@rx/event-store';
import { derivedId } from '@rx/kernel';
import type { ConsumerOptions, IncomingMessage } from '@rx/messaging';
import { auditTargets, contextOfType, parseActor, toAuditFactData, type AuditContext } from '../domain/audit-fact';

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
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  readonly validate = (event: CloudEvent): string | undefined => validateAuditedEnvelope(event);

  readonly handle = async (message: IncomingMessage): Promise<void> => {
    await this.record(message.event);
  };

  /** Appends the fact to each target stream; returns how many copies were new. */
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
