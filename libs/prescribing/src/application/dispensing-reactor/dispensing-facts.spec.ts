import { readDispensingFact, validateDispensingFact } from './dispensing-facts';

const ev = (type: string, data: Record<string, unknown>, subject = 'rx-1') => ({ id: 'src-1', type, subject, data: { prescriptionId: 'rx-1', ...data } });

describe('dispensing facts (consumer side of rx.dispensing.v1)', () => {
  it('turns the five agreed types into reactor commands carrying the source event id', () => {
    expect(readDispensingFact(ev('rx.dispensing.prescription-claimed.v1', { pharmacyId: 'P001', claimedAt: '2026-03-02T10:00:00Z', expiresAt: '2026-03-02T10:30:00+00:00' }))).toEqual({
      prescriptionId: 'rx-1',
      command: { type: 'RecordClaim', data: { sourceEventId: 'src-1', pharmacyId: 'P001', claimedAt: '2026-03-02T10:00:00.000Z', expiresAt: '2026-03-02T10:30:00.000Z' } },
    });
    expect(readDispensingFact(ev('rx.dispensing.claim-released.v1', { pharmacyId: 'P001', reason: 'EXPIRED' }))?.command.type).toBe('RecordClaimRelease');
    expect(readDispensingFact(ev('rx.dispensing.dispensed.v1', { dispenseId: 'd1', pharmacyId: 'P001', fullyDispensed: true, lines: [] }))?.command).toEqual({
      type: 'RecordDispense',
      data: { sourceEventId: 'src-1', dispenseId: 'd1', pharmacyId: 'P001', fullyDispensed: true },
    });
    expect(
      readDispensingFact(ev('rx.dispensing.dispense-reversed.v1', { reversalId: 'r1', dispenseId: 'd1', pharmacyId: 'P001', reason: 'returned', reversedAt: '2026-03-03T16:00:00+08:00', lines: [] }))?.command,
    ).toEqual({
      type: 'RecordDispenseReversal',
      data: { sourceEventId: 'src-1', reversalId: 'r1', dispenseId: 'd1', pharmacyId: 'P001', reversedAt: '2026-03-03T08:00:00.000Z' },
    });
    expect(readDispensingFact(ev('rx.dispensing.revocation-answered.v1', { outcome: 'DECLINED', dispensed: [{ drugCode: 'MET-500', quantity: 2 }] }))?.command).toEqual({
      type: 'RecordRevocationAnswer',
      data: { sourceEventId: 'src-1', outcome: 'DECLINED', dispensed: [{ drugCode: 'MET-500', quantity: 2 }] },
    });
  });

  it('ignores types prescribing does not act on', () => {
    expect(readDispensingFact(ev('rx.dispensing.prescription-reviewed.v1', {}))).toBeNull();
    expect(validateDispensingFact(ev('rx.dispensing.prescription-reviewed.v1', {}))).toBeUndefined();
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    ['rx.dispensing.prescription-claimed.v1', { pharmacyId: 'P001', claimedAt: 'soon', expiresAt: '2026-03-02T10:30:00Z' }, 'claimedAt', 'rx-1'],
    ['rx.dispensing.prescription-claimed.v1', { claimedAt: '2026-03-02T10:00:00Z', expiresAt: '2026-03-02T10:30:00Z' }, 'pharmacyId', 'rx-1'],
    ['rx.dispensing.claim-released.v1', { pharmacyId: 'P001', reason: 'BORED' }, 'reason', 'rx-1'],
    ['rx.dispensing.dispensed.v1', { dispenseId: 'd1', pharmacyId: 'P001', fullyDispensed: 'yes' }, 'fullyDispensed', 'rx-1'],
    ['rx.dispensing.revocation-answered.v1', { outcome: 'MAYBE', dispensed: [] }, 'outcome', 'rx-1'],
    ['rx.dispensing.revocation-answered.v1', { outcome: 'DECLINED', dispensed: [{ drugCode: 'MET-500', quantity: -1 }] }, 'dispensed[0].quantity', 'rx-1'],
    ['rx.dispensing.dispensed.v1', { dispenseId: 'd1', pharmacyId: 'P001', fullyDispensed: true }, 'subject', 'rx-other'],
    ['rx.dispensing.dispense-reversed.v1', { reversalId: 'r1', pharmacyId: 'P001', reversedAt: '2026-03-03T08:00:00Z' }, 'dispenseId', 'rx-1'],
    ['rx.dispensing.dispense-reversed.v1', { reversalId: 'r1', dispenseId: 'd1', pharmacyId: 'P001', reversedAt: 'yesterday' }, 'reversedAt', 'rx-1'],
  ])('dead-letters %s with a bad %j', (type, data, field, subject) => {
    expect(validateDispensingFact(ev(type, data, subject))).toContain(field);
  });
});
