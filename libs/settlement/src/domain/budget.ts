import { exhaustive, type Fen } from '@rx/kernel';
import type { RegionPolicy } from '@rx/reference-data';
import type { PaymentEvent } from './payment.decider';

/**
 * Outpatient pooling budget of a region and year (S3), as a pure projection of the payment
 * streams: spend = fund payments - reversals. Special-drug fund cost is accounted separately (F4,
 * seed 001: "shall not be included in the total payment index"), so it is reported beside the
 * pooling spend but not counted against the pooling budget. The projection runner feeds each event
 * once (checkpointed subscription); the per-dispense map additionally makes a replayed event
 * harmless.
 *
 * A read model, not a decider: `applyToBudget` updates the view it is given and returns it, because
 * copying the per-dispense map on every payment made a region's year quadratic to replay. The
 * projection owns one view per region and year and never shares it.
 */
export interface BudgetView {
  regionCode: string;
  year: number;
  budgetFen: Fen;
  /** Ordinary pooling fund paid, net of reversals: counted against the budget. */
  poolingSpentFen: Fen;
  /** Special-drug bucket, net of reversals: reported, not counted against the budget. */
  specialSpentFen: Fen;
  payments: number;
  reversals: number;
  /** dispenseId -> what was counted for it, so a reversal subtracts exactly that. */
  counted: Map<string, { poolingFen: Fen; specialFen: Fen; reversed: boolean }>;
}

export function initialBudgetView(policy: Pick<RegionPolicy, 'regionCode' | 'year' | 'outpatientPoolingBudgetFen'>): BudgetView {
  return { regionCode: policy.regionCode, year: policy.year, budgetFen: policy.outpatientPoolingBudgetFen, poolingSpentFen: 0, specialSpentFen: 0, payments: 0, reversals: 0, counted: new Map() };
}

export function applyToBudget(view: BudgetView, event: PaymentEvent): BudgetView {
  switch (event.type) {
    case 'FundPaymentRecorded': {
      const d = event.data;
      if (d.regionCode !== view.regionCode || d.year !== view.year || view.counted.has(d.dispenseId)) return view;
      const specialFen = d.breakdown.specialFundFen;
      const poolingFen = d.breakdown.fundFen - specialFen;
      view.poolingSpentFen += poolingFen;
      view.specialSpentFen += specialFen;
      view.payments += 1;
      view.counted.set(d.dispenseId, { poolingFen, specialFen, reversed: false });
      return view;
    }
    case 'FundPaymentReversed': {
      const d = event.data;
      const c = view.counted.get(d.dispenseId);
      if (d.regionCode !== view.regionCode || d.year !== view.year || !c || c.reversed) return view;
      view.poolingSpentFen -= c.poolingFen;
      view.specialSpentFen -= c.specialFen;
      view.reversals += 1;
      c.reversed = true;
      return view;
    }
    default:
      return exhaustive(event, 'payment event');
  }
}

export interface BudgetSummary {
  regionCode: string;
  year: number;
  budgetFen: Fen;
  spentFen: Fen;
  remainingFen: Fen;
  specialSpentFen: Fen;
  /** spent / budget in basis points, rounded down (integer arithmetic). */
  utilisationBp: number;
  overBudget: boolean;
}

/** The answer of GET /settlement/budget/:regionCode/:year. */
export function summariseBudget(view: BudgetView): BudgetSummary {
  const utilisationBp = view.budgetFen > 0 ? Number((BigInt(view.poolingSpentFen) * 10_000n) / BigInt(view.budgetFen)) : 0;
  return {
    regionCode: view.regionCode,
    year: view.year,
    budgetFen: view.budgetFen,
    spentFen: view.poolingSpentFen,
    remainingFen: view.budgetFen - view.poolingSpentFen,
    specialSpentFen: view.specialSpentFen,
    utilisationBp,
    overBudget: view.poolingSpentFen > view.budgetFen,
  };
}
