import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { AuthenticatedActor } from '@rx/auth';
import { ReferenceDataService } from '@rx/reference-data';
import { agreementDecider, isActiveAt } from '../../../domain/agreement.decider';
import { recoveryLedger, recoveryTotals, type RecoveryEntry } from '../../../domain/recoveries';
import { agreementStreamId } from '../../../domain/stream-ids';
import { assertPharmacyAccess } from '../../access';
import { ClaimsReadModel } from '../../read-models/claims.read-model';
import { PharmacyNotFound } from '../../settlement-app.errors';
import { SettlementStore } from '../../settlement-store';

export interface PharmacyRecoveriesView {
  pharmacyId: string;
  /** False once the agreement is dissolved: no later claim will offset what is outstanding. */
  agreementActive: boolean;
  raisedFen: number;
  recoveredFen: number;
  /** The pharmacy owes the fund this (a receivable of the agency), until later claims offset it. */
  outstandingFen: number;
  recoveries: RecoveryEntry[];
}

export class GetPharmacyRecoveriesQuery extends Query<PharmacyRecoveriesView> {
  constructor(
    readonly actor: AuthenticatedActor,
    readonly pharmacyId: string,
  ) {
    super();
  }
}

/** A pharmacy's recoveries (冲销): raised by refunds after its claims were paid, offset by its later claims. */
@QueryHandler(GetPharmacyRecoveriesQuery)
export class GetPharmacyRecoveriesHandler implements IQueryHandler<GetPharmacyRecoveriesQuery, PharmacyRecoveriesView> {
  constructor(
    private readonly s: SettlementStore,
    private readonly ref: ReferenceDataService,
    private readonly claims: ClaimsReadModel,
  ) {}

  async execute({ actor, pharmacyId }: GetPharmacyRecoveriesQuery): Promise<PharmacyRecoveriesView> {
    assertPharmacyAccess(actor, pharmacyId);
    if (!this.ref.pharmacy(pharmacyId)) throw new PharmacyNotFound(`no pharmacy ${pharmacyId}`, { field: 'id' });
    await this.claims.catchUp();
    const ledger = recoveryLedger(this.claims.all(), pharmacyId);
    const { state } = await this.s.load(agreementStreamId(pharmacyId), agreementDecider);
    const { raisedFen, recoveredFen, outstandingFen } = recoveryTotals(ledger);
    return { pharmacyId, agreementActive: isActiveAt(state, this.s.now()), raisedFen, recoveredFen, outstandingFen, recoveries: ledger };
  }
}
