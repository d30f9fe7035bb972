import type { Decider, DomainEvent } from '@rx/kernel';
import { ConcurrencyError } from './errors';
import type { EventMetadataInput, EventStore, RecordedEvent } from './event-store.port';

export interface CommandContext {
  now: Date;
  metadata: Omit<EventMetadataInput, 'occurredAt'>;
  /**
   * Id of the i-th event this command produces. HTTP commands use fresh UUIDs; reactors derive
   * them from the source event id so a redelivered message appends nothing new.
   */
  eventId: (index: number, event: DomainEvent) => string;
}

export interface CommandOutcome<Event extends DomainEvent, State> {
  /** Events this command produced (empty when the decider found nothing to do). */
  events: Event[];
  /** State after the command. */
  state: State;
  /** Stream revision after the command (-1 when the stream is still empty). */
  revision: number;
  /** True when the events were already stored (a retried command with the same ids). */
  duplicate: boolean;
}

export interface RunCommandOptions {
  /** Reload-and-decide attempts on a concurrency conflict before giving up; default 5. */
  maxAttempts?: number;
  /** Upcaster from stored to current event shape (style.md §4); identity by default. */
  upcast?: (e: RecordedEvent) => DomainEvent;
}

const asDomainEvent = (e: RecordedEvent): DomainEvent => ({ type: e.type, data: e.data });

/**
 * Load the stream, fold, decide, append with the expected revision; on a concurrency conflict
 * reload and decide again (architecture.md "Inside a context"). A refused command throws from
 * `decide` before anything is appended.
 */
export async function runCommand<Command, Event extends DomainEvent, State>(
  store: EventStore,
  streamId: string,
  decider: Decider<Command, Event, State>,
  command: Command,
  ctx: CommandContext,
  options: RunCommandOptions = {},
): Promise<CommandOutcome<Event, State>> {
  const maxAttempts = options.maxAttempts ?? 5;
  const upcast = options.upcast ?? asDomainEvent;
  for (let attempt = 1; ; attempt++) {
    const stored = await store.readStream(streamId, { forAppend: true });
    let state = decider.initialState();
    for (const e of stored) state = decider.evolve(state, upcast(e) as Event);
    const revision = stored.length - 1;
    const events = decider.decide(command, state, ctx.now);
    if (events.length === 0) return { events, state, revision, duplicate: false };
    const occurredAt = ctx.now.toISOString();
    try {
      const result = await store.append(
        streamId,
        events.map((e, i) => ({ id: ctx.eventId(i, e), type: e.type, data: e.data, metadata: { ...ctx.metadata, occurredAt } })),
        { expectedRevision: revision < 0 ? 'no_stream' : revision },
      );
      if (!result.written) {
        // Already stored (a redelivery): the stored stream is the truth; folding `events` again would count them twice.
        const current = await loadState(store, streamId, decider, { upcast });
        return { events, state: current.state, revision: current.revision, duplicate: true };
      }
      for (const e of events) state = decider.evolve(state, e);
      return { events, state, revision: result.nextExpectedRevision, duplicate: false };
    } catch (error) {
      if (error instanceof ConcurrencyError && attempt < maxAttempts) continue;
      throw error;
    }
  }
}

/** Loads a stream and folds it into state (queries and reactors that only read). */
export async function loadState<Event extends DomainEvent, State>(
  store: EventStore,
  streamId: string,
  decider: Pick<Decider<unknown, Event, State>, 'initialState' | 'evolve'>,
  options: { upTo?: Date; upcast?: (e: RecordedEvent) => DomainEvent } = {},
): Promise<{ state: State; revision: number; events: RecordedEvent[] }> {
  const upcast = options.upcast ?? asDomainEvent;
  const events = await store.readStream(streamId, { upTo: options.upTo });
  let state = decider.initialState();
  for (const e of events) state = decider.evolve(state, upcast(e) as Event);
  return { state, revision: events.length - 1, events };
}
