import { randomUUID } from 'node:crypto';
import type { CloudEvent } from '@rx/contracts';
import type { OutgoingMessage } from '../message-bus.port';

/** A valid envelope; override any attribute. */
export function cloudEvent(overrides: Partial<CloudEvent> = {}): CloudEvent {
  return {
    specversion: '1.0',
    id: randomUUID(),
    type: 'rx.test.Happened.v1',
    source: '/rx/test',
    subject: 'RX-1',
    time: '2026-03-02T09:00:00.000Z',
    datacontenttype: 'application/json',
    data: { n: 0 },
    correlationid: randomUUID(),
    causationid: randomUUID(),
    ...overrides,
  };
}

export function message(key: string, data: Record<string, unknown>, overrides: Partial<CloudEvent> = {}): OutgoingMessage {
  return { key, value: cloudEvent({ subject: key, data, ...overrides }) };
}

/** Resolves when `predicate` holds, polling; rejects with `what` after `timeoutMs`. */
export async function eventually(predicate: () => boolean, what: string, timeoutMs = 5_000, everyMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
