import { AUDIT_TOPIC, AuditEventTypes, type AlertRaisedV1 } from '@rx/contracts';
import type { RecordedEvent } from '@rx/event-store';
import type { IntegrationMessage } from '@rx/runtime';
import { ALERT_RAISED, ALERT_STREAM_PREFIX } from '../domain/audit-streams';

/** Stored alerts → `rx.audit.v1` (the alert is the contract shape already); nothing else is published. */
export function toAuditIntegrationEvent(event: RecordedEvent): IntegrationMessage | null {
  if (!event.streamId.startsWith(ALERT_STREAM_PREFIX) || event.type !== ALERT_RAISED) return null;
  const alert = event.data as AlertRaisedV1;
  return { topic: AUDIT_TOPIC, key: alert.subjectKey, type: AuditEventTypes.alertRaised, data: alert };
}
