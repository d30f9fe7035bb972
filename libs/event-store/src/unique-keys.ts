import { createHash } from 'node:crypto';
import { derivedId } from '@rx/kernel';
import { ConcurrencyError } from './errors';
import type { EventMetadataInput, EventStore, RecordedEvent } from './event-store.port';
import { MAX_STREAM_ID_LENGTH } from './append-validation';

export const UNIQUE_KEY_STREAM_PREFIX = 'unique-';
export const UniqueKeyEventTypes = { reserved: 'UniqueKeyReserved', released: 'UniqueKeyReleased' } as const;

export interface UniqueKeyReserved {
  scope: string;
  key: string;
  owner: string;
}

export interface UniqueKeyReleased {
  scope: string;
  key: string;
  owner: string;
  /** `released`: the owner gave it back; `abandoned`: another taker found the owner gone. */
  reason: 'released' | 'abandoned';
}

/** Who holds a key now, and since when (the reservation's `occurredAt`). */
export interface UniqueKeyHolder {
  owner: string;
  since: Date;
}

/**
 * Asked about a holder other than the caller: is the fact it reserved the key for stored and still
 * standing? `false` means its command never got stored (it crashed or was refused after reserving)
 * or the fact was undone since (a refund whose release did not get stored).
 */
export type OwnerStillHolds = (owner: string, key: string) => Promise<boolean>;

export interface UniqueKeyContext {
  now: Date;
  metadata: Omit<EventMetadataInput, 'occurredAt'>;
}

export type ReserveOutcome =
  /** `added`: keys this call reserved (not those the owner already held); give these back if the owner's command is then refused. */
  | { ok: true; added: string[] }
  | { ok: false; taken: Array<{ key: string; owner: string }> };

export interface UniqueKeysOptions {
  /**
   * A holder whose fact is not stored is treated as a command still in flight for this long after
   * it reserved; only later may another owner take the key over. Default one minute.
   */
  abandonAfterMs?: number;
  /** Asked before a key held by another owner is taken over; without it a key is never taken over. */
  ownerStillHolds?: OwnerStillHolds;
  /** Reload-and-retry rounds per key when another writer appends to its stream at the same moment. */
  maxAttempts?: number;
}

interface KeyState {
  revision: number;
  holder?: UniqueKeyHolder;
}

/**
 * One owner per key, for any number of processes on one store: each key of a scope is a stream of
 * its own (`unique-{scope}-{key}`), and a reservation is an append at the revision its writer read
 * (`no_stream` for a key never used), so of two writers racing for a free key the store lets exactly
 * one in; the other rereads and finds it taken. A key is given back by appending a release, which
 * makes it free again for the next reservation at the new revision.
 *
 * The store guards one stream per append, so a command that reserves keys and then appends its own
 * facts is two writes: refused after reserving, it gives its new keys back (`release`); dying in
 * between, it leaves keys held for a fact that was never stored. Those are taken over by the next
 * owner once `abandonAfterMs` has passed and `ownerStillHolds` says the fact is not there.
 */
export class UniqueKeys {
  private readonly abandonAfterMs: number;
  private readonly maxAttempts: number;

  constructor(
    private readonly store: EventStore,
    readonly scope: string,
    private readonly options: UniqueKeysOptions = {},
  ) {
    if (!/^[a-z][a-z0-9-]{0,39}$/.test(scope)) throw new RangeError(`unique key scope ${JSON.stringify(scope)}: 1-40 of [a-z0-9-], starting with a letter`);
    this.abandonAfterMs = options.abandonAfterMs ?? 60_000;
    this.maxAttempts = options.maxAttempts ?? 10;
  }

  /** The key's stream. Keys that would make it too long or are not plain text are hashed. */
  streamId(key: string): string {
    const prefix = `${UNIQUE_KEY_STREAM_PREFIX}${this.scope}-`;
    if (key.length > 0 && /^[A-Za-z0-9._:-]+$/.test(key) && prefix.length + key.length <= MAX_STREAM_ID_LENGTH) return prefix + key;
    return `${prefix}sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
  }

  async holderOf(key: string): Promise<UniqueKeyHolder | undefined> {
    return (await this.read(key)).holder;
  }

  /**
   * Reserves every key for `owner`, or none: keys already held by `owner` stay as they are, and
   * when any key is held by another owner, the keys this call reserved are given back and the
   * answer names the holders. A look at every key first means a plain refusal writes nothing.
   */
  async reserve(keys: readonly string[], owner: string, ctx: UniqueKeyContext): Promise<ReserveOutcome> {
    const distinct = [...new Set(keys)].sort();
    const looked = await Promise.all(distinct.map(async (key) => ({ key, state: await this.read(key) })));
    const taken: Array<{ key: string; owner: string }> = [];
    for (const { key, state } of looked) {
      if (state.holder && state.holder.owner !== owner && !(await this.abandoned(key, state.holder, ctx.now))) taken.push({ key, owner: state.holder.owner });
    }
    if (taken.length > 0) return { ok: false, taken };

    // One key after another in sorted order: of racers for overlapping sets, the one that reaches
    // the highest contended key first gets all of its keys, so a race never ends with no winner
    // (taking the keys in parallel could leave every racer with one key and refuse them all).
    const added: string[] = [];
    try {
      for (const key of distinct) {
        const outcome = await this.reserveOne(key, owner, ctx);
        if (outcome.takenBy !== undefined) {
          await this.release(added, owner, ctx);
          return { ok: false, taken: [{ key, owner: outcome.takenBy }] };
        }
        if (outcome.added) added.push(key);
      }
    } catch (e) {
      await this.release(added, owner, ctx).catch(() => undefined);
      throw e;
    }
    return { ok: true, added };
  }

  /** Gives back the keys `owner` holds; keys held by someone else or free are left alone. */
  async release(keys: readonly string[], owner: string, ctx: UniqueKeyContext): Promise<void> {
    await Promise.all([...new Set(keys)].map((key) => this.releaseOne(key, owner, ctx)));
  }

  private async reserveOne(key: string, owner: string, ctx: UniqueKeyContext): Promise<{ added: boolean; takenBy?: string }> {
    for (let attempt = 1; ; attempt++) {
      const state = await this.read(key, true);
      if (state.holder?.owner === owner) return { added: false };
      const events: Array<{ type: string; data: UniqueKeyReserved | UniqueKeyReleased }> = [];
      if (state.holder) {
        if (!(await this.abandoned(key, state.holder, ctx.now))) return { added: false, takenBy: state.holder.owner };
        events.push({ type: UniqueKeyEventTypes.released, data: { scope: this.scope, key, owner: state.holder.owner, reason: 'abandoned' } });
      }
      events.push({ type: UniqueKeyEventTypes.reserved, data: { scope: this.scope, key, owner } });
      try {
        await this.append(key, state.revision, events, ctx);
        return { added: true };
      } catch (e) {
        if (!(e instanceof ConcurrencyError) || attempt >= this.maxAttempts) throw e;
      }
    }
  }

  private async releaseOne(key: string, owner: string, ctx: UniqueKeyContext): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const state = await this.read(key, true);
      if (state.holder?.owner !== owner) return;
      try {
        await this.append(key, state.revision, [{ type: UniqueKeyEventTypes.released, data: { scope: this.scope, key, owner, reason: 'released' } }], ctx);
        return;
      } catch (e) {
        if (!(e instanceof ConcurrencyError) || attempt >= this.maxAttempts) throw e;
      }
    }
  }

  private async abandoned(key: string, holder: UniqueKeyHolder, now: Date): Promise<boolean> {
    const check = this.options.ownerStillHolds;
    if (!check || now.getTime() - holder.since.getTime() < this.abandonAfterMs) return false;
    return !(await check(holder.owner, key));
  }

  private append(key: string, revision: number, events: Array<{ type: string; data: unknown }>, ctx: UniqueKeyContext) {
    const streamId = this.streamId(key);
    const occurredAt = ctx.now.toISOString();
    // Ids derive from the stream position written, so one owner's two concurrent reservations of a key store one.
    return this.store.append(
      streamId,
      events.map((e, i) => ({ id: derivedId('unique-key', streamId, String(revision + 1 + i), e.type, (e.data as UniqueKeyReserved).owner), type: e.type, data: e.data, metadata: { ...ctx.metadata, occurredAt } })),
      { expectedRevision: revision < 0 ? 'no_stream' : revision },
    );
  }

  private async read(key: string, forAppend = false): Promise<KeyState> {
    const events = await this.store.readStream(this.streamId(key), { forAppend });
    return { revision: events.length - 1, holder: holderAfter(events) };
  }
}

function holderAfter(events: readonly RecordedEvent[]): UniqueKeyHolder | undefined {
  const last = events[events.length - 1];
  if (!last || last.type !== UniqueKeyEventTypes.reserved) return undefined;
  return { owner: (last.data as UniqueKeyReserved).owner, since: new Date(last.metadata.occurredAt) };
}
