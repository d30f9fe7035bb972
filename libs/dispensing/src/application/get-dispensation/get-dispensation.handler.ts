import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { UnknownPrescription } from '../../domain/dispensation.errors';
import { DispensationRunner } from '../dispensation-runner';
import { canRead, DispensationNotVisible, toDetails, type DispensationDetails } from './dispensation.view';
import { GetDispensationQuery } from './get-dispensation.query';

@QueryHandler(GetDispensationQuery)
export class GetDispensationHandler implements IQueryHandler<GetDispensationQuery, DispensationDetails> {
  constructor(private readonly runner: DispensationRunner) {}

  async execute({ actor, prescriptionId }: GetDispensationQuery): Promise<DispensationDetails> {
    const now = this.runner.now();
    const { state } = await this.runner.load(prescriptionId);
    if (state.status === 'unknown') throw new UnknownPrescription(`prescription ${prescriptionId} is not in circulation`);
    if (!canRead(actor, state, now)) throw new DispensationNotVisible('another pharmacy holds this prescription, or it is closed and yours never held it');
    return toDetails(state, now, actor);
  }
}
