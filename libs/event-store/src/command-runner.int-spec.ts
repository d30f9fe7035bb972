import { randomUUID } from 'node:crypto';
import { derivedId, domainError, exhaustive, type Decider } from '@rx/kernel';
import { loadState, runCommand, type CommandContext } from './command-runner';
import { ConcurrencyError } from './errors';
import type { EventStore } from './event-store.port';
import { verifyStream } from './integrity';
import { SqliteEventStore } from './sqlite/sqlite-event-store';

type TallyCommand = { type: 'Add'; data: { by: number } } | { type: 'Close'; data: Record<string, never> };
type TallyEvent = { type: 'Added'; data: { by: number } } | { type: 'Closed'; data: { at: string } };
type Tally = { status: 'open'; total: number } | { status: 'closed'; total: number };

class TallyClosed extends domainError('TALLY_CLOSED', 'rule') {}

const tally: Decider<TallyCommand, TallyEvent, Tally> = {
  initialState: () => ({ status: 'open', total: 0 }),
  decide(command, state, now) {
    switch (command.type) {
      case 'Add':
        if (state.status === 'closed') throw new TallyClosed('tally is closed');
        return [{ type: 'Added', data: { by: command.data.by } }];
      case 'Close':
        return state.status === 'closed' ? [] : [{ type: 'Closed', data: { at: now.toISOString() } }];
      default:
        return exhaustive(command, 'command');
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'Added':
        return { ...state, total: state.total + event.data.by };
      case 'Closed':
        return { status: 'closed', total: state.total };
      default:
        return exhaustive(event, 'event');
    }
  },
};

const now = new Date('2026-03-02T09:00:00.000Z');
function ctx(eventId: CommandContext['eventId'] = () => randomUUID()): CommandContext {
  return { now, metadata: { correlationId: randomUUID(), causationId: randomUUID(), actor: { role: 'pharmacist', id: 'P001' } }, eventId };
}

describe('runCommand against SQLite', () => {
  let store: SqliteEventStore;
  beforeEach(() => {
    store = new SqliteEventStore(':memory:');
  });
  afterEach(() => store.close());

  const add = (by: number): TallyCommand => ({ type: 'Add', data: { by } });

  it('folds, decides and appends with the expected revision', async () => {
    const id = `tally-${randomUUID()}`;
    const first = await runCommand(store, id, tally, add(2), ctx());
    expect(first).toMatchObject({ state: { status: 'open', total: 2 }, revision: 0, duplicate: false });
    const second = await runCommand(store, id, tally, add(3), ctx());
    expect(second).toMatchObject({ state: { total: 5 }, revision: 1 });
    const stored = await store.readStream(id);
    expect(stored.map((e) => e.metadata.occurredAt)).toEqual([now.toISOString(), now.toISOString()]);
    expect(stored[0].metadata.actor).toEqual({ role: 'pharmacist', id: 'P001' });
    expect(verifyStream(id, stored).ok).toBe(true);
  });

  it('appends nothing when the decider has nothing to do', async () => {
    const id = `tally-${randomUUID()}`;
    await runCommand(store, id, tally, { type: 'Close', data: {} }, ctx());
    const again = await runCommand(store, id, tally, { type: 'Close', data: {} }, ctx());
    expect(again).toMatchObject({ events: [], revision: 0, duplicate: false, state: { status: 'closed' } });
    expect(await store.readStream(id)).toHaveLength(1);
  });

  it('lets a refused command throw before anything is stored', async () => {
    const id = `tally-${randomUUID()}`;
    await runCommand(store, id, tally, { type: 'Close', data: {} }, ctx());
    await expect(runCommand(store, id, tally, add(1), ctx())).rejects.toBeInstanceOf(TallyClosed);
    expect(await store.readStream(id)).toHaveLength(1);
  });

  it('reloads and decides again when a concurrent command wins the race', async () => {
    const id = `tally-${randomUUID()}`;
    const outcomes = await Promise.all([1, 2, 3, 4].map((by) => runCommand(store, id, tally, add(by), ctx())));
    expect(outcomes.map((o) => o.revision).sort()).toEqual([0, 1, 2, 3]);
    const { state, revision } = await loadState(store, id, tally);
    expect(state).toEqual({ status: 'open', total: 10 });
    expect(revision).toBe(3);
  });

  it('gives up after maxAttempts conflicts', async () => {
    let appends = 0;
    const alwaysStale: EventStore = Object.assign(Object.create(store) as EventStore, {
      readStream: store.readStream.bind(store),
      append: async () => {
        appends++;
        throw new ConcurrencyError('s', '0', '1');
      },
    });
    await expect(runCommand(alwaysStale, `tally-${randomUUID()}`, tally, add(1), ctx(), { maxAttempts: 3 })).rejects.toBeInstanceOf(ConcurrencyError);
    expect(appends).toBe(3);
  });

  it('reports a redelivered command with derived ids as a duplicate, state counted once', async () => {
    const id = `tally-${randomUUID()}`;
    const sourceEventId = randomUUID();
    const derive: CommandContext['eventId'] = (i) => derivedId(sourceEventId, 'add', String(i));
    await runCommand(store, id, tally, add(5), ctx(derive));
    const redelivered = await runCommand(store, id, tally, add(5), ctx(derive));
    expect(redelivered).toMatchObject({ duplicate: true, revision: 0, state: { status: 'open', total: 5 } });
    expect(await store.readStream(id)).toHaveLength(1);
  });

  it('loads state as of an instant', async () => {
    const id = `tally-${randomUUID()}`;
    await runCommand(store, id, tally, add(1), ctx());
    await runCommand(store, id, tally, add(2), { ...ctx(), now: new Date('2026-03-03T09:00:00.000Z') });
    const asOf = await loadState(store, id, tally, { upTo: new Date('2026-03-02T12:00:00.000Z') });
    expect(asOf.state).toEqual({ status: 'open', total: 1 });
    expect(asOf.revision).toBe(0);
  });
});
