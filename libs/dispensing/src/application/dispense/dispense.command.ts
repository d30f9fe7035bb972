import { Command } from '@nestjs/cqrs';
import type { AuthenticatedActor } from '@rx/auth';
import type { DispenseLineInput } from '../../domain/dispensation.commands';
import type { DispensedLine, DrugQuantity } from '../../domain/dispensation.events';

export interface DispenseResult {
  dispenseId: string;
  prescriptionId: string;
  instalment: number;
  daysSupply: number;
  remaining: DrugQuantity[];
  fullyDispensed: boolean;
  deliveryFeeFen: number;
  dispensedAt: string;
  lines: DispensedLine[];
}

export class DispenseCommand extends Command<DispenseResult> {
  constructor(
    readonly actor: AuthenticatedActor,
    readonly prescriptionId: string,
    readonly input: { dispenseId?: string; lines: DispenseLineInput[]; deliveryFeeFen?: number },
  ) {
    super();
  }
}
