import { CancellationPending, NotClaimedByPharmacy, PrescriptionExpired, ReviewReasonsInvalid, ReviewRejected, ReviewRequired } from './dispensation.errors';
import { viewOf } from './dispensation.state';
import { approve, claim, days, dispense, history, line, mins, ordinaryRx, reject, spec } from './testing/dispensation.fixtures';

describe('dispensation: pharmacist review', () => {
  it('records an approval by the holding pharmacy', () => {
    const rx = ordinaryRx();
    spec()
      .given(history(rx).do(claim('P002'), mins(10)).events)
      .when(approve('P002'), mins(12))
      .then([
        {
          type: 'PrescriptionReviewed',
          data: { prescriptionId: rx.prescriptionId, pharmacyId: 'P002', pharmacistId: 'PH002', decision: 'APPROVED', reasons: [], reviewedAt: mins(12).toISOString() },
        },
      ]);
  });

  it('treats a second approval on the same claim as done', () => {
    spec().given(history(ordinaryRx()).ready('P002', mins(10)).events).when(approve('P002'), mins(12)).thenNothing();
  });

  it('records a rejection with its reasons and releases the claim', () => {
    const rx = ordinaryRx();
    const h = history(rx).do(claim('P002'), mins(10));
    spec()
      .given(h.events)
      .when(reject('P002', ['  interaction with current warfarin therapy ']), mins(12))
      .then([
        {
          type: 'PrescriptionReviewed',
          data: {
            prescriptionId: rx.prescriptionId,
            pharmacyId: 'P002',
            pharmacistId: 'PH002',
            decision: 'REJECTED',
            reasons: ['interaction with current warfarin therapy'],
            reviewedAt: mins(12).toISOString(),
          },
        },
        { type: 'ClaimReleased', data: { prescriptionId: rx.prescriptionId, pharmacyId: 'P002', reason: 'REJECTED', releasedAt: mins(12).toISOString() } },
      ]);
    expect(viewOf(h.do(reject('P002'), mins(12)).state(), mins(13)).status).toBe('circulating');
  });

  it('refuses a rejection without reasons, or with blank or oversized ones', () => {
    const given = history(ordinaryRx()).do(claim('P002'), mins(10)).events;
    spec().given(given).when(reject('P002', []), mins(12)).thenThrows(ReviewReasonsInvalid, 'REVIEW_REASONS_INVALID');
    spec().given(given).when(reject('P002', ['   ']), mins(12)).thenThrows(ReviewReasonsInvalid);
    spec().given(given).when(reject('P002', ['x'.repeat(501)]), mins(12)).thenThrows(ReviewReasonsInvalid);
    spec()
      .given(given)
      .when(reject('P002', Array.from({ length: 21 }, (_, i) => `reason ${i}`)), mins(12))
      .thenThrows(ReviewReasonsInvalid);
  });

  it('refuses a review by a pharmacy that does not hold the claim', () => {
    spec().given(history(ordinaryRx()).do(claim('P002'), mins(10)).events).when(approve('P001'), mins(12)).thenThrows(NotClaimedByPharmacy, 'NOT_CLAIMED_BY_PHARMACY');
    spec().given(history(ordinaryRx()).events).when(approve('P002'), mins(12)).thenThrows(NotClaimedByPharmacy);
  });

  it('refuses a review after the claim lapsed', () => {
    spec().given(history(ordinaryRx()).do(claim('P002'), mins(10)).events).when(approve('P002'), mins(40)).thenThrows(NotClaimedByPharmacy);
  });

  it('refuses a review once the validity has ended', () => {
    const rx = ordinaryRx();
    spec()
      .given(history(rx).do(claim('P002'), mins(-20, days(3))).events)
      .when(approve('P002'), days(3))
      .thenThrows(PrescriptionExpired, 'PRESCRIPTION_EXPIRED');
  });

  it('is required before dispensing', () => {
    spec()
      .given(history(ordinaryRx()).do(claim('P002'), mins(10)).events)
      .when(dispense('P002', [line('MET-500', 14, 50)]), mins(12))
      .thenThrows(ReviewRequired, 'REVIEW_REQUIRED');
  });

  it('refuses dispensing by the pharmacy that rejected the prescription', () => {
    spec()
      .given(history(ordinaryRx()).do(claim('P002'), mins(10)).do(reject('P002'), mins(12)).events)
      .when(dispense('P002', [line('MET-500', 14, 50)]), mins(13))
      .thenThrows(ReviewRejected, 'REVIEW_REJECTED');
  });

  it('lets another pharmacy claim after a rejection', () => {
    spec()
      .given(history(ordinaryRx()).do(claim('P002'), mins(10)).do(reject('P002'), mins(12)).events)
      .when(claim('P001'), mins(13))
      .thenMatch(([e]) => expect(e).toMatchObject({ type: 'PrescriptionClaimed', data: { pharmacyId: 'P001' } }));
  });

  it('asks for a fresh review on every new claim', () => {
    const h = history(ordinaryRx()).ready('P002', mins(10)).do(claim('P002'), mins(45));
    spec().given(h.events).when(dispense('P002', [line('MET-500', 14, 50)]), mins(46)).thenThrows(ReviewRequired);
  });

  it('is refused while a cancellation is pending', () => {
    spec()
      .given(history(ordinaryRx()).do(claim('P002'), mins(10)).do({ type: 'ApplyRevocation', data: { sourceEventId: 'evt-r1', source: 'revocation-requested' } }, mins(11)).events)
      .when(approve('P002'), mins(12))
      .thenThrows(CancellationPending, 'CANCELLATION_PENDING');
  });
});
