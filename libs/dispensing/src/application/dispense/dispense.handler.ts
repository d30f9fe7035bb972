import { Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { domainError } from '@rx/kernel';
import { TraceCodeUsed } from '../../domain/dispensation.errors';
import type { PrescriptionDispensed } from '../../domain/dispensation.events';
import { isTraceCode } from '../../domain/trace-code';
import { DispensationRunner } from '../dispensation-runner';
import { DispensingKeys } from '../uniqueness/dispensing-keys';
import { RefusalSignals } from '../uniqueness/refusal-signals';
import { DispenseCommand, type DispenseResult } from './dispense.command';

/** A client-chosen dispenseId already used on another prescription. */
export class DispenseIdConflict extends domainError('DISPENSE_ID_CONFLICT', 'conflict') {}

@CommandHandler(DispenseCommand)
export class DispenseHandler implements ICommandHandler<DispenseCommand, DispenseResult> {
  private readonly logger = new Logger('dispensing:dispense');

  constructor(
    private readonly runner: DispensationRunner,
    private readonly keys: DispensingKeys,
    private readonly signals: RefusalSignals,
  ) {}

  /**
   * The dispenseId (when the client chose it) and every traceability code are reserved platform-wide
   * first, through the store (`DispensingKeys`); then the dispense is decided and appended. A
   * refusal at any step gives back what this request reserved, so a refused dispense leaves the
   * prescription's stream untouched and every key as it was.
   */
  async execute(command: DispenseCommand): Promise<DispenseResult> {
    const { actor, prescriptionId, input } = command;
    // A client may choose the id so that a retried request cannot dispense twice (the first one stands).
    const dispenseId = input.dispenseId ?? this.runner.nextId();
    const correlationId = this.runner.nextId();
    const ctx = { now: this.runner.now(), metadata: { actor: { role: actor.role, id: actor.id }, correlationId, causationId: correlationId } };
    const giveBack: Array<() => Promise<void>> = [];
    try {
      if (input.dispenseId) {
        const id = await this.keys.dispenseIds.reserve([dispenseId], prescriptionId, ctx);
        if (!id.ok) throw new DispenseIdConflict(`dispense ${dispenseId} belongs to another prescription`, { field: 'dispenseId' });
        giveBack.push(() => this.keys.dispenseIds.release(id.added, prescriptionId, ctx));
      }
      const codes = input.lines.flatMap((l, i) => (Array.isArray(l.traceCodes) ? l.traceCodes.map((code, j) => ({ code, field: `lines[${i}].traceCodes[${j}]` })) : []));
      // A malformed code is the decider's TRACE_CODE_INVALID; it is never reserved.
      const reservable = codes.length > 0 && codes.every((c) => isTraceCode(c.code));
      if (reservable) {
        const held = await this.keys.traceCodes.reserve(
          codes.map((c) => c.code),
          dispenseId,
          ctx,
        );
        if (!held.ok) throw await this.traceCodesUsed(command, dispenseId, codes, held.taken, ctx.now, correlationId);
        giveBack.push(() => this.keys.traceCodes.release(held.added, dispenseId, ctx));
      }
      const result = await this.dispense(command, dispenseId, correlationId);
      // A retry answered with the dispense that stands: codes it newly named are not that dispense's.
      const sold = new Set(result.lines.flatMap((l) => l.traceCodes));
      if (reservable) await this.keys.traceCodes.release(codes.map((c) => c.code).filter((c) => !sold.has(c)), dispenseId, ctx);
      return result;
    } catch (e) {
      for (const undo of giveBack.reverse()) {
        await undo().catch((error: Error) => this.logger.warn({ msg: 'reservation not given back; it lapses once its holder is found gone', dispenseId, error: error.message }));
      }
      if (e instanceof TraceCodeUsed && !signalled.has(e)) await this.signalDeciderReuse(command, dispenseId, e, ctx.now, correlationId);
      throw e;
    }
  }

  /** Codes held by other dispenses: the refusal names the first, the signal names them all. */
  private async traceCodesUsed(
    { actor, prescriptionId }: DispenseCommand,
    dispenseId: string,
    codes: Array<{ code: string; field: string }>,
    taken: Array<{ key: string; owner: string }>,
    now: Date,
    correlationId: string,
  ): Promise<TraceCodeUsed> {
    const fieldOf = new Map<string, string>();
    for (const c of codes) if (!fieldOf.has(c.code)) fieldOf.set(c.code, c.field);
    const refused = await Promise.all(
      taken.map(async (t) => {
        const heldBy = await this.keys.prescriptionOf(t.owner);
        return { traceCode: t.key, field: fieldOf.get(t.key) ?? 'lines', heldByDispenseId: t.owner, ...(heldBy ? { heldByPrescriptionId: heldBy } : {}) };
      }),
    );
    refused.sort((a, b) => codes.findIndex((c) => c.code === a.traceCode) - codes.findIndex((c) => c.code === b.traceCode));
    const first = refused[0];
    await this.signals.record(
      {
        prescriptionId,
        pharmacyId: actor.org,
        pharmacistId: actor.id,
        command: 'dispense',
        code: 'TRACE_CODE_USED',
        field: first.field,
        refusedAt: now.toISOString(),
        dispenseId,
        traceCodes: refused,
      },
      { actor: { role: actor.role, id: actor.id }, correlationId },
    );
    const refusal = new TraceCodeUsed(`traceability code ${first.traceCode} is already sold`, { field: first.field, details: { traceCode: first.traceCode } });
    signalled.add(refusal);
    return refusal;
  }

  /** The decider's own check (a code sold earlier on this prescription) is an attempt too. */
  private async signalDeciderReuse({ actor, prescriptionId }: DispenseCommand, dispenseId: string, e: TraceCodeUsed, now: Date, correlationId: string): Promise<void> {
    const traceCode = String(e.details?.traceCode);
    const { state } = await this.runner.load(prescriptionId);
    const soldIn = state.status === 'unknown' ? undefined : state.dispenses.find((d) => !d.reversal && d.lines.some((l) => l.traceCodes.includes(traceCode)));
    if (!soldIn) return;
    await this.signals.record(
      {
        prescriptionId,
        pharmacyId: actor.org,
        pharmacistId: actor.id,
        command: 'dispense',
        code: 'TRACE_CODE_USED',
        ...(e.field ? { field: e.field } : {}),
        refusedAt: now.toISOString(),
        dispenseId,
        traceCodes: [{ traceCode, field: e.field ?? 'lines', heldByDispenseId: soldIn.dispenseId, heldByPrescriptionId: prescriptionId }],
      },
      { actor: { role: actor.role, id: actor.id }, correlationId },
    );
  }

  private async dispense({ actor, prescriptionId, input }: DispenseCommand, dispenseId: string, correlationId: string): Promise<DispenseResult> {
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

/** Refusals whose signal is already recorded. */
const signalled = new WeakSet<TraceCodeUsed>();
