import { createHash, randomUUID } from 'node:crypto';
import { Sources, Topics, type CloudEvent } from '@rx/contracts';
import type { MessageBus } from '@rx/messaging';
import type { AllEventData, KnownFactType } from '../domain/audit-fact';

/**
 * Publishes envelopes the way the other contexts' relays do (CloudEvents 1.0, subject = key, actor
 * and integrity hash extensions), for the audit context's integration tests and the CLI test.
 */
export function topicOf(type: string): string {
  if (type.startsWith('rx.prescribing.')) return Topics.prescribing;
  if (type.startsWith('rx.dispensing.')) return Topics.dispensing;
  return Topics.settlement;
}

export function sourceOf(type: string): string {
  if (type.startsWith('rx.prescribing.')) return Sources.prescribing;
  if (type.startsWith('rx.dispensing.')) return Sources.dispensing;
  return Sources.settlement;
}

export function subjectOf(type: string, data: Record<string, unknown>): string {
  if (type === 'rx.settlement.agreement-dissolved.v1' || type.startsWith('rx.settlement.claim-')) return String(data.pharmacyId);
  return String(data.prescriptionId);
}

export function envelope<K extends KnownFactType>(type: K, data: AllEventData[K], time: string, actor: string, over: Partial<CloudEvent> = {}): CloudEvent {
  const id = over.id ?? randomUUID();
  return {
    specversion: '1.0',
    id,
    type,
    source: sourceOf(type),
    subject: subjectOf(type, data as unknown as Record<string, unknown>),
    time,
    datacontenttype: 'application/json',
    data,
    correlationid: over.correlationid ?? randomUUID(),
    causationid: over.causationid ?? randomUUID(),
    actor,
    // What a relay copies from the stored event; here a stand-in of the right shape.
    integrityhash: createHash('sha256').update(id).digest('hex'),
    ...over,
  };
}

export async function publish(bus: MessageBus, ...events: CloudEvent[]): Promise<void> {
  for (const e of events) await bus.publish(topicOf(e.type), [{ key: e.subject, value: e }]);
}
