import {
  AlreadyClaimed,
  NotClaimedByPharmacy,
  PharmacyAgreementNotActive,
  PharmacyNotDesignatedForSpecialDrug,
  PharmacyPoolingNotOpen,
  PickupAttemptsThrottled,
  PickupCodeInvalid,
  PrescriptionExpired,
  PrescriptionFullyDispensed,
  PrescriptionRevoked,
} from './dispensation.errors';
import { viewOf } from './dispensation.state';
import {
  claim,
  days,
  demoPolicy,
  dispense,
  expireClaim,
  failedPickup,
  history,
  line,
  mins,
  ordinaryRx,
  releaseClaim,
  revocation,
  rxExpired,
  spec,
  specialRx,
  T0,
  WRONG_HASH,
} from './testing/dispensation.fixtures';

describe('dispensation: claim', () => {
  it('claims a circulating prescription for the claim time-to-live', () => {
    const rx = ordinaryRx();
    spec()
      .given(history(rx).events)
      .when(claim('P002'), mins(10))
      .then([
        {
          type: 'PrescriptionClaimed',
          data: { prescriptionId: rx.prescriptionId, pharmacyId: 'P002', pharmacistId: 'PH002', claimedAt: mins(10).toISOString(), expiresAt: mins(40).toISOString() },
        },
      ]);
  });

  it('takes the time-to-live from the policy', () => {
    const rx = ordinaryRx();
    spec(demoPolicy({ claimTtlMinutes: 5 }))
      .given(history(rx).events)
      .when(claim('P002'), mins(10))
      .thenMatch(([e]) => expect(e.data).toMatchObject({ expiresAt: mins(15).toISOString() }));
  });

  it('refuses a wrong pickup code', () => {
    spec().given(history(ordinaryRx()).events).when(claim('P002', { hash: WRONG_HASH }), mins(10)).thenThrows(PickupCodeInvalid, 'PICKUP_CODE_INVALID');
  });

  it('refuses a pharmacy whose agreement is not active', () => {
    spec().given(history(ordinaryRx()).events).when(claim('P003'), mins(10)).thenThrows(PharmacyAgreementNotActive, 'PHARMACY_AGREEMENT_NOT_ACTIVE');
  });

  it('refuses a pharmacy that has not opened outpatient pooling', () => {
    spec().given(history(ordinaryRx()).events).when(claim('P004'), mins(10)).thenThrows(PharmacyPoolingNotOpen, 'PHARMACY_POOLING_NOT_OPEN');
  });

  describe('three-fixed special drugs', () => {
    it('refuses a pharmacy not designated for a special drug on the prescription', () => {
      spec()
        .given(history(specialRx()).events)
        .when(claim('P002'), mins(10))
        .thenThrows(PharmacyNotDesignatedForSpecialDrug, 'PHARMACY_NOT_DESIGNATED_FOR_SPECIAL_DRUG');
    });

    it('lets a designated pharmacy claim', () => {
      spec()
        .given(history(specialRx()).events)
        .when(claim('P001'), mins(10))
        .thenMatch(([e]) => expect(e).toMatchObject({ type: 'PrescriptionClaimed', data: { pharmacyId: 'P001' } }));
    });

    it('lets any pooling pharmacy claim once the special drug is fully dispensed', () => {
      const h = history(specialRx())
        .ready('P001', mins(10))
        .do(dispense('P001', [line('SD-OSIMERTINIB', 28, 17000)]), mins(15))
        .do(releaseClaim('P001'), mins(16));
      spec()
        .given(h.events)
        .when(claim('P002'), mins(20))
        .thenMatch(([e]) => expect(e).toMatchObject({ type: 'PrescriptionClaimed', data: { pharmacyId: 'P002' } }));
    });
  });

  describe('exclusivity', () => {
    it('gives the same pharmacy its claim back (idempotent)', () => {
      spec().given(history(ordinaryRx()).do(claim('P002'), mins(10)).events).when(claim('P002'), mins(20)).thenNothing();
    });

    it('refuses another pharmacy while the claim is live (409)', () => {
      const given = history(ordinaryRx()).do(claim('P001'), mins(10)).events;
      spec().given(given).when(claim('P002'), mins(39)).thenThrows(AlreadyClaimed, 'ALREADY_CLAIMED');
      expect(new AlreadyClaimed('x').kind).toBe('conflict');
    });

    it('lets another pharmacy take over a lapsed claim, recording the expiry first', () => {
      const rx = ordinaryRx();
      spec()
        .given(history(rx).do(claim('P001'), mins(10)).events)
        .when(claim('P002'), mins(40))
        .then([
          { type: 'ClaimReleased', data: { prescriptionId: rx.prescriptionId, pharmacyId: 'P001', reason: 'EXPIRED', releasedAt: mins(40).toISOString() } },
          {
            type: 'PrescriptionClaimed',
            data: { prescriptionId: rx.prescriptionId, pharmacyId: 'P002', pharmacistId: 'PH002', claimedAt: mins(40).toISOString(), expiresAt: mins(70).toISOString() },
          },
        ]);
    });

    it('gives the same pharmacy a fresh claim after its own lapsed', () => {
      spec()
        .given(history(ordinaryRx()).do(claim('P001'), mins(10)).events)
        .when(claim('P001'), mins(45))
        .thenMatch((events) => expect(events.map((e) => e.type)).toEqual(['ClaimReleased', 'PrescriptionClaimed']));
    });

    it('shows a lapsed claim as circulating (lazy expiry)', () => {
      const s = history(ordinaryRx()).do(claim('P001'), mins(10)).state();
      expect(viewOf(s, mins(39))).toMatchObject({ status: 'claimed', claimedBy: 'P001' });
      expect(viewOf(s, mins(40))).toMatchObject({ status: 'circulating' });
      expect(viewOf(s, mins(40)).claimedBy).toBeUndefined();
    });
  });

  describe('prescription status', () => {
    it('refuses a claim once the validity has ended', () => {
      spec().given(history(ordinaryRx()).events).when(claim('P002'), days(3)).thenThrows(PrescriptionExpired, 'PRESCRIPTION_EXPIRED');
    });

    it('refuses a claim on a fully dispensed prescription', () => {
      const h = history(ordinaryRx())
        .ready('P002', mins(10))
        .do(dispense('P002', [line('MET-500', 14, 50), line('ATV-20', 7, 500, { seed: 2 }), line('VITC-100', 1, 2500, { seed: 3 })]), mins(12));
      spec().given(h.events).when(claim('P001'), mins(20)).thenThrows(PrescriptionFullyDispensed, 'PRESCRIPTION_FULLY_DISPENSED');
    });

    it('refuses a claim on a revoked prescription', () => {
      spec().given(history(ordinaryRx()).do(revocation('evt-rev'), mins(5)).events).when(claim('P002'), mins(10)).thenThrows(PrescriptionRevoked, 'PRESCRIPTION_REVOKED');
    });

    it('refuses a claim on an expired prescription', () => {
      spec().given(history(ordinaryRx()).do(rxExpired(), mins(5)).events).when(claim('P002'), mins(10)).thenThrows(PrescriptionExpired, 'PRESCRIPTION_EXPIRED');
    });
  });
});

describe('dispensation: wrong pickup codes are throttled (5 within 15 minutes lock for 15 minutes)', () => {
  const failures = (h: ReturnType<typeof history>, count: number, from: Date) => {
    for (let i = 0; i < count; i++) h.do(failedPickup('P002'), mins(i, from));
    return h;
  };

  it('records a failed attempt', () => {
    const rx = ordinaryRx();
    spec()
      .given(history(rx).events)
      .when(failedPickup('P002'), mins(1))
      .then([{ type: 'PickupAttemptFailed', data: { prescriptionId: rx.prescriptionId, pharmacyId: 'P002', failedAt: mins(1).toISOString() } }]);
  });

  it('locks claims on the fifth failure within the window', () => {
    const rx = ordinaryRx();
    spec()
      .given(failures(history(rx), 4, mins(1)).events)
      .when(failedPickup('P002'), mins(5))
      .then([
        { type: 'PickupAttemptFailed', data: { prescriptionId: rx.prescriptionId, pharmacyId: 'P002', failedAt: mins(5).toISOString() } },
        { type: 'PickupLocked', data: { prescriptionId: rx.prescriptionId, pharmacyId: 'P002', failures: 5, lockedAt: mins(5).toISOString(), lockedUntil: mins(20).toISOString() } },
      ]);
  });

  it('refuses even the right code while locked', () => {
    spec().given(failures(history(ordinaryRx()), 5, mins(1)).events).when(claim('P002'), mins(19)).thenThrows(PickupAttemptsThrottled, 'PICKUP_ATTEMPTS_THROTTLED');
  });

  it('refuses a wrong code while locked as throttled, not as a new failure', () => {
    spec().given(failures(history(ordinaryRx()), 5, mins(1)).events).when(claim('P002', { hash: WRONG_HASH }), mins(6)).thenThrows(PickupAttemptsThrottled);
  });

  it('records nothing further from the locked pharmacy while locked', () => {
    spec().given(failures(history(ordinaryRx()), 5, mins(1)).events).when(failedPickup('P002'), mins(6)).thenNothing();
  });

  it('locks out the guessing pharmacy only: the patient at another pharmacy with the right code is served', () => {
    spec()
      .given(failures(history(ordinaryRx()), 5, mins(1)).events)
      .when(claim('P001'), mins(6))
      .thenMatch(([e]) => expect(e).toMatchObject({ type: 'PrescriptionClaimed', data: { pharmacyId: 'P001' } }));
  });

  it('counts each pharmacy on its own: four wrong codes from one and one from another lock nobody', () => {
    spec()
      .given(failures(history(ordinaryRx()), 4, mins(1)).events)
      .when(failedPickup('P001'), mins(5))
      .thenMatch((events) => expect(events.map((e) => e.type)).toEqual(['PickupAttemptFailed']));
  });

  it('refuses a pharmacy that may not claim before its code is looked at, so a guess teaches and costs nothing', () => {
    spec().given(history(ordinaryRx()).events).when(claim('P004', { hash: WRONG_HASH }), mins(1)).thenThrows(PharmacyPoolingNotOpen, 'PHARMACY_POOLING_NOT_OPEN');
    spec().given(history(ordinaryRx()).events).when(claim('P003', { hash: WRONG_HASH }), mins(1)).thenThrows(PharmacyAgreementNotActive, 'PHARMACY_AGREEMENT_NOT_ACTIVE');
  });

  it('refuses even the right code while the pharmacy is locked out across prescriptions', () => {
    spec()
      .given(history(ordinaryRx()).events)
      .when(claim('P002', { pharmacyLockedUntil: mins(30).toISOString() }), mins(1))
      .thenThrows(PickupAttemptsThrottled, 'PICKUP_ATTEMPTS_THROTTLED');
    spec()
      .given(history(ordinaryRx()).events)
      .when(claim('P002', { pharmacyLockedUntil: mins(30).toISOString() }), mins(30))
      .thenMatch(([e]) => expect(e.type).toBe('PrescriptionClaimed'));
  });

  it('reads a lock recorded before locks named a pharmacy as locking nobody', () => {
    const rx = ordinaryRx();
    const legacy = { type: 'PickupLocked', data: { prescriptionId: rx.prescriptionId, failures: 5, lockedAt: mins(1).toISOString(), lockedUntil: mins(16).toISOString() } };
    spec()
      .given([...history(rx).events, legacy as never])
      .when(claim('P002'), mins(2))
      .thenMatch(([e]) => expect(e.type).toBe('PrescriptionClaimed'));
  });

  it('accepts the right code once the lock ends', () => {
    spec()
      .given(failures(history(ordinaryRx()), 5, mins(1)).events)
      .when(claim('P002'), mins(20))
      .thenMatch(([e]) => expect(e.type).toBe('PrescriptionClaimed'));
  });

  it('does not count failures older than the window', () => {
    spec()
      .given(failures(history(ordinaryRx()), 4, mins(0)).events)
      .when(failedPickup('P002'), mins(16))
      .thenMatch((events) => expect(events.map((e) => e.type)).toEqual(['PickupAttemptFailed']));
  });

  it('starts a fresh count after a successful claim', () => {
    const h = failures(history(ordinaryRx()), 4, mins(1)).do(claim('P002'), mins(5)).do(releaseClaim('P002'), mins(6));
    spec()
      .given(h.events)
      .when(failedPickup('P001'), mins(7))
      .thenMatch((events) => expect(events.map((e) => e.type)).toEqual(['PickupAttemptFailed']));
  });

  it('takes its numbers from the policy', () => {
    const policy = demoPolicy({ pickupThrottle: { maxFailures: 2, windowMinutes: 5, lockMinutes: 60 } });
    const h = history(ordinaryRx(), policy).do(failedPickup('P002'), mins(1));
    spec(policy)
      .given(h.events)
      .when(failedPickup('P002'), mins(2))
      .thenMatch(([, locked]) => expect(locked).toMatchObject({ type: 'PickupLocked', data: { failures: 2, lockedUntil: mins(62).toISOString() } }));
  });
});

describe('dispensation: release and expiry of a claim', () => {
  it('returns a released prescription to circulation', () => {
    const rx = ordinaryRx();
    const h = history(rx).do(claim('P002'), mins(10));
    spec()
      .given(h.events)
      .when(releaseClaim('P002'), mins(15))
      .then([{ type: 'ClaimReleased', data: { prescriptionId: rx.prescriptionId, pharmacyId: 'P002', reason: 'RELEASED', releasedAt: mins(15).toISOString() } }]);
    expect(h.do(releaseClaim('P002'), mins(15)).state().status).toBe('circulating');
  });

  it('lets another pharmacy claim after a release', () => {
    const h = history(ordinaryRx()).do(claim('P002'), mins(10)).do(releaseClaim('P002'), mins(15));
    spec()
      .given(h.events)
      .when(claim('P001'), mins(16))
      .thenMatch((events) => expect(events).toEqual([expect.objectContaining({ type: 'PrescriptionClaimed' })]));
  });

  it('treats a repeated release as done', () => {
    const h = history(ordinaryRx()).do(claim('P002'), mins(10)).do(releaseClaim('P002'), mins(15));
    spec().given(h.events).when(releaseClaim('P002'), mins(16)).thenNothing();
  });

  it('refuses a release by a pharmacy that does not hold the claim', () => {
    spec().given(history(ordinaryRx()).do(claim('P002'), mins(10)).events).when(releaseClaim('P001'), mins(15)).thenThrows(NotClaimedByPharmacy, 'NOT_CLAIMED_BY_PHARMACY');
    spec().given(history(ordinaryRx()).events).when(releaseClaim('P001'), mins(15)).thenThrows(NotClaimedByPharmacy);
  });

  it('records a release after the time-to-live as an expiry', () => {
    spec()
      .given(history(ordinaryRx()).do(claim('P002'), mins(10)).events)
      .when(releaseClaim('P002'), mins(41))
      .thenMatch(([e]) => expect(e).toMatchObject({ type: 'ClaimReleased', data: { reason: 'EXPIRED' } }));
  });

  it('expires a lapsed claim when the sweeper asks', () => {
    const rx = ordinaryRx();
    spec()
      .given(history(rx).do(claim('P002'), mins(10)).events)
      .when(expireClaim(), mins(40))
      .then([{ type: 'ClaimReleased', data: { prescriptionId: rx.prescriptionId, pharmacyId: 'P002', reason: 'EXPIRED', releasedAt: mins(40).toISOString() } }]);
  });

  it('ignores an early or repeated sweep', () => {
    spec().given(history(ordinaryRx()).do(claim('P002'), mins(10)).events).when(expireClaim(), mins(39)).thenNothing();
    spec().given(history(ordinaryRx()).do(claim('P002'), mins(10)).do(expireClaim(), mins(40)).events).when(expireClaim(), mins(41)).thenNothing();
    spec().given([]).when(expireClaim(), T0).thenNothing();
  });
});
