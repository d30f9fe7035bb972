import { Inject, Injectable } from '@nestjs/common';
import { CatchUpReader, EVENT_STORE, type EventStore, type RecordedEvent } from '@rx/event-store';
import { applyToBudget, initialBudgetView, type BudgetView } from '../../domain/budget';
import type { PaidDispenseSummary } from '../../domain/claim-index.decider';
import type { PaymentEvent } from '../../domain/payment.decider';

export const PAYMENT_STREAM_PREFIX = 'payment-';
const TYPES = ['FundPaymentRecorded', 'FundPaymentReversed'];

export interface PaidDispense extends PaidDispenseSummary {
  prescriptionId: string;
}

/**
 * Read model over the `payment-` streams: each pharmacy's paid dispenses (what a claim gathers) and
 * each region's pooling spend per year. In memory, pulled from the store's global order and
 * rebuildable from position zero (a restart does exactly that). Callers `catchUp()` first, so a
 * query sees everything committed before it. It only nominates: the claim index decides "at most once".
 */
@Injectable()
export class PaymentsReadModel {
  private readonly reader: CatchUpReader;
  private readonly dispenses = new Map<string, PaidDispense>();
  private readonly byPharmacy = new Map<string, Set<string>>();
  private readonly budgets = new Map<string, BudgetView>();

  constructor(@Inject(EVENT_STORE) store: EventStore) {
    this.reader = new CatchUpReader(store, { streamPrefixes: [PAYMENT_STREAM_PREFIX], eventTypes: TYPES }, (e) => this.apply(e));
  }

  catchUp(): Promise<void> {
    return this.reader.catchUp();
  }

  forPharmacy(pharmacyId: string): PaidDispense[] {
    return [...(this.byPharmacy.get(pharmacyId) ?? [])].map((id) => this.dispenses.get(id)!);
  }

  dispense(dispenseId: string): PaidDispense | undefined {
    return this.dispenses.get(dispenseId);
  }

  /** Spend of a region and year so far; budgetFen is the caller's (the policy's). */
  budget(regionCode: string, year: number): BudgetView {
    return this.budgets.get(`${regionCode}/${year}`) ?? initialBudgetView({ regionCode, year, outpatientPoolingBudgetFen: 0 });
  }

  private apply(recorded: RecordedEvent): void {
    const e = { type: recorded.type, data: recorded.data } as PaymentEvent;
    const key = `${e.data.regionCode}/${e.data.year}`;
    this.budgets.set(key, applyToBudget(this.budgets.get(key) ?? initialBudgetView({ regionCode: e.data.regionCode, year: e.data.year, outpatientPoolingBudgetFen: 0 }), e));
    switch (e.type) {
      case 'FundPaymentRecorded': {
        const d = e.data;
        this.dispenses.set(d.dispenseId, {
          dispenseId: d.dispenseId,
          prescriptionId: d.prescriptionId,
          pharmacyId: d.pharmacyId,
          dispensedAt: d.dispensedAt,
          fundFen: d.breakdown.fundFen,
          reversed: false,
        });
        const ids = this.byPharmacy.get(d.pharmacyId) ?? new Set<string>();
        ids.add(d.dispenseId);
        this.byPharmacy.set(d.pharmacyId, ids);
        return;
      }
      case 'FundPaymentReversed': {
        const known = this.dispenses.get(e.data.dispenseId);
        if (known) this.dispenses.set(known.dispenseId, { ...known, reversed: true });
        return;
      }
      default:
        return;
    }
  }
}
