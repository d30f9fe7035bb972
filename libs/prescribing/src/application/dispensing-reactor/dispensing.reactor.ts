import { Injectable } from '@nestjs/common';
import { Topics, type CloudEvent } from '@rx/contracts';
import type { Actor } from '@rx/event-store';
import { derivedId } from '@rx/kernel';
import type { IncomingMessage } from '@rx/messaging';
import { PrescriptionRunner } from '../prescription-runner';
import { readDispensingFact, validateDispensingFact } from './dispensing-facts';

export const DISPENSING_CONSUMER_GROUP = 'prescribing.dispensing-reactor';

/**
 * Keeps what prescribing learns from the dispensing side in its own streams (holder, dispenses,
 * answers to revocation requests). Event ids derive from the source event id, so a redelivered
 * message appends nothing new.
 */
@Injectable()
export class DispensingReactor {
  constructor(private readonly runner: PrescriptionRunner) {}

  readonly validate = (event: CloudEvent): string | undefined => validateDispensingFact(event);

  readonly handle = async (message: IncomingMessage): Promise<void> => {
    const event = message.event;
    const fact = readDispensingFact(event);
    if (!fact) return;
    await this.runner.run(fact.prescriptionId, fact.command, {
      actor: actorOf(event.actor),
      correlationId: event.correlationid,
      causationId: event.id,
      eventId: (i, e) => derivedId(event.id, `prescribing:${e.type}:${i}`),
    });
  };

  consumerOptions() {
    return { groupId: DISPENSING_CONSUMER_GROUP, topics: [Topics.dispensing], validate: this.validate, handler: this.handle };
  }
}

/** The dispensing event's actor (`role:id`) caused the fact; without one, the dispensing context did. */
function actorOf(actor: string | undefined): Actor {
  const m = actor ? /^([^:]{1,32}):(.{1,128})$/.exec(actor) : null;
  return m ? { role: m[1], id: m[2] } : { role: 'system', id: 'dispensing' };
}
