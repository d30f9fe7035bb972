import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { EVENT_STORE, EventStore, LEADER_ELECTION, type LeaderElection, type LeadershipStatus } from '@rx/event-store';
import { MESSAGE_BUS, MessageBus, type DeadLetterSummary } from '@rx/messaging';
import { RX_CONFIG, RuntimeConfig } from '../config';
import { EventPlumbing } from '../event-plumbing';

/** The HTTP layer's reply, only to set the status; Nest still serialises the returned body. */
interface Reply {
  status(code: number): unknown;
}

export interface HealthReport {
  status: 'ok' | 'degraded';
  app: string;
  store: { kind: string; ok: boolean; detail?: string };
  bus: { kind: string; ok: boolean; detail?: string };
  relays: ReturnType<EventPlumbing['relayStatus']>;
  /** This instance, and which instance leads each singleton job (relays, sweepers). */
  leadership: LeadershipStatus | { kind: string; error: string };
  /** Messages this process's consumers dead-lettered since it started; any makes the status degraded. */
  deadLetters: DeadLetterSummary;
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(RX_CONFIG) private readonly config: RuntimeConfig,
    private readonly plumbing: EventPlumbing,
    @Inject(LEADER_ELECTION) private readonly election: LeaderElection,
  ) {}

  @Get()
  @ApiOkResponse({ description: 'store and bus answer; `status` is degraded (still 200) when a message was dead-lettered' })
  @ApiServiceUnavailableResponse({ description: 'the store or the bus does not answer' })
  async health(@Res({ passthrough: true }) reply: Reply): Promise<HealthReport> {
    const [store, bus, leadership] = await Promise.all([
      safe(() => this.store.ping()),
      safe(() => this.bus.ping()),
      this.election.status().catch((e: unknown) => ({ kind: 'unknown', error: (e as Error).message })),
    ]);
    const ok = store.ok && bus.ok;
    const deadLetters = this.bus.deadLetterSummary();
    // A dead letter degrades the report but not the status code: a 503 would take every instance
    // out of a load balancer over one refused message, turning a poison message into an outage.
    reply.status(ok ? 200 : 503);
    return {
      status: ok && deadLetters.count === 0 ? 'ok' : 'degraded',
      app: this.config.appName,
      store: { kind: this.store.kind, ...store },
      bus: { kind: this.bus.kind, ...bus },
      relays: this.plumbing.relayStatus(),
      leadership,
      deadLetters,
    };
  }
}

async function safe(probe: () => Promise<{ ok: boolean; detail?: string }>): Promise<{ ok: boolean; detail?: string }> {
  try {
    return await probe();
  } catch (e) {
    return { ok: false, detail: (e as Error).message };
  }
}
