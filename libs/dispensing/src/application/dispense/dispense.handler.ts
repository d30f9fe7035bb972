import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { domainError } from '@rx/kernel';
import type { PrescriptionDispensed } from '../../domain/dispensation.events';
import { DispensationRunner } from '../dispensation-runner';
import { DispenseIndex } from '../dispense-index/dispense-index.projection';
import { DispenseCommand, type DispenseResult } from './dispense.command';

/** A client-chosen dispenseId already used on another prescription. */
export class DispenseIdConflict extends domainError('DISPENSE_ID_CONFLICT', 'conflict') {}

@CommandHandler(DispenseCommand)
export class DispenseHandler implements ICommandHandler<DispenseCommand, DispenseResult> {
  constructor(
    private readonly runner: DispensationRunner,
    private readonly index: DispenseIndex,
  ) {}

  async execute({ actor, prescriptionId, input }: DispenseCommand): Promise<DispenseResult> {
    // A client may choose the id so that a retried request cannot dispense twice (the first one stands).
    const dispenseId = input.dispenseId ?? this.runner.nextId();
    if (input.dispenseId) {
      const owner = await this.index.lookup(dispenseId);
      if (owner && owner !== prescriptionId) throw new DispenseIdConflict(`dispense ${dispenseId} belongs to another prescription`, { field: 'dispenseId' });
    }
    const correlationId = this.runner.nextId();
    const { events } = await this.runner.run(
      prescriptionId,
      {
        type: 'Dispense',
        data: {
          dispenseId,
          pharmacyId: actor.org,
          pharmacistId: actor.id,
          lines: input.lines.map((l) => ({ ...l, traceCodes: [...l.traceCodes] })),
          ...(input.deliveryFeeFen === undefined ? {} : { deliveryFeeFen: input.deliveryFeeFen }),
        },
      },
      { actor: { role: actor.role, id: actor.id }, correlationId, causationId: correlationId },
    );
    const dispensed = events.find((e): e is PrescriptionDispensed => e.type === 'PrescriptionDispensed') ?? (await this.original(prescriptionId, dispenseId));
    const d = dispensed.data;
    return {
      dispenseId: d.dispenseId,
      prescriptionId: d.prescriptionId,
      instalment: d.instalment,
      daysSupply: d.daysSupply,
      remaining: d.remaining,
      fullyDispensed: d.fullyDispensed,
      deliveryFeeFen: d.deliveryFeeFen,
      dispensedAt: d.dispensedAt,
      lines: d.lines,
    };
  }

  /** A retry with a known dispenseId: answer with the dispense that stands. */
  private async original(prescriptionId: string, dispenseId: string): Promise<PrescriptionDispensed> {
    const { events } = await this.runner.load(prescriptionId);
    const found = events.find((e): e is PrescriptionDispensed => e.type === 'PrescriptionDispensed' && e.data.dispenseId === dispenseId);
    if (!found) throw new Error(`dispense ${dispenseId} produced no event`);
    return found;
  }
}
