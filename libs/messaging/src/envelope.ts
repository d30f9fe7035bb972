import type { CloudEvent } from '@rx/contracts';
import type { RecordedEvent } from '@rx/event-store';
import type { OutgoingMessage } from './message-bus.port';

export interface EnvelopeFields<TType extends string = string, TData = unknown> {
  /** The integration event type (the contract's name, not the stored event's). */
  type: TType;
  /** The publishing context's CloudEvents source (`Sources.x`). */
  source: string;
  /** The prescription id: envelope subject and partition key. */
  subject: string;
  /** The integration payload; contexts publish their contract's shape, never whole entities. */
  data: TData;
}

/**
 * The CloudEvents envelope of a stored event. The id is the stored event's id, so a re-published
 * event carries the same id and consumers can recognise the redelivery.
 */
export function toCloudEvent<TType extends string, TData>(event: RecordedEvent, fields: EnvelopeFields<TType, TData>): CloudEvent<TType, TData> {
  const { metadata } = event;
  return {
    specversion: '1.0',
    id: event.id,
    type: fields.type,
    source: fields.source,
    subject: fields.subject,
    time: metadata.occurredAt,
    datacontenttype: 'application/json',
    data: fields.data,
    correlationid: metadata.correlationId,
    causationid: metadata.causationId,
    actor: `${metadata.actor.role}:${metadata.actor.id}`,
    integrityhash: metadata.hash,
  };
}

/** What a relay mapper returns for an integration event: the topic and the keyed envelope. */
export interface RelayMessage {
  topic: string;
  message: OutgoingMessage;
}

/** Shorthand for mappers: key = subject = the prescription id. */
export function relayMessage(topic: string, event: RecordedEvent, fields: EnvelopeFields): RelayMessage {
  return { topic, message: { key: fields.subject, value: toCloudEvent(event, fields) } };
}
