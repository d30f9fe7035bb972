import { Inject, Logger, Optional, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LEADER_ELECTION, type LeaderElection } from '@rx/event-store';
import type { Clock } from '@rx/kernel';

/**
 * Time-driven work (expiry sweeps, claim lapses, overdue checks) on an interval with the injected
 * clock. One run at a time per instance: an overlapping tick, or a test's `run(now)`, waits for
 * the run in flight. Work must stay idempotent across instances (derived event ids): with a
 * leader election (`startLed`) one instance sweeps at a time, but a deposed leader's last run may
 * overlap its successor's first.
 */
export class PeriodicTask<T> {
  private readonly logger: Logger;
  private timer?: NodeJS.Timeout;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly name: string,
    private readonly clock: Clock,
    private readonly task: (now: Date) => Promise<T>,
  ) {
    this.logger = new Logger(name);
  }

  /** Starts ticking; an interval of 0 or less leaves the task to explicit `run` calls. */
  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      this.run(this.clock.now()).catch((e: unknown) => this.logger.error({ msg: `${this.name} failed`, error: (e as Error).message }));
    }, intervalMs);
    this.timer.unref();
  }

  run(now: Date): Promise<T> {
    const run = this.running.catch(() => undefined).then(() => this.task(now));
    this.running = run;
    return run;
  }

  /** Stops ticking and waits for the run in flight. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running.catch(() => undefined);
  }
}

/**
 * Ticks the task on this instance only while it leads `job` among the instances of its app; without
 * an election (a test wiring providers by hand), always. An interval of 0 or less starts nothing.
 */
export async function startLed(task: PeriodicTask<unknown>, job: string, intervalMs: number, election?: LeaderElection): Promise<void> {
  if (intervalMs <= 0) return;
  if (!election) return task.start(intervalMs);
  await election.campaign(job, { onElected: () => task.start(intervalMs), onDeposed: () => task.stop() });
}

/**
 * A provider whose `sweepOnce(now)` runs every `intervalMs` with the injected clock, from the
 * application's bootstrap to its shutdown (0 or less: only when asked), on the instance that leads
 * the job `sweeper:<name>` (see `startLed`). `sweep(now)` runs it at once, after any run in flight,
 * on any instance; tests move the clock and call it.
 */
export abstract class Sweeper<T> implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly task: PeriodicTask<T>;
  /** Named after the sweep, for what a sweep has to report. */
  protected readonly logger: Logger;
  /** Property-injected so the contexts' sweepers keep their constructors. */
  @Optional() @Inject(LEADER_ELECTION) private readonly election?: LeaderElection;

  protected constructor(
    private readonly name: string,
    clock: Clock,
    private readonly intervalMs: number,
  ) {
    this.logger = new Logger(name);
    this.task = new PeriodicTask(name, clock, (now) => this.sweepOnce(now));
  }

  onApplicationBootstrap(): Promise<void> {
    return startLed(this.task as PeriodicTask<unknown>, `sweeper:${this.name}`, this.intervalMs, this.election);
  }

  onApplicationShutdown(): Promise<void> {
    return this.task.stop();
  }

  sweep(now: Date): Promise<T> {
    return this.task.run(now);
  }

  protected abstract sweepOnce(now: Date): Promise<T>;
}
