import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { waitFor } from '../testing/event-store.contract';
import { createTestDatabase, type TestDatabase } from '../testing/postgres-database';
import { PostgresEventStore } from '../postgres/postgres-event-store';
import { createLeaderElection, type LeaderElection, SingleInstanceElection } from './leader-election';
import { PostgresLeaderElection } from './postgres-leader-election';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('leader');
});
afterAll(() => db.drop());

const elections: LeaderElection[] = [];
afterEach(async () => {
  await Promise.all(elections.splice(0).map((e) => e.close()));
});

/** An election and the log of what it started and stopped. */
function instance(instanceId: string, options: { retryMs?: number; failStart?: boolean } = {}) {
  const log: string[] = [];
  const election = new PostgresLeaderElection({ connection: { connectionString: db.url }, instanceId, retryMs: options.retryMs ?? 100, onProblem: () => undefined });
  elections.push(election);
  const join = (job: string) =>
    election.campaign(job, {
      onElected: () => {
        if (options.failStart) throw new Error('cannot start');
        log.push(`start ${job}`);
      },
      onDeposed: () => void log.push(`stop ${job}`),
    });
  return { election, log, join, leads: (job: string) => log.filter((l) => l.endsWith(` ${job}`)).at(-1) === `start ${job}` };
}

async function sql(text: string): Promise<void> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

describe('PostgresLeaderElection', () => {
  it('gives each job to one instance, and shows every instance which one leads', async () => {
    const a = instance('a');
    const b = instance('b');
    await a.join('relay:prescribing');
    await b.join('relay:prescribing');
    await b.join('sweeper:expiry');
    expect(a.leads('relay:prescribing')).toBe(true);
    expect(b.leads('relay:prescribing')).toBe(false);
    expect(b.leads('sweeper:expiry')).toBe(true);
    const seenByB = await b.election.status();
    expect(seenByB).toMatchObject({ kind: 'postgres-advisory-lock', instanceId: 'b', connected: true });
    expect(seenByB.jobs).toEqual([
      { job: 'relay:prescribing', leading: false, leader: 'a' },
      { job: 'sweeper:expiry', leading: true, leader: 'b', since: expect.any(String) },
    ]);
  });

  it('hands the job over when the leader closes', async () => {
    const a = instance('a');
    const b = instance('b');
    await a.join('relay:x');
    await b.join('relay:x');
    await a.election.close();
    expect(a.log).toEqual(['start relay:x', 'stop relay:x']);
    await waitFor(() => b.leads('relay:x'), 5000, 'b to take over');
  });

  it("stops the leader's jobs when its lock connection is cut, and another instance takes over", async () => {
    // A deposed leader campaigns again at its next try: a tries ten times less often than b, so
    // the lock that the cut released goes to b rather than straight back to a.
    const a = instance('a', { retryMs: 1000 });
    const b = instance('b');
    await a.join('relay:x');
    await b.join('relay:x');
    // Only this database's session: other suites on the same server have instances named 'a' too.
    await sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'rx:a' AND datname = current_database()`);
    await waitFor(() => a.log.includes('stop relay:x'), 5000, 'a to stop its job');
    await waitFor(() => b.leads('relay:x'), 5000, 'b to take over');
    // a reconnects and campaigns again, as a follower now.
    let status = await a.election.status();
    for (let i = 0; i < 50 && !status.connected; i++) status = await new Promise((r) => setTimeout(r, 100)).then(() => a.election.status());
    expect(status).toMatchObject({ connected: true, jobs: [{ job: 'relay:x', leading: false, leader: 'b' }] });
    expect(a.log).toEqual(['start relay:x', 'stop relay:x']);
  });

  it('gives the lead back when the job fails to start, so another instance can run it', async () => {
    const broken = instance('broken', { failStart: true });
    await broken.join('relay:x');
    const b = instance('b');
    await b.join('relay:x');
    await waitFor(() => b.leads('relay:x'), 5000, 'b to lead');
  });

  it('takes over from a leader process killed with SIGKILL within seconds', async () => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'testing', 'lead-forever.ts'), db.url, 'killed', 'relay:x'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      cwd: join(__dirname, '../../../..'),
    });
    try {
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      await waitFor(() => out.includes('leading'), 30_000, 'the child to lead');
      const b = instance('b');
      await b.join('relay:x');
      expect(b.leads('relay:x')).toBe(false);
      child.kill('SIGKILL');
      await waitFor(() => b.leads('relay:x'), 5000, 'b to take over');
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});

describe('createLeaderElection', () => {
  it('elects through PostgreSQL for a PostgreSQL store, and makes a lone instance lead everything otherwise', async () => {
    const store = new PostgresEventStore(db.url);
    try {
      const election = createLeaderElection(store, { instanceId: 'x' });
      elections.push(election);
      expect(election).toBeInstanceOf(PostgresLeaderElection);
    } finally {
      await store.close();
    }
    const single = new SingleInstanceElection('solo');
    const log: string[] = [];
    await single.campaign('relay:y', { onElected: () => void log.push('start'), onDeposed: () => void log.push('stop') });
    expect((await single.status()).jobs).toEqual([{ job: 'relay:y', leading: true, leader: 'solo', since: expect.any(String) }]);
    await single.close();
    expect(log).toEqual(['start', 'stop']);
  });
});
