import { TextLimits, truncateText } from '@rx/contracts';
import { alert, type Alert } from './rule';

/** A message a consumer refused or could not handle, as it was written to `<topic>.dlq`. */
export interface DeadLetterRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  reason: string;
  payload: string;
  groupId: string;
  failedAt: string;
}

/**
 * Every dead letter is an alert (severity high): an event that some context could not take in is
 * missing from that context (and perhaps from the audit history), so someone must look. The cause
 * is where and when it failed, so the same dead letter read twice raises one alert, and the same
 * message dead-lettered again later (another process, after a restart) raises another.
 */
export function deadLetterAlert(d: DeadLetterRecord): Alert {
  const envelope = parseEnvelope(d.payload);
  const prescriptionId = d.key !== null && envelope?.prescriptionId === d.key ? d.key : undefined;
  const where = `${d.topic}${d.key ? ` (key ${d.key})` : ''}`;
  return alert({
    ruleId: 'dead-letter',
    cause: [d.groupId, d.topic, String(d.partition), d.offset, d.failedAt],
    severity: 'high',
    subjectKey: truncateText(d.key ?? d.topic, TextLimits.alertSummary.max),
    occurredAt: validInstant(d.failedAt),
    summary: truncateText(`consumer group ${d.groupId} dead-lettered a message of ${where}: ${d.reason}`, TextLimits.alertSummary.max),
    ...(prescriptionId ? { prescriptionId } : {}),
    evidence: envelope?.id ? [envelope.id] : [],
    details: {
      topic: d.topic,
      partition: d.partition,
      offset: d.offset,
      groupId: d.groupId,
      key: d.key,
      reason: truncateText(d.reason, 2000),
      eventType: envelope?.type ?? null,
      failedAt: d.failedAt,
    },
  });
}

function parseEnvelope(payload: string): { id?: string; type?: string; prescriptionId?: string } | undefined {
  try {
    const v = JSON.parse(payload) as { id?: unknown; type?: unknown; data?: { prescriptionId?: unknown } };
    if (typeof v !== 'object' || v === null) return undefined;
    const str = (x: unknown) => (typeof x === 'string' && x.length > 0 && x.length <= 512 ? x : undefined);
    return { id: str(v.id), type: str(v.type), prescriptionId: str(v.data?.prescriptionId) };
  } catch {
    return undefined;
  }
}

/** The alert contract wants an ISO instant; an unreadable record's time is not one to trust blindly. */
function validInstant(s: string): string {
  const t = Date.parse(s);
  return Number.isNaN(t) ? new Date(0).toISOString() : new Date(t).toISOString();
}
