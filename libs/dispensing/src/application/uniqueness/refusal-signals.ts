import { Inject, Injectable, Logger } from '@nestjs/common';
import { DispensingEventTypes, Topics, type AttemptRefusedV1 } from '@rx/contracts';
import { EVENT_STORE, type Actor, type EventStore, type RecordedEvent } from '@rx/event-store';
import { ID_GENERATOR, type IdGenerator } from '@rx/kernel';
import type { IntegrationMessage } from '@rx/runtime';

export const SIGNAL_STREAM_PREFIX = 'dispensing-signal-';
export const ATTEMPT_REFUSED = 'AttemptRefused';

/**
 * Refusals monitoring must see (a box sold twice, a special drug at an undesignated pharmacy).
 * A refused command appends nothing to the prescription's stream, so each refusal is a fact in a
 * short stream of its own, which the dispensing relay publishes as `rx.dispensing.attempt-refused.v1`.
 */
@Injectable()
export class RefusalSignals {
  private readonly logger = new Logger('dispensing:signals');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  /** Never throws: failing to record the signal must not turn the refusal into a 500. */
  async record(data: AttemptRefusedV1, meta: { actor: Actor; correlationId: string }): Promise<void> {
    const id = this.ids.next();
    try {
      await this.store.append(
        `${SIGNAL_STREAM_PREFIX}${id}`,
        [{ id: this.ids.next(), type: ATTEMPT_REFUSED, data, metadata: { actor: meta.actor, correlationId: meta.correlationId, causationId: meta.correlationId, occurredAt: data.refusedAt } }],
        { expectedRevision: 'no_stream' },
      );
    } catch (e) {
      this.logger.warn({ msg: 'refused attempt not recorded', code: data.code, prescriptionId: data.prescriptionId, error: (e as Error).message });
    }
  }
}

export function toSignalMessage(recorded: RecordedEvent): IntegrationMessage | null {
  if (recorded.type !== ATTEMPT_REFUSED) return null;
  const data = recorded.data as AttemptRefusedV1;
  return { topic: Topics.dispensing, key: data.prescriptionId, type: DispensingEventTypes.attemptRefused, data };
}
