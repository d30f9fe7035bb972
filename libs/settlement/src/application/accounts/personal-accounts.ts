import { Injectable } from '@nestjs/common';
import type { Actor } from '@rx/event-store';
import { chinaYear, derivedId } from '@rx/kernel';
import { ReferenceDataService } from '@rx/reference-data';
import { allotmentYearsDue, personalAccountDecider } from '../../domain/personal-account.decider';
import { personalAccountStreamId } from '../../domain/stream-ids';
import { accountOf, type Payer } from '../payment/dispensed-input';
import { SETTLEMENT_SYSTEM, SettlementStore } from '../settlement-store';

export interface AccountTrace {
  correlationId: string;
  causationId: string;
}

/**
 * Brings a holder's continuing account up to date before anything moves money in it: opened from
 * reference data the first time the holder is seen, then every yearly allotment due up to `year`
 * (README "Personal accounts"). The event ids derive from the holder (and year), and the decider
 * credits a year at most once at the stream's expected revision, so concurrent payments, and
 * instances sharing a store, write each fact once.
 */
@Injectable()
export class PersonalAccounts {
  constructor(
    private readonly s: SettlementStore,
    private readonly ref: ReferenceDataService,
  ) {}

  /** The holder's own account (not a family member's), null for an unknown id or a patient without one. */
  holder(holderId: string): Payer | null {
    const patient = this.ref.patient(holderId);
    return patient ? accountOf(patient) : null;
  }

  /** The region's allotment for a year, 0 when the holder gets none. */
  allotmentFor(payer: Payer, year: number): number {
    return payer.retiree ? (this.ref.policyFor(payer.regionCode, year)?.retireeAccountAllotmentFen ?? 0) : 0;
  }

  async ensure(payer: Payer, year: number, trace: AccountTrace): Promise<void> {
    const stream = personalAccountStreamId(payer.holderId);
    const meta = (id: string, actor: Actor = SETTLEMENT_SYSTEM) => ({ actor, ...trace, eventId: () => id });
    const opened = await this.s.run(
      stream,
      personalAccountDecider,
      { type: 'OpenPersonalAccount', data: { holderId: payer.holderId, year, openingBalanceFen: payer.openingBalanceFen } },
      meta(derivedId('settlement:account-opened', payer.holderId)),
    );
    if (!payer.retiree) return;
    // A late dispense of a later year never credits an allotment before its year has begun.
    const upTo = Math.min(year, chinaYear(this.s.now()));
    for (const y of allotmentYearsDue(opened.state, upTo)) {
      const amountFen = this.allotmentFor(payer, y);
      if (amountFen <= 0) continue;
      await this.s.run(
        stream,
        personalAccountDecider,
        { type: 'CreditAnnualAllotment', data: { holderId: payer.holderId, year: y, amountFen } },
        meta(derivedId('settlement:account-allotment', payer.holderId, String(y))),
      );
    }
  }
}
