import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sources, validateCloudEvent, type CloudEvent } from '@rx/contracts';
import { createEventStore, type EventStore, type RecordedEvent } from '@rx/event-store';
import { relayMessage } from './envelope';
import { InMemoryMessageBus } from './in-memory-message-bus';
import { silentLogger } from './logger';
import type { IncomingMessage, MessageBus, OutgoingMessage } from './message-bus.port';
import { Relay, type RelayMapper } from './relay';
import { eventually } from './testing/fixtures';

const TOPIC = 'rx.prescribing.v1';
const INTEGRATION: Record<string, string> = {
  PrescriptionIssued: 'rx.prescribing.PrescriptionIssued.v1',
  PrescriptionRevoked: 'rx.prescribing.PrescriptionRevoked.v1',
};

const map: RelayMapper = (e) => {
  const type = INTEGRATION[e.type];
  if (!type) return null;
  const { rxId } = e.data as { rxId: string };
  return relayMessage(TOPIC, e, { type, source: Sources.prescribing, subject: rxId, data: { rxId, n: (e.data as { n: number }).n } });
};

/** `bus` with its publish replaced: a broker that fails or records, as `kind` says it is. */
function publishingThrough(bus: MessageBus, kind: MessageBus['kind'], publish: (topic: string, messages: readonly OutgoingMessage[]) => Promise<void>): MessageBus {
  return {
    kind,
    start: () => bus.start(),
    consume: (o) => bus.consume(o),
    consumeDeadLetters: (o) => bus.consumeDeadLetters(o),
    deadLetterSummary: () => bus.deadLetterSummary(),
    ping: () => bus.ping(),
    stop: () => bus.stop(),
    publish,
  };
}

describe('Relay (SQLite store, in-memory bus)', () => {
  let dir: string;
  let file: string;
  const open: EventStore[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rx-relay-'));
    file = join(dir, 'rx.sqlite');
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  function openStore(): EventStore {
    const store = createEventStore(`sqlite:${file}`, { sqlite: { pollIntervalMs: 20 } });
    open.push(store);
    return store;
  }

  async function append(store: EventStore, streamId: string, type: string, data: Record<string, unknown>): Promise<void> {
    await store.append(
      streamId,
      [
        {
          id: randomUUID(),
          type,
          data,
          metadata: {
            correlationId: `corr-${String(data.n)}`,
            causationId: `cause-${String(data.n)}`,
            actor: { role: 'physician', id: 'DR001' },
            occurredAt: new Date(Date.UTC(2026, 2, 2, 9, 0, Number(data.n))).toISOString(),
          },
        },
      ],
      { expectedRevision: 'any' },
    );
  }

  async function recordingBus(): Promise<{ bus: InMemoryMessageBus; received: IncomingMessage[] }> {
    const bus = new InMemoryMessageBus({ logger: silentLogger });
    const received: IncomingMessage[] = [];
    await bus.consume({ groupId: 'recorder', topics: [TOPIC], handler: async (m) => void received.push(m) });
    return { bus, received };
  }

  const ns = (received: IncomingMessage[]) => received.map((m) => (m.event.data as { n: number }).n);

  it('publishes integration events in store order with their envelope, skipping the rest', async () => {
    const store = openStore();
    const { bus, received } = await recordingBus();
    await append(store, 'prescription-RX1', 'PrescriptionIssued', { rxId: 'RX1', n: 1 });
    await append(store, 'prescription-RX1', 'PrescriptionSigned', { rxId: 'RX1', n: 2 }); // stays inside the context
    await append(store, 'dispensation-RX1', 'PrescriptionIssued', { rxId: 'RX1', n: 3 }); // another context's stream
    await append(store, 'prescription-RX2', 'PrescriptionIssued', { rxId: 'RX2', n: 4 });
    const relay = new Relay({ name: 'relay:prescribing', store, bus, streamPrefixes: ['prescription-'], map, logger: silentLogger });
    await relay.start();
    await eventually(() => received.length === 2, 'the catch-up');
    await append(store, 'prescription-RX1', 'PrescriptionRevoked', { rxId: 'RX1', n: 5 });
    await eventually(() => received.length === 3, 'the live event');
    expect(ns(received)).toEqual([1, 4, 5]);
    expect(received.map((m) => m.key)).toEqual(['RX1', 'RX2', 'RX1']);

    const stored = (await store.readAll()).filter((e) => e.streamId.startsWith('prescription-'));
    const revoked = stored.find((e) => e.type === 'PrescriptionRevoked') as RecordedEvent;
    const envelope = received[2].event;
    expect(validateCloudEvent(envelope)).toEqual({ ok: true, value: envelope });
    expect(envelope).toEqual<CloudEvent>({
      specversion: '1.0',
      id: revoked.id,
      type: 'rx.prescribing.PrescriptionRevoked.v1',
      source: '/rx/prescribing',
      subject: 'RX1',
      time: '2026-03-02T09:00:05.000Z',
      datacontenttype: 'application/json',
      data: { rxId: 'RX1', n: 5 },
      correlationid: 'corr-5',
      causationid: 'cause-5',
      actor: 'physician:DR001',
      integrityhash: revoked.metadata.hash,
    });

    await eventually(() => relay.status.caughtUp && relay.checkpoint === revoked.position, 'the checkpoint at the last event');
    expect(relay.lastPublishedPosition).toBe(revoked.position);
    expect(await relay.lag()).toBe(0);
    await relay.stop();
    expect(await store.loadCheckpoint('relay:prescribing')).toBe(revoked.position);
  });

  it('after a crash, resumes from the checkpoint: nothing lost, only what followed the checkpoint re-published', async () => {
    const store = openStore();
    for (let n = 1; n <= 10; n++) await append(store, `prescription-RX${n % 3}`, 'PrescriptionIssued', { rxId: `RX${n % 3}`, n });
    const first = await recordingBus();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    await first.bus.consume({
      groupId: 'slow',
      topics: [TOPIC],
      handler: async (m) => {
        if ((m.event.data as { n: number }).n === 7) await gate;
      },
    });
    const relay = new Relay({ name: 'relay:prescribing', store, bus: first.bus, streamPrefixes: ['prescription-'], map, checkpointEvery: 4, logger: silentLogger });
    await relay.start();
    await eventually(() => first.received.length === 7, 'the publish of event 7 to be in flight');
    const crashing = relay.stop({ flush: false });
    release();
    await crashing;
    const checkpoint = await store.loadCheckpoint('relay:prescribing');
    const positions = (await store.readAll()).map((e) => e.position);
    expect(checkpoint).toBe(positions[3]); // saved after 4 events, not after 7
    await store.close();

    const reopened = openStore();
    const second = await recordingBus();
    const restarted = new Relay({ name: 'relay:prescribing', store: reopened, bus: second.bus, streamPrefixes: ['prescription-'], map, logger: silentLogger });
    await restarted.start();
    await eventually(() => second.received.length === 6, 'the re-publish');
    await restarted.stop();
    expect(ns(first.received)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(ns(second.received)).toEqual([5, 6, 7, 8, 9, 10]);
    // The same stored event is the same message: consumers recognise the redelivery by id.
    const firstIds = new Map(first.received.map((m) => [(m.event.data as { n: number }).n, m.event.id]));
    for (const m of second.received.filter((x) => (x.event.data as { n: number }).n <= 7)) {
      expect(m.event.id).toBe(firstIds.get((m.event.data as { n: number }).n));
    }
    expect(await reopened.loadCheckpoint('relay:prescribing')).toBe(positions[9]);
  });

  it('retries a failing publish with backoff, never skipping and never checkpointing past it', async () => {
    const store = openStore();
    const { bus, received } = await recordingBus();
    let failures = 0;
    const flaky: MessageBus = publishingThrough(bus, 'memory', async (topic, messages) => {
      if ((messages[0].value.data as { n: number }).n === 2 && failures < 3) {
        failures++;
        throw new Error('broker unavailable');
      }
      return bus.publish(topic, messages);
    });
    for (let n = 1; n <= 3; n++) await append(store, 'prescription-RX1', 'PrescriptionIssued', { rxId: 'RX1', n });
    const positions = (await store.readAll()).map((e) => e.position);
    const relay = new Relay({ name: 'relay:flaky', store, bus: flaky, streamPrefixes: ['prescription-'], map, checkpointEvery: 1, initialBackoffMs: 30, logger: silentLogger });
    await relay.start();
    await eventually(() => relay.status.failing !== undefined, 'the failure to show');
    expect(relay.status.failing).toMatchObject({ position: String(positions[1]), error: 'broker unavailable' });
    expect(relay.checkpoint).toBe(positions[0]);
    expect(ns(received)).toEqual([1]);
    await eventually(() => received.length === 3, 'the retried publish');
    expect(ns(received)).toEqual([1, 2, 3]);
    expect(failures).toBe(3);
    expect(relay.status.failing).toBeUndefined();
    await relay.stop();
    expect(await store.loadCheckpoint('relay:flaky')).toBe(positions[2]);
  });

  it('builds the envelope itself when the mapper returns the short form { topic, key, type, data }', async () => {
    const store = openStore();
    const { bus, received } = await recordingBus();
    await append(store, 'prescription-RX9', 'PrescriptionIssued', { rxId: 'RX9', n: 1 });
    const [stored] = await store.readAll();
    const relay = new Relay({
      name: 'relay:short',
      store,
      bus,
      source: Sources.prescribing,
      streamPrefixes: ['prescription-'],
      map: (e) => ({ topic: TOPIC, key: 'RX9', type: 'rx.prescribing.PrescriptionIssued.v1', data: { rxId: 'RX9' } }),
      logger: silentLogger,
    });
    await relay.start();
    await eventually(() => received.length === 1, 'the message');
    await relay.stop();
    expect(received[0].key).toBe('RX9');
    expect(received[0].event).toMatchObject({ id: stored.id, subject: 'RX9', source: '/rx/prescribing', data: { rxId: 'RX9' }, integrityhash: stored.metadata.hash });
  });

  it('stop flushes the checkpoint, so a restart publishes nothing twice', async () => {
    const store = openStore();
    const { bus, received } = await recordingBus();
    for (let n = 1; n <= 5; n++) await append(store, 'prescription-RX1', 'PrescriptionIssued', { rxId: 'RX1', n });
    const relay = new Relay({ name: 'relay:p', store, bus, streamPrefixes: ['prescription-'], map, checkpointEvery: 1000, logger: silentLogger });
    await relay.start();
    await eventually(() => received.length === 5, 'the catch-up');
    await relay.stop();
    const again = new Relay({ name: 'relay:p', store, bus, streamPrefixes: ['prescription-'], map, logger: silentLogger });
    await again.start();
    await append(store, 'prescription-RX1', 'PrescriptionIssued', { rxId: 'RX1', n: 6 });
    await eventually(() => received.length === 6, 'the next event');
    await new Promise((r) => setTimeout(r, 60));
    await again.stop();
    expect(ns(received)).toEqual([1, 2, 3, 4, 5, 6]);
  });
  it('publishes what is pending in batches (one publish per topic), still never checkpointing past a failed batch', async () => {
    const store = openStore();
    const { bus, received } = await recordingBus();
    const calls: number[][] = [];
    let failures = 0;
    // A broker-like bus: the relay reads ahead and batches when a publish is a round trip.
    const broker: MessageBus = publishingThrough(bus, 'kafka', async (topic, messages) => {
      const ns = messages.map((m) => (m.value.data as { n: number }).n);
      if (failures < 2) {
        failures++;
        throw new Error('broker unavailable');
      }
      calls.push(ns);
      return bus.publish(topic, messages);
    });
    // Event 6's mapping fails while the batch before it is tried: it must not be published (nor skipped) with that batch.
    let mapFailures = 0;
    const fragile: RelayMapper = (e) => {
      if ((e.data as { n: number }).n === 6 && mapFailures++ < 3) throw new Error('mapper bug');
      return map(e);
    };
    for (let n = 1; n <= 4; n++) await append(store, `prescription-RX${n}`, 'PrescriptionIssued', { rxId: `RX${n}`, n });
    await append(store, 'prescription-RX5', 'PrescriptionRenewed', { rxId: 'RX5', n: 5 });
    for (let n = 6; n <= 8; n++) await append(store, `prescription-RX${n}`, 'PrescriptionIssued', { rxId: `RX${n}`, n });
    const positions = (await store.readAll()).map((e) => e.position);
    const relay = new Relay({ name: 'relay:batch', store, bus: broker, streamPrefixes: ['prescription-'], map: fragile, checkpointEvery: 1, initialBackoffMs: 20, logger: silentLogger });
    await relay.start();
    await eventually(() => relay.status.failing !== undefined, 'the failed batch');
    expect(relay.status.failing).toMatchObject({ position: String(positions[0]), error: 'broker unavailable' });
    expect(relay.checkpoint).toBeUndefined();
    await eventually(() => received.length === 7, 'the batches');
    await relay.stop();
    // 1-4 together (5 is not an integration event, 6 stops the look-ahead), then 6-8 together.
    expect(calls).toEqual([[1, 2, 3, 4], [6, 7, 8]]);
    expect(ns(received)).toEqual([1, 2, 3, 4, 6, 7, 8]);
    expect(relay.status.publishedCount).toBe(7);
    expect(await store.loadCheckpoint('relay:batch')).toBe(positions[7]);
  });
});
