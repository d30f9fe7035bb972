import { createHash } from 'node:crypto';
import { Client, type ClientConfig } from 'pg';
import type { JobLeadership, LeaderElection, LeaderJob, LeadershipStatus } from './leader-election';

export interface PostgresLeaderElectionOptions {
  /** The store's connection settings (same database: advisory locks are per database). */
  connection: ClientConfig;
  instanceId: string;
  /** How often a follower tries to take a job and a leader checks its lock connection; default 1000 ms. */
  retryMs?: number;
  /** A leader whose lock connection does not answer within this time stops its jobs; default 3000 ms. */
  leaseTimeoutMs?: number;
  /** Where a job that fails to start or stop is reported; default stderr. */
  onProblem?: (message: string, error: unknown) => void;
}

/** First key of every job's advisory lock ('RX'); the second is derived from the job's name. */
export const LEADER_LOCK_CLASS = 0x5258;
const APPLICATION_PREFIX = 'rx:';

/** The job's advisory-lock key: 31 bits of its name's sha-256, so it reads the same in pg_locks. */
export function leaderLockKey(job: string): number {
  return createHash('sha256').update(job, 'utf8').digest().readUInt32BE(0) & 0x7fff_ffff;
}

interface JobState {
  job: string;
  key: number;
  handlers: LeaderJob;
  leading: boolean;
  since?: string;
}

class LeaseTimeout extends Error {
  constructor(ms: number) {
    super(`lock connection did not answer within ${ms} ms`);
  }
}

/**
 * One leader per job through session-level advisory locks, held on a connection of its own.
 *
 * - A leader that dies (SIGKILL) closes its socket; the server ends its session and releases its
 *   locks at once, and a follower takes the job at its next try (within `retryMs`).
 * - A leader cut off from the server notices it when its lock connection errors or a heartbeat
 *   does not answer within `leaseTimeoutMs`, and stops its jobs. The server notices the dead client
 *   only through TCP keepalives, set on the session to 5 s idle and 3 probes 2 s apart (about 11 s
 *   after the last packet), later than the cut-off leader gives up (within `retryMs` +
 *   `leaseTimeoutMs`, 4 s by default): so two instances never both believe they lead, as long as
 *   the leader's own event loop is not stalled for longer than that margin.
 * - Each instance's connection is named `rx:<instanceId>` (`application_name`), so `status()`
 *   shows which instance holds each job's lock, from `pg_locks`.
 */
export class PostgresLeaderElection implements LeaderElection {
  readonly instanceId: string;
  private readonly retryMs: number;
  private readonly leaseTimeoutMs: number;
  private readonly jobs = new Map<string, JobState>();
  private client?: Client;
  private chain: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private closed = false;
  private readonly onProblem: (message: string, error: unknown) => void;

  constructor(private readonly options: PostgresLeaderElectionOptions) {
    if (!/^[A-Za-z0-9._-]{1,60}$/.test(options.instanceId)) throw new Error(`instance id must be 1-60 of [A-Za-z0-9._-], not '${options.instanceId}'`);
    this.instanceId = options.instanceId;
    this.retryMs = options.retryMs ?? 1000;
    this.leaseTimeoutMs = options.leaseTimeoutMs ?? 3000;
    this.onProblem =
      options.onProblem ??
      ((message, error) => process.stderr.write(`${JSON.stringify({ level: 'warn', context: 'leadership', msg: message, error: (error as Error)?.message ?? String(error) })}\n`));
  }

  async campaign(job: string, handlers: LeaderJob): Promise<void> {
    if (this.closed) return;
    if (this.jobs.has(job)) throw new Error(`job ${job} is already campaigning`);
    this.jobs.set(job, { job, key: leaderLockKey(job), handlers, leading: false });
    if (!this.timer) {
      this.timer = setInterval(() => void this.serial(() => this.tick()), this.retryMs);
      this.timer.unref();
    }
    await this.serial(() => this.tick());
  }

  async status(): Promise<LeadershipStatus> {
    const holders = new Map<number, string>();
    const client = this.client;
    if (client) {
      try {
        const { rows } = await this.timed(
          client.query<{ objid: string; application_name: string }>(
            `SELECT l.objid::bigint AS objid, a.application_name
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::int::oid AND l.objsubid = 2
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
            [LEADER_LOCK_CLASS],
          ),
        );
        for (const r of rows) holders.set(Number(r.objid), r.application_name.startsWith(APPLICATION_PREFIX) ? r.application_name.slice(APPLICATION_PREFIX.length) : r.application_name);
      } catch {
        // Shown as unknown leaders; the heartbeat decides what the failure means.
      }
    }
    const jobs: JobLeadership[] = [...this.jobs.values()].map((s) => ({
      job: s.job,
      leading: s.leading,
      ...(holders.has(s.key) ? { leader: holders.get(s.key) } : s.leading ? { leader: this.instanceId } : {}),
      ...(s.leading && s.since ? { since: s.since } : {}),
    }));
    return { kind: 'postgres-advisory-lock', instanceId: this.instanceId, connected: this.client !== undefined, jobs };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.serial(async () => {
      await this.depose();
      const client = this.client;
      this.client = undefined;
      // Ending the session releases every lock it holds.
      if (client) await this.timed(client.end()).catch(() => destroy(client));
    });
  }

  /** Ticks, losses and close run one at a time, so a job is never started and stopped at once. */
  private serial(work: () => Promise<void>): Promise<void> {
    const run = this.chain.then(work, work);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async tick(): Promise<void> {
    if (this.closed) return;
    const client = await this.connect();
    if (!client) return;
    try {
      let heartbeat = true;
      for (const state of this.jobs.values()) {
        if (state.leading || this.closed) continue;
        heartbeat = false;
        const { rows } = await this.timed(client.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS got', [LEADER_LOCK_CLASS, state.key]));
        if (!rows[0]?.got) continue;
        try {
          await state.handlers.onElected();
          state.leading = true;
          state.since = new Date().toISOString();
        } catch (error) {
          this.onProblem(`job ${state.job} failed to start as leader; giving the lead back`, error);
          await this.timed(client.query('SELECT pg_advisory_unlock($1, $2)', [LEADER_LOCK_CLASS, state.key]));
        }
      }
      // A leader with nothing to ask still proves every retryMs that its locks are held.
      if (heartbeat) await this.timed(client.query('SELECT 1'));
    } catch (error) {
      await this.lose(client, error);
    }
  }

  private async connect(): Promise<Client | undefined> {
    if (this.client) return this.client;
    const client = new Client({
      ...this.options.connection,
      application_name: `${APPLICATION_PREFIX}${this.instanceId}`,
      keepAlive: true,
      connectionTimeoutMillis: this.leaseTimeoutMs,
      // The server's side of a cut connection: see the class comment.
      options: '-c tcp_keepalives_idle=5 -c tcp_keepalives_interval=2 -c tcp_keepalives_count=3',
    });
    const lost = (error: unknown) => void this.serial(() => this.lose(client, error));
    client.on('error', lost);
    client.on('end', () => lost(new Error('lock connection ended')));
    try {
      await client.connect();
    } catch {
      destroy(client);
      return undefined;
    }
    if (this.closed) {
      destroy(client);
      return undefined;
    }
    this.client = client;
    return client;
  }

  /** The lock connection is gone or does not answer: whatever it held may be another's now. */
  private async lose(client: Client, error: unknown): Promise<void> {
    if (this.client !== client) return;
    this.client = undefined;
    destroy(client);
    if ([...this.jobs.values()].some((s) => s.leading)) this.onProblem('lost the lock connection; stopping the jobs this instance led', error);
    await this.depose();
  }

  private async depose(): Promise<void> {
    for (const state of [...this.jobs.values()].reverse()) {
      if (!state.leading) continue;
      state.leading = false;
      state.since = undefined;
      try {
        await state.handlers.onDeposed();
      } catch (error) {
        this.onProblem(`job ${state.job} failed to stop`, error);
      }
    }
  }

  private timed<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new LeaseTimeout(this.leaseTimeoutMs)), this.leaseTimeoutMs);
    });
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }
}

function destroy(client: Client): void {
  client.removeAllListeners('end');
  client.on('error', () => undefined);
  // end() waits for the server's goodbye, which never comes over a cut network; the socket goes now.
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  client.end().catch(() => undefined);
}
