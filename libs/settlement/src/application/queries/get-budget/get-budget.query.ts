import { Query } from '@nestjs/cqrs';
import type { BudgetResponseView } from './get-budget.handler';

export class GetBudgetQuery extends Query<BudgetResponseView> {
  constructor(
    readonly regionCode: string,
    readonly year: number,
  ) {
    super();
  }
}
