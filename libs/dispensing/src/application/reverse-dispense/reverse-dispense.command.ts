import { Command } from '@nestjs/cqrs';
import type { AuthenticatedActor } from '@rx/auth';
import type { DrugQuantity } from '../../domain/dispensation.events';

export interface ReversalResult {
  reversalId: string;
  dispenseId: string;
  prescriptionId: string;
  reason: string;
  reversedAt: string;
  lines: DrugQuantity[];
}

export class ReverseDispenseCommand extends Command<ReversalResult> {
  constructor(
    readonly actor: AuthenticatedActor,
    readonly dispenseId: string,
    readonly input: { reason: string; reversalId?: string },
  ) {
    super();
  }
}
