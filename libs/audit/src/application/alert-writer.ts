import type { EventStore } from '@rx/event-store';
import { ALERT_RAISED, alertStreamId } from '../domain/audit-streams';
import type { Alert } from '../domain/rules';

const MONITOR_ACTOR = { role: 'system', id: 'audit-monitoring' };

/**
 * Stores an alert as `AlertRaised` in its own `alert-{alertId}` stream, appended with `no_stream`:
 * raising the same cause again appends nothing. The projection lists it, the relay publishes it.
 */
export async function appendAlert(store: EventStore, alert: Alert, raisedAt: string): Promise<boolean> {
  const result = await store.append(
    alertStreamId(alert.alertId),
    [
      {
        id: alert.alertId,
        type: ALERT_RAISED,
        data: alert,
        metadata: { correlationId: alert.evidence[0] ?? alert.alertId, causationId: alert.evidence[alert.evidence.length - 1] ?? alert.alertId, actor: MONITOR_ACTOR, occurredAt: raisedAt },
      },
    ],
    { expectedRevision: 'no_stream' },
  );
  return result.written;
}
