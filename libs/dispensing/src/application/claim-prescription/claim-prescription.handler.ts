import { Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { PharmacyNotDesignatedForSpecialDrug, PickupCodeInvalid } from '../../domain/dispensation.errors';
import { DispensationRunner } from '../dispensation-runner';
import { PharmacyFactsService } from '../pharmacy-agreements/pharmacy-facts.service';
import { PharmacyPickupGuardService } from './pharmacy-pickup-guard.service';
import { RefusalSignals } from '../uniqueness/refusal-signals';
import { ClaimPrescriptionCommand, type ClaimResult } from './claim-prescription.command';
import { presentedPickupCodeHash } from './pickup-code';

/** The pharmacy is the token's org; its facts come from reference data and settlement's dissolutions. */
@CommandHandler(ClaimPrescriptionCommand)
export class ClaimPrescriptionHandler implements ICommandHandler<ClaimPrescriptionCommand, ClaimResult> {
  private readonly logger = new Logger('dispensing:claim');

  constructor(
    private readonly runner: DispensationRunner,
    private readonly pharmacies: PharmacyFactsService,
    private readonly signals: RefusalSignals,
    private readonly guards: PharmacyPickupGuardService,
  ) {}

  async execute({ actor, prescriptionId, pickupCode }: ClaimPrescriptionCommand): Promise<ClaimResult> {
    const now = this.runner.now();
    const pharmacyId = actor.org;
    // The claim and a failed-attempt record are one request: one correlation id.
    const correlationId = this.runner.nextId();
    const ctx = { now, actor: { role: actor.role, id: actor.id }, correlationId, causationId: correlationId };
    const [pharmacy, pharmacyPickupLockedUntil] = await Promise.all([this.pharmacies.factsFor(pharmacyId, now), this.guards.lockedUntil(pharmacyId, now)]);
    let outcome;
    try {
      outcome = await this.runner.run(
        prescriptionId,
        {
          type: 'ClaimPrescription',
          data: { pharmacyId, pharmacistId: actor.id, pickupCodeHash: presentedPickupCodeHash(prescriptionId, pickupCode), pharmacy, pharmacyPickupLockedUntil },
        },
        ctx,
      );
    } catch (e) {
      // A refusal appends nothing, so the failed attempt is its own append (on the prescription, and
      // on the pharmacy's count across prescriptions); the caller still gets the refusal.
      if (e instanceof PickupCodeInvalid) await this.recordFailure(prescriptionId, pharmacyId, ctx);
      // Three-fixed: a special drug claimed by an undesignated pharmacy is an attempt audit watches.
      if (e instanceof PharmacyNotDesignatedForSpecialDrug)
        await this.signals.record(
          { prescriptionId, pharmacyId, pharmacistId: actor.id, command: 'claim', code: 'PHARMACY_NOT_DESIGNATED_FOR_SPECIAL_DRUG', refusedAt: now.toISOString(), drugCodes: [String(e.details?.drugCode)] },
          { actor: ctx.actor, correlationId },
        );
      throw e;
    }
    const { state, events } = outcome;
    if (state.status !== 'claimed' || state.claim.pharmacyId !== pharmacyId) throw new Error(`claim left the prescription ${state.status}`);
    const { claim } = state;
    return {
      prescriptionId,
      pharmacyId,
      pharmacistId: claim.pharmacistId,
      claimedAt: claim.claimedAt,
      expiresAt: claim.expiresAt,
      created: events.some((e) => e.type === 'PrescriptionClaimed'),
      cancellationPending: !!claim.cancellationPending,
    };
  }

  private async recordFailure(prescriptionId: string, pharmacyId: string, ctx: Parameters<DispensationRunner['run']>[2]): Promise<void> {
    try {
      await this.runner.run(prescriptionId, { type: 'RecordFailedPickupAttempt', data: { pharmacyId } }, ctx);
      await this.guards.recordFailure(pharmacyId, prescriptionId, ctx.now ?? this.runner.now(), ctx);
    } catch (e) {
      // Losing one count must not turn a 422 into a 500; the next wrong code is counted again.
      this.logger.warn({ msg: 'failed pickup attempt not recorded', prescriptionId, pharmacyId, error: (e as Error).message });
    }
  }
}
