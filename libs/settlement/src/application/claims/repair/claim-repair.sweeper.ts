import { Inject, Injectable } from '@nestjs/common';
import { chinaDate, CLOCK, DomainError, type Clock } from '@rx/kernel';
import { Sweeper } from '@rx/runtime';
import type { ClaimLine } from '../../../domain/pharmacy-claim.decider';
import { PaymentsReadModel } from '../../read-models/payments.read-model';
import { SettlementStore } from '../../settlement-store';
import { ClaimDeciders } from '../claim-deciders';
import { submitReservedClaim } from '../submit-claim/submit-reserved';
import { UnsubmittedClaims, type UnsubmittedReservation } from './unsubmitted-claims.projection';

export const CLAIM_REPAIR_INTERVAL_MS = 60_000;
const REPAIR_ACTOR = { role: 'system', id: 'settlement-claim-repair' };

/**
 * Completes submissions cut short after the claim index reserved their dispenses (a crash between
 * the two appends of SubmitClaimHandler). Without it those dispenses stayed reserved for a claim
 * that did not exist: the pharmacy's next submission found nothing to claim, and unless it had
 * chosen the claimId itself it could not retry. The claim is recorded as the pharmacist asked for
 * it (its period travels with the reservation; older reservations take the span of their
 * dispenses' China dates), received now, so its deadline runs from the repair.
 */
@Injectable()
export class ClaimRepairSweeper extends Sweeper<string[]> {
  constructor(
    private readonly unsubmitted: UnsubmittedClaims,
    private readonly payments: PaymentsReadModel,
    private readonly deciders: ClaimDeciders,
    private readonly s: SettlementStore,
    @Inject(CLOCK) clock: Clock,
  ) {
    super('settlement:claim-repair', clock, CLAIM_REPAIR_INTERVAL_MS);
  }

  /** Completes what is due at `now`; returns the claim ids this sweep recorded. */
  protected async sweepOnce(now: Date): Promise<string[]> {
    await this.unsubmitted.catchUp();
    const due = this.unsubmitted.due(now);
    if (due.length === 0) return [];
    await this.payments.catchUp();
    const repaired: string[] = [];
    for (const claimId of due) {
      const reservation = this.unsubmitted.reservation(claimId);
      const lines = reservation && this.linesOf(reservation);
      if (!reservation || !lines) continue;
      try {
        const outcome = await submitReservedClaim(
          this.s,
          this.deciders.forPharmacy(reservation.pharmacyId, now),
          { claimId, pharmacyId: reservation.pharmacyId, submittedBy: reservation.reservedBy, ...periodOf(reservation, lines, this.payments), lines, recoveries: reservation.recoveries ?? [] },
          { now, actor: REPAIR_ACTOR, correlationId: claimId, causationId: claimId },
        );
        if (outcome.events.length > 0 && !outcome.duplicate) repaired.push(claimId);
      } catch (e) {
        // The decider refused (the claim id was used otherwise meanwhile): nothing to complete.
        if (!(e instanceof DomainError)) throw e;
        this.logger.warn({ msg: 'reservation not completed', claimId, code: e.code, reason: e.message });
      }
      this.unsubmitted.forget(claimId);
    }
    if (repaired.length > 0) this.logger.warn({ msg: 'completed claims cut short after reserving their dispenses', claimIds: repaired });
    return repaired;
  }

  /** The reserved dispenses as claim lines; undefined while the payments read model lacks one. */
  private linesOf(r: UnsubmittedReservation): ClaimLine[] | undefined {
    const lines: ClaimLine[] = [];
    for (const dispenseId of r.dispenseIds) {
      const d = this.payments.dispense(dispenseId);
      if (!d) return undefined;
      lines.push({ dispenseId, prescriptionId: d.prescriptionId, fundFen: d.fundFen });
    }
    return lines;
  }
}

function periodOf(r: UnsubmittedReservation, lines: ClaimLine[], payments: PaymentsReadModel): { periodStart: string; periodEnd: string } {
  if (r.periodStart && r.periodEnd) return { periodStart: r.periodStart, periodEnd: r.periodEnd };
  const days = lines.map((l) => chinaDate(new Date(payments.dispense(l.dispenseId)!.dispensedAt))).sort();
  return { periodStart: days[0], periodEnd: days[days.length - 1] };
}
