import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ReferenceDataService } from '@rx/reference-data';
import { summariseBudget, type BudgetSummary } from '../../../domain/budget';
import { recoveryLedger, recoveryTotals } from '../../../domain/recoveries';
import { ClaimsReadModel } from '../../read-models/claims.read-model';
import { PaymentsReadModel } from '../../read-models/payments.read-model';
import { PolicyNotFound } from '../../settlement-app.errors';
import { GetBudgetQuery } from './get-budget.query';

export interface BudgetResponseView extends BudgetSummary {
  policyVersion: string;
  /** Fund payments counted (reversed ones included; their amounts are subtracted again). */
  payments: number;
  reversals: number;
  /**
   * Refunds after the pharmacy was reimbursed (冲销), of this region's dispenses of this year: their
   * fund share is already out of `spentFen` (a reversal), and this says how much of it the fund has
   * got back from pharmacies by deducting it from later claims, and how much they still owe.
   */
  recoveries: { raisedFen: number; recoveredFen: number; outstandingFen: number; count: number };
}

/** S3: the region's outpatient pooling budget against the ordinary fund spend (special drugs reported apart). */
@QueryHandler(GetBudgetQuery)
export class GetBudgetHandler implements IQueryHandler<GetBudgetQuery, BudgetResponseView> {
  constructor(
    private readonly payments: PaymentsReadModel,
    private readonly ref: ReferenceDataService,
    private readonly claims: ClaimsReadModel,
  ) {}

  async execute({ regionCode, year }: GetBudgetQuery): Promise<BudgetResponseView> {
    const policy = this.ref.policyFor(regionCode, year);
    if (!policy) throw new PolicyNotFound(`no fund policy for region ${regionCode} and ${year}`);
    await this.payments.catchUp();
    await this.claims.catchUp();
    const recoveries = recoveryTotals(recoveryLedger(this.claims.all()).filter((e) => e.regionCode === regionCode && e.year === year));
    const view = { ...this.payments.budget(regionCode, year), budgetFen: policy.outpatientPoolingBudgetFen };
    return { ...summariseBudget(view), policyVersion: policy.version, payments: view.payments, reversals: view.reversals, recoveries };
  }
}
