import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ConcurrencyError, UniqueKeys } from '@rx/event-store';
import { derivedId } from '@rx/kernel';
import { ReferenceDataService } from '@rx/reference-data';
import { claimIndexDecider, selectClaimableDispenses, type ClaimIndex, type ReservedRecovery } from '../../../domain/claim-index.decider';
import type { ClaimLine, RecoveryLine } from '../../../domain/pharmacy-claim.decider';
import { recoverable, recoveryLedger } from '../../../domain/recoveries';
import { ClaimAlreadySubmitted, ClaimEmpty, RecoveryAlreadyReserved } from '../../../domain/settlement.errors';
import { ClaimsReadModel } from '../../read-models/claims.read-model';
import { claimIndexStreamId, pharmacyClaimStreamId } from '../../../domain/stream-ids';
import { PaymentsReadModel } from '../../read-models/payments.read-model';
import { NotOwnPharmacy } from '../../settlement-app.errors';
import { SettlementStore } from '../../settlement-store';
import { ClaimDeciders } from '../claim-deciders';
import { toClaimView, type ClaimView } from '../claim.view';
import { SubmitClaimCommand } from './submit-claim.command';
import { submitReservedClaim } from './submit-reserved';

const MAX_ROUNDS = 10;

/**
 * A pharmacy's settlement application (S1). (1) Candidates come from the payments read model;
 * (2) they are reserved in `claimindex-{pharmacyId}` in ONE append at the expected revision, so
 * of two concurrent claims one loses and reselects from the fresh index (each dispense lands in at
 * most one claim); (3) the claim stream records the submission. A retry with the same claimId
 * after a crash between (2) and (3) finds its reservation and completes (3); without a retry, the
 * ClaimRepairSweeper completes it once the reservation is a few minutes old.
 */
@CommandHandler(SubmitClaimCommand)
export class SubmitClaimHandler implements ICommandHandler<SubmitClaimCommand, ClaimView> {
  constructor(
    private readonly s: SettlementStore,
    private readonly ref: ReferenceDataService,
    private readonly payments: PaymentsReadModel,
    private readonly deciders: ClaimDeciders,
    private readonly claims: ClaimsReadModel,
  ) {
    this.claimIds = new UniqueKeys(s.store, 'claim-id', { ownerStillHolds: (pharmacyId, claimId) => this.stillHolds(pharmacyId, claimId) });
  }

  /**
   * A client-chosen claimId, held by its pharmacy platform-wide through the store (issue 15.5):
   * the claim index is per pharmacy, so without it two pharmacies naming one id at once both
   * reserved their dispenses, one claim stream was written, and the other pharmacy's dispenses
   * stayed reserved for a claim that could never be stored.
   */
  private readonly claimIds: UniqueKeys;

  async execute(command: SubmitClaimCommand): Promise<ClaimView> {
    const pharmacyId = command.actor.org;
    if (!this.ref.pharmacy(pharmacyId)) throw new NotOwnPharmacy(`the token's organisation ${pharmacyId} is not a known pharmacy`);
    if (!command.claimId) return this.submit(command, this.s.nextId());
    const claimId = command.claimId;
    const ctx = { now: this.s.now(), metadata: { actor: { role: command.actor.role, id: command.actor.id }, correlationId: claimId, causationId: claimId } };
    const held = await this.claimIds.reserve([claimId], pharmacyId, ctx);
    if (!held.ok) throw new ClaimAlreadySubmitted(`claim ${claimId} belongs to another pharmacy`, { field: 'claimId' });
    try {
      return await this.submit(command, claimId);
    } catch (e) {
      // Given back unless the claim index already holds the id (the repair sweeper completes those).
      if (!(await this.stillHolds(pharmacyId, claimId))) await this.claimIds.release(held.added, pharmacyId, ctx).catch(() => undefined);
      throw e;
    }
  }

  private async stillHolds(pharmacyId: string, claimId: string): Promise<boolean> {
    const claim = await this.s.load(pharmacyClaimStreamId(claimId), this.deciders.forPharmacy(pharmacyId, this.s.now()));
    if (claim.state.status !== 'none') return claim.state.claim.pharmacyId === pharmacyId;
    const index = await this.s.load(claimIndexStreamId(pharmacyId), claimIndexDecider);
    return index.state.status === 'active' && index.state.claims[claimId] !== undefined;
  }

  private async submit({ actor, periodStart, periodEnd }: SubmitClaimCommand, claimId: string): Promise<ClaimView> {
    const pharmacyId = actor.org;
    const now = this.s.now();
    const decider = this.deciders.forPharmacy(pharmacyId, now);
    const ctx = { now, actor: { role: actor.role, id: actor.id }, correlationId: claimId, causationId: claimId };
    const existing = await this.s.load(pharmacyClaimStreamId(claimId), decider);

    await this.payments.catchUp();
    await this.claims.catchUp();
    const indexStream = claimIndexStreamId(pharmacyId);
    let lines: ClaimLine[] | undefined;
    let recoveries: RecoveryLine[] = [];
    for (let round = 1; !lines; round++) {
      const index = await this.s.load(indexStream, claimIndexDecider);
      const reserved = index.state.status === 'active' ? index.state.claims[claimId] : undefined;
      if (reserved) {
        lines = reserved.map((id) => this.lineOf(id));
        recoveries = index.state.status === 'active' ? (index.state.recoveriesOf[claimId] ?? []).map(asLine) : [];
        break;
      }
      if (existing.state.status !== 'none') {
        // The id belongs to another pharmacy's claim: let the decider refuse it, reserving nothing.
        lines = existing.state.claim.dispenses;
        recoveries = existing.state.claim.recoveries ?? [];
        break;
      }
      const selected = selectClaimableDispenses(this.payments.forPharmacy(pharmacyId), index.state, { pharmacyId, periodStart, periodEnd });
      if (selected.length === 0) throw new ClaimEmpty(`no paid, unclaimed dispense of ${pharmacyId} between ${periodStart} and ${periodEnd}`);
      const taking = this.recoveriesFor(pharmacyId, index.state);
      const events = claimIndexDecider.decide(
        { type: 'ReserveDispensesForClaim', data: { pharmacyId, claimId, dispenseIds: selected.map((d) => d.dispenseId), periodStart, periodEnd, recoveries: taking } },
        index.state,
        now,
      );
      try {
        await this.s.store.append(
          indexStream,
          events.map((e, i) => ({ id: derivedId(claimId, `settlement:claim-reserved:${i}`), type: e.type, data: e.data, metadata: { actor: ctx.actor, correlationId: ctx.correlationId, causationId: ctx.causationId, occurredAt: now.toISOString() } })),
          { expectedRevision: index.revision < 0 ? 'no_stream' : index.revision },
        );
        lines = selected.map((d) => ({ dispenseId: d.dispenseId, prescriptionId: d.prescriptionId, fundFen: d.fundFen }));
        recoveries = taking.map(asLine);
      } catch (e) {
        // Another claim of this pharmacy reserved first: reselect from the index it left.
        if (!(e instanceof ConcurrencyError || e instanceof RecoveryAlreadyReserved) || round >= MAX_ROUNDS) throw e;
        await this.claims.catchUp();
      }
    }

    const { state } = await submitReservedClaim(this.s, decider, { claimId, pharmacyId, submittedBy: actor.id, periodStart, periodEnd, lines, recoveries }, ctx);
    if (state.status === 'none') throw new Error(`claim ${claimId} missing after submission`);
    return toClaimView(state, now);
  }

  /**
   * The pharmacy's outstanding recoveries, each taken whole (what is still owed) as a negative line.
   * Only those whose last holder in the index is the one the read model saw paid: a read model
   * lagging behind the index leaves a recovery for the next claim rather than taking it twice.
   */
  private recoveriesFor(pharmacyId: string, index: ClaimIndex): ReservedRecovery[] {
    const holders = index.status === 'active' ? index.recoveryHolder : {};
    return recoverable(recoveryLedger(this.claims.all(), pharmacyId))
      .filter((e) => (holders[e.dispenseId] ?? null) === e.lastClaimId)
      .map((e) => ({ dispenseId: e.dispenseId, prescriptionId: e.prescriptionId, fromClaimId: e.fromClaimId, amountFen: e.outstandingFen, previousClaimId: e.lastClaimId }));
  }

  private lineOf(dispenseId: string): ClaimLine {
    const d = this.payments.dispense(dispenseId);
    if (!d) throw new Error(`reserved dispense ${dispenseId} is not in the payments read model`);
    return { dispenseId, prescriptionId: d.prescriptionId, fundFen: d.fundFen };
  }
}

const asLine = ({ dispenseId, prescriptionId, fromClaimId, amountFen }: RecoveryLine): RecoveryLine => ({ dispenseId, prescriptionId, fromClaimId, amountFen });
