import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { domainError } from '@rx/kernel';
import type { PrescriptionDispensed } from '../../domain/dispensation.events';
import { DispensationRunner } from '../dispensation-runner';
import { DispenseIndex } from '../dispense-index/dispense-index.projection';
import { DispenseCommand, type DispenseResult } from './dispense.command';

/** A client-chosen dispenseId already used on another prescription. */
export class DispenseIdConflict extends domainError('DISPENSE_ID_CONFLICT', 'conflict') {}

/** Runs tasks of one key one after another, tasks of different keys freely; forgets idle keys. */
class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}

@CommandHandler(DispenseCommand)
export class DispenseHandler implements ICommandHandler<DispenseCommand, DispenseResult> {
  constructor(
    private readonly runner: DispensationRunner,
    private readonly index: DispenseIndex,
  ) {}

  /** Commands naming the same client-chosen dispenseId, one after another. */
  private readonly sameId = new KeyedQueue();

  async execute(command: DispenseCommand): Promise<DispenseResult> {
    // A client may choose the id so that a retried request cannot dispense twice (the first one stands).
    const chosen = command.input.dispenseId;
    if (!chosen) return this.dispense(command, this.runner.nextId());
    // The index answers for dispenses already stored. Two first uses of one id in flight at once
    // (a store that waits on I/O lets them interleave) would both find it free: queue them, so the
    // second looks only once the first is stored. Across instances sharing a store this does not
    // reach; see the README.
    return this.sameId.run(chosen, async () => {
      const owner = await this.index.lookup(chosen);
      if (owner && owner !== command.prescriptionId) throw new DispenseIdConflict(`dispense ${chosen} belongs to another prescription`, { field: 'dispenseId' });
      return this.dispense(command, chosen);
    });
  }

  private async dispense({ actor, prescriptionId, input }: DispenseCommand, dispenseId: string): Promise<DispenseResult> {
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
