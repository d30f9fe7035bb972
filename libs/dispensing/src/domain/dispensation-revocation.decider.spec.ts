import { AlreadyClaimed, CancellationPending, PrescriptionRevoked, UnknownPrescription } from './dispensation.errors';
import { viewOf } from './dispensation.state';
import { approve, claim, days, dispense, expireClaim, history, line, mins, ordinaryRx, releaseClaim, revocation, rxExpired, spec } from './testing/dispensation.fixtures';

describe('dispensation: revocation races dispensing (D8)', () => {
  describe('nothing held, nothing dispensed', () => {
    it('withdraws at once and answers WITHDRAWN', () => {
      const rx = ordinaryRx();
      spec()
        .given(history(rx).events)
        .when(revocation('evt-rev-1'), mins(5))
        .then([
          { type: 'PrescriptionWithdrawn', data: { prescriptionId: rx.prescriptionId, reason: 'REVOKED', dispensed: [], withdrawnAt: mins(5).toISOString() } },
          {
            type: 'RevocationAnswered',
            data: { prescriptionId: rx.prescriptionId, sourceEventId: 'evt-rev-1', outcome: 'WITHDRAWN', dispensed: [], answeredAt: mins(5).toISOString() },
          },
        ]);
    });

    it('is a no-op when the same revocation event is redelivered', () => {
      spec().given(history(ordinaryRx()).do(revocation('evt-rev-1'), mins(5)).events).when(revocation('evt-rev-1'), mins(6)).thenNothing();
    });

    it('answers nothing more to the final prescription-revoked fact', () => {
      spec()
        .given(history(ordinaryRx()).do(revocation('evt-rev-1'), mins(5)).events)
        .when(revocation('evt-revoked-1', 'prescription-revoked'), mins(6))
        .thenNothing();
    });

    it('treats a lapsed claim as nothing held', () => {
      const rx = ordinaryRx();
      spec()
        .given(history(rx).do(claim('P002'), mins(10)).events)
        .when(revocation('evt-rev-1'), mins(45))
        .thenMatch((events) => {
          expect(events.map((e) => e.type)).toEqual(['ClaimReleased', 'PrescriptionWithdrawn', 'RevocationAnswered']);
          expect(events[0].data).toMatchObject({ reason: 'EXPIRED', pharmacyId: 'P002' });
          expect(events[2].data).toMatchObject({ outcome: 'WITHDRAWN' });
        });
    });
  });

  describe('held, nothing dispensed: marked for cancellation', () => {
    const pending = () => history(ordinaryRx()).ready('P002', mins(10)).do(revocation('evt-rev-1'), mins(12));

    it('marks the claim and answers CANCELLATION_PENDING', () => {
      const h = history(ordinaryRx()).ready('P002', mins(10));
      const id = h.rx.prescriptionId;
      spec()
        .given(h.events)
        .when(revocation('evt-rev-1'), mins(12))
        .then([
          { type: 'CancellationMarked', data: { prescriptionId: id, pharmacyId: 'P002', sourceEventId: 'evt-rev-1', markedAt: mins(12).toISOString() } },
          {
            type: 'RevocationAnswered',
            data: { prescriptionId: id, sourceEventId: 'evt-rev-1', outcome: 'CANCELLATION_PENDING', dispensed: [], answeredAt: mins(12).toISOString() },
          },
        ]);
    });

    it('shows the pending cancellation to the pharmacy', () => {
      expect(viewOf(pending().state(), mins(13))).toMatchObject({ status: 'claimed', claimedBy: 'P002', cancellationPending: true });
    });

    it('refuses the dispense with CANCELLATION_PENDING', () => {
      spec().given(pending().events).when(dispense('P002', [line('MET-500', 14, 50)]), mins(13)).thenThrows(CancellationPending, 'CANCELLATION_PENDING');
    });

    it('refuses a review with CANCELLATION_PENDING', () => {
      spec().given(pending().events).when(approve('P002'), mins(13)).thenThrows(CancellationPending);
    });

    it('applies the cancellation when the pharmacy releases the prescription', () => {
      const h = pending();
      const id = h.rx.prescriptionId;
      spec()
        .given(h.events)
        .when(releaseClaim('P002'), mins(14))
        .then([
          { type: 'ClaimReleased', data: { prescriptionId: id, pharmacyId: 'P002', reason: 'RELEASED', releasedAt: mins(14).toISOString() } },
          { type: 'PrescriptionWithdrawn', data: { prescriptionId: id, reason: 'REVOKED', dispensed: [], withdrawnAt: mins(14).toISOString() } },
          { type: 'RevocationAnswered', data: { prescriptionId: id, sourceEventId: 'evt-rev-1', outcome: 'WITHDRAWN', dispensed: [], answeredAt: mins(14).toISOString() } },
        ]);
      expect(h.do(releaseClaim('P002'), mins(14)).state().status).toBe('withdrawn');
    });

    it('applies the cancellation when the claim expires', () => {
      spec()
        .given(pending().events)
        .when(expireClaim(), mins(40))
        .thenMatch((events) => {
          expect(events.map((e) => e.type)).toEqual(['ClaimReleased', 'PrescriptionWithdrawn', 'RevocationAnswered']);
          expect(events[0].data).toMatchObject({ reason: 'EXPIRED' });
          expect(events[2].data).toMatchObject({ sourceEventId: 'evt-rev-1', outcome: 'WITHDRAWN' });
        });
    });

    it('gives the holder its claim back, still marked', () => {
      spec().given(pending().events).when(claim('P002'), mins(13)).thenNothing();
    });

    it('refuses another pharmacy while held, and as revoked once lapsed', () => {
      spec().given(pending().events).when(claim('P001'), mins(13)).thenThrows(AlreadyClaimed);
      spec().given(pending().events).when(claim('P001'), mins(41)).thenThrows(PrescriptionRevoked, 'PRESCRIPTION_REVOKED');
    });

    it('answers nothing new to a redelivery or to a second revocation event while pending', () => {
      spec().given(pending().events).when(revocation('evt-rev-1'), mins(13)).thenNothing();
      spec().given(pending().events).when(revocation('evt-revoked-1', 'prescription-revoked'), mins(13)).thenNothing();
    });

    it('applies the cancellation to a later revocation event once the claim lapsed', () => {
      spec()
        .given(pending().events)
        .when(revocation('evt-revoked-1', 'prescription-revoked'), mins(41))
        .thenMatch((events) => {
          expect(events.map((e) => e.type)).toEqual(['ClaimReleased', 'PrescriptionWithdrawn', 'RevocationAnswered']);
          expect(events[2].data).toMatchObject({ sourceEventId: 'evt-revoked-1', outcome: 'WITHDRAWN' });
        });
    });
  });

  describe('partly dispensed: the rest is withdrawn', () => {
    it('ends a live claim as cancelled and withdraws the rest with what was dispensed', () => {
      const h = history(ordinaryRx())
        .ready('P002', mins(10))
        .do(dispense('P002', [line('MET-500', 14, 50), line('ATV-20', 3, 500, { seed: 2 })]), mins(12));
      const id = h.rx.prescriptionId;
      const dispensed = [
        { drugCode: 'MET-500', quantity: 14 },
        { drugCode: 'ATV-20', quantity: 3 },
      ];
      spec()
        .given(h.events)
        .when(revocation('evt-rev-1'), mins(13))
        .then([
          { type: 'ClaimReleased', data: { prescriptionId: id, pharmacyId: 'P002', reason: 'CANCELLED', releasedAt: mins(13).toISOString() } },
          { type: 'PrescriptionWithdrawn', data: { prescriptionId: id, reason: 'REVOKED', dispensed, withdrawnAt: mins(13).toISOString() } },
          { type: 'RevocationAnswered', data: { prescriptionId: id, sourceEventId: 'evt-rev-1', outcome: 'WITHDRAWN', dispensed, answeredAt: mins(13).toISOString() } },
        ]);
    });

    it('withdraws the rest of a released, partly dispensed prescription', () => {
      const h = history(ordinaryRx())
        .ready('P002', mins(10))
        .do(dispense('P002', [line('ATV-20', 3, 500)]), mins(12))
        .do(releaseClaim('P002'), mins(13));
      spec()
        .given(h.events)
        .when(revocation('evt-rev-1'), mins(14))
        .thenMatch((events) => {
          expect(events.map((e) => e.type)).toEqual(['PrescriptionWithdrawn', 'RevocationAnswered']);
          expect(events[1].data).toMatchObject({ outcome: 'WITHDRAWN', dispensed: [{ drugCode: 'ATV-20', quantity: 3 }] });
        });
    });

    it('keeps the per-item statuses of what was dispensed', () => {
      const h = history(ordinaryRx())
        .ready('P002', mins(10))
        .do(dispense('P002', [line('ATV-20', 3, 500)]), mins(12))
        .do(revocation('evt-rev-1'), mins(13));
      const view = viewOf(h.state(), mins(14));
      expect(view.status).toBe('withdrawn');
      expect(view.items.map((i) => i.status)).toEqual(['NOT_DISPENSED', 'PARTLY_DISPENSED', 'NOT_DISPENSED']);
    });
  });

  describe('fully dispensed: declined', () => {
    it('answers DECLINED with everything dispensed', () => {
      const h = history(ordinaryRx())
        .ready('P002', mins(10))
        .do(dispense('P002', [line('MET-500', 14, 50), line('ATV-20', 7, 500, { seed: 2 }), line('VITC-100', 1, 2500, { seed: 3 })]), mins(12));
      spec()
        .given(h.events)
        .when(revocation('evt-rev-1'), mins(20))
        .then([
          {
            type: 'RevocationAnswered',
            data: {
              prescriptionId: h.rx.prescriptionId,
              sourceEventId: 'evt-rev-1',
              outcome: 'DECLINED',
              dispensed: [
                { drugCode: 'MET-500', quantity: 14 },
                { drugCode: 'ATV-20', quantity: 7 },
                { drugCode: 'VITC-100', quantity: 1 },
              ],
              answeredAt: mins(20).toISOString(),
            },
          },
        ]);
      expect(h.do(revocation('evt-rev-1'), mins(20)).state().status).toBe('completed');
    });
  });

  it('answers WITHDRAWN for a prescription that already expired', () => {
    spec()
      .given(history(ordinaryRx()).do(rxExpired(), days(3)).events)
      .when(revocation('evt-rev-1'), days(4))
      .thenMatch((events) => expect(events).toEqual([expect.objectContaining({ type: 'RevocationAnswered', data: expect.objectContaining({ outcome: 'WITHDRAWN' }) })]));
  });

  it('needs the prescription to be known', () => {
    spec().given([]).when(revocation('evt-rev-1'), mins(1)).thenThrows(UnknownPrescription, 'UNKNOWN_PRESCRIPTION');
  });
});

describe('dispensation: prescription expiry from prescribing', () => {
  it('withdraws a circulating prescription as expired', () => {
    const rx = ordinaryRx();
    spec()
      .given(history(rx).events)
      .when(rxExpired(), days(3))
      .then([{ type: 'PrescriptionWithdrawn', data: { prescriptionId: rx.prescriptionId, reason: 'EXPIRED', dispensed: [], withdrawnAt: days(3).toISOString() } }]);
    expect(history(rx).do(rxExpired(), days(3)).state().status).toBe('expired');
  });

  it('ends a held claim as expired and keeps what was dispensed', () => {
    const h = history(ordinaryRx())
      .ready('P002', mins(-20, days(3)))
      .do(dispense('P002', [line('ATV-20', 2, 500)]), mins(-15, days(3)));
    spec()
      .given(h.events)
      .when(rxExpired(), days(3))
      .thenMatch((events) => {
        expect(events.map((e) => e.type)).toEqual(['ClaimReleased', 'PrescriptionWithdrawn']);
        expect(events[0].data).toMatchObject({ reason: 'EXPIRED' });
        expect(events[1].data).toMatchObject({ reason: 'EXPIRED', dispensed: [{ drugCode: 'ATV-20', quantity: 2 }] });
      });
  });

  it('answers a pending cancellation when the prescription expires', () => {
    const h = history(ordinaryRx()).do(claim('P002'), mins(-20, days(3))).do(revocation('evt-rev-1'), mins(-19, days(3)));
    spec()
      .given(h.events)
      .when(rxExpired(), days(3))
      .thenMatch((events) => {
        expect(events.map((e) => e.type)).toEqual(['ClaimReleased', 'PrescriptionWithdrawn', 'RevocationAnswered']);
        expect(events[2].data).toMatchObject({ sourceEventId: 'evt-rev-1', outcome: 'WITHDRAWN' });
      });
  });

  it('is a no-op when repeated, or once fully dispensed or revoked', () => {
    spec().given(history(ordinaryRx()).do(rxExpired(), days(3)).events).when(rxExpired(), days(3)).thenNothing();
    spec().given(history(ordinaryRx()).do(revocation('evt-rev-1'), mins(1)).events).when(rxExpired(), days(3)).thenNothing();
    const done = history(ordinaryRx())
      .ready('P002', mins(10))
      .do(dispense('P002', [line('MET-500', 14, 50), line('ATV-20', 7, 500, { seed: 2 }), line('VITC-100', 1, 2500, { seed: 3 })]), mins(12));
    spec().given(done.events).when(rxExpired(), days(3)).thenNothing();
  });
});
