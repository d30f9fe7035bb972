import { Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { UniqueKeyContext } from '@rx/event-store';
import { domainError } from '@rx/kernel';
import { DispenseNotFound } from '../../domain/dispensation.errors';
import type { DispenseReversed } from '../../domain/dispensation.events';
import { DispensationRunner } from '../dispensation-runner';
import { DispenseIndex } from '../dispense-index/dispense-index.projection';
import { DispensingKeys } from '../uniqueness/dispensing-keys';
import { ReverseDispenseCommand, type ReversalResult } from './reverse-dispense.command';

/** A client-chosen reversalId already used for another dispense's refund. */
export class ReversalIdConflict extends domainError('REVERSAL_ID_CONFLICT', 'conflict') {}

/**
 * A refund is its own event keyed on the original dispense, found through the dispense index. A
 * client-chosen reversalId is reserved platform-wide first; once the refund is stored, the
 * dispense's traceability codes are given back, so the boxes may be sold again.
 */
@CommandHandler(ReverseDispenseCommand)
export class ReverseDispenseHandler implements ICommandHandler<ReverseDispenseCommand, ReversalResult> {
  private readonly logger = new Logger('dispensing:reversal');

  constructor(
    private readonly runner: DispensationRunner,
    private readonly index: DispenseIndex,
    private readonly keys: DispensingKeys,
  ) {}

  async execute({ actor, dispenseId, input }: ReverseDispenseCommand): Promise<ReversalResult> {
    const prescriptionId = await this.index.lookup(dispenseId);
    if (!prescriptionId) throw new DispenseNotFound(`no dispense ${dispenseId}`);
    const reversalId = input.reversalId ?? this.runner.nextId();
    const correlationId = this.runner.nextId();
    const ctx = { now: this.runner.now(), metadata: { actor: { role: actor.role, id: actor.id }, correlationId, causationId: correlationId } };
    let reservedId: string[] = [];
    if (input.reversalId) {
      const held = await this.keys.reversalIds.reserve([reversalId], dispenseId, ctx);
      if (!held.ok) throw new ReversalIdConflict(`reversal ${reversalId} belongs to another dispense`, { field: 'reversalId' });
      reservedId = held.added;
    }
    let events;
    try {
      ({ events } = await this.runner.run(
        prescriptionId,
        { type: 'ReverseDispense', data: { reversalId, dispenseId, pharmacyId: actor.org, pharmacistId: actor.id, reason: input.reason } },
        { actor: { role: actor.role, id: actor.id }, correlationId, causationId: correlationId },
      ));
    } catch (e) {
      await this.keys.reversalIds.release(reservedId, dispenseId, ctx).catch(() => undefined);
      throw e;
    }
    await this.releaseTraceCodes(prescriptionId, dispenseId, ctx);
    const reversed =
      events.find((e): e is DispenseReversed => e.type === 'DispenseReversed') ??
      (await this.runner.load(prescriptionId)).events.find((e): e is DispenseReversed => e.type === 'DispenseReversed' && e.data.dispenseId === dispenseId);
    if (!reversed) throw new Error(`reversal of ${dispenseId} produced no event`);
    const d = reversed.data;
    if (input.reversalId && d.reversalId !== reversalId) await this.keys.reversalIds.release(reservedId, dispenseId, ctx).catch(() => undefined);
    return { reversalId: d.reversalId, dispenseId: d.dispenseId, prescriptionId: d.prescriptionId, reason: d.reason, reversedAt: d.reversedAt, lines: d.lines };
  }

  /** Also on a retried refund: a release that did not get stored the first time is made now. */
  private async releaseTraceCodes(prescriptionId: string, dispenseId: string, ctx: UniqueKeyContext): Promise<void> {
    const { state } = await this.runner.load(prescriptionId);
    const d = state.status === 'unknown' ? undefined : state.dispenses.find((x) => x.dispenseId === dispenseId);
    if (!d?.reversal) return;
    try {
      await this.keys.traceCodes.release(
        d.lines.flatMap((l) => l.traceCodes),
        dispenseId,
        ctx,
      );
    } catch (e) {
      // The refund stands; the codes lapse to the next seller once their holder is found reversed.
      this.logger.warn({ msg: 'trace codes of a reversed dispense not given back', dispenseId, error: (e as Error).message });
    }
  }
}
