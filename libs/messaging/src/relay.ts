import type { EventStore, RecordedEvent, Subscription } from '@rx/event-store';
import { backoffMs, errorMessage, nonNegative, positiveInt } from './codec';
import { relayMessage, type RelayMessage } from './envelope';
import { jsonLinesLogger, type MessagingLogger } from './logger';
import type { MessageBus } from './message-bus.port';

/** The short form of a mapping: the relay builds the envelope (with `RelayOptions.source`). */
export interface RelayIntegrationEvent {
  topic: string;
  /** Partition key and CloudEvents subject: the prescription id. */
  key: string;
  type: string;
  data: unknown;
}

/**
 * Stored domain event → integration message, or null for events that stay inside the context.
 * Return either a full `{ topic, message }` (see `relayMessage`) or `{ topic, key, type, data }`.
 */
export type RelayMapper = (event: RecordedEvent) => RelayMessage | RelayIntegrationEvent | null | undefined;

export interface RelayOptions {
  /** Checkpoint name in the store, e.g. `relay:prescribing`; one per relay, forever. */
  name: string;
  store: EventStore;
  bus: MessageBus;
  /** The context's own streams. */
  streamPrefixes: readonly string[];
  eventTypes?: readonly string[];
  map: RelayMapper;
  /** CloudEvents source (`Sources.x`); needed when the mapper returns the short form. */
  source?: string;
  /** Save the checkpoint after this many events (also when the relay catches up, at most every `idleCheckpointMs`, and on stop); default 50. */
  checkpointEvery?: number;
  /**
   * When caught up, the checkpoint is saved at most this often (ms); default 250. Under a trickle of
   * events a relay catches up after nearly every one, and a checkpoint write per event costs as much
   * as the append itself. A crash re-publishes at most this window (consumers are idempotent).
   */
  idleCheckpointMs?: number;
  /** First delay after a failed publish (ms), doubled per attempt; default 200. */
  initialBackoffMs?: number;
  /** Default 10 000. */
  maxBackoffMs?: number;
  /**
   * Most events published together: when an event is due, up to this many already in the store
   * after it are read ahead and published with it, one `bus.publish` call per topic (store order
   * kept within a topic), so a relay that fell behind pays one broker round trip per batch, not per
   * event. Default 1 on the in-process bus (a publish there costs no round trip), 100 otherwise.
   */
  maxBatchSize?: number;
  logger?: MessagingLogger;
}

export interface RelayStatus {
  name: string;
  running: boolean;
  /** True once the relay has published everything the store had, until a new event arrives. */
  caughtUp: boolean;
  /** Durable position: restart resumes after it. */
  checkpoint: bigint | undefined;
  /** Last event published to the bus. */
  lastPublishedPosition: bigint | undefined;
  /** Last event done with (published, or not an integration event). */
  lastHandledPosition: bigint | undefined;
  publishedCount: number;
  /** Set while an event keeps failing to publish (the relay retries it; it never skips). */
  failing?: { position: string; error: string; since: string; attempts: number };
}

class RelayStopping extends Error {
  constructor() {
    super('relay stopping');
  }
}

/**
 * Follows a context's streams from a durable checkpoint and publishes their integration events:
 * the only way anything reaches the bus (no dual writes).
 *
 * Delivery is at-least-once. The checkpoint is saved only after a publish succeeded, never past
 * it, so a crash between append and publish (or between publish and checkpoint) loses nothing: the
 * next start re-publishes what came after the checkpoint, with the same event ids, and consumers
 * are idempotent by event id. A failing publish is retried with backoff until it succeeds.
 */
export class Relay {
  readonly name: string;
  private readonly checkpointEvery: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly idleCheckpointMs: number;
  private readonly maxBatchSize: number;
  /**
   * Events published ahead of their delivery by the subscription (position → whether it was an
   * integration event). They are marked handled, and counted toward the checkpoint, only when the
   * subscription delivers them, so the checkpoint never passes an event that is not on the bus.
   */
  private readonly ahead = new Map<bigint, boolean>();
  private lastIdleSave = -Infinity;
  private idleSaveTimer?: NodeJS.Timeout;
  private readonly logger: MessagingLogger;
  private subscription?: Subscription;
  private running = false;
  private stopping = false;
  private caughtUp = false;
  private handled?: bigint;
  private published?: bigint;
  private saved?: bigint;
  private publishedCount = 0;
  private sinceSave = 0;
  private saveChain: Promise<void> = Promise.resolve();
  private failing?: RelayStatus['failing'];
  private restartTimer?: NodeJS.Timeout;
  private restartAttempts = 0;
  private wake?: () => void;

  constructor(private readonly options: RelayOptions) {
    if (!options.name) throw new TypeError('relay name is required');
    this.name = options.name;
    this.checkpointEvery = positiveInt('checkpointEvery', options.checkpointEvery, 50);
    this.initialBackoffMs = nonNegative('initialBackoffMs', options.initialBackoffMs, 200);
    this.maxBackoffMs = nonNegative('maxBackoffMs', options.maxBackoffMs, 10_000);
    this.idleCheckpointMs = nonNegative('idleCheckpointMs', options.idleCheckpointMs, 250);
    this.maxBatchSize = positiveInt('maxBatchSize', options.maxBatchSize, options.bus.kind === 'memory' ? 1 : 100);
    this.logger = options.logger ?? jsonLinesLogger({ name: `relay:${options.name}` });
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.stopping = false;
    try {
      this.saved = await this.options.store.loadCheckpoint(this.name);
    } catch (e) {
      this.running = false;
      throw e;
    }
    this.handled = this.saved;
    this.ahead.clear();
    this.subscribe();
  }

  /**
   * Finishes the in-flight publish, saves the checkpoint and unsubscribes. `flush: false` skips the
   * checkpoint save (what a crash looks like; the next start re-publishes from the saved checkpoint).
   */
  async stop(options: { flush?: boolean } = {}): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    clearTimeout(this.restartTimer);
    clearTimeout(this.idleSaveTimer);
    this.idleSaveTimer = undefined;
    this.wake?.();
    const subscription = this.subscription;
    this.subscription = undefined;
    await subscription?.stop();
    if (options.flush ?? true) await this.saveCheckpoint();
    else await this.saveChain;
    this.running = false;
  }

  get lastPublishedPosition(): bigint | undefined {
    return this.published;
  }

  get checkpoint(): bigint | undefined {
    return this.saved;
  }

  get status(): RelayStatus {
    return {
      name: this.name,
      running: this.running && !this.stopping,
      caughtUp: this.caughtUp,
      checkpoint: this.saved,
      lastPublishedPosition: this.published,
      lastHandledPosition: this.handled,
      publishedCount: this.publishedCount,
      failing: this.failing && { ...this.failing },
    };
  }

  /** Events of the relay's streams not yet handled (counted up to `limit`), for /health. */
  async lag(limit = 10_000): Promise<number> {
    const { store, streamPrefixes, eventTypes } = this.options;
    const pending = await store.readAll({ after: this.handled, streamPrefixes, eventTypes, maxCount: limit });
    return pending.length;
  }

  private subscribe(): void {
    const { store, streamPrefixes, eventTypes } = this.options;
    this.caughtUp = false;
    this.subscription = store.subscribe({
      after: this.handled,
      streamPrefixes,
      eventTypes,
      handler: (event) => this.onEvent(event),
      onError: (error) => this.onSubscriptionError(error),
      onCaughtUp: () => this.onCaughtUp(),
    });
  }

  private async onEvent(event: RecordedEvent): Promise<void> {
    // Throwing ends the subscription without touching this event: it stays after the checkpoint.
    if (this.stopping) throw new RelayStopping();
    this.caughtUp = false;
    let out = this.ahead.get(event.position);
    if (out !== undefined) this.ahead.delete(event.position);
    else {
      this.ahead.clear();
      out = await this.publishWithRetry(event);
    }
    this.handled = event.position;
    if (out) {
      this.published = event.position;
      this.publishedCount++;
    }
    this.restartAttempts = 0;
    if (++this.sinceSave >= this.checkpointEvery) await this.saveCheckpoint();
  }

  /** Publishes `event` and the events read ahead after it; true when `event` itself was an integration event. */
  private async publishWithRetry(event: RecordedEvent): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        // The mapper is inside the retry too: a bug there must hold the relay, not skip the event.
        const out = this.toMessage(event);
        const more = await this.readAhead(event);
        const byTopic = new Map<string, RelayMessage['message'][]>();
        for (const m of [out, ...more.map((x) => x.out)]) {
          if (!m) continue;
          const list = byTopic.get(m.topic);
          if (list) list.push(m.message);
          else byTopic.set(m.topic, [m.message]);
        }
        for (const [topic, messages] of byTopic) await this.options.bus.publish(topic, messages);
        for (const x of more) this.ahead.set(x.event.position, x.out !== null);
        this.failing = undefined;
        return out !== null;
      } catch (e) {
        if (this.stopping) throw new RelayStopping();
        const since = this.failing?.position === String(event.position) ? this.failing.since : new Date().toISOString();
        this.failing = { position: String(event.position), error: errorMessage(e), since, attempts: attempt };
        this.logger.log(attempt === 1 || attempt % 10 === 0 ? 'error' : 'warn', 'publish failed; retrying', {
          relay: this.name,
          eventId: event.id,
          streamId: event.streamId,
          position: String(event.position),
          attempt,
          error: errorMessage(e),
        });
        await this.pause(backoffMs(attempt, this.initialBackoffMs, this.maxBackoffMs));
        if (this.stopping) throw new RelayStopping();
      }
    }
  }

  /**
   * Up to `maxBatchSize - 1` events already stored after `event`, mapped, stopping before the first
   * one whose mapper throws (it gets its own publish, with its own retries, when its turn comes).
   * A failed read only means no batch this time.
   */
  private async readAhead(event: RecordedEvent): Promise<{ event: RecordedEvent; out: RelayMessage | null }[]> {
    if (this.maxBatchSize <= 1) return [];
    const { store, streamPrefixes, eventTypes } = this.options;
    let pending: RecordedEvent[];
    try {
      pending = await store.readAll({ after: event.position, streamPrefixes, eventTypes, maxCount: this.maxBatchSize - 1 });
    } catch {
      return [];
    }
    const batch: { event: RecordedEvent; out: RelayMessage | null }[] = [];
    for (const next of pending) {
      try {
        batch.push({ event: next, out: this.toMessage(next) });
      } catch {
        break;
      }
    }
    return batch;
  }

  private toMessage(event: RecordedEvent): RelayMessage | null {
    const out = this.options.map(event);
    if (!out) return null;
    if ('message' in out) return out;
    if (!this.options.source) throw new Error(`relay ${this.name}: the mapper returned { topic, key, type, data } but no source option is set`);
    return relayMessage(out.topic, event, { type: out.type, source: this.options.source, subject: out.key, data: out.data });
  }

  private onCaughtUp(): void {
    this.caughtUp = true;
    // Idle is the cheap moment to make progress durable, but not after every single event.
    if (this.idleSaveTimer) return;
    const wait = this.lastIdleSave + this.idleCheckpointMs - performance.now();
    const save = () => {
      this.idleSaveTimer = undefined;
      if (this.stopping) return;
      this.lastIdleSave = performance.now();
      this.saveCheckpoint().catch((e) => this.logger.log('warn', 'checkpoint save failed', { relay: this.name, error: errorMessage(e) }));
    };
    if (wait <= 0) save();
    else {
      this.idleSaveTimer = setTimeout(save, wait);
      this.idleSaveTimer.unref();
    }
  }

  private onSubscriptionError(error: unknown): void {
    if (this.stopping || error instanceof RelayStopping) return;
    this.subscription = undefined;
    const delay = backoffMs(++this.restartAttempts, Math.max(this.initialBackoffMs, 100), this.maxBackoffMs);
    this.logger.log('error', 'subscription failed; resubscribing from the last handled position', {
      relay: this.name,
      after: this.handled === undefined ? null : String(this.handled),
      inMs: delay,
      error: errorMessage(error),
    });
    this.restartTimer = setTimeout(() => {
      if (!this.stopping) this.subscribe();
    }, delay);
  }

  /** Serialized and monotonic: never saves a position twice, backwards, or beyond what was handled. */
  private saveCheckpoint(): Promise<void> {
    const position = this.handled;
    this.sinceSave = 0;
    const run = this.saveChain.then(async () => {
      if (position === undefined || (this.saved !== undefined && position <= this.saved)) return;
      await this.options.store.saveCheckpoint(this.name, position);
      this.saved = position;
    });
    this.saveChain = run.catch(() => undefined);
    return run;
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }
}
