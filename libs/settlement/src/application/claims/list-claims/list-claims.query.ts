import { Query } from '@nestjs/cqrs';
import type { ClaimView } from '../claim.view';

export class ListClaimsQuery extends Query<ClaimView[]> {
  constructor(readonly filter: { overdue?: boolean; pharmacyId?: string; status?: ClaimView['status'] }) {
    super();
  }
}
