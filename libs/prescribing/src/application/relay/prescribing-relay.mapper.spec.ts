import { validatePrescribingCloudEvent } from '@rx/contracts';
import type { RecordedEvent } from '@rx/event-store';
import { initialPrescription, prescriptionDecider } from '../../domain/prescription.decider';
import { fakeSigner, issueCmd, T0 } from '../../domain/prescription.fixtures';
import type { PrescriptionEvent } from '../../domain/prescription.events';
import { toPrescribingIntegrationEvent } from './prescribing-relay.mapper';

const RX = '5b1f8c2e-7d3a-4e9b-a1c0-2f3e4d5c6b7a';
const recorded = (e: PrescriptionEvent, streamId = `prescription-${RX}`): RecordedEvent => ({
  id: 'e1',
  streamId,
  revision: 0,
  position: 1n,
  type: e.type,
  data: e.data,
  metadata: { correlationId: 'c', causationId: 'c', actor: { role: 'physician', id: 'D001' }, occurredAt: T0.toISOString(), hash: 'h', prevHash: 'p' },
});
const sig = Buffer.from('signature').toString('base64');
const decided = prescriptionDecider(fakeSigner).decide(issueCmd({ prescriptionId: RX }), initialPrescription(), T0)[0];
const issued = { ...decided, data: { ...(decided.data as object), signature: sig } } as PrescriptionEvent;

describe('relay mapper: stored prescription events → rx.prescribing.v1', () => {
  it.each<[string, PrescriptionEvent]>([
    ['rx.prescribing.prescription-issued.v1', issued],
    ['rx.prescribing.revocation-requested.v1', { type: 'RevocationRequested', data: { reason: 'r', requestedBy: 'D001', requestedAt: T0.toISOString(), holderPharmacyId: 'P001' } }],
    ['rx.prescribing.prescription-revoked.v1', { type: 'PrescriptionRevoked', data: { reason: 'r', revokedBy: 'D001', revokedAt: T0.toISOString(), via: 'WITHDRAWN', dispensed: [], sourceEventId: 's' } }],
    ['rx.prescribing.revocation-declined.v1', { type: 'RevocationDeclined', data: { sourceEventId: 's', declinedAt: T0.toISOString(), dispensed: [{ drugCode: 'MET-500', quantity: 3 }], status: 'ISSUED' } }],
    ['rx.prescribing.prescription-expired.v1', { type: 'PrescriptionExpired', data: { expiredAt: T0.toISOString(), validUntil: T0.toISOString() } }],
  ])('publishes %s, keyed and validated by the contract', (type, event) => {
    const out = toPrescribingIntegrationEvent(recorded(event))!;
    expect(out).toMatchObject({ topic: 'rx.prescribing.v1', key: RX, type });
    expect((out.data as { prescriptionId: string }).prescriptionId).toBe(RX);
    expect(validatePrescribingCloudEvent({ type: out.type, subject: out.key, data: out.data })).toBeUndefined();
    expect(out.data).not.toHaveProperty('requestHash');
    expect(out.data).not.toHaveProperty('sourceEventId');
  });

  it.each<PrescriptionEvent>([
    { type: 'DispensingClaimRecorded', data: { sourceEventId: 's', pharmacyId: 'P001', claimedAt: 'x', expiresAt: 'y' } },
    { type: 'DispensingClaimReleaseRecorded', data: { sourceEventId: 's', pharmacyId: 'P001', reason: 'RELEASED' } },
    { type: 'DispenseRecorded', data: { sourceEventId: 's', dispenseId: 'd', pharmacyId: 'P001', fullyDispensed: false } },
    { type: 'DispensedAfterRevocation', data: { sourceEventId: 's', dispenseId: 'd', pharmacyId: 'P001', fullyDispensed: false, revokedAt: 'x' } },
    { type: 'DispensedAfterExpiry', data: { sourceEventId: 's', dispenseId: 'd', pharmacyId: 'P001', fullyDispensed: false, expiredAt: 'x' } },
    { type: 'DispenseReversalRecorded', data: { sourceEventId: 's', reversalId: 'r', dispenseId: 'd', pharmacyId: 'P001', reversedAt: 'x', reopened: true, validUntil: 'x' } },
  ])('keeps $type inside the context', (event) => expect(toPrescribingIntegrationEvent(recorded(event))).toBeNull());

  it('publishes nothing for another stream or an unknown stored type', () => {
    expect(toPrescribingIntegrationEvent(recorded(issued, 'dispensation-x'))).toBeNull();
    expect(toPrescribingIntegrationEvent({ ...recorded(issued), type: 'SomethingNew' })).toBeNull();
  });

  it('the contract validator refuses a bad payload with the field at fault', () => {
    const out = toPrescribingIntegrationEvent(recorded(issued))!;
    const bad = { ...(out.data as object), items: [] };
    expect(validatePrescribingCloudEvent({ type: out.type, subject: RX, data: bad })).toMatch(/items must be an array of 1/);
    expect(validatePrescribingCloudEvent({ type: out.type, subject: 'other', data: out.data })).toMatch(/subject/);
    expect(validatePrescribingCloudEvent({ type: 'rx.prescribing.unknown.v1', subject: RX, data: {} })).toMatch(/unknown/);
  });
});
