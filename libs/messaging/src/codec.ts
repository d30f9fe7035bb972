import type { CloudEvent } from '@rx/contracts';
import type { DeadLetter, DeadLetterSummary, OutgoingMessage } from './message-bus.port';

export const DEFAULT_MAX_ATTEMPTS = 5;
export const DEFAULT_INITIAL_BACKOFF_MS = 100;
export const DEFAULT_MAX_BACKOFF_MS = 30_000;

export interface EncodedMessage {
  key: string;
  value: string;
  type: string;
  id: string;
}

/**
 * Both adapters encode the same way, so a value that could not cross a real broker (a bigint, a
 * cycle) fails in the embedded mode too, and consumers never share objects with the producer.
 */
export function encodeMessage(message: OutgoingMessage): EncodedMessage {
  if (typeof message?.key !== 'string' || message.key.length === 0) throw new TypeError('message key must be a non-empty string');
  let value: string | undefined;
  try {
    value = JSON.stringify(message.value);
  } catch (e) {
    throw new TypeError(`message value is not JSON-serializable: ${errorMessage(e)}`);
  }
  if (value === undefined) throw new TypeError('message value is not JSON-serializable');
  const envelope = (message.value ?? {}) as Partial<CloudEvent>;
  return { key: message.key, value, type: String(envelope.type ?? ''), id: String(envelope.id ?? '') };
}

export function backoffMs(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  try {
    return typeof e === 'string' ? e : JSON.stringify(e);
  } catch {
    return String(e);
  }
}

/** Runs the consumer's own contract check; a throwing validator refuses the message too. */
export function runValidate(validate: ((e: CloudEvent) => string | undefined) | undefined, event: CloudEvent): string | undefined {
  if (!validate) return undefined;
  try {
    const reason = validate(event);
    return reason ? `invalid event: ${reason}` : undefined;
  } catch (e) {
    return `invalid event: validator threw: ${errorMessage(e)}`;
  }
}

export function deadLetterRecord(fields: Omit<DeadLetter, 'failedAt'>, now: Date = new Date()): DeadLetter {
  return { ...fields, failedAt: now.toISOString() };
}

export function positiveInt(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  return v;
}

export function nonNegative(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`${name} must be a non-negative number, got ${String(value)}`);
  return v;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A dead-letter record read back from `<topic>.dlq`. Anything unreadable there is still handed on
 * (reason and payload say what was found), so a dead letter can never vanish on its way to audit.
 */
export function decodeDeadLetter(raw: string, at: { topic: string; partition: number; offset: string; key: string | null }, now: Date = new Date()): DeadLetter {
  const source = at.topic.endsWith('.dlq') ? at.topic.slice(0, -'.dlq'.length) : at.topic;
  try {
    const v = JSON.parse(raw) as Partial<DeadLetter>;
    if (typeof v === 'object' && v !== null && typeof v.topic === 'string' && typeof v.reason === 'string' && typeof v.groupId === 'string' && typeof v.failedAt === 'string') {
      return {
        topic: v.topic,
        partition: typeof v.partition === 'number' ? v.partition : 0,
        offset: String(v.offset ?? ''),
        key: typeof v.key === 'string' ? v.key : null,
        reason: v.reason,
        payload: typeof v.payload === 'string' ? v.payload : '',
        groupId: v.groupId,
        failedAt: v.failedAt,
      };
    }
  } catch {
    // falls through to the unreadable record below
  }
  return { topic: source, partition: at.partition, offset: at.offset, key: at.key, reason: 'unreadable dead-letter record', payload: raw, groupId: 'unknown', failedAt: now.toISOString() };
}

/** Counts dead letters for `deadLetterSummary()`. */
export class DeadLetterTally {
  private count = 0;
  private last?: DeadLetterSummary['last'];

  note(d: DeadLetter): void {
    this.count++;
    this.last = { topic: d.topic, groupId: d.groupId, key: d.key, reason: d.reason, failedAt: d.failedAt };
  }

  summary(): DeadLetterSummary {
    return this.last ? { count: this.count, last: { ...this.last } } : { count: 0 };
  }
}
