import { Injectable, Logger } from '@nestjs/common';
import type { DispenseReversedV1, DispensedV1 } from '@rx/contracts';
import { ConcurrencyError } from '@rx/event-store';
import { derivedId, chinaYear } from '@rx/kernel';
import { ReferenceDataService } from '@rx/reference-data';
import { agreementDecider, isActiveAt } from '../../domain/agreement.decider';
import { benefitLedgerDecider, benefitLimits, usageOf, type BenefitLedgerEvent } from '../../domain/benefit-ledger.decider';
import { computeFundPayment, type PersonalAccountSnapshot } from '../../domain/fund-payment.calculator';
import { paymentDecider, type FundPaymentRecordData, type FundPaymentReversalData } from '../../domain/payment.decider';
import { personalAccountDecider, type PersonalAccountEvent } from '../../domain/personal-account.decider';
import { BenefitLedgerStale, PersonalAccountInsufficient } from '../../domain/settlement.errors';
import { claimIndexDecider } from '../../domain/claim-index.decider';
import { agreementStreamId, benefitStreamId, claimIndexStreamId, paymentStreamId, personalAccountStreamId, pharmacyClaimStreamId } from '../../domain/stream-ids';
import { CLAIM_FOLD } from '../claims/claim-deciders';
import { PolicyNotFound } from '../settlement-app.errors';
import { SETTLEMENT_SYSTEM, SettlementStore } from '../settlement-store';
import { PersonalAccounts } from '../accounts/personal-accounts';
import { fundPaymentInput, insuredRegionOf, payerOf } from './dispensed-input';

/** The integration event that started a saga: its id seeds every id the saga appends. */
export interface SourceEvent {
  id: string;
  correlationId: string;
}

/** Recompute rounds under contention: each round at least one competing dispense wins. */
const MAX_ROUNDS = 50;

/**
 * The payment saga (README "Concurrency and the payment saga"). Steps, in this order:
 *   1. ApplyPayment on `benefit-{patient}-{year}`   (the contention point; optimistic, basis-checked)
 *   2. DebitPersonalAccount on `personalaccount-{holder}` (brought up to date first: opened, allotments due)
 *   3. RecordFundPayment on `payment-{dispenseId}`  (last: its presence means "done")
 * Every appended id derives from the source event id, and every step is idempotent per dispense.
 * Crash safety: a redelivery after a crash between steps recomputes from the ledger and account
 * *as they were before this dispense's own entries* (`loadBefore`), which is what the first run
 * saw (the ledger append was accepted only on that basis; a debit only when the amount fitted), so
 * it reaches the same numbers: the steps already done are no-ops and the rest complete. Nothing is
 * charged twice, even when other dispenses moved the ledger in between.
 */
@Injectable()
export class FundPaymentSaga {
  private readonly logger = new Logger('settlement.payment');

  constructor(
    private readonly s: SettlementStore,
    private readonly ref: ReferenceDataService,
    private readonly accounts: PersonalAccounts,
  ) {}

  async recordPayment(d: DispensedV1, source: SourceEvent): Promise<FundPaymentRecordData> {
    const paymentStream = paymentStreamId(d.dispenseId);
    const done = await this.s.load(paymentStream, paymentDecider);
    if (done.state.status !== 'none') return done.state.record;

    const dispensedAt = new Date(d.dispensedAt);
    const year = chinaYear(dispensedAt);
    // The patient's insured region's policy pays, not the prescribing institution's (README).
    const region = insuredRegionOf(this.ref, d.patientId);
    const choice = region === undefined ? undefined : this.ref.policyChoice(region, year);
    if (!choice) throw new PolicyNotFound(`no fund policy for the insured region of patient ${d.patientId} (${region ?? 'unknown patient'}) and ${year}`);
    const { policy, provisional } = choice;
    const agreement = await this.s.load(agreementStreamId(d.pharmacyId), agreementDecider);
    // S2: an expense at or after the dissolution's effective time (or with no agreement at all) is not settled.
    const input = fundPaymentInput(d, !isActiveAt(agreement.state, dispensedAt), this.ref);
    const payer = payerOf(this.ref, d.patientId);
    const ctx = (step: string) => ({
      actor: SETTLEMENT_SYSTEM,
      correlationId: source.correlationId,
      causationId: source.id,
      eventId: (i: number) => derivedId(source.id, `settlement:${step}:${i}`),
    });
    if (payer) await this.accounts.ensure(payer, year, { correlationId: source.correlationId, causationId: source.id });

    const ledgerStream = benefitStreamId(d.patientId, year);
    const limits = benefitLimits(policy, input.patient.insuranceType);
    for (let round = 1; ; round++) {
      const mine = (e: BenefitLedgerEvent | PersonalAccountEvent) => 'dispenseId' in e.data && e.data.dispenseId === d.dispenseId;
      const ledger = await this.s.loadBefore(ledgerStream, benefitLedgerDecider, mine);
      const basis = usageOf(ledger.state);
      let account: PersonalAccountSnapshot | null = null;
      if (payer) {
        const before = await this.s.loadBefore(personalAccountStreamId(payer.holderId), personalAccountDecider, mine);
        account = { holderId: payer.holderId, balanceFen: before.state.status === 'open' ? before.state.balanceFen : payer.openingBalanceFen };
      }
      const result = computeFundPayment(input, policy, basis, account, { provisional });
      try {
        await this.s.run(
          ledgerStream,
          benefitLedgerDecider,
          { type: 'ApplyPayment', data: { patientId: d.patientId, year, dispenseId: d.dispenseId, delta: result.ledgerDelta, basis, limits, policyVersion: policy.version } },
          ctx('benefit'),
        );
        if (result.accountDelta) {
          const { holderId, debitFen } = result.accountDelta;
          await this.s.run(
            personalAccountStreamId(holderId),
            personalAccountDecider,
            { type: 'DebitPersonalAccount', data: { holderId, dispenseId: d.dispenseId, patientId: d.patientId, amountFen: debitFen } },
            ctx('account'),
          );
        }
        const record: FundPaymentRecordData = {
          dispenseId: d.dispenseId,
          prescriptionId: d.prescriptionId,
          patientId: d.patientId,
          pharmacyId: d.pharmacyId,
          regionCode: policy.regionCode,
          year,
          dispensedAt: dispensedAt.toISOString(),
          ...result,
        };
        const out = await this.s.run(paymentStream, paymentDecider, { type: 'RecordFundPayment', data: record }, ctx('payment'));
        return out.state.status === 'none' ? record : out.state.record;
      } catch (e) {
        // Stale ledger: another dispense of this patient won; a short account: another family member's
        // purchase won. Recompute from the fresh state (the ledger delta is fixed once applied).
        const retry = e instanceof BenefitLedgerStale || e instanceof PersonalAccountInsufficient || e instanceof ConcurrencyError;
        if (!retry || round >= MAX_ROUNDS) throw e;
        this.logger.debug({ msg: 'payment recomputed', dispenseId: d.dispenseId, round, reason: (e as Error).message });
      }
    }
  }

  /**
   * A refund reverses exactly what the dispense consumed, in the opposite order: the payment record
   * (the reversal event carries what to give back), then the ledger, then the account. Each step is
   * a no-op when already done, so a redelivery after a crash finishes the rest.
   */
  async reversePayment(r: DispenseReversedV1, source: SourceEvent): Promise<FundPaymentReversalData> {
    const ctx = (step: string) => this.ctxFor(source, step);
    const out = await this.s.run(paymentStreamId(r.dispenseId), paymentDecider, { type: 'ReverseFundPayment', data: { dispenseId: r.dispenseId, reason: r.reason } }, ctx('reversal'));
    if (out.state.status !== 'reversed') throw new Error(`payment of ${r.dispenseId} not reversed after ReverseFundPayment`);
    const reversal = out.state.reversal;
    await this.s.run(
      benefitStreamId(reversal.patientId, reversal.year),
      benefitLedgerDecider,
      { type: 'ReversePayment', data: { patientId: reversal.patientId, year: reversal.year, dispenseId: reversal.dispenseId } },
      ctx('benefit-restore'),
    );
    if (reversal.accountRestore) {
      const { holderId } = reversal.accountRestore;
      await this.s.run(
        // The continuing account the money came from, whatever the year of the dispense.
        personalAccountStreamId(holderId),
        personalAccountDecider,
        { type: 'RestorePersonalAccount', data: { holderId, dispenseId: reversal.dispenseId } },
        ctx('account-restore'),
      );
    }
    await this.noteOnClaim(reversal, ctx('claim-reversal'));
    return reversal;
  }

  /**
   * Last step of a refund: the claim that holds the dispense learns of it on its own stream, which
   * decides by how far it got (README "Recoveries"): before approval the line is refused, after
   * approval it is taken out of the payment, after payment the fund's share becomes a recovery
   * against the pharmacy. Serialised with approval and payment on that stream, so a refund racing
   * the payment is either withdrawn or recovered, never neither. A dispense reserved for a claim not
   * yet recorded is refused at approval (which reads the payment stream, reversed by now).
   */
  private async noteOnClaim(reversal: FundPaymentReversalData, ctx: ReturnType<typeof this.ctxFor>): Promise<void> {
    const index = await this.s.load(claimIndexStreamId(reversal.pharmacyId), claimIndexDecider);
    const claimId = index.state.status === 'active' ? index.state.claimOf[reversal.dispenseId] : undefined;
    if (!claimId) return;
    const stream = pharmacyClaimStreamId(claimId);
    const claim = await this.s.load(stream, CLAIM_FOLD);
    if (claim.state.status === 'none') return;
    await this.s.run(
      stream,
      CLAIM_FOLD,
      { type: 'NoteDispenseReversed', data: { claimId, dispenseId: reversal.dispenseId, reason: reversal.reason, regionCode: reversal.regionCode, year: reversal.year } },
      ctx,
    );
  }

  private ctxFor(source: SourceEvent, step: string) {
    return {
      actor: SETTLEMENT_SYSTEM,
      correlationId: source.correlationId,
      causationId: source.id,
      eventId: (i: number) => derivedId(source.id, `settlement:${step}:${i}`),
    };
  }
}
