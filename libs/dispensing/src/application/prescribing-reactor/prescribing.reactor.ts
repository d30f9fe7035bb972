import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  PrescribingEventTypes,
  prescriptionSealRefusal,
  Topics,
  validatePrescribingCloudEvent,
  type CloudEvent,
  type PrescriptionIssuedV1,
} from '@rx/contracts';
import { derivedId, DomainError } from '@rx/kernel';
import { UnprocessableMessageError, type ConsumerOptions, type IncomingMessage } from '@rx/messaging';
import { REFERENCE_DATA, ReferenceDataService, type ReferenceData } from '@rx/reference-data';
import type { DispensationCommand, RegisterPrescription } from '../../domain/dispensation.commands';
import { decideDispensation, initialDispensation } from '../../domain/dispensation.decider';
import { DispensationRunner } from '../dispensation-runner';
import { actorOf } from './envelope-actor';

export const PRESCRIBING_CONSUMER_GROUP = 'dispensing';

/** Which dispensation command a prescribing event becomes; null for events dispensing does not need. */
export function commandFor(event: CloudEvent): DispensationCommand | null {
  switch (event.type) {
    case PrescribingEventTypes.prescriptionIssued:
      return registerCommand(event.id, event.data as PrescriptionIssuedV1);
    case PrescribingEventTypes.revocationRequested:
      return { type: 'ApplyRevocation', data: { sourceEventId: event.id, source: 'revocation-requested' } };
    case PrescribingEventTypes.prescriptionRevoked:
      return { type: 'ApplyRevocation', data: { sourceEventId: event.id, source: 'prescription-revoked' } };
    case PrescribingEventTypes.prescriptionExpired:
      return { type: 'ApplyPrescriptionExpired', data: { sourceEventId: event.id } };
    default:
      // revocation-declined is prescribing's own conclusion from our answer: nothing to do here.
      return null;
  }
}

/**
 * The issued event as a registration; the decider keeps only what dispensing needs (physician,
 * diagnoses and signature stay with prescribing).
 */
function registerCommand(sourceEventId: string, d: PrescriptionIssuedV1): RegisterPrescription {
  return { type: 'RegisterPrescription', data: { ...d, sourceEventId } };
}

/**
 * The only way dispensing learns prescriptions (issue 4.1) and hears of revocations and expiry.
 * Appended event ids derive from the source event id, and the decider answers a redelivery with
 * nothing, so a redelivered message appends nothing new.
 */
@Injectable()
export class PrescribingReactor {
  private readonly logger = new Logger('dispensing:prescribing-reactor');
  private readonly ref: ReferenceDataService;

  constructor(
    private readonly runner: DispensationRunner,
    @Inject(REFERENCE_DATA) ref: ReferenceData,
  ) {
    this.ref = ReferenceDataService.from(ref);
  }

  /**
   * The contract's validators first; then the seal of an issued prescription (content hash and the
   * institution's signature with its key in force at issue: a forgery is never registered, so never
   * claimable); then one the decider could never register (e.g. one drug on two lines). Each is
   * dead-lettered at once instead of being retried.
   */
  readonly validate = (event: CloudEvent): string | undefined => {
    const reason = validatePrescribingCloudEvent(event);
    if (reason || event.type !== PrescribingEventTypes.prescriptionIssued) return reason;
    const forged = prescriptionSealRefusal(event, (id, at) => this.ref.institutionPublicKeyAt(id, at));
    if (forged) {
      this.logger.warn({ msg: 'prescription refused: its seal does not verify', id: event.id, subject: event.subject, code: forged.code, reason: forged.reason });
      return forged.reason;
    }
    const command = commandFor(event)!;
    try {
      decideDispensation(command, initialDispensation(), new Date(event.time), this.runner.policyFor(initialDispensation(), new Date(event.time)));
      return undefined;
    } catch (e) {
      if (e instanceof DomainError) return `${event.type}: ${e.code}: ${e.message}`;
      throw e;
    }
  };

  readonly handle = async ({ event }: IncomingMessage): Promise<void> => {
    const command = commandFor(event);
    if (!command) return;
    const prescriptionId = (event.data as { prescriptionId: string }).prescriptionId;
    try {
      await this.runner.run(prescriptionId, command, {
        actor: actorOf(event.actor, 'prescribing'),
        correlationId: event.correlationid,
        causationId: event.id,
        eventId: (i, e) => derivedId(event.id, `dispensing:${e.type}:${i}`),
      });
    } catch (e) {
      // A refusal is final: messages of one prescription arrive in order, so a retry meets the same
      // state and the same refusal. Dead-letter it now rather than hold the partition.
      if (e instanceof DomainError) {
        this.logger.warn({ msg: 'prescribing event refused', type: event.type, id: event.id, prescriptionId, code: e.code, error: e.message });
        throw new UnprocessableMessageError(`${e.code}: ${e.message}`, { cause: e });
      }
      throw e;
    }
  };

  consumerOptions(): ConsumerOptions {
    return { groupId: PRESCRIBING_CONSUMER_GROUP, topics: [Topics.prescribing], validate: this.validate, handler: this.handle };
  }
}
