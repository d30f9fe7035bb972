import { randomUUID } from 'node:crypto';
import { ConcurrencyError, InvalidAppendError, PartialDuplicateError } from '../errors';
import type { EventMetadataInput, EventStore, NewEvent, RecordedEvent, Subscription } from '../event-store.port';
import { eventHashMatches, GENESIS_HASH, verifyStream } from '../integrity';

export interface ContractOptions {
  /** Timeout of the suite's setup (starting a server can take a while); default 30 s. */
  setupTimeoutMs?: number;
}

const T0 = Date.parse('2026-03-02T09:00:00.000Z');

export function meta(occurredAt: string | Date = new Date(T0)): EventMetadataInput {
  return {
    correlationId: randomUUID(),
    causationId: randomUUID(),
    actor: { role: 'physician', id: 'D001' },
    occurredAt: typeof occurredAt === 'string' ? occurredAt : occurredAt.toISOString(),
  };
}

export function newEvent(type = 'SomethingHappened', data: unknown = { n: 1 }, occurredAt?: string | Date): NewEvent {
  return { id: randomUUID(), type, data, metadata: meta(occurredAt) };
}

export function minutesAfterT0(minutes: number): Date {
  return new Date(T0 + minutes * 60_000);
}

export async function waitFor(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The behaviour every EventStore adapter must show. One store per suite; every test works in
 * streams under its own random prefix, so tests never see each other's events.
 */
export function describeEventStoreContract(
  name: string,
  makeStore: () => Promise<EventStore>,
  cleanup: (store: EventStore) => Promise<void> = (s) => s.close(),
  options: ContractOptions = {},
): void {
  describe(`EventStore contract: ${name}`, () => {
    let store: EventStore;
    let prefix: string;
    const subscriptions: Subscription[] = [];
    const stream = (suffix: string = randomUUID()) => `${prefix}${suffix}`;
    const track = (s: Subscription) => (subscriptions.push(s), s);

    beforeAll(async () => {
      store = await makeStore();
    }, options.setupTimeoutMs ?? 30_000);

    afterAll(async () => {
      if (store) await cleanup(store);
    });

    beforeEach(() => {
      prefix = `ct${randomUUID().slice(0, 8)}-`;
    });

    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((s) => s.stop()));
    });

    describe('append and readStream', () => {
      it('round-trips events with revisions, positions and integrity metadata', async () => {
        const id = stream();
        const events = [newEvent('PrescriptionIssued', { rxId: 'RX1', items: [{ drugCode: 'D1', quantity: 2 }] }), newEvent('PrescriptionSigned', { by: 'D001' })];
        const result = await store.append(id, events, { expectedRevision: 'no_stream' });
        expect(result.written).toBe(true);
        expect(result.nextExpectedRevision).toBe(1);
        expect(typeof result.position).toBe('bigint');

        const read = await store.readStream(id);
        expect(read.map((e) => [e.streamId, e.revision, e.id, e.type])).toEqual([
          [id, 0, events[0].id, 'PrescriptionIssued'],
          [id, 1, events[1].id, 'PrescriptionSigned'],
        ]);
        expect(read[0].data).toEqual(events[0].data);
        expect(read[1].data).toEqual(events[1].data);
        expect(read[0].metadata).toMatchObject(events[0].metadata);
        expect(read[0].metadata.prevHash).toBe(GENESIS_HASH);
        expect(read[1].metadata.prevHash).toBe(read[0].metadata.hash);
        expect(read[0].metadata.hash).toMatch(/^[0-9a-f]{64}$/);
        expect(typeof read[0].position).toBe('bigint');
        expect(read[1].position).toBeGreaterThan(read[0].position);
        expect(read[1].position).toBe(result.position);
      });

      it('reads an unknown stream as empty', async () => {
        expect(await store.readStream(stream())).toEqual([]);
      });

      it('honours no_stream, any and an exact expected revision', async () => {
        const id = stream();
        expect((await store.append(id, [newEvent()], { expectedRevision: 'no_stream' })).nextExpectedRevision).toBe(0);
        await expect(store.append(id, [newEvent()], { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(ConcurrencyError);
        expect((await store.append(id, [newEvent()], { expectedRevision: 'any' })).nextExpectedRevision).toBe(1);
        expect((await store.append(id, [newEvent(), newEvent()], { expectedRevision: 1 })).nextExpectedRevision).toBe(3);
        expect((await store.append(stream(), [newEvent()], { expectedRevision: 'any' })).nextExpectedRevision).toBe(0);
        expect(await store.readStream(id)).toHaveLength(4);
      });

      it('refuses a stale expected revision with ConcurrencyError and stores nothing', async () => {
        const id = stream();
        await store.append(id, [newEvent(), newEvent()], { expectedRevision: 'no_stream' });
        const error = await store.append(id, [newEvent()], { expectedRevision: 0 }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConcurrencyError);
        expect(error).toMatchObject({ code: 'CONCURRENCY_CONFLICT', streamId: id, expected: '0', actual: '1' });
        await expect(store.append(stream(), [newEvent()], { expectedRevision: 0 })).rejects.toBeInstanceOf(ConcurrencyError);
        expect(await store.readStream(id)).toHaveLength(2);
      });

      it('treats a re-append of the same event ids as a no-op', async () => {
        const id = stream();
        const first = [newEvent('A'), newEvent('B')];
        const written = await store.append(id, first, { expectedRevision: 'no_stream' });
        const again = await store.append(id, first, { expectedRevision: 'no_stream' });
        expect(again).toEqual({ written: false, nextExpectedRevision: 1, position: written.position });
        const third = await store.append(id, [newEvent('C')], { expectedRevision: 1 });
        const retried = await store.append(id, first, { expectedRevision: 'any' });
        expect(retried).toMatchObject({ written: false, nextExpectedRevision: 2 });
        const read = await store.readStream(id);
        expect(read.map((e) => e.type)).toEqual(['A', 'B', 'C']);
        expect(read[2].position).toBe(third.position);
      });

      it('refuses an append that repeats only some stored ids', async () => {
        const id = stream();
        const stored = newEvent('A');
        await store.append(id, [stored], { expectedRevision: 'no_stream' });
        const error = await store.append(id, [stored, newEvent('B')], { expectedRevision: 0 }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(PartialDuplicateError);
        expect((error as PartialDuplicateError).duplicateIds).toEqual([stored.id]);
        expect(await store.readStream(id)).toHaveLength(1);
      });

      it('refuses malformed appends with InvalidAppendError', async () => {
        const e = newEvent();
        const bad: Array<[string, readonly NewEvent[], unknown]> = [
          ['', [newEvent()], 'any'],
          [stream(), [], 'any'],
          [stream(), [e, e], 'any'],
          [stream(), [{ ...newEvent(), type: '' }], 'any'],
          [stream(), [{ ...newEvent(), id: 'not-a-uuid' }], 'any'],
          [stream(), [{ ...newEvent(), metadata: { ...meta(), occurredAt: 'yesterday' } }], 'any'],
          [stream(), [newEvent()], -1],
          [stream(), [newEvent()], 'latest'],
          [stream('x'.repeat(500)), [newEvent()], 'any'],
        ];
        for (const [id, events, expectedRevision] of bad) {
          await expect(store.append(id, events, { expectedRevision: expectedRevision as 'any' })).rejects.toBeInstanceOf(InvalidAppendError);
        }
      });

      it('reads from a revision, up to an instant and at most maxCount events', async () => {
        const id = stream();
        await store.append(
          id,
          [0, 10, 20, 30, 40].map((m) => newEvent('Tick', { m }, minutesAfterT0(m))),
          { expectedRevision: 'no_stream' },
        );
        const data = (events: RecordedEvent[]) => events.map((e) => (e.data as { m: number }).m);
        expect(data(await store.readStream(id, { fromRevision: 2 }))).toEqual([20, 30, 40]);
        expect(data(await store.readStream(id, { maxCount: 2 }))).toEqual([0, 10]);
        expect(data(await store.readStream(id, { fromRevision: 1, maxCount: 2 }))).toEqual([10, 20]);
        expect(data(await store.readStream(id, { upTo: minutesAfterT0(20) }))).toEqual([0, 10, 20]);
        expect(data(await store.readStream(id, { upTo: minutesAfterT0(19) }))).toEqual([0, 10]);
        expect(data(await store.readStream(id, { upTo: minutesAfterT0(30), fromRevision: 1, maxCount: 2 }))).toEqual([10, 20]);
        expect(await store.readStream(id, { fromRevision: 9 })).toEqual([]);
      });

      it('reads the same for an append as for anything else, and appends on it as usual', async () => {
        const id = stream();
        await store.append(id, [newEvent('A'), newEvent('B')], { expectedRevision: 'no_stream' });
        const plain = await store.readStream(id);
        const forAppend = await store.readStream(id, { forAppend: true });
        expect(forAppend).toEqual(plain);
        await store.append(id, [newEvent('C')], { expectedRevision: 1 });
        expect((await store.readStream(id, { forAppend: true })).map((e) => e.type)).toEqual(['A', 'B', 'C']);
        expect((await store.readStream(id, { forAppend: true, fromRevision: 1, maxCount: 1 })).map((e) => e.type)).toEqual(['B']);
      });

      it('lists streams by prefix', async () => {
        const a = stream('a');
        const b = stream('b');
        await store.append(b, [newEvent()], { expectedRevision: 'no_stream' });
        await store.append(a, [newEvent(), newEvent()], { expectedRevision: 'no_stream' });
        expect(await store.listStreams(prefix)).toEqual([a, b]);
        expect(await store.listStreams()).toEqual(expect.arrayContaining([a, b]));
      });
    });

    describe('concurrency', () => {
      it('lets exactly one of several appends with the same expected revision win', async () => {
        const id = stream();
        await store.append(id, [newEvent()], { expectedRevision: 'no_stream' });
        const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => store.append(id, [newEvent('Racer', { i })], { expectedRevision: 0 })));
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConcurrencyError);
        const read = await store.readStream(id);
        expect(read).toHaveLength(2);
        expect(verifyStream(id, read).ok).toBe(true);
      });

      it("keeps one unbroken chain under concurrent 'any' appends", async () => {
        const id = stream();
        await Promise.all(Array.from({ length: 5 }, (_, i) => store.append(id, [newEvent('Any', { i })], { expectedRevision: 'any' })));
        const read = await store.readStream(id);
        expect(read.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4]);
        expect(verifyStream(id, read)).toEqual({ streamId: id, ok: true, eventCount: 5 });
      });
    });

    describe('readAll', () => {
      it('returns events in global order, after a position, filtered by prefix and type', async () => {
        const a = stream('a');
        const b = stream('b');
        await store.append(a, [newEvent('X', { n: 1 })], { expectedRevision: 'no_stream' });
        await store.append(b, [newEvent('Y', { n: 2 }), newEvent('X', { n: 3 })], { expectedRevision: 'no_stream' });
        await store.append(a, [newEvent('Y', { n: 4 })], { expectedRevision: 0 });
        await store.append(`other${prefix}`, [newEvent('X', { n: 99 })], { expectedRevision: 'no_stream' });

        const ours = await store.readAll({ streamPrefixes: [prefix] });
        const n = (events: RecordedEvent[]) => events.map((e) => (e.data as { n: number }).n);
        expect(n(ours)).toEqual([1, 2, 3, 4]);
        for (let i = 1; i < ours.length; i++) expect(ours[i].position).toBeGreaterThan(ours[i - 1].position);

        expect(n(await store.readAll({ streamPrefixes: [prefix], after: ours[1].position }))).toEqual([3, 4]);
        expect(n(await store.readAll({ streamPrefixes: [prefix], maxCount: 2 }))).toEqual([1, 2]);
        expect(n(await store.readAll({ streamPrefixes: [prefix], eventTypes: ['X'] }))).toEqual([1, 3]);
        expect(n(await store.readAll({ streamPrefixes: [b, `other${prefix}`] }))).toEqual([2, 3, 99]);
        expect(n(await store.readAll({ after: ours[0].position, eventTypes: ['Y'], streamPrefixes: [prefix] }))).toEqual([2, 4]);
        expect(n(await store.readAll({ after: ours[3].position, streamPrefixes: [prefix] }))).toEqual([]);
      });

      it('pages with after = the last position returned', async () => {
        const id = stream();
        await store.append(id, Array.from({ length: 7 }, (_, n) => newEvent('P', { n })), { expectedRevision: 'no_stream' });
        const seen: number[] = [];
        let after: bigint | undefined;
        for (;;) {
          const page = await store.readAll({ streamPrefixes: [prefix], after, maxCount: 3 });
          if (page.length === 0) break;
          seen.push(...page.map((e) => (e.data as { n: number }).n));
          after = page[page.length - 1].position;
        }
        expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6]);
      });

      it('reads up to an inclusive position, and knows the head', async () => {
        const id = stream();
        await store.append(id, Array.from({ length: 5 }, (_, n) => newEvent('P', { n })), { expectedRevision: 'no_stream' });
        const all = await store.readAll({ streamPrefixes: [prefix] });
        // At or past the last event: EventStoreDB writes statistics events of its own.
        expect((await store.headPosition())! >= all[4].position).toBe(true);
        const upTo = await store.readAll({ streamPrefixes: [prefix], after: all[0].position, upTo: all[3].position });
        expect(upTo.map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 3]);
        expect(await store.readAll({ streamPrefixes: [prefix], after: all[3].position, upTo: all[3].position })).toEqual([]);
      });
    });

    describe('subscribe', () => {
      it('catches up, reports it, then delivers live appends in order', async () => {
        const a = stream('a');
        const b = stream('b');
        await store.append(a, [newEvent('E', { n: 1 }), newEvent('E', { n: 2 })], { expectedRevision: 'no_stream' });
        await store.append(b, [newEvent('E', { n: 3 })], { expectedRevision: 'no_stream' });
        const got: RecordedEvent[] = [];
        const caughtUp: Array<bigint | undefined> = [];
        const sub = track(store.subscribe({ streamPrefixes: [prefix], handler: (e) => void got.push(e), onCaughtUp: (p) => caughtUp.push(p) }));
        await waitFor(() => caughtUp.length > 0, 5000, 'catch-up');
        expect(got.map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 3]);
        expect(caughtUp[0]).toBe(got[2].position);

        await store.append(b, [newEvent('E', { n: 4 })], { expectedRevision: 0 });
        await store.append(a, [newEvent('E', { n: 5 }), newEvent('E', { n: 6 })], { expectedRevision: 1 });
        await waitFor(() => got.length === 6, 5000, 'live events');
        expect(got.map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 3, 4, 5, 6]);
        for (let i = 1; i < got.length; i++) expect(got[i].position).toBeGreaterThan(got[i - 1].position);
        expect(sub.lastPosition).toBe(got[5].position);
      });

      it('delivers strictly one event at a time, and filters by event type', async () => {
        const id = stream();
        let inFlight = 0;
        let maxInFlight = 0;
        const got: string[] = [];
        track(
          store.subscribe({
            streamPrefixes: [prefix],
            eventTypes: ['Keep'],
            handler: async (e) => {
              inFlight++;
              maxInFlight = Math.max(maxInFlight, inFlight);
              await sleep(5);
              got.push((e.data as { k: string }).k);
              inFlight--;
            },
          }),
        );
        await store.append(id, [newEvent('Keep', { k: 'a' }), newEvent('Drop', { k: 'x' }), newEvent('Keep', { k: 'b' })], { expectedRevision: 'no_stream' });
        await store.append(id, [newEvent('Keep', { k: 'c' })], { expectedRevision: 2 });
        await waitFor(() => got.length === 3, 5000, 'three events');
        await sleep(50);
        expect(got).toEqual(['a', 'b', 'c']);
        expect(maxInFlight).toBe(1);
      });

      it('starts strictly after the given position', async () => {
        const id = stream();
        const first = await store.append(id, [newEvent('E', { n: 1 }), newEvent('E', { n: 2 })], { expectedRevision: 'no_stream' });
        await store.append(id, [newEvent('E', { n: 3 })], { expectedRevision: 1 });
        const got: number[] = [];
        track(store.subscribe({ streamPrefixes: [prefix], after: first.position, handler: (e) => void got.push((e.data as { n: number }).n) }));
        await waitFor(() => got.length >= 1, 5000, 'an event');
        await sleep(50);
        expect(got).toEqual([3]);
      });

      it('stops: waits for the handler in flight and delivers nothing more', async () => {
        const id = stream();
        let finished = 0;
        const got: number[] = [];
        let release!: () => void;
        const gate = new Promise<void>((r) => (release = r));
        const sub = track(
          store.subscribe({
            streamPrefixes: [prefix],
            handler: async (e) => {
              got.push((e.data as { n: number }).n);
              if (got.length === 1) await gate;
              finished++;
            },
          }),
        );
        await store.append(id, [newEvent('E', { n: 1 }), newEvent('E', { n: 2 })], { expectedRevision: 'no_stream' });
        await waitFor(() => got.length === 1, 5000, 'first event');
        let stopped = false;
        const stopping = sub.stop().then(() => (stopped = true));
        await sleep(30);
        expect(stopped).toBe(false);
        release();
        await stopping;
        expect(finished).toBe(1);
        await store.append(id, [newEvent('E', { n: 3 })], { expectedRevision: 1 });
        await sleep(300);
        expect(got).toEqual([1]);
        expect(sub.lastPosition).toBeDefined();
      });

      it('stops and calls onError once when the handler throws', async () => {
        const id = stream();
        const got: number[] = [];
        const errors: unknown[] = [];
        const boom = new Error('projection failed');
        const sub = track(
          store.subscribe({
            streamPrefixes: [prefix],
            handler: (e) => {
              const n = (e.data as { n: number }).n;
              if (n === 2) throw boom;
              got.push(n);
            },
            onError: (error) => errors.push(error),
          }),
        );
        const written = await store.append(id, [newEvent('E', { n: 1 }), newEvent('E', { n: 2 }), newEvent('E', { n: 3 })], { expectedRevision: 'no_stream' });
        await waitFor(() => errors.length > 0, 5000, 'onError');
        await store.append(id, [newEvent('E', { n: 4 })], { expectedRevision: 2 });
        await sleep(300);
        expect(errors).toEqual([boom]);
        expect(got).toEqual([1]);
        const [first] = await store.readStream(id);
        expect(sub.lastPosition).toBe(first.position);
        expect(sub.lastPosition).toBeLessThan(written.position);
      });

      it('resumes from a saved checkpoint with nothing missed or repeated', async () => {
        const id = stream();
        const checkpoint = `contract-${prefix}`;
        const got: number[] = [];
        const handler = (e: RecordedEvent) => void got.push((e.data as { n: number }).n);
        await store.append(id, [1, 2, 3].map((n) => newEvent('E', { n })), { expectedRevision: 'no_stream' });
        const first = track(store.subscribe({ streamPrefixes: [prefix], after: await store.loadCheckpoint(checkpoint), handler }));
        await waitFor(() => got.length === 3, 5000, 'first three');
        await first.stop();
        await store.saveCheckpoint(checkpoint, first.lastPosition as bigint);

        await store.append(id, [4, 5].map((n) => newEvent('E', { n })), { expectedRevision: 2 });
        track(store.subscribe({ streamPrefixes: [prefix], after: await store.loadCheckpoint(checkpoint), handler }));
        await store.append(id, [newEvent('E', { n: 6 })], { expectedRevision: 4 });
        await waitFor(() => got.length >= 6, 5000, 'six events');
        await sleep(50);
        expect(got).toEqual([1, 2, 3, 4, 5, 6]);
      });
    });

    describe('integrity', () => {
      it('chains hashes across appends and verifies the stream', async () => {
        const id = stream();
        await store.append(id, [newEvent('A'), newEvent('B')], { expectedRevision: 'no_stream' });
        await store.append(id, [newEvent('C')], { expectedRevision: 1 });
        const read = await store.readStream(id);
        expect(verifyStream(id, read)).toEqual({ streamId: id, ok: true, eventCount: 3 });
        expect(read[2].metadata.prevHash).toBe(read[1].metadata.hash);
        expect(read.every(eventHashMatches)).toBe(true);
      });

      it('detects altered, removed and reordered events', async () => {
        const id = stream();
        await store.append(id, [newEvent('A', { amountFen: 100 }), newEvent('B', { amountFen: 200 }), newEvent('C', { amountFen: 300 })], { expectedRevision: 'no_stream' });
        const read = await store.readStream(id);

        const altered = read.map((e) => (e.revision === 1 ? { ...e, data: { amountFen: 201 } } : e));
        expect(verifyStream(id, altered)).toMatchObject({ ok: false, brokenAt: 1 });
        expect(eventHashMatches(altered[1])).toBe(false);

        const reattributed = read.map((e) => (e.revision === 0 ? { ...e, metadata: { ...e.metadata, actor: { role: 'physician', id: 'D999' } } } : e));
        expect(verifyStream(id, reattributed)).toMatchObject({ ok: false, brokenAt: 0 });

        expect(verifyStream(id, [read[0], read[2]])).toMatchObject({ ok: false, brokenAt: 1 });
        const renumbered = [read[0], { ...read[2], revision: 1 }];
        expect(verifyStream(id, renumbered)).toMatchObject({ ok: false, brokenAt: 1 });
        expect(verifyStream(id, [read[1], read[0], read[2]])).toMatchObject({ ok: false, brokenAt: 0 });
      });
    });

    describe('completeness', () => {
      it('finds nothing missing in a store written only through it, refused and repeated appends included', async () => {
        const id = stream();
        const first = [newEvent('A'), newEvent('B')];
        await store.append(id, first, { expectedRevision: 'no_stream' });
        await expect(store.append(id, [newEvent('C')], { expectedRevision: 0 })).rejects.toBeInstanceOf(ConcurrencyError);
        await store.append(id, first, { expectedRevision: 'no_stream' });
        await expect(store.append(id, [first[0], newEvent('D')], { expectedRevision: 'any' })).rejects.toBeInstanceOf(PartialDuplicateError);
        await expect(store.append(id, [{ ...newEvent('E'), type: '' }], { expectedRevision: 'any' })).rejects.toBeInstanceOf(InvalidAppendError);
        await Promise.allSettled(Array.from({ length: 5 }, () => store.append(id, [newEvent('F')], { expectedRevision: 1 })));
        const last = await store.append(id, [newEvent('G')], { expectedRevision: 'any' });

        const report = await store.verifyCompleteness();
        expect(report).toMatchObject({ ok: true, missing: [] });
        if (report.checked) {
          expect(report.lastAssigned).toBe(String(last.position));
          expect(report.eventCount).toBeGreaterThanOrEqual(4);
        } else expect(report.detail).toBeTruthy();
      });
    });

    describe('checkpoints and health', () => {
      it('saves, overwrites and loads checkpoints', async () => {
        const name = `contract-${prefix}`;
        expect(await store.loadCheckpoint(name)).toBeUndefined();
        await store.saveCheckpoint(name, 42n);
        expect(await store.loadCheckpoint(name)).toBe(42n);
        await store.saveCheckpoint(name, 9_007_199_254_740_993n);
        expect(await store.loadCheckpoint(name)).toBe(9_007_199_254_740_993n);
        expect(await store.loadCheckpoint(`${name}-other`)).toBeUndefined();
      });

      it('keeps checkpoints out of readAll and listStreams', async () => {
        await store.saveCheckpoint(`contract-${prefix}`, 1n);
        const all: RecordedEvent[] = [];
        let after: bigint | undefined;
        for (;;) {
          const page = await store.readAll({ after, maxCount: 500 });
          if (page.length === 0) break;
          all.push(...page);
          after = page[page.length - 1].position;
        }
        expect(all.some((e) => e.streamId.includes(prefix))).toBe(false);
        expect((await store.listStreams()).some((s) => s.includes(prefix))).toBe(false);
      });

      it('answers ping', async () => {
        expect((await store.ping()).ok).toBe(true);
      });
    });
  });
}
