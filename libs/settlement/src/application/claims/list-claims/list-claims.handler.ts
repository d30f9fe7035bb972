import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ClaimsReadModel } from '../../read-models/claims.read-model';
import { SettlementStore } from '../../settlement-store';
import { toClaimView, type ClaimView } from '../claim.view';
import { ListClaimsQuery } from './list-claims.query';

/** Claims by due date; `overdue` is evaluated with the injected clock at query time. */
@QueryHandler(ListClaimsQuery)
export class ListClaimsHandler implements IQueryHandler<ListClaimsQuery, ClaimView[]> {
  constructor(
    private readonly s: SettlementStore,
    private readonly claims: ClaimsReadModel,
  ) {}

  async execute({ filter }: ListClaimsQuery): Promise<ClaimView[]> {
    await this.claims.catchUp();
    const now = this.s.now();
    return this.claims
      .all()
      .map((c) => toClaimView(c, now))
      .filter((v) => (filter.overdue === undefined || v.overdue === filter.overdue) && (!filter.pharmacyId || v.pharmacyId === filter.pharmacyId) && (!filter.status || v.status === filter.status))
      .sort((a, b) => (a.dueBy === b.dueBy ? a.submittedAt.localeCompare(b.submittedAt) : a.dueBy.localeCompare(b.dueBy)));
  }
}
