import { Command } from '@nestjs/cqrs';
import type { AuthenticatedActor } from '@rx/auth';
import type { AgreementView } from '../agreement.view';

export class DissolveAgreementCommand extends Command<AgreementView> {
  constructor(
    readonly actor: AuthenticatedActor,
    readonly pharmacyId: string,
    readonly reasonCode: string,
    readonly effectiveAt: string,
  ) {
    super();
  }
}
