import { createHash } from 'node:crypto';
import { canonicalJson } from '@rx/kernel';
import { deciderSpec } from '@rx/kernel/testing';
import { prescriptionSignedContent } from '@rx/contracts';
import { evolvePrescription, initialPrescription, prescriptionDecider, type Prescription } from './prescription.decider';
import type { PrescriptionCommand } from './prescription.commands';
import * as E from './prescription.errors';
import type { PrescriptionEvent, PrescriptionIssued } from './prescription.events';
import { at, drugs, fakeSigner, institutions, issueCmd, item, T0 } from './prescription.fixtures';

const decider = prescriptionDecider(fakeSigner);
const spec = deciderSpec(decider);

const issued = (over: Parameters<typeof issueCmd>[0] = {}): PrescriptionIssued =>
  decider.decide(issueCmd(over), initialPrescription(), T0)[0] as PrescriptionIssued;
const fold = (events: PrescriptionEvent[]): Prescription => events.reduce(evolvePrescription, initialPrescription());

const revoke = (over: Partial<{ physicianId: string; institutionId: string; reason: string }> = {}): PrescriptionCommand => ({
  type: 'RequestRevocation',
  data: { prescriptionId: 'rx-1', physicianId: 'D001', institutionId: 'H001', reason: 'wrong patient', ...over },
});
const claim = (src = 'ev-claim', pharmacyId = 'P001'): PrescriptionCommand => ({
  type: 'RecordClaim',
  data: { sourceEventId: src, pharmacyId, claimedAt: '2026-03-02T10:00:00.000Z', expiresAt: '2026-03-02T10:30:00.000Z' },
});
const release = (src = 'ev-release', pharmacyId = 'P001', reason: 'RELEASED' | 'EXPIRED' = 'RELEASED'): PrescriptionCommand => ({
  type: 'RecordClaimRelease',
  data: { sourceEventId: src, pharmacyId, reason },
});
const dispense = (src = 'ev-disp', fullyDispensed = false, dispenseId = 'dsp-1'): PrescriptionCommand => ({
  type: 'RecordDispense',
  data: { sourceEventId: src, dispenseId, pharmacyId: 'P001', fullyDispensed },
});
const answer = (outcome: 'WITHDRAWN' | 'DECLINED' | 'CANCELLATION_PENDING', src = 'ev-answer', dispensed = [] as { drugCode: string; quantity: number }[]): PrescriptionCommand => ({
  type: 'RecordRevocationAnswer',
  data: { sourceEventId: src, outcome, dispensed },
});
const reversal = (dispenseId = 'dsp-2', src = 'ev-reversal', reversalId = 'rev-1'): PrescriptionCommand => ({
  type: 'RecordDispenseReversal',
  data: { sourceEventId: src, reversalId, dispenseId, pharmacyId: 'P001', reversedAt: '2026-03-03T08:00:00.000Z' },
});
const expire: PrescriptionCommand = { type: 'ExpirePrescription', data: { prescriptionId: 'rx-1' } };

// Given-events built from the decider itself, so they always match what it emits.
const claimed = (src = 'ev-claim', pharmacyId = 'P001') => decider.decide(claim(src, pharmacyId), fold([issued()]), T0)[0];
const released = (src = 'ev-release') => decider.decide(release(src), fold([issued(), claimed()]), T0)[0];
const partlyDispensed = (src = 'ev-disp', id = 'dsp-1') => decider.decide(dispense(src, false, id), fold([issued()]), T0)[0];
const fullyDispensed = (src = 'ev-disp-full', id = 'dsp-2') => decider.decide(dispense(src, true, id), fold([issued()]), T0)[0];
const revocationRequested: PrescriptionEvent = {
  type: 'RevocationRequested',
  data: { reason: 'wrong patient', requestedBy: 'D001', requestedAt: T0.toISOString(), holderPharmacyId: 'P001' },
};
const revokedAtOnce: PrescriptionEvent = {
  type: 'PrescriptionRevoked',
  data: { reason: 'wrong patient', revokedBy: 'D001', revokedAt: T0.toISOString(), via: 'IMMEDIATE', dispensed: [] },
};
const expired: PrescriptionEvent = { type: 'PrescriptionExpired', data: { expiredAt: '2026-03-05T09:00:00.000Z', validUntil: '2026-03-05T09:00:00.000Z' } };

describe('prescription decider: IssuePrescription', () => {
  it('issues an ordinary prescription valid 3 days, with items resolved from the catalog', () =>
    spec
      .given([])
      .when(issueCmd())
      .thenMatch(([e]) => {
        expect(e.type).toBe('PrescriptionIssued');
        const d = (e as PrescriptionIssued).data;
        expect(d).toMatchObject({
          prescriptionId: 'rx-1',
          institutionId: 'H001',
          institutionLevel: 1,
          agreementInstitutionId: 'H001',
          regionCode: '522700',
          physicianId: 'D001',
          patientId: 'PT001',
          insuranceType: 'employee',
          retired: false,
          longTerm: false,
          issuedAt: '2026-03-02T09:00:00.000Z',
          validUntil: '2026-03-05T09:00:00.000Z',
          signingKeyInstitutionId: 'H001',
          pickupCodeHash: 'a'.repeat(64),
        });
        expect(d.items).toEqual([
          { lineNo: 1, drugCode: 'MET-500', drugName: 'metformin', drugClass: 'A', special: false, quantity: 42, unit: 'tablet', daysSupply: 7, dosage: { dose: 0.5, unit: 'g', timesPerDay: 3 }, referencePriceFen: 50 },
        ]);
      }));

  it('hashes and signs the canonical signed content', () => {
    const d = issued().data;
    const canonical = canonicalJson(prescriptionSignedContent(d));
    expect(d.contentHash).toBe(createHash('sha256').update(canonical).digest('hex'));
    expect(d.signature).toBe(fakeSigner.sign('H001', canonical));
    expect(canonical).not.toContain('requestHash');
  });

  it('is deterministic: the same command at the same time gives the same event', () => expect(issued()).toEqual(issued()));

  it('allows a self-pay drug and marks its class', () =>
    spec
      .given([])
      .when(issueCmd({ items: [item(), item({ drugCode: 'VITC-100', quantity: 1 })] }))
      .thenMatch(([e]) => expect((e as PrescriptionIssued).data.items[1]).toMatchObject({ lineNo: 2, drugCode: 'VITC-100', drugClass: 'SELF_PAY', special: false })));

  it('issues a long-term prescription valid until its longest supply ends', () =>
    spec
      .given([])
      .when(issueCmd({ longTerm: true, items: [item({ daysSupply: 84, quantity: 252 }), item({ drugCode: 'ATV-20', daysSupply: 28, quantity: 28 })] }))
      .thenMatch(([e]) => expect((e as PrescriptionIssued).data).toMatchObject({ longTerm: true, validUntil: '2026-05-25T09:00:00.000Z' })));

  it('lets an internet hospital issue under the agreement of the institution it relies on, signing with its own key', () =>
    spec
      .given([])
      .when(issueCmd({ institutionId: 'H004', physicianId: 'D004' }))
      .thenMatch(([e]) => {
        const d = (e as PrescriptionIssued).data;
        expect(d).toMatchObject({ institutionId: 'H004', agreementInstitutionId: 'H003', signingKeyInstitutionId: 'H004', institutionLevel: 3 });
        expect(d.signature).toMatch(/^sig\(H004:/);
      }));

  it('lets the designated responsible physician prescribe a special drug', () =>
    spec
      .given([])
      .when(issueCmd({ institutionId: 'H003', physicianId: 'D003', items: [item({ drugCode: 'SD-OSIMERTINIB', quantity: 7, dosage: { dose: 80, unit: 'mg', timesPerDay: 1 } })] }))
      .thenMatch(([e]) => expect((e as PrescriptionIssued).data.items[0]).toMatchObject({ special: true, drugClass: 'B' })));

  describe('refusals', () => {
    it('INSTITUTION_NOT_DESIGNATED for an unknown institution', () =>
      spec.given([]).when(issueCmd({ institutionId: 'H404' })).thenThrows(E.InstitutionNotDesignated, 'INSTITUTION_NOT_DESIGNATED'));

    it('INSTITUTION_NOT_DESIGNATED for an internet hospital whose relied-on institution is unknown', () =>
      spec.given([]).when(issueCmd({ institutionId: 'H004', physicianId: 'D004' }, { reliedOn: undefined })).thenThrows(E.InstitutionNotDesignated));

    it('AGREEMENT_NOT_ACTIVE for a dissolved agreement', () =>
      spec.given([]).when(issueCmd({ institutionId: 'H009', physicianId: 'D009' })).thenThrows(E.AgreementNotActive, 'AGREEMENT_NOT_ACTIVE'));

    it('AGREEMENT_NOT_ACTIVE for an internet hospital whose relied-on institution is dissolved', () =>
      spec.given([]).when(issueCmd({ institutionId: 'H004', physicianId: 'D004' }, { reliedOn: { ...institutions().H009, id: 'H003' } })).thenThrows(E.AgreementNotActive));

    it('AGREEMENT_NOT_ACTIVE before the agreement takes effect, active before a future dissolution', () => {
      const future = { ...institutions().H001, agreement: { status: 'active' as const, since: '2026-04-01T00:00:00Z' } };
      spec.given([]).when(issueCmd({}, { institution: future })).thenThrows(E.AgreementNotActive);
      const dissolvingLater = { ...institutions().H001, agreement: { status: 'dissolved' as const, since: '2022-01-01T00:00:00Z', dissolvedAt: '2026-04-01T00:00:00Z' } };
      spec.given([]).when(issueCmd({}, { institution: dissolvingLater })).thenMatch(([e]) => expect(e.type).toBe('PrescriptionIssued'));
    });

    it('PHYSICIAN_NOT_IN_INSTITUTION for another institution\'s physician or an unknown one', () => {
      spec.given([]).when(issueCmd({ physicianId: 'D003' })).thenThrows(E.PhysicianNotInInstitution, 'PHYSICIAN_NOT_IN_INSTITUTION');
      spec.given([]).when(issueCmd({ physicianId: 'D404' })).thenThrows(E.PhysicianNotInInstitution);
    });

    it('PATIENT_NOT_REGISTERED for an unknown patient', () =>
      spec.given([]).when(issueCmd({ patientId: 'PT404' })).thenThrows(E.PatientNotRegistered, 'PATIENT_NOT_REGISTERED'));

    it('POLICY_NOT_FOUND without prescription limits for the region and year', () =>
      spec.given([]).when(issueCmd({}, { policy: undefined })).thenThrows(E.PolicyNotFound, 'POLICY_NOT_FOUND'));

    it('DRUG_NOT_IN_CATALOG naming the item', () => {
      let caught: E.DrugNotInCatalog | undefined;
      try {
        decider.decide(issueCmd({ items: [item(), item({ drugCode: 'NOPE-1' })] }), initialPrescription(), T0);
      } catch (e) {
        caught = e as E.DrugNotInCatalog;
      }
      expect(caught).toBeInstanceOf(E.DrugNotInCatalog);
      expect(caught?.field).toBe('items[1].drugCode');
    });

    it('DUPLICATE_DRUG when a drug appears twice', () =>
      spec.given([]).when(issueCmd({ items: [item(), item()] })).thenThrows(E.DuplicateDrug, 'DUPLICATE_DRUG'));

    it.each([0, -1, 1.5, 601])('QUANTITY_OUT_OF_RANGE for quantity %p', (quantity) =>
      spec.given([]).when(issueCmd({ items: [item({ quantity })] })).thenThrows(E.QuantityOutOfRange, 'QUANTITY_OUT_OF_RANGE'));

    it.each([
      [{ dose: 0, unit: 'g', timesPerDay: 3 }],
      [{ dose: -1, unit: 'g', timesPerDay: 3 }],
      [{ dose: 10_001, unit: 'g', timesPerDay: 3 }],
      [{ dose: Number.NaN, unit: 'g', timesPerDay: 3 }],
      [{ dose: 1, unit: 'g', timesPerDay: 0 }],
      [{ dose: 1, unit: 'g', timesPerDay: 25 }],
      [{ dose: 1, unit: 'g', timesPerDay: 1.5 }],
    ])('DOSE_OUT_OF_RANGE for %j', (dosage) => spec.given([]).when(issueCmd({ items: [item({ dosage })] })).thenThrows(E.DoseOutOfRange, 'DOSE_OUT_OF_RANGE'));

    it.each([0, -3, 2.5])('DAYS_SUPPLY_OUT_OF_RANGE for %p days', (daysSupply) =>
      spec.given([]).when(issueCmd({ items: [item({ daysSupply })] })).thenThrows(E.DaysSupplyOutOfRange, 'DAYS_SUPPLY_OUT_OF_RANGE'));

    it('ORDINARY_SUPPLY_EXCEEDED above 7 days on an ordinary prescription', () =>
      spec.given([]).when(issueCmd({ items: [item({ daysSupply: 8 })] })).thenThrows(E.OrdinarySupplyExceeded, 'ORDINARY_SUPPLY_EXCEEDED'));

    it('LONG_TERM_LIMIT_EXCEEDED above 84 days on any item of a long-term prescription', () =>
      spec
        .given([])
        .when(issueCmd({ longTerm: true, items: [item({ daysSupply: 84 }), item({ drugCode: 'ATV-20', daysSupply: 85 })] }))
        .thenThrows(E.LongTermLimitExceeded, 'LONG_TERM_LIMIT_EXCEEDED'));

    it('LONG_TERM_NOT_ELIGIBLE for a patient without a chronic condition', () =>
      spec.given([]).when(issueCmd({ longTerm: true, patientId: 'PT003', items: [item({ daysSupply: 28 })] })).thenThrows(E.LongTermNotEligible, 'LONG_TERM_NOT_ELIGIBLE'));

    it('SPECIAL_DRUG_PHYSICIAN_NOT_DESIGNATED for a special drug from any other physician of a designated institution', () => {
      spec
        .given([])
        .when(issueCmd({ institutionId: 'H003', physicianId: 'D006', items: [item({ drugCode: 'SD-OSIMERTINIB', quantity: 7 })] }))
        .thenThrows(E.SpecialDrugPhysicianNotDesignated, 'SPECIAL_DRUG_PHYSICIAN_NOT_DESIGNATED');
    });

    it('INSTITUTION_NOT_DESIGNATED_FOR_SPECIAL_DRUG: the institution leg of three-fixed, checked before the physician, naming the item', () => {
      // a designated physician at a level-1 centre
      let caught: unknown;
      try {
        decider.decide(issueCmd({ institutionId: 'H001', physicianId: 'D005', items: [item(), item({ drugCode: 'SD-OSIMERTINIB', quantity: 7 })] }), decider.initialState(), T0);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(E.InstitutionNotDesignatedForSpecialDrug);
      expect(caught).toMatchObject({ code: 'INSTITUTION_NOT_DESIGNATED_FOR_SPECIAL_DRUG', field: 'items[1].drugCode', details: { institutionId: 'H001', drugCode: 'SD-OSIMERTINIB' } });
      // an internet hospital is judged on its own designation, not that of the hospital it relies on
      spec
        .given([])
        .when(issueCmd({ institutionId: 'H004', physicianId: 'D004', items: [item({ drugCode: 'SD-OSIMERTINIB', quantity: 7 })] }))
        .thenThrows(E.InstitutionNotDesignatedForSpecialDrug);
      // ordinary drugs stay open to every institution
      spec.given([]).when(issueCmd({ institutionId: 'H001', physicianId: 'D005' })).thenMatch((events) => expect(events).toHaveLength(1));
    });

    it('EMPTY_PRESCRIPTION without items or diagnoses, or with too many items', () => {
      spec.given([]).when(issueCmd({ items: [] })).thenThrows(E.EmptyPrescription, 'EMPTY_PRESCRIPTION');
      spec.given([]).when(issueCmd({ diagnoses: [] })).thenThrows(E.EmptyPrescription);
      const many = Object.keys(drugs()).flatMap(() => Array.from({ length: 6 }, () => item()));
      spec.given([]).when(issueCmd({ items: many })).thenThrows(E.EmptyPrescription);
    });
  });

  describe('idempotency by prescriptionId', () => {
    it('the same request again appends nothing, even later', () => spec.given([issued()]).when(issueCmd(), at('2026-03-02T09:05:00Z')).thenNothing());
    it('the same request again after revocation appends nothing', () => spec.given([issued(), revokedAtOnce]).when(issueCmd()).thenNothing());
    it('PRESCRIPTION_ID_CONFLICT for different content under the same id', () =>
      spec.given([issued()]).when(issueCmd({ items: [item({ quantity: 21 })] })).thenThrows(E.PrescriptionIdConflict, 'PRESCRIPTION_ID_CONFLICT'));
    it('PRESCRIPTION_ID_CONFLICT for another physician reusing the id', () =>
      spec.given([issued()]).when(issueCmd({ institutionId: 'H003', physicianId: 'D003' })).thenThrows(E.PrescriptionIdConflict));
  });
});

describe('prescription decider: revocation (D8)', () => {
  it('revokes at once when no pharmacy holds it and nothing was dispensed', () => spec.given([issued()]).when(revoke()).then([revokedAtOnce]));

  it('revokes at once after the claim was released', () => spec.given([issued(), claimed(), released()]).when(revoke()).then([revokedAtOnce]));

  it('trims the reason', () => spec.given([issued()]).when(revoke({ reason: '  wrong patient  ' })).then([revokedAtOnce]));

  it('requests revocation when a pharmacy holds it', () => spec.given([issued(), claimed()]).when(revoke()).then([revocationRequested]));

  it('requests revocation when it is partly dispensed and nobody holds it', () =>
    spec.given([issued(), partlyDispensed()]).when(revoke()).then([{ ...revocationRequested, data: { ...revocationRequested.data, holderPharmacyId: null } }]));

  it('ALREADY_DISPENSED when fully dispensed, appending nothing', () => spec.given([issued(), fullyDispensed()]).when(revoke()).thenThrows(E.AlreadyDispensed, 'ALREADY_DISPENSED'));

  it('PRESCRIPTION_EXPIRED once expired', () => spec.given([issued(), expired]).when(revoke()).thenThrows(E.PrescriptionAlreadyExpired, 'PRESCRIPTION_EXPIRED'));

  it('asking again while pending or revoked appends nothing', () => {
    spec.given([issued(), claimed(), revocationRequested]).when(revoke()).thenNothing();
    spec.given([issued(), revokedAtOnce]).when(revoke()).thenNothing();
  });

  it('PRESCRIPTION_NOT_FOUND for an unknown prescription', () => spec.given([]).when(revoke()).thenThrows(E.PrescriptionNotFound, 'PRESCRIPTION_NOT_FOUND'));

  it('NOT_ISSUING_INSTITUTION for a physician of another institution', () =>
    spec.given([issued()]).when(revoke({ institutionId: 'H003', physicianId: 'D003' })).thenThrows(E.NotIssuingInstitution, 'NOT_ISSUING_INSTITUTION'));

  it.each([['an empty', ''], ['a blank', '   '], ['a 501-character', 'x'.repeat(501)]])('REVOCATION_REASON_INVALID for %s reason', (_, reason) =>
    spec.given([issued()]).when(revoke({ reason })).thenThrows(E.RevocationReasonInvalid, 'REVOCATION_REASON_INVALID'));

  describe('the dispensing side answers a pending revocation', () => {
    const pending = () => [issued(), claimed(), revocationRequested];

    it('WITHDRAWN: revoked, keeping the requester and reason, with what had been dispensed', () =>
      spec
        .given(pending())
        .when(answer('WITHDRAWN', 'ev-answer', [{ drugCode: 'MET-500', quantity: 0 }]), at('2026-03-02T10:00:00Z'))
        .then([
          {
            type: 'PrescriptionRevoked',
            data: { reason: 'wrong patient', revokedBy: 'D001', revokedAt: '2026-03-02T10:00:00.000Z', via: 'WITHDRAWN', dispensed: [{ drugCode: 'MET-500', quantity: 0 }], sourceEventId: 'ev-answer' },
          },
        ]));

    it('DECLINED: back to ISSUED', () =>
      spec
        .given(pending())
        .when(answer('DECLINED', 'ev-answer', [{ drugCode: 'MET-500', quantity: 21 }]), at('2026-03-02T10:00:00Z'))
        .then([{ type: 'RevocationDeclined', data: { sourceEventId: 'ev-answer', declinedAt: '2026-03-02T10:00:00.000Z', dispensed: [{ drugCode: 'MET-500', quantity: 21 }], status: 'ISSUED' } }]));

    it('DECLINED after it was fully dispensed meanwhile: back to DISPENSED', () => {
      const full = { type: 'DispenseRecorded', data: { sourceEventId: 'ev-full', dispenseId: 'dsp-9', pharmacyId: 'P001', fullyDispensed: true } } as PrescriptionEvent;
      spec
        .given([...pending(), full])
        .when(answer('DECLINED'))
        .thenMatch(([e], before) => {
          expect(before.status).toBe('REVOCATION_PENDING');
          expect(e).toMatchObject({ type: 'RevocationDeclined', data: { status: 'DISPENSED' } });
          expect(evolvePrescription(before, e).status).toBe('DISPENSED');
        });
    });

    it('CANCELLATION_PENDING: stays pending, nothing appended', () => spec.given(pending()).when(answer('CANCELLATION_PENDING')).thenNothing());

    it('an answer when nothing is pending, or redelivered, appends nothing', () => {
      spec.given([issued()]).when(answer('WITHDRAWN')).thenNothing();
      const withdrawn = decider.decide(answer('WITHDRAWN'), fold(pending()), T0);
      spec.given([...pending(), ...withdrawn]).when(answer('WITHDRAWN')).thenNothing();
    });
  });
});

describe('prescription decider: what prescribing learns from dispensing', () => {
  it('records a claim, once per source event', () => {
    spec.given([issued()]).when(claim()).then([{ type: 'DispensingClaimRecorded', data: { sourceEventId: 'ev-claim', pharmacyId: 'P001', claimedAt: '2026-03-02T10:00:00.000Z', expiresAt: '2026-03-02T10:30:00.000Z' } }]);
    spec.given([issued(), claimed()]).when(claim()).thenNothing();
  });

  it('records a release; the holder is cleared', () => {
    spec.given([issued(), claimed()]).when(release()).thenMatch(([e], before) => {
      expect(e.type).toBe('DispensingClaimReleaseRecorded');
      expect(before.status === 'ISSUED' && before.holderPharmacyId).toBe('P001');
      const after = evolvePrescription(before, e);
      expect(after.status === 'ISSUED' && after.holderPharmacyId).toBeNull();
    });
    spec.given([issued(), claimed(), released()]).when(release()).thenNothing();
  });

  it('a stale release from another pharmacy does not clear the current holder', () => {
    const s = fold([issued(), claimed('ev-c2', 'P002')]);
    const [e] = decider.decide(release('ev-old', 'P001'), s, T0);
    const after = evolvePrescription(s, e);
    expect(after.status === 'ISSUED' && after.holderPharmacyId).toBe('P002');
  });

  it('ignores facts about a prescription it never issued', () => {
    spec.given([]).when(claim()).thenNothing();
    spec.given([]).when(dispense()).thenNothing();
  });

  it('records a partial dispense (stays ISSUED) and a full one (DISPENSED)', () => {
    expect(fold([issued(), partlyDispensed()]).status).toBe('ISSUED');
    expect(fold([issued(), claimed(), fullyDispensed()]).status).toBe('DISPENSED');
    const s = fold([issued(), claimed(), fullyDispensed()]);
    expect(s.status === 'DISPENSED' && s.holderPharmacyId).toBeNull();
  });

  it('a redelivered dispense, or the same dispense id under a new source event, appends nothing', () => {
    spec.given([issued(), partlyDispensed()]).when(dispense()).thenNothing();
    spec.given([issued(), partlyDispensed()]).when(dispense('ev-other', false, 'dsp-1')).thenNothing();
  });

  it('the race: a dispense reported after revocation is recorded, not hidden', () =>
    spec
      .given([issued(), revokedAtOnce])
      .when(dispense('ev-late', true, 'dsp-late'))
      .thenMatch(([e], before) => {
        expect(e).toEqual({ type: 'DispensedAfterRevocation', data: { sourceEventId: 'ev-late', dispenseId: 'dsp-late', pharmacyId: 'P001', fullyDispensed: true, revokedAt: T0.toISOString() } });
        const after = evolvePrescription(before, e);
        expect(after.status).toBe('REVOKED');
        expect(after.status === 'REVOKED' && after.dispensedAfterRevocation).toEqual(['dsp-late']);
      }));

  it('a dispense reported after expiry is recorded too', () =>
    spec
      .given([issued(), expired])
      .when(dispense('ev-late'))
      .thenMatch(([e], before) => {
        expect(e.type).toBe('DispensedAfterExpiry');
        expect(evolvePrescription(before, e).status).toBe('EXPIRED');
      }));
});

describe('prescription decider: a refund on the dispensing side', () => {
  const reversed = (given: PrescriptionEvent[], dispenseId = 'dsp-2') => decider.decide(reversal(dispenseId), fold(given), T0)[0];

  it('reopens a fully dispensed prescription: ISSUED again, something left to dispense, until its validity ends', () =>
    spec
      .given([issued(), claimed(), fullyDispensed()])
      .when(reversal())
      .thenMatch(([e], before) => {
        expect(e).toEqual({
          type: 'DispenseReversalRecorded',
          data: { sourceEventId: 'ev-reversal', reversalId: 'rev-1', dispenseId: 'dsp-2', pharmacyId: 'P001', reversedAt: '2026-03-03T08:00:00.000Z', reopened: true, validUntil: '2026-03-05T09:00:00.000Z' },
        });
        expect(before.status).toBe('DISPENSED');
        const after = evolvePrescription(before, e);
        expect(after).toMatchObject({ status: 'ISSUED', fullyDispensed: false, dispenseIds: ['dsp-2'], reversedDispenseIds: ['dsp-2'] });
      }));

  it('a reopened prescription can be revoked again (through the pharmacy, as it was dispensed from) and expires', () => {
    const given = [issued(), claimed(), fullyDispensed()];
    spec.given(given).when(revoke()).thenThrows(E.AlreadyDispensed, 'ALREADY_DISPENSED');
    spec.given([...given, reversed(given)]).when(revoke()).then([{ ...revocationRequested, data: { ...revocationRequested.data, holderPharmacyId: null } }]);
    spec.given([...given, reversed(given)]).when(expire, at('2026-03-05T09:00:00Z')).thenMatch(([e]) => expect(e.type).toBe('PrescriptionExpired'));
  });

  it('a refund of part of a partly dispensed prescription is recorded, and it stays ISSUED (nothing to reopen)', () => {
    const given = [issued(), partlyDispensed()];
    const e = reversed(given, 'dsp-1');
    expect(e).toMatchObject({ type: 'DispenseReversalRecorded', data: { dispenseId: 'dsp-1', reopened: false } });
    expect(evolvePrescription(fold(given), e)).toMatchObject({ status: 'ISSUED', fullyDispensed: false, reversedDispenseIds: ['dsp-1'] });
  });

  it('while a revocation is pending, a refund of the full dispense lets the clock expire it again', () => {
    const given = [issued(), claimed(), revocationRequested, fullyDispensed()];
    const late = at('2026-03-06T00:00:00Z');
    spec.given(given).when(expire, late).thenNothing();
    const e = reversed(given);
    expect(e).toMatchObject({ data: { reopened: true } });
    expect(evolvePrescription(fold(given), e).status).toBe('REVOCATION_PENDING');
    spec.given([...given, e]).when(expire, late).thenMatch(([x]) => expect(x.type).toBe('PrescriptionExpired'));
  });

  it('a revoked or expired prescription stays so; the refund is still recorded', () => {
    for (const end of [revokedAtOnce, expired]) {
      const given = [issued(), fullyDispensed(), end];
      const e = reversed(given);
      expect(e).toMatchObject({ type: 'DispenseReversalRecorded', data: { reopened: false } });
      expect(evolvePrescription(fold(given), e).status).toBe(end.type === 'PrescriptionRevoked' ? 'REVOKED' : 'EXPIRED');
    }
  });

  it('a redelivered refund, or a second refund of the same dispense, appends nothing; an unknown prescription neither', () => {
    const given = [issued(), fullyDispensed()];
    const withRefund = [...given, reversed(given)];
    spec.given(withRefund).when(reversal()).thenNothing();
    spec.given(withRefund).when(reversal('dsp-2', 'ev-other', 'rev-2')).thenNothing();
    spec.given([]).when(reversal()).thenNothing();
  });
});

describe('prescription decider: expiry', () => {
  it('expires an ordinary prescription at issue + 3 days', () => {
    spec.given([issued()]).when(expire, at('2026-03-05T08:59:59.999Z')).thenNothing();
    spec.given([issued()]).when(expire, at('2026-03-05T09:00:00Z')).then([{ type: 'PrescriptionExpired', data: { expiredAt: '2026-03-05T09:00:00.000Z', validUntil: '2026-03-05T09:00:00.000Z' } }]);
  });

  it('expires a long-term prescription when its longest supply ends, even partly dispensed', () => {
    const lt = issued({ longTerm: true, items: [item({ daysSupply: 56, quantity: 168 })] });
    spec.given([lt, partlyDispensed()]).when(expire, at('2026-04-20T09:00:00Z')).thenNothing();
    spec.given([lt, partlyDispensed()]).when(expire, at('2026-04-27T09:00:00Z')).thenMatch(([e]) => expect(e.type).toBe('PrescriptionExpired'));
  });

  it('expires one whose revocation is still pending', () =>
    spec.given([issued(), claimed(), revocationRequested]).when(expire, at('2026-03-06T00:00:00Z')).thenMatch(([e]) => expect(e.type).toBe('PrescriptionExpired')));

  it('never expires a revoked, fully dispensed or already expired prescription', () => {
    const later = at('2026-04-01T00:00:00Z');
    spec.given([issued(), revokedAtOnce]).when(expire, later).thenNothing();
    spec.given([issued(), fullyDispensed()]).when(expire, later).thenNothing();
    spec.given([issued(), expired]).when(expire, later).thenNothing();
    spec.given([]).when(expire, later).thenNothing();
  });
});
