import { Topics } from '@rx/contracts';
import type { RecordedEvent } from '@rx/event-store';
import type { IntegrationMessage } from '@rx/runtime';
import type { DispensationEvent } from '../../domain/dispensation.events';
import { toIntegrationEvents } from '../../domain/integration-events';

/**
 * Stored dispensation event → its rx.dispensing.v1 message (null for what stays inside). The
 * relay takes the envelope id from the stored event, so a re-publish carries the same id. Every
 * stored event maps to at most one integration event and the relay publishes one message per
 * stored event: a mapping to more would be a bug, and throwing holds the relay rather than
 * losing an event.
 */
export function toDispensingMessage(recorded: RecordedEvent): IntegrationMessage | null {
  const integration = toIntegrationEvents({ type: recorded.type, data: recorded.data } as DispensationEvent);
  if (integration.length === 0) return null;
  if (integration.length > 1) throw new Error(`stored event ${recorded.type} maps to ${integration.length} integration events; the relay publishes one`);
  const [event] = integration;
  return { topic: Topics.dispensing, key: event.subject, type: event.type, data: event.data };
}
