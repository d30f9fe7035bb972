import { textProblem, TextLimits } from '@rx/contracts';
import { addDays, exhaustive, type Decider } from '@rx/kernel';
import type { Institution } from '@rx/reference-data';
import type { IssuePrescription, PrescriptionCommand, RequestRevocation } from './prescription.commands';
import { canonicalContent, contentHashOf, requestHashOf, type PrescriptionSigner } from './prescription-content';
import {
  AgreementNotActive,
  AlreadyDispensed,
  DaysSupplyOutOfRange,
  DoseOutOfRange,
  DrugNotInCatalog,
  DuplicateDrug,
  EmptyPrescription,
  InstitutionNotDesignated,
  LongTermLimitExceeded,
  LongTermNotEligible,
  NotIssuingInstitution,
  OrdinarySupplyExceeded,
  PatientNotRegistered,
  PhysicianNotInInstitution,
  PolicyNotFound,
  PrescriptionAlreadyExpired,
  PrescriptionIdConflict,
  PrescriptionNotFound,
  QuantityOutOfRange,
  RevocationReasonInvalid,
  SpecialDrugPhysicianNotDesignated,
  InstitutionNotDesignatedForSpecialDrug,
} from './prescription.errors';
import type { PrescriptionContent, PrescriptionEvent, PrescriptionIssued, PrescriptionItem } from './prescription.events';

/** Hostile-input bounds the domain keeps even behind the DTOs (domain.md: bound every field). */
export const MAX_ITEMS = 20;
export const MAX_DOSE = 10_000;
export const MAX_TIMES_PER_DAY = 24;
export const MAX_REASON_LENGTH = TextLimits.reason.max;

export type IssuedFacts = PrescriptionIssued['data'];

/** What every issued prescription knows besides its status (learnt from the dispensing side). */
interface Known {
  rx: IssuedFacts;
  /** The pharmacy holding a live claim, as far as prescribing has heard. */
  holderPharmacyId: string | null;
  dispenseIds: string[];
  /** Dispenses refunded on the dispensing side; their quantities are back on the prescription. */
  reversedDispenseIds: string[];
  fullyDispensed: boolean;
  /** Integration event ids already applied: redelivery appends nothing. */
  seenSourceEvents: string[];
}

export interface RevocationInfo {
  reason: string;
  requestedBy: string;
  requestedAt: string;
}

export type Prescription =
  | { status: 'NONE' }
  | ({ status: 'ISSUED' } & Known)
  | ({ status: 'REVOCATION_PENDING'; revocation: RevocationInfo } & Known)
  | ({ status: 'DISPENSED' } & Known)
  | ({ status: 'REVOKED'; revocation: RevocationInfo & { revokedAt: string; via: 'IMMEDIATE' | 'WITHDRAWN' }; dispensedAfterRevocation: string[] } & Known)
  | ({ status: 'EXPIRED'; expiredAt: string; dispensedAfterExpiry: string[] } & Known);

export type PrescriptionStatus = Prescription['status'];
export type IssuedPrescription = Exclude<Prescription, { status: 'NONE' }>;

export const initialPrescription = (): Prescription => ({ status: 'NONE' });

export function prescriptionDecider(signer: PrescriptionSigner): Decider<PrescriptionCommand, PrescriptionEvent, Prescription> {
  return { initialState: initialPrescription, evolve: evolvePrescription, decide: (c, s, now) => decidePrescription(c, s, now, signer) };
}

export function decidePrescription(cmd: PrescriptionCommand, s: Prescription, now: Date, signer: PrescriptionSigner): PrescriptionEvent[] {
  switch (cmd.type) {
    case 'IssuePrescription': {
      if (s.status !== 'NONE') {
        // Same id, same request: the same prescription (idempotent); anything else is a conflict.
        if (s.rx.requestHash === requestHashOf(cmd.data)) return [];
        throw new PrescriptionIdConflict(`prescription ${cmd.data.prescriptionId} already exists with different content`, { field: 'prescriptionId' });
      }
      return [issue(cmd, now, signer)];
    }
    case 'RequestRevocation':
      return requestRevocation(cmd, s, now);
    case 'RecordClaim': {
      if (s.status === 'NONE' || seen(s, cmd.data.sourceEventId)) return [];
      return [{ type: 'DispensingClaimRecorded', data: { ...cmd.data } }];
    }
    case 'RecordClaimRelease': {
      if (s.status === 'NONE' || seen(s, cmd.data.sourceEventId)) return [];
      return [{ type: 'DispensingClaimReleaseRecorded', data: { ...cmd.data } }];
    }
    case 'RecordDispense': {
      if (s.status === 'NONE' || seen(s, cmd.data.sourceEventId) || s.dispenseIds.includes(cmd.data.dispenseId)) return [];
      // Recorded whatever the status: a dispense after revocation or expiry is the race of D8, and hiding it would hide fraud (A1).
      if (s.status === 'REVOKED') return [{ type: 'DispensedAfterRevocation', data: { ...cmd.data, revokedAt: s.revocation.revokedAt } }];
      if (s.status === 'EXPIRED') return [{ type: 'DispensedAfterExpiry', data: { ...cmd.data, expiredAt: s.expiredAt } }];
      return [{ type: 'DispenseRecorded', data: { ...cmd.data } }];
    }
    case 'RecordDispenseReversal': {
      if (s.status === 'NONE' || seen(s, cmd.data.sourceEventId) || s.reversedDispenseIds.includes(cmd.data.dispenseId)) return [];
      // Open again only what was closed by being fully dispensed; revoked and expired stay so.
      const reopened = s.fullyDispensed && (s.status === 'DISPENSED' || s.status === 'ISSUED' || s.status === 'REVOCATION_PENDING');
      return [{ type: 'DispenseReversalRecorded', data: { ...cmd.data, reopened, validUntil: s.rx.validUntil } }];
    }
    case 'RecordRevocationAnswer': {
      if (s.status !== 'REVOCATION_PENDING' || seen(s, cmd.data.sourceEventId)) return [];
      const { outcome, dispensed, sourceEventId } = cmd.data;
      switch (outcome) {
        case 'WITHDRAWN':
          return [
            {
              type: 'PrescriptionRevoked',
              data: { reason: s.revocation.reason, revokedBy: s.revocation.requestedBy, revokedAt: now.toISOString(), via: 'WITHDRAWN', dispensed, sourceEventId },
            },
          ];
        case 'DECLINED':
          return [{ type: 'RevocationDeclined', data: { sourceEventId, declinedAt: now.toISOString(), dispensed, status: s.fullyDispensed ? 'DISPENSED' : 'ISSUED' } }];
        case 'CANCELLATION_PENDING':
          // The pharmacy has marked it for cancellation; the final answer follows.
          return [];
        default:
          return exhaustive(outcome, 'revocation outcome');
      }
    }
    case 'ExpirePrescription': {
      if (s.status !== 'ISSUED' && s.status !== 'REVOCATION_PENDING') return [];
      if (s.fullyDispensed) return []; // pending revocation of a fully dispensed one: the answer decides, not the clock
      if (now.getTime() < Date.parse(s.rx.validUntil)) return [];
      return [{ type: 'PrescriptionExpired', data: { expiredAt: now.toISOString(), validUntil: s.rx.validUntil } }];
    }
    default:
      return exhaustive(cmd, 'command');
  }
}

function seen(s: IssuedPrescription, sourceEventId: string): boolean {
  return s.seenSourceEvents.includes(sourceEventId);
}

function agreementActive(inst: Institution, now: Date): boolean {
  const a = inst.agreement;
  if (Date.parse(a.since) > now.getTime()) return false;
  if (a.status === 'active') return true;
  return a.dissolvedAt !== undefined && now.getTime() < Date.parse(a.dissolvedAt);
}

function issue(cmd: IssuePrescription, now: Date, signer: PrescriptionSigner): PrescriptionIssued {
  const d = cmd.data;
  const { institution, reliedOn, physician, patient, policy, drugs } = cmd.refs;

  // P1: designated institution with an active agreement; an internet hospital under the one it relies on.
  if (!institution || institution.id !== d.institutionId) throw new InstitutionNotDesignated(`institution ${d.institutionId} is not a designated institution`);
  let agreementHolder = institution;
  if (institution.kind === 'internet-hospital') {
    if (!institution.reliesOn || !reliedOn || reliedOn.id !== institution.reliesOn) {
      throw new InstitutionNotDesignated(`internet hospital ${institution.id} does not rely on a designated institution`);
    }
    agreementHolder = reliedOn;
  }
  if (!agreementActive(agreementHolder, now)) {
    throw new AgreementNotActive(`institution ${agreementHolder.id} has no active agreement`, { details: { agreementInstitutionId: agreementHolder.id } });
  }
  if (!physician || physician.id !== d.physicianId || physician.institutionId !== institution.id) {
    throw new PhysicianNotInInstitution(`physician ${d.physicianId} does not belong to institution ${institution.id}`);
  }
  if (!patient || patient.id !== d.patientId) throw new PatientNotRegistered(`patient ${d.patientId} is not registered`, { field: 'patientId' });
  if (!policy) throw new PolicyNotFound(`no prescription policy for region ${institution.regionCode} in ${now.getUTCFullYear()}`);
  if (d.items.length === 0 || d.items.length > MAX_ITEMS) throw new EmptyPrescription(`a prescription has 1 to ${MAX_ITEMS} items`, { field: 'items' });
  if (d.diagnoses.length === 0) throw new EmptyPrescription('a prescription needs at least one diagnosis', { field: 'diagnoses' });

  const codes = new Set<string>();
  const items: PrescriptionItem[] = d.items.map((item, i) => {
    const field = (f: string) => ({ field: `items[${i}].${f}` });
    const drug = drugs[item.drugCode];
    if (!drug || drug.code !== item.drugCode) throw new DrugNotInCatalog(`drug ${item.drugCode} is not in the insurance drug catalog`, field('drugCode'));
    if (codes.has(item.drugCode)) throw new DuplicateDrug(`drug ${item.drugCode} appears on more than one item`, field('drugCode'));
    codes.add(item.drugCode);
    if (!Number.isInteger(item.quantity) || item.quantity < 1 || item.quantity > drug.maxQuantity) {
      throw new QuantityOutOfRange(`quantity of ${item.drugCode} must be a whole number from 1 to ${drug.maxQuantity}`, field('quantity'));
    }
    const { dose, timesPerDay } = item.dosage;
    if (!Number.isFinite(dose) || dose <= 0 || dose > MAX_DOSE || !Number.isInteger(timesPerDay) || timesPerDay < 1 || timesPerDay > MAX_TIMES_PER_DAY) {
      throw new DoseOutOfRange(`dose must be above 0 and at most ${MAX_DOSE}, ${MAX_TIMES_PER_DAY} times a day at most`, field('dosage'));
    }
    if (!Number.isInteger(item.daysSupply) || item.daysSupply < 1) throw new DaysSupplyOutOfRange('days of supply must be a whole number of at least 1', field('daysSupply'));
    // P2: ordinary prescriptions cover at most 7 days, long-term ones at most 84 days per item.
    if (!d.longTerm && item.daysSupply > policy.ordinaryMaxDays) {
      throw new OrdinarySupplyExceeded(`an ordinary prescription covers at most ${policy.ordinaryMaxDays} days (${item.drugCode}: ${item.daysSupply})`, field('daysSupply'));
    }
    if (d.longTerm && item.daysSupply > policy.longTermMaxDays) {
      throw new LongTermLimitExceeded(`a long-term prescription covers at most ${policy.longTermMaxDays} days (${item.drugCode}: ${item.daysSupply})`, field('daysSupply'));
    }
    // P4: three-fixed management of special drugs: the issuing institution is designated (an
    // internet hospital on its own designation, not the one it relies on), then the physician.
    if (drug.special && !institution.specialDrugDesignated) {
      throw new InstitutionNotDesignatedForSpecialDrug(`institution ${institution.id} (level ${institution.level}) is not designated for special drugs (${drug.code})`, {
        ...field('drugCode'),
        details: { institutionId: institution.id, drugCode: drug.code },
      });
    }
    if (drug.special && !physician.responsibleForSpecialDrugs.includes(drug.code)) {
      throw new SpecialDrugPhysicianNotDesignated(`physician ${physician.id} is not the designated responsible physician for ${drug.code}`, field('drugCode'));
    }
    return {
      lineNo: i + 1,
      drugCode: drug.code,
      drugName: drug.name,
      drugClass: drug.class,
      special: drug.special,
      quantity: item.quantity,
      unit: drug.unit,
      daysSupply: item.daysSupply,
      dosage: { dose, unit: item.dosage.unit, timesPerDay },
      referencePriceFen: drug.referencePriceFen,
    };
  });
  // P2 speaks of "eligible chronic patients": long-term needs at least one recorded chronic condition.
  if (d.longTerm && patient.chronicConditions.length === 0) {
    throw new LongTermNotEligible(`patient ${patient.id} has no chronic condition that makes a long-term prescription eligible`, { field: 'longTerm' });
  }

  const validUntil = d.longTerm ? addDays(now, Math.max(...items.map((i) => i.daysSupply))) : addDays(now, policy.ordinaryValidityDays);
  const content: PrescriptionContent = {
    prescriptionId: d.prescriptionId,
    institutionId: institution.id,
    institutionLevel: institution.level,
    agreementInstitutionId: agreementHolder.id,
    regionCode: institution.regionCode,
    physicianId: physician.id,
    patientId: patient.id,
    insuranceType: patient.insuranceType,
    retired: patient.retired,
    longTerm: d.longTerm,
    issuedAt: now.toISOString(),
    validUntil: validUntil.toISOString(),
    items,
    diagnoses: d.diagnoses.map((x) => ({ code: x.code, name: x.name })),
    pickupCodeHash: d.pickupCodeHash,
    // An internet hospital signs with its own key though it issues under another's agreement.
    signingKeyInstitutionId: institution.id,
  };
  return {
    type: 'PrescriptionIssued',
    data: {
      ...content,
      contentHash: contentHashOf(content),
      signature: signer.sign(institution.id, canonicalContent(content)),
      requestHash: requestHashOf(d),
    },
  };
}

function requestRevocation(cmd: RequestRevocation, s: Prescription, now: Date): PrescriptionEvent[] {
  const d = cmd.data;
  if (s.status === 'NONE') throw new PrescriptionNotFound(`prescription ${d.prescriptionId} not found`);
  if (s.rx.institutionId !== d.institutionId) throw new NotIssuingInstitution('only physicians of the issuing institution may revoke it');
  const reason = d.reason.trim();
  if (textProblem(reason, TextLimits.reason)) {
    throw new RevocationReasonInvalid(`a revocation reason of 1 to ${MAX_REASON_LENGTH} characters is required`, { field: 'reason' });
  }
  switch (s.status) {
    case 'REVOKED':
    case 'REVOCATION_PENDING':
      return []; // asked again: the answer is the state it is already in
    case 'DISPENSED':
      throw new AlreadyDispensed(`prescription ${d.prescriptionId} is fully dispensed and cannot be revoked`);
    case 'EXPIRED':
      throw new PrescriptionAlreadyExpired(`prescription ${d.prescriptionId} expired at ${s.expiredAt}`);
    case 'ISSUED': {
      // D8: a pharmacy holds it or has dispensed part of it, so revocation waits for its answer.
      if (s.holderPharmacyId !== null || s.dispenseIds.length > 0) {
        return [{ type: 'RevocationRequested', data: { reason, requestedBy: d.physicianId, requestedAt: now.toISOString(), holderPharmacyId: s.holderPharmacyId } }];
      }
      return [{ type: 'PrescriptionRevoked', data: { reason, revokedBy: d.physicianId, revokedAt: now.toISOString(), via: 'IMMEDIATE', dispensed: [] } }];
    }
    default:
      return exhaustive(s, 'prescription state');
  }
}

function withSource<S extends IssuedPrescription>(s: S, sourceEventId: string | undefined): S {
  return sourceEventId ? { ...s, seenSourceEvents: [...s.seenSourceEvents, sourceEventId] } : s;
}

export function evolvePrescription(s: Prescription, e: PrescriptionEvent): Prescription {
  if (e.type === 'PrescriptionIssued') {
    return { status: 'ISSUED', rx: e.data, holderPharmacyId: null, dispenseIds: [], reversedDispenseIds: [], fullyDispensed: false, seenSourceEvents: [] };
  }
  if (s.status === 'NONE') return s; // a stream that does not start with its issue: nothing to build on
  switch (e.type) {
    case 'DispensingClaimRecorded':
      return withSource({ ...s, holderPharmacyId: e.data.pharmacyId }, e.data.sourceEventId);
    case 'DispensingClaimReleaseRecorded':
      return withSource({ ...s, holderPharmacyId: s.holderPharmacyId === e.data.pharmacyId ? null : s.holderPharmacyId }, e.data.sourceEventId);
    case 'DispenseRecorded': {
      const next = { ...s, dispenseIds: [...s.dispenseIds, e.data.dispenseId], fullyDispensed: s.fullyDispensed || e.data.fullyDispensed };
      // The pharmacy that completed the prescription no longer holds it.
      if (e.data.fullyDispensed) next.holderPharmacyId = null;
      return withSource(s.status === 'ISSUED' && next.fullyDispensed ? { ...next, status: 'DISPENSED' } : next, e.data.sourceEventId);
    }
    case 'DispensedAfterRevocation':
      if (s.status !== 'REVOKED') return s;
      return withSource(
        { ...s, dispenseIds: [...s.dispenseIds, e.data.dispenseId], fullyDispensed: s.fullyDispensed || e.data.fullyDispensed, dispensedAfterRevocation: [...s.dispensedAfterRevocation, e.data.dispenseId] },
        e.data.sourceEventId,
      );
    case 'DispensedAfterExpiry':
      if (s.status !== 'EXPIRED') return s;
      return withSource(
        { ...s, dispenseIds: [...s.dispenseIds, e.data.dispenseId], fullyDispensed: s.fullyDispensed || e.data.fullyDispensed, dispensedAfterExpiry: [...s.dispensedAfterExpiry, e.data.dispenseId] },
        e.data.sourceEventId,
      );
    case 'DispenseReversalRecorded': {
      // A refund returns a dispense's whole quantity, so something is left to dispense.
      const next = { ...s, reversedDispenseIds: [...s.reversedDispenseIds, e.data.dispenseId], fullyDispensed: false };
      return withSource(s.status === 'DISPENSED' ? { ...known(next), status: 'ISSUED' } : next, e.data.sourceEventId);
    }
    case 'RevocationRequested':
      return { ...known(s), status: 'REVOCATION_PENDING', revocation: { reason: e.data.reason, requestedBy: e.data.requestedBy, requestedAt: e.data.requestedAt } };
    case 'PrescriptionRevoked': {
      const requested = s.status === 'REVOCATION_PENDING' ? s.revocation : { reason: e.data.reason, requestedBy: e.data.revokedBy, requestedAt: e.data.revokedAt };
      return withSource(
        { ...known(s), status: 'REVOKED', revocation: { ...requested, revokedAt: e.data.revokedAt, via: e.data.via }, dispensedAfterRevocation: [] },
        e.data.sourceEventId,
      );
    }
    case 'RevocationDeclined':
      return withSource({ ...known(s), status: e.data.status }, e.data.sourceEventId);
    case 'PrescriptionExpired':
      return { ...known(s), status: 'EXPIRED', expiredAt: e.data.expiredAt, dispensedAfterExpiry: [] };
    default:
      return exhaustive(e, 'event');
  }
}

function known(s: IssuedPrescription): Known {
  return {
    rx: s.rx,
    holderPharmacyId: s.holderPharmacyId,
    dispenseIds: s.dispenseIds,
    reversedDispenseIds: s.reversedDispenseIds,
    fullyDispensed: s.fullyDispensed,
    seenSourceEvents: s.seenSourceEvents,
  };
}
