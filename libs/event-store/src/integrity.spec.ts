import { computeEventHash, eventHashMatches, GENESIS_HASH, type HashInput, verifyStream } from './integrity';
import type { RecordedEvent } from './event-store.port';

const base: HashInput = {
  streamId: 'prescription-RX1',
  revision: 0,
  id: '3f0c2a56-8d4e-4b7a-9c1d-2e3f4a5b6c7d',
  type: 'PrescriptionIssued',
  data: { rxId: 'RX1', items: [{ drugCode: 'D1', quantity: 2 }], longTerm: false },
  metadata: { correlationId: 'c-1', causationId: 'c-0', actor: { role: 'physician', id: 'D001' }, occurredAt: '2026-03-02T09:00:00.000Z' },
  prevHash: GENESIS_HASH,
};

function chain(inputs: Array<Omit<HashInput, 'prevHash' | 'revision'>>): RecordedEvent[] {
  let prevHash = GENESIS_HASH;
  return inputs.map((input, revision) => {
    const hash = computeEventHash({ ...input, revision, prevHash });
    const e: RecordedEvent = { ...input, revision, position: BigInt(revision + 1), metadata: { ...input.metadata, hash, prevHash } };
    prevHash = hash;
    return e;
  });
}

describe('computeEventHash', () => {
  it('gives the same sha-256 for the same input', () => {
    expect(computeEventHash(base)).toMatch(/^[0-9a-f]{64}$/);
    expect(computeEventHash({ ...base, data: structuredClone(base.data) })).toBe(computeEventHash(base));
  });

  it('does not depend on key order', () => {
    const reordered: HashInput = {
      prevHash: base.prevHash,
      metadata: { occurredAt: base.metadata.occurredAt, actor: { id: 'D001', role: 'physician' }, causationId: 'c-0', correlationId: 'c-1' },
      data: { longTerm: false, items: [{ quantity: 2, drugCode: 'D1' }], rxId: 'RX1' },
      type: base.type,
      id: base.id,
      revision: base.revision,
      streamId: base.streamId,
    };
    expect(computeEventHash(reordered)).toBe(computeEventHash(base));
  });

  it.each<[string, Partial<HashInput>]>([
    ['stream id', { streamId: 'prescription-RX2' }],
    ['revision', { revision: 1 }],
    ['event id', { id: '3f0c2a56-8d4e-4b7a-9c1d-2e3f4a5b6c7e' }],
    ['type', { type: 'PrescriptionRevoked' }],
    ['data', { data: { ...(base.data as object), longTerm: true } }],
    ['nested data', { data: { rxId: 'RX1', items: [{ drugCode: 'D1', quantity: 3 }], longTerm: false } }],
    ['correlation id', { metadata: { ...base.metadata, correlationId: 'c-2' } }],
    ['causation id', { metadata: { ...base.metadata, causationId: 'c-9' } }],
    ['actor', { metadata: { ...base.metadata, actor: { role: 'physician', id: 'D002' } } }],
    ['actor role', { metadata: { ...base.metadata, actor: { role: 'auditor', id: 'D001' } } }],
    ['occurredAt', { metadata: { ...base.metadata, occurredAt: '2026-03-02T09:00:00.001Z' } }],
    ['previous hash', { prevHash: 'f'.repeat(64) }],
  ])('changes when the %s changes', (_, change) => {
    expect(computeEventHash({ ...base, ...change })).not.toBe(computeEventHash(base));
  });
});

describe('verifyStream', () => {
  const events = chain([
    { streamId: 's', id: 'a', type: 'A', data: { n: 1 }, metadata: base.metadata },
    { streamId: 's', id: 'b', type: 'B', data: { n: 2 }, metadata: base.metadata },
    { streamId: 's', id: 'c', type: 'C', data: { n: 3 }, metadata: base.metadata },
  ]);

  it('accepts an intact chain and an empty stream', () => {
    expect(verifyStream('s', events)).toEqual({ streamId: 's', ok: true, eventCount: 3 });
    expect(verifyStream('s', [])).toEqual({ streamId: 's', ok: true, eventCount: 0 });
  });

  it('finds the first altered event', () => {
    const altered = events.map((e) => (e.revision === 2 ? { ...e, data: { n: 30 } } : e));
    expect(verifyStream('s', altered)).toMatchObject({ ok: false, brokenAt: 2 });
    expect(eventHashMatches(altered[2])).toBe(false);
    expect(eventHashMatches(altered[1])).toBe(true);
  });

  it('finds a removed, reordered or foreign event', () => {
    expect(verifyStream('s', [events[0], events[2]])).toMatchObject({ ok: false, brokenAt: 1 });
    expect(verifyStream('s', [events[1], events[0], events[2]])).toMatchObject({ ok: false, brokenAt: 0 });
    expect(verifyStream('t', events)).toMatchObject({ ok: false, brokenAt: 0 });
  });

  it('finds a rehashed event whose successor no longer links to it', () => {
    const forged = { ...events[1], data: { n: 20 } };
    const hash = computeEventHash({ ...forged, prevHash: forged.metadata.prevHash });
    const rehashed = [events[0], { ...forged, metadata: { ...forged.metadata, hash } }, events[2]];
    expect(verifyStream('s', rehashed)).toMatchObject({ ok: false, brokenAt: 2 });
  });
});
