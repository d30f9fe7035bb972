import type { EventStore } from '../event-store.port';
import { PostgresEventStore } from '../postgres/postgres-event-store';
import { PostgresLeaderElection, type PostgresLeaderElectionOptions } from './postgres-leader-election';
import { WriteTrackingStore } from '../write-tracking-store';

/** What a singleton job (a relay, a sweeper) does when this instance gains or loses its lead. */
export interface LeaderJob {
  /** Start the job. A throw gives the lead back; the election tries again later. */
  onElected(): Promise<void> | void;
  /** Stop the job (lost connection, shutdown). Must not throw. */
  onDeposed(): Promise<void> | void;
}

export interface JobLeadership {
  job: string;
  /** Whether this instance runs the job now. */
  leading: boolean;
  /** The instance that holds the job's lock, as the database shows it; undefined when none or unknown. */
  leader?: string;
  /** When this instance last took the lead, ISO-8601. */
  since?: string;
}

export interface LeadershipStatus {
  /** `postgres-advisory-lock`, or `single-instance` where the store offers no shared lock. */
  kind: string;
  instanceId: string;
  /** For `postgres-advisory-lock`: whether the lock connection is up. */
  connected: boolean;
  jobs: JobLeadership[];
}

/** One leader per job among the instances of an app that share a store. */
export interface LeaderElection {
  readonly instanceId: string;
  /** Campaigns for the job until close; resolves after the first attempt (so a lone instance leads at start). */
  campaign(job: string, handlers: LeaderJob): Promise<void>;
  status(): Promise<LeadershipStatus>;
  /** Deposes every job this instance leads and gives up the locks. */
  close(): Promise<void>;
}

export const LEADER_ELECTION = Symbol('LeaderElection');

export interface LeaderElectionOptions extends Omit<PostgresLeaderElectionOptions, 'connection'> {
  instanceId: string;
}

/**
 * PostgreSQL: advisory locks on the store's database. Any other store: this instance leads every
 * job (SQLite serves one host and EventStoreDB offers no lock; run one instance of an app there, or
 * accept what two relays publish twice, which idempotent consumers absorb).
 */
export function createLeaderElection(given: EventStore, options: LeaderElectionOptions): LeaderElection {
  // The adapter itself decides, not a wrapper around it (the runtime watches writes through one).
  const store = given instanceof WriteTrackingStore ? given.inner : given;
  if (store instanceof PostgresEventStore) return new PostgresLeaderElection({ ...options, connection: store.connectionConfig });
  return new SingleInstanceElection(options.instanceId);
}

export class SingleInstanceElection implements LeaderElection {
  private readonly jobs = new Map<string, { handlers: LeaderJob; since: string }>();
  private closed = false;

  constructor(readonly instanceId: string) {}

  async campaign(job: string, handlers: LeaderJob): Promise<void> {
    if (this.closed) return;
    if (this.jobs.has(job)) throw new Error(`job ${job} is already campaigning`);
    this.jobs.set(job, { handlers, since: new Date().toISOString() });
    await handlers.onElected();
  }

  async status(): Promise<LeadershipStatus> {
    return {
      kind: 'single-instance',
      instanceId: this.instanceId,
      connected: true,
      jobs: [...this.jobs].map(([job, { since }]) => ({ job, leading: true, leader: this.instanceId, since })),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const { handlers } of [...this.jobs.values()].reverse()) await handlers.onDeposed();
    this.jobs.clear();
  }
}
