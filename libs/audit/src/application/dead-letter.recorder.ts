import { Inject, Injectable } from '@nestjs/common';
import { AUDIT_TOPIC } from '@rx/contracts';
import { EVENT_STORE, type EventStore } from '@rx/event-store';
import type { DeadLetter, DeadLetterConsumerOptions } from '@rx/messaging';
import { ALERT_RAISED, alertStreamId } from '../domain/audit-streams';
import { deadLetterAlert } from '../domain/rules';
import { AUDITED_TOPICS } from './audit-fact.recorder';

export const DEAD_LETTER_CONSUMER_GROUP = 'audit.dead-letters';
const RECORDER_ACTOR = { role: 'system', id: 'audit-dead-letters' };

/**
 * Reads every context's dead-letter topics (`<topic>.dlq`, in both modes) and raises an alert for
 * each dead letter, stored like any other alert (`alert-{alertId}`, appended with `no_stream`, so a
 * redelivered dead letter appends nothing). The monitoring projection and `GET /audit/alerts` pick
 * it up from the store; `/audit/integrity` and `npm run audit -- verify` report it.
 */
@Injectable()
export class DeadLetterRecorder {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  readonly handle = async (d: DeadLetter): Promise<void> => {
    const alert = deadLetterAlert(d);
    await this.store.append(
      alertStreamId(alert.alertId),
      [
        {
          id: alert.alertId,
          type: ALERT_RAISED,
          data: alert,
          metadata: { correlationId: alert.evidence[0] ?? alert.alertId, causationId: alert.evidence[0] ?? alert.alertId, actor: RECORDER_ACTOR, occurredAt: alert.occurredAt },
        },
      ],
      { expectedRevision: 'no_stream' },
    );
  };

  consumerOptions(): DeadLetterConsumerOptions {
    return { groupId: DEAD_LETTER_CONSUMER_GROUP, topics: [...AUDITED_TOPICS, AUDIT_TOPIC], handler: this.handle };
  }
}
