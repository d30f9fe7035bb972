/**
 * The CloudEvents 1.0 JSON envelope every integration event travels in (architecture.md,
 * "Events on Kafka"), plus our two extension attributes for tracing a chain of causes.
 */
export interface CloudEvent<TType extends string = string, TData = unknown> {
  specversion: '1.0';
  id: string;
  type: TType;
  source: string;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  data: TData;
  correlationid: string;
  causationid: string;
  /** Who caused it, as `role:id` (e.g. `pharmacist:PH001`); optional extension. */
  actor?: string;
  /** Integrity hash of the stored event this was published from; optional extension. */
  integrityhash?: string;
}

export type EnvelopeValidation<T> = { ok: true; value: T } | { ok: false; reason: string };

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const MAX_ATTR = 512;

function attr(o: Record<string, unknown>, name: string, required = true): string | undefined {
  const v = o[name];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string' || v.length === 0) throw new Error(`${name} must be a non-empty string`);
  if (v.length > MAX_ATTR) throw new Error(`${name} is longer than ${MAX_ATTR} characters`);
  return v;
}

/** Validates the envelope only; each context validates `data` against its contract type. */
export function validateCloudEvent(input: unknown): EnvelopeValidation<CloudEvent> {
  try {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new Error('envelope must be a JSON object');
    const o = input as Record<string, unknown>;
    if (o.specversion !== '1.0') throw new Error('specversion must be "1.0"');
    const time = attr(o, 'time')!;
    if (!ISO_INSTANT.test(time) || Number.isNaN(Date.parse(time))) throw new Error('time must be an RFC 3339 timestamp');
    if (o.datacontenttype !== 'application/json') throw new Error('datacontenttype must be application/json');
    if (typeof o.data !== 'object' || o.data === null || Array.isArray(o.data)) throw new Error('data must be a JSON object');
    const value: CloudEvent = {
      specversion: '1.0',
      id: attr(o, 'id')!,
      type: attr(o, 'type')!,
      source: attr(o, 'source')!,
      subject: attr(o, 'subject')!,
      time,
      datacontenttype: 'application/json',
      data: o.data,
      correlationid: attr(o, 'correlationid')!,
      causationid: attr(o, 'causationid')!,
      actor: attr(o, 'actor', false),
      integrityhash: attr(o, 'integrityhash', false),
    };
    return { ok: true, value };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
}

/** Parses raw bytes from a topic: JSON first, then the envelope. */
export function parseCloudEvent(raw: Buffer | string | null | undefined): EnvelopeValidation<CloudEvent> {
  if (raw === null || raw === undefined) return { ok: false, reason: 'empty message' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch (e) {
    return { ok: false, reason: `not JSON: ${(e as Error).message}` };
  }
  return validateCloudEvent(parsed);
}
