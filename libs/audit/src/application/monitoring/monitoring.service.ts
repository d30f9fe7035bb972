import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { EVENT_STORE, type EventStore, LEADER_ELECTION, type LeaderElection } from '@rx/event-store';
import { CLOCK, type Clock } from '@rx/kernel';
import { PeriodicTask, startLed } from '@rx/runtime';
import type { MonitoringParams } from '../../domain/rules';
import { AUDIT_MONITORING_PARAMS, AUDIT_SWEEP_INTERVAL_MS } from './monitoring-config';
import { MonitoringProjection } from './monitoring.projection';

/**
 * Runs the monitoring projection for the app's lifetime and sweeps the time-driven rules on an
 * interval with the injected clock (tests call `sweep()` after moving the clock).
 */
@Injectable()
export class MonitoringService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('audit:monitoring');
  readonly projection: MonitoringProjection;
  private readonly task: PeriodicTask<Awaited<ReturnType<MonitoringProjection['sweep']>>>;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(AUDIT_MONITORING_PARAMS) params: MonitoringParams,
    @Inject(AUDIT_SWEEP_INTERVAL_MS) private readonly sweepIntervalMs: number,
    @Optional() @Inject(LEADER_ELECTION) private readonly election?: LeaderElection,
  ) {
    this.projection = new MonitoringProjection({
      store,
      params,
      now: () => clock.now(),
      onError: (error) => this.logger.error({ msg: 'monitoring projection stopped', error: (error as Error)?.message ?? String(error) }),
    });
    this.task = new PeriodicTask('audit:overdue-sweep', clock, async (now) => {
      await this.projection.whenCaughtUp();
      return this.projection.sweep(now);
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.projection.start();
    // Every instance keeps the projection; one sweeps (its alerts are appended events).
    await startLed(this.task as PeriodicTask<unknown>, 'audit:overdue-sweep', this.sweepIntervalMs, this.election);
  }

  async onModuleDestroy(): Promise<void> {
    await this.task.stop();
    await this.projection.stop();
  }

  /** Catches up, then judges the time-driven rules at the clock's now. */
  sweep(now: Date = this.clock.now()) {
    return this.task.run(now);
  }
}
