import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { NotIssuingInstitution, PrescriptionNotFound } from '../../domain/prescription.errors';
import { PrescriptionRunner } from '../prescription-runner';
import { GetPrescriptionQuery } from './get-prescription.query';
import { toPrescriptionView, type PrescriptionView } from './prescription.view';

@QueryHandler(GetPrescriptionQuery)
export class GetPrescriptionHandler implements IQueryHandler<GetPrescriptionQuery, PrescriptionView> {
  constructor(private readonly runner: PrescriptionRunner) {}

  async execute({ actor, prescriptionId }: GetPrescriptionQuery): Promise<PrescriptionView> {
    const state = await this.runner.load(prescriptionId);
    if (state.status === 'NONE') throw new PrescriptionNotFound(`prescription ${prescriptionId} not found`);
    // Auditors see everything; physicians only what their own institution issued.
    if (actor.role !== 'auditor' && !(actor.role === 'physician' && actor.org === state.rx.institutionId)) {
      throw new NotIssuingInstitution('only physicians of the issuing institution and auditors may read this prescription');
    }
    return toPrescriptionView(state);
  }
}
