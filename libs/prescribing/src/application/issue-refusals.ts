import { Inject, Injectable, Logger } from '@nestjs/common';
import { PrescribingEventTypes, Topics, type IssueRefusedV1 } from '@rx/contracts';
import { EVENT_STORE, type Actor, type EventStore, type RecordedEvent } from '@rx/event-store';
import { ID_GENERATOR, type IdGenerator } from '@rx/kernel';
import type { PrescribingIntegrationMessage } from './relay/prescribing-relay.mapper';

export const ISSUE_SIGNAL_STREAM_PREFIX = 'prescribing-signal-';
export const ISSUE_REFUSED = 'IssueRefused';

/**
 * Three-fixed refusals at issue (a special drug at an undesignated institution or by an
 * undesignated physician) are what monitoring watches, but a refused issue stores nothing of the
 * prescription. Each is a fact in a short stream of its own, which the prescribing relay publishes
 * as `rx.prescribing.issue-refused.v1`.
 */
@Injectable()
export class IssueRefusals {
  private readonly logger = new Logger('prescribing:signals');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  /** Never throws: failing to record the signal must not turn the refusal into a 500. */
  async record(data: IssueRefusedV1, meta: { actor: Actor; correlationId: string }): Promise<void> {
    try {
      await this.store.append(
        `${ISSUE_SIGNAL_STREAM_PREFIX}${this.ids.next()}`,
        [{ id: this.ids.next(), type: ISSUE_REFUSED, data, metadata: { actor: meta.actor, correlationId: meta.correlationId, causationId: meta.correlationId, occurredAt: data.refusedAt } }],
        { expectedRevision: 'no_stream' },
      );
    } catch (e) {
      this.logger.warn({ msg: 'refused issue not recorded', code: data.code, error: (e as Error).message });
    }
  }
}

export function toIssueSignalMessage(recorded: RecordedEvent): PrescribingIntegrationMessage | null {
  if (recorded.type !== ISSUE_REFUSED) return null;
  const data = recorded.data as IssueRefusedV1;
  return { topic: Topics.prescribing, key: data.prescriptionId, type: PrescribingEventTypes.issueRefused, data };
}
