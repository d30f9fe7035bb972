import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock, derivedId } from '@rx/kernel';
import { Sweeper } from '@rx/runtime';
import { DispensationRunner } from '../dispensation-runner';
import { OpenClaims } from './open-claims.projection';

export const CLAIM_SWEEP_INTERVAL_MS = Symbol('ClaimSweepIntervalMs');
export const DEFAULT_CLAIM_SWEEP_INTERVAL_MS = 30_000;
const SWEEPER_ACTOR = { role: 'system', id: 'dispensing-claim-sweeper' };

/**
 * Ends lapsed claims (ExpireClaim), so a cancellation marked while a pharmacy held the
 * prescription takes effect even when nobody touches it again (D8). Claims also lapse lazily on
 * the next command; this makes it happen on time. `sweep(now)` is what the interval calls with
 * the injected clock; tests call it after moving the clock. Event ids derive from the claim, so
 * two instances sweeping at once append one release.
 */
@Injectable()
export class ClaimExpirySweeper extends Sweeper<string[]> {
  constructor(
    private readonly openClaims: OpenClaims,
    private readonly runner: DispensationRunner,
    @Inject(CLOCK) clock: Clock,
    @Inject(CLAIM_SWEEP_INTERVAL_MS) intervalMs: number,
  ) {
    super('dispensing:claim-expiry-sweep', clock, intervalMs);
  }

  /** Ends the claims lapsed at `now`; returns the prescription ids whose claim this sweep ended. */
  protected async sweepOnce(now: Date): Promise<string[]> {
    await this.openClaims.catchUp();
    const ended: string[] = [];
    for (const prescriptionId of this.openClaims.due(now)) {
      try {
        const { state: before } = await this.runner.load(prescriptionId);
        const claimKey = before.status === 'claimed' ? `${before.claim.pharmacyId}|${before.claim.claimedAt}` : 'none';
        const correlationId = derivedId(prescriptionId, 'claim-expiry-sweep', claimKey);
        const outcome = await this.runner.run(
          prescriptionId,
          { type: 'ExpireClaim', data: {} },
          { now, actor: SWEEPER_ACTOR, correlationId, causationId: correlationId, eventId: (i, e) => derivedId(prescriptionId, 'claim-expired', claimKey, e.type, String(i)) },
        );
        if (outcome.events.length > 0 && !outcome.duplicate) ended.push(prescriptionId);
        // Ended now or by something the read model has not seen yet: no longer a candidate. A newer claim is re-read on catch-up.
        if (outcome.state.status !== 'claimed') this.openClaims.forget(prescriptionId);
      } catch (e) {
        this.logger.warn({ msg: 'claim expiry failed', prescriptionId, error: (e as Error).message });
      }
    }
    return ended;
  }
}
