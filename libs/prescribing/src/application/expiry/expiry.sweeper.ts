import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock, derivedId } from '@rx/kernel';
import { Sweeper } from '@rx/runtime';
import { PrescriptionRunner } from '../prescription-runner';
import { ExpiryWatchlist } from './expiry-watchlist.projection';

export const EXPIRY_SWEEP_INTERVAL_MS = Symbol('ExpirySweepIntervalMs');
export const DEFAULT_EXPIRY_SWEEP_INTERVAL_MS = 60_000;
const SWEEPER_ACTOR = { role: 'system', id: 'prescribing-expiry-sweeper' };

/**
 * Appends PrescriptionExpired for prescriptions past validity. `sweep(now)` is what the interval
 * calls with the injected clock; tests call it after moving the clock. The event id derives from
 * the prescription id, so two instances sweeping at once append one expiry.
 */
@Injectable()
export class ExpirySweeper extends Sweeper<string[]> {
  constructor(
    private readonly watchlist: ExpiryWatchlist,
    private readonly runner: PrescriptionRunner,
    @Inject(CLOCK) clock: Clock,
    @Inject(EXPIRY_SWEEP_INTERVAL_MS) intervalMs: number,
  ) {
    super('prescribing:expiry-sweep', clock, intervalMs);
  }

  /** Expires what is due at `now`; returns the ids expired by this sweep. */
  protected async sweepOnce(now: Date): Promise<string[]> {
    await this.watchlist.catchUp();
    const expired: string[] = [];
    for (const prescriptionId of this.watchlist.due(now)) {
      const correlationId = derivedId(prescriptionId, 'expiry-sweep');
      const outcome = await this.runner.run(
        prescriptionId,
        { type: 'ExpirePrescription', data: { prescriptionId } },
        { now, actor: SWEEPER_ACTOR, correlationId, causationId: correlationId, eventId: () => derivedId(prescriptionId, 'prescription-expired') },
      );
      if (outcome.events.length > 0 && !outcome.duplicate) expired.push(prescriptionId);
      // Expired, or closed by something the watchlist has not read yet: either way no longer a candidate.
      if (outcome.state.status !== 'ISSUED' && outcome.state.status !== 'REVOCATION_PENDING') this.watchlist.forget(prescriptionId);
    }
    return expired;
  }
}
