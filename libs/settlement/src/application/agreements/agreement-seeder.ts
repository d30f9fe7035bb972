import { Injectable, Logger } from '@nestjs/common';
import { derivedId } from '@rx/kernel';
import { ReferenceDataService } from '@rx/reference-data';
import { agreementDecider } from '../../domain/agreement.decider';
import { AgreementAlreadySeeded } from '../../domain/settlement.errors';
import { agreementStreamId } from '../../domain/stream-ids';
import { SETTLEMENT_SYSTEM, SettlementStore } from '../settlement-store';

/**
 * Seeds `agreement-{pharmacyId}` from reference data at every start. The event id derives from the
 * pharmacy and its agreement's start, so re-seeding (or two instances seeding at once) appends
 * nothing; recorded history is never overridden by a later edit of the reference file.
 */
@Injectable()
export class AgreementSeeder {
  private readonly logger = new Logger('settlement.agreements');

  constructor(
    private readonly s: SettlementStore,
    private readonly ref: ReferenceDataService,
  ) {}

  async seed(): Promise<void> {
    for (const pharmacy of this.ref.pharmacies) {
      const seedId = derivedId('settlement:agreement-seeded', pharmacy.id, pharmacy.agreement.since);
      try {
        await this.s.run(
          agreementStreamId(pharmacy.id),
          agreementDecider,
          { type: 'SeedAgreement', data: { pharmacyId: pharmacy.id, regionCode: pharmacy.regionCode, agreement: pharmacy.agreement } },
          { actor: SETTLEMENT_SYSTEM, correlationId: seedId, causationId: seedId, eventId: () => seedId },
        );
      } catch (e) {
        if (!(e instanceof AgreementAlreadySeeded)) throw e;
        this.logger.warn({ msg: 'reference data differs from the recorded agreement; the record stands', pharmacyId: pharmacy.id });
      }
    }
  }
}
