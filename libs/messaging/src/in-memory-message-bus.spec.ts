import { InMemoryMessageBus } from './in-memory-message-bus';
import type { LogLevel, MessagingLogger } from './logger';
import { UnprocessableMessageError, type DeadLetter, type IncomingMessage } from './message-bus.port';
import { cloudEvent, eventually, message } from './testing/fixtures';

function capturingLogger(): MessagingLogger & { lines: Array<{ level: LogLevel; message: string; fields?: Record<string, unknown> }> } {
  const lines: Array<{ level: LogLevel; message: string; fields?: Record<string, unknown> }> = [];
  return { lines, log: (level, msg, fields) => lines.push({ level, message: msg, fields }) };
}

function newBus() {
  const logger = capturingLogger();
  return { bus: new InMemoryMessageBus({ logger }), logger };
}

const T = 'rx.test.v1';
const seen = (received: IncomingMessage[]) => received.map((m) => (m.event.data as { n: number }).n);

describe('InMemoryMessageBus', () => {
  it('delivers each key in publish order, even when publishes overlap', async () => {
    const { bus } = newBus();
    const received: IncomingMessage[] = [];
    await bus.consume({ groupId: 'g', topics: [T], handler: async (m) => void received.push(m) });
    const keys = ['RX-A', 'RX-B', 'RX-C'];
    await Promise.all(Array.from({ length: 60 }, (_, n) => bus.publish(T, [message(keys[n % 3], { n })])));
    expect(received).toHaveLength(60);
    for (const key of keys) {
      const ns = seen(received.filter((m) => m.key === key));
      expect(ns).toEqual([...ns].sort((a, b) => a - b));
    }
    expect(received.map((m) => Number(m.offset))).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });

  it('gives every consumer group every message, and splits one group between its members', async () => {
    const { bus } = newBus();
    const a: IncomingMessage[] = [];
    const b: IncomingMessage[] = [];
    const c1: IncomingMessage[] = [];
    const c2: IncomingMessage[] = [];
    await bus.consume({ groupId: 'a', topics: [T], handler: async (m) => void a.push(m) });
    await bus.consume({ groupId: 'b', topics: [T], handler: async (m) => void b.push(m) });
    await bus.consume({ groupId: 'c', topics: [T], handler: async (m) => void c1.push(m) });
    await bus.consume({ groupId: 'c', topics: [T], handler: async (m) => void c2.push(m) });
    for (let n = 0; n < 40; n++) await bus.publish(T, [message(`RX-${n % 8}`, { n })]);
    expect(seen(a)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(seen(b)).toEqual(seen(a));
    expect([...seen(c1), ...seen(c2)].sort((x, y) => x - y)).toEqual(seen(a));
    expect(c1.length).toBeGreaterThan(0);
    expect(c2.length).toBeGreaterThan(0);
    // A key sticks to one member, like a partition.
    const c1Keys = new Set(c1.map((m) => m.key));
    expect(c2.some((m) => c1Keys.has(m.key))).toBe(false);
  });

  it('hands every dead letter to a dead-letter consumer of <topic>.dlq, and counts it in the summary', async () => {
    const { bus } = newBus();
    expect(bus.deadLetterSummary()).toEqual({ count: 0 });
    const read: DeadLetter[] = [];
    await bus.consumeDeadLetters({ groupId: 'auditor', topics: [T], handler: async (d) => void read.push(d) });
    await bus.consume({ groupId: 'g', topics: [T], validate: () => 'nope', handler: async () => undefined });
    await bus.publish(T, [message('RX-1', { n: 1 }), message('RX-2', { n: 2 })]);
    await eventually(() => read.length === 2, 'two dead letters read back');
    expect(read).toEqual(bus.deadLetters(T));
    expect(read.map((d) => [d.key, d.groupId, d.reason])).toEqual([
      ['RX-1', 'g', 'invalid event: nope'],
      ['RX-2', 'g', 'invalid event: nope'],
    ]);
    expect(bus.deadLetterSummary()).toMatchObject({ count: 2, last: { topic: T, groupId: 'g', key: 'RX-2', reason: 'invalid event: nope' } });
  });

  it('retries a failing dead-letter handler until it succeeds: a dead letter is never dropped', async () => {
    const { bus } = newBus();
    let calls = 0;
    const read: DeadLetter[] = [];
    await bus.consumeDeadLetters({
      groupId: 'auditor',
      topics: [T],
      initialBackoffMs: 1,
      handler: async (d) => {
        if (++calls < 4) throw new Error('store down');
        read.push(d);
      },
    });
    await bus.consume({ groupId: 'g', topics: [T], validate: () => 'nope', handler: async () => undefined });
    await bus.publish(T, [message('RX-1', { n: 1 })]);
    await eventually(() => read.length === 1, 'the dead letter read back');
    expect(calls).toBe(4);
  });

  it('dead-letters an invalid envelope at once with the reason, and later messages still flow', async () => {
    const { bus, logger } = newBus();
    const handled: IncomingMessage[] = [];
    await bus.consume({ groupId: 'g', topics: [T], handler: async (m) => void handled.push(m) });
    const bad = { ...cloudEvent(), specversion: '0.3' } as unknown as ReturnType<typeof cloudEvent>;
    await bus.publish(T, [{ key: 'RX-1', value: bad }]);
    await bus.publish(T, [message('RX-1', { n: 1 })]);
    expect(seen(handled)).toEqual([1]);
    const [dead] = bus.deadLetters(T);
    expect(dead).toMatchObject({ topic: T, offset: '0', key: 'RX-1', groupId: 'g', partition: 0 });
    expect(dead.reason).toContain('specversion');
    expect(JSON.parse(dead.payload)).toEqual(bad);
    expect(bus.deadLetters(`${T}.dlq`)).toEqual([dead]);
    expect(logger.lines.some((l) => l.level === 'warn' && l.message === 'message dead-lettered')).toBe(true);
  });

  it("dead-letters what the consumer's own validation refuses, without calling the handler or retrying", async () => {
    const { bus } = newBus();
    const handler = jest.fn(async () => undefined);
    const validate = jest.fn((e: { type: string }) => (e.type === 'rx.test.Happened.v1' ? undefined : `unknown type ${e.type}`));
    await bus.consume({ groupId: 'g', topics: [T], handler, validate, initialBackoffMs: 1 });
    await bus.publish(T, [message('RX-1', { n: 1 }, { type: 'rx.test.Other.v9' })]);
    expect(handler).not.toHaveBeenCalled();
    expect(validate).toHaveBeenCalledTimes(1);
    expect(bus.deadLetters(T)[0].reason).toBe('invalid event: unknown type rx.test.Other.v9');
  });

  it('retries a failing handler with backoff and delivers once it succeeds', async () => {
    const { bus } = newBus();
    const attempts: number[] = [];
    const times: number[] = [];
    await bus.consume({
      groupId: 'g',
      topics: [T],
      initialBackoffMs: 20,
      handler: async (m) => {
        attempts.push(m.attempt);
        times.push(Date.now());
        if (m.attempt < 3) throw new Error('database busy');
      },
    });
    await bus.publish(T, [message('RX-1', { n: 1 })]);
    expect(attempts).toEqual([1, 2, 3]);
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(15);
    expect(times[2] - times[1]).toBeGreaterThanOrEqual(35);
    expect(bus.deadLetters(T)).toEqual([]);
  });

  it('dead-letters a message whose handler keeps failing, after maxAttempts', async () => {
    const { bus } = newBus();
    const handler = jest.fn(async () => {
      throw new Error('always broken');
    });
    await bus.consume({ groupId: 'g', topics: [T], handler, maxAttempts: 3, initialBackoffMs: 1 });
    await bus.publish(T, [message('RX-1', { n: 1 })]);
    expect(handler).toHaveBeenCalledTimes(3);
    expect(bus.deadLetters(T)).toHaveLength(1);
    expect(bus.deadLetters(T)[0].reason).toBe('handler failed after 3 attempt(s): always broken');
  });

  it('dead-letters an unprocessable message at once, without retries, and moves on', async () => {
    const { bus } = newBus();
    const handler = jest.fn(async (m: IncomingMessage) => {
      if ((m.event.data as { n: number }).n === 1) throw new UnprocessableMessageError('names a prescription never issued');
    });
    await bus.consume({ groupId: 'g', topics: [T], handler, maxAttempts: 5, initialBackoffMs: 1 });
    await bus.publish(T, [message('RX-1', { n: 1 }), message('RX-1', { n: 2 })]);
    expect(handler).toHaveBeenCalledTimes(2);
    expect(bus.deadLetters(T).map((d) => d.reason)).toEqual(['unprocessable: names a prescription never issued']);
  });

  it('resolves publish only after every group finished with the message', async () => {
    const { bus } = newBus();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const done: string[] = [];
    await bus.consume({ groupId: 'fast', topics: [T], handler: async () => void done.push('fast') });
    await bus.consume({
      groupId: 'slow',
      topics: [T],
      handler: async () => {
        await gate;
        done.push('slow');
      },
    });
    let published = false;
    const publishing = bus.publish(T, [message('RX-1', { n: 1 })]).then(() => (published = true));
    await eventually(() => done.includes('fast'), 'the fast group');
    await new Promise((r) => setTimeout(r, 20));
    expect(published).toBe(false);
    release();
    await publishing;
    expect(done.sort()).toEqual(['fast', 'slow']);
  });

  it('does not deadlock when a handler publishes, even to a topic its own group consumes', async () => {
    const { bus } = newBus();
    const order: string[] = [];
    await bus.consume({
      groupId: 'reactor',
      topics: [T, 'rx.other.v1'],
      handler: async (m) => {
        const n = (m.event.data as { n: number }).n;
        order.push(`${m.topic}:${n}`);
        if (m.topic === T) await bus.publish('rx.other.v1', [message(m.key!, { n: n * 10 })]);
        if (m.topic === 'rx.other.v1' && n < 100) await bus.publish(T, [message(m.key!, { n: n * 10 })]);
      },
    });
    const audit: string[] = [];
    await bus.consume({ groupId: 'audit', topics: ['rx.other.v1'], handler: async (m) => void audit.push(String((m.event.data as { n: number }).n)) });
    await expect(bus.publish(T, [message('RX-1', { n: 1 })])).resolves.toBeUndefined();
    expect(order).toEqual([`${T}:1`, 'rx.other.v1:10', `${T}:100`, 'rx.other.v1:1000']);
    expect(audit).toEqual(['10', '1000']);
  });

  it('copies messages through JSON, so no object is shared and non-JSON values fail to publish', async () => {
    const { bus } = newBus();
    const received: IncomingMessage[] = [];
    await bus.consume({ groupId: 'g1', topics: [T], handler: async (m) => void received.push(m) });
    await bus.consume({
      groupId: 'g2',
      topics: [T],
      handler: async (m) => {
        (m.event.data as { items: string[] }).items.push('mutated');
      },
    });
    const sent = message('RX-1', { items: ['a'] });
    await bus.publish(T, [sent]);
    expect((received[0].event.data as { items: string[] }).items).toEqual(['a']);
    expect(received[0].event).not.toBe(sent.value);
    expect((sent.value.data as { items: string[] }).items).toEqual(['a']);

    await expect(bus.publish(T, [message('RX-1', { big: 1n as unknown as number })])).rejects.toThrow(/not JSON-serializable/);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    await expect(bus.publish(T, [message('RX-1', circular)])).rejects.toThrow(/not JSON-serializable/);
    expect(received).toHaveLength(1);
  });

  it('delivers the backlog to a group that joins later, and to a member that rejoins', async () => {
    const { bus } = newBus();
    await bus.publish(T, [message('RX-1', { n: 1 }), message('RX-1', { n: 2 })]);
    const late: IncomingMessage[] = [];
    const handle = await bus.consume({ groupId: 'late', topics: [T], handler: async (m) => void late.push(m) });
    await eventually(() => late.length === 2, 'the backlog');
    await handle.stop();
    // Nobody serves the group now: publish must not wait for it.
    await bus.publish(T, [message('RX-1', { n: 3 })]);
    const again: IncomingMessage[] = [];
    await bus.consume({ groupId: 'late', topics: [T], handler: async (m) => void again.push(m) });
    await eventually(() => again.length === 1, 'the message published while the group had no member');
    expect(seen([...late, ...again])).toEqual([1, 2, 3]);
  });

  it('keeps at most maxRetainedPerTopic messages for groups not there yet, and says so once', async () => {
    const logger = capturingLogger();
    const bus = new InMemoryMessageBus({ logger, maxRetainedPerTopic: 3 });
    for (let n = 1; n <= 6; n++) await bus.publish(T, [message('RX-1', { n })]);
    const late: IncomingMessage[] = [];
    await bus.consume({ groupId: 'late', topics: [T], handler: async (m) => void late.push(m) });
    await eventually(() => late.length === 3, 'the retained messages');
    expect(seen(late)).toEqual([4, 5, 6]);
    expect(logger.lines.filter((l) => l.message.startsWith('topic retention exceeded'))).toHaveLength(1);
  });

  it('waits for the in-flight handler when a consumer stops', async () => {
    const { bus } = newBus();
    let finished = false;
    const handle = await bus.consume({
      groupId: 'g',
      topics: [T],
      handler: async () => {
        await new Promise((r) => setTimeout(r, 30));
        finished = true;
      },
    });
    const publishing = bus.publish(T, [message('RX-1', { n: 1 })]);
    await new Promise((r) => setTimeout(r, 5));
    await handle.stop();
    expect(finished).toBe(true);
    await publishing;
    await bus.stop();
    await expect(bus.publish(T, [message('RX-1', { n: 2 })])).rejects.toThrow(/stopped/);
    expect(await bus.ping()).toEqual({ ok: false, detail: 'stopped' });
  });
});
