import { DispensingEventTypes, Topics } from '@rx/contracts';
import type { RecordedEvent } from '@rx/event-store';
import { claim, dispense, failedPickup, history, line, longTermRx, mins, ordinaryRx, revocation, T0 } from '../../domain/testing/dispensation.fixtures';
import { toDispensingMessage } from './dispensing-relay.mapper';

const recorded = (type: string, data: unknown): RecordedEvent =>
  ({ id: 'e1', streamId: 'dispensation-x', revision: 0, position: 1n, type, data, metadata: {} }) as unknown as RecordedEvent;

describe('dispensing relay mapper', () => {
  it('maps every stored event to at most one rx.dispensing.v1 message, keyed by the prescription', () => {
    const rx = ordinaryRx();
    const h = history(rx)
      .do(failedPickup('P001'), T0)
      .ready('P001', mins(1))
      .do(dispense('P001', [line('MET-500', 4, 60)]), mins(2))
      .do(revocation('evt-revoke'), mins(3));
    const other = history(longTermRx()).do(claim('P001'), T0).do(revocation('evt-r2'), mins(1));
    const messages = [...h.events, ...other.events].map((e) => toDispensingMessage(recorded(e.type, e.data)));
    const types = messages.map((m) => m?.type ?? null);
    expect(types).toEqual([
      null, // registered
      null, // pickup attempt failed
      DispensingEventTypes.prescriptionClaimed,
      DispensingEventTypes.prescriptionReviewed,
      DispensingEventTypes.dispensed,
      DispensingEventTypes.claimReleased,
      DispensingEventTypes.prescriptionWithdrawn,
      DispensingEventTypes.revocationAnswered,
      null, // registered
      DispensingEventTypes.prescriptionClaimed,
      null, // cancellation marked
      DispensingEventTypes.revocationAnswered,
    ]);
    expect(messages[2]).toMatchObject({ topic: Topics.dispensing, key: rx.prescriptionId });
  });
});
