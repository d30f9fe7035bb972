import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { chinaYear } from '@rx/kernel';
import { ReferenceDataService } from '@rx/reference-data';
import type { MonitoredIssueRefusal } from '@rx/contracts';
import type { IssuePrescription } from '../../domain/prescription.commands';
import { InstitutionNotDesignatedForSpecialDrug, SpecialDrugPhysicianNotDesignated } from '../../domain/prescription.errors';
import { IssueRefusals } from '../issue-refusals';
import { PICKUP_CODES, PickupCodes } from '../pickup-codes';
import { PrescriptionRunner } from '../prescription-runner';
import { IssuePrescriptionCommand, type IssuePrescriptionResult } from './issue-prescription.command';

@CommandHandler(IssuePrescriptionCommand)
export class IssuePrescriptionHandler implements ICommandHandler<IssuePrescriptionCommand, IssuePrescriptionResult> {
  constructor(
    private readonly runner: PrescriptionRunner,
    private readonly ref: ReferenceDataService,
    @Inject(PICKUP_CODES) private readonly codes: PickupCodes,
    private readonly refusals: IssueRefusals,
  ) {}

  async execute({ actor, input }: IssuePrescriptionCommand): Promise<IssuePrescriptionResult> {
    const prescriptionId = input.prescriptionId ?? this.runner.nextId();
    const now = this.runner.now();
    const institution = this.ref.institution(actor.org);
    const command: IssuePrescription = {
      type: 'IssuePrescription',
      data: {
        prescriptionId,
        physicianId: actor.id,
        institutionId: actor.org,
        patientId: input.patientId,
        diagnoses: input.diagnoses.map((d) => ({ code: d.code, name: d.name })),
        items: input.items.map((i) => ({ drugCode: i.drugCode, quantity: i.quantity, daysSupply: i.daysSupply, dosage: { ...i.dosage } })),
        longTerm: input.longTerm ?? false,
        pickupCodeHash: this.codes.hashFor(prescriptionId),
      },
      refs: {
        institution,
        reliedOn: institution?.reliesOn ? this.ref.institution(institution.reliesOn) : undefined,
        physician: this.ref.physician(actor.id),
        patient: this.ref.patient(input.patientId),
        drugs: Object.fromEntries(input.items.map((i) => [i.drugCode, this.ref.drug(i.drugCode)])),
        policy: institution ? this.ref.policyFor(institution.regionCode, chinaYear(now))?.prescription : undefined,
      },
    };
    const correlationId = this.runner.nextId();
    let state;
    try {
      ({ state } = await this.runner.run(prescriptionId, command, {
        now,
        actor: { role: actor.role, id: actor.id },
        correlationId,
        causationId: correlationId,
      }));
    } catch (e) {
      // Three-fixed refusals are attempts monitoring watches; the refused issue itself stores nothing.
      if (e instanceof InstitutionNotDesignatedForSpecialDrug || e instanceof SpecialDrugPhysicianNotDesignated) {
        const drugCodes = command.data.items.map((i) => i.drugCode).filter((code) => command.refs.drugs[code]?.special);
        await this.refusals.record(
          {
            prescriptionId,
            institutionId: actor.org,
            physicianId: actor.id,
            patientId: input.patientId,
            code: e.code as MonitoredIssueRefusal,
            ...(e.field ? { field: e.field } : {}),
            drugCodes,
            refusedAt: now.toISOString(),
          },
          { actor: { role: actor.role, id: actor.id }, correlationId },
        );
      }
      throw e;
    }
    if (state.status === 'NONE') throw new Error('issue produced no prescription');
    const rx = state.rx;
    return {
      prescriptionId,
      status: state.status,
      pickupCode: this.codes.codeFor(prescriptionId),
      validUntil: rx.validUntil,
      contentHash: rx.contentHash,
      signature: rx.signature,
      signingKeyInstitutionId: rx.signingKeyInstitutionId,
    };
  }
}
