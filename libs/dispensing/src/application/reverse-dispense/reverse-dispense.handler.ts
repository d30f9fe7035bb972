import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DispenseNotFound } from '../../domain/dispensation.errors';
import type { DispenseReversed } from '../../domain/dispensation.events';
import { DispensationRunner } from '../dispensation-runner';
import { DispenseIndex } from '../dispense-index/dispense-index.projection';
import { ReverseDispenseCommand, type ReversalResult } from './reverse-dispense.command';

/** A refund is its own event keyed on the original dispense, found through the dispense index. */
@CommandHandler(ReverseDispenseCommand)
export class ReverseDispenseHandler implements ICommandHandler<ReverseDispenseCommand, ReversalResult> {
  constructor(
    private readonly runner: DispensationRunner,
    private readonly index: DispenseIndex,
  ) {}

  async execute({ actor, dispenseId, input }: ReverseDispenseCommand): Promise<ReversalResult> {
    const prescriptionId = await this.index.lookup(dispenseId);
    if (!prescriptionId) throw new DispenseNotFound(`no dispense ${dispenseId}`);
    const reversalId = input.reversalId ?? this.runner.nextId();
    const correlationId = this.runner.nextId();
    const { events } = await this.runner.run(
      prescriptionId,
      { type: 'ReverseDispense', data: { reversalId, dispenseId, pharmacyId: actor.org, pharmacistId: actor.id, reason: input.reason } },
      { actor: { role: actor.role, id: actor.id }, correlationId, causationId: correlationId },
    );
    const reversed =
      events.find((e): e is DispenseReversed => e.type === 'DispenseReversed') ??
      (await this.runner.load(prescriptionId)).events.find((e): e is DispenseReversed => e.type === 'DispenseReversed' && e.data.dispenseId === dispenseId);
    if (!reversed) throw new Error(`reversal of ${dispenseId} produced no event`);
    const d = reversed.data;
    return { reversalId: d.reversalId, dispenseId: d.dispenseId, prescriptionId: d.prescriptionId, reason: d.reason, reversedAt: d.reversedAt, lines: d.lines };
  }
}
