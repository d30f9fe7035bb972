import { DispensingEventTypes as D, PrescribingEventTypes as P, SettlementEventTypes as S } from '@rx/contracts';
import { foldPrescription } from './prescription-state';
import { describeFact } from './fact-summary';
import { claimedData, dispensedData, fact, issuedData, negate, paymentData, reversedData, rxId } from './testing/audit-fixtures';

const rx = rxId('state');
const issued = fact(P.prescriptionIssued, issuedData(rx), '2026-03-02T09:00:00.000Z', 'physician:D001');
const claimed = fact(D.prescriptionClaimed, claimedData(rx, 'P001', '2026-03-02T09:30:00.000Z'), '2026-03-02T09:30:00.000Z', 'pharmacist:PH001');
const d1 = dispensedData(rx, '2026-03-02T10:00:00.000Z', { quantity: 42 });
const d2 = dispensedData(rx, '2026-04-13T10:00:00.000Z', { quantity: 42, instalment: 2, fullyDispensed: true });
const dispensed1 = fact(D.dispensed, d1, d1.dispensedAt, 'pharmacist:PH001');
const dispensed2 = fact(D.dispensed, d2, d2.dispensedAt, 'pharmacist:PH001');
const pay1 = paymentData(d1, '2026-03-02T10:01:00.000Z', 420);
const paid1 = fact(S.fundPaymentRecorded, pay1, pay1.paidAt, 'system:settlement');

describe('prescription state as of (fold of audit facts)', () => {
  it('given nothing yet, the prescription did not exist', () => {
    expect(foldPrescription(rx, [])).toMatchObject({ existed: false, status: 'not-issued', items: [] });
  });

  it('given issue and claim, it is claimed by the pharmacy', () => {
    expect(foldPrescription(rx, [issued, claimed])).toMatchObject({ status: 'claimed', holder: { pharmacyId: 'P001' }, items: [{ prescribed: 84, remaining: 84 }] });
  });

  it('given a dispense and its payment, it is partly dispensed and the fund paid', () => {
    expect(foldPrescription(rx, [issued, claimed, dispensed1, paid1])).toMatchObject({
      status: 'partly-dispensed',
      items: [{ dispensed: 42, remaining: 42 }],
      fund: { paidFen: 420, netFen: 420, payments: 1 },
      dispenses: [{ dispenseId: d1.dispenseId, fund: { fundFen: 420 } }],
    });
  });

  it('given every instalment, it is dispensed and off the shelf; a reversal reopens it and nets the fund', () => {
    expect(foldPrescription(rx, [issued, claimed, dispensed1, dispensed2])).toMatchObject({ status: 'dispensed', holder: null, items: [{ remaining: 0 }] });
    const reversal = fact(D.dispenseReversed, reversedData(d1, '2026-04-14T00:00:00.000Z'), '2026-04-14T00:00:00.000Z');
    const fundReversal = fact(S.fundPaymentReversed, { ...pay1, reason: 'refund', reversedAt: '2026-04-14T00:01:00.000Z', amounts: negate(pay1.amounts) } as never, '2026-04-14T00:01:00.000Z');
    expect(foldPrescription(rx, [issued, claimed, dispensed1, paid1, dispensed2, reversal, fundReversal])).toMatchObject({
      status: 'partly-dispensed',
      items: [{ dispensed: 42, remaining: 42 }],
      fund: { paidFen: 420, reversedFen: 420, netFen: 0, reversals: 1 },
    });
  });

  it('given a revocation request, then the revocation, it is pending, then revoked', () => {
    const requested = fact(P.revocationRequested, { prescriptionId: rx, reason: 'error', requestedBy: 'D001', requestedAt: '2026-03-03T00:00:00.000Z', holderPharmacyId: 'P001' }, '2026-03-03T00:00:00.000Z');
    const revoked = fact(
      P.prescriptionRevoked,
      { prescriptionId: rx, reason: 'error', revokedBy: 'D001', revokedAt: '2026-03-03T00:10:00.000Z', via: 'WITHDRAWN', dispensed: [] },
      '2026-03-03T00:10:00.000Z',
    );
    expect(foldPrescription(rx, [issued, claimed, requested]).status).toBe('revocation-pending');
    expect(foldPrescription(rx, [issued, claimed, requested, revoked])).toMatchObject({ status: 'revoked', holder: null, revocation: { status: 'revoked', via: 'WITHDRAWN' } });
  });

  it('given an expiry, it is expired', () => {
    const expired = fact(P.prescriptionExpired, { prescriptionId: rx, expiredAt: '2026-06-01T00:00:00.000Z', validUntil: '2026-05-25T09:00:00.000Z' }, '2026-06-01T00:00:00.000Z');
    expect(foldPrescription(rx, [issued, expired]).status).toBe('expired');
  });

  it('describes each fact in a line', () => {
    expect(describeFact(issued)).toBe(`issued by D001 at H001 for patient PT002 (long-term): AML-5 x84 (84d); valid until ${issuedData(rx).validUntil}`);
    expect(describeFact(paid1)).toContain('fund paid 4.20 of 21.00 yuan');
  });
});
