import { exhaustive, type Decider } from '@rx/kernel';
import type { Agreement } from '@rx/reference-data';
import {
  AgreementAlreadyDissolved,
  AgreementAlreadySeeded,
  AgreementNotFound,
  DissolutionRetroactive,
  InvalidAgreementData,
  InvalidDissolutionReason,
} from './settlement.errors';

/**
 * Pharmacy agreement, stream `agreement-{pharmacyId}` (S2). Seed 002 says the Interim Measures for
 * retail pharmacies list 17 situations for dissolving an agreement but does not quote them; the
 * codes below group them by what seed 002 (and, for fraud, seeds 003/004) does say; the two fraud
 * codes are the ones the shipped reference data uses. Expenses
 * incurred at or after `effectiveAt` are not settled by the fund.
 */
export const DISSOLUTION_REASONS = {
  CONDITIONS_NOT_MET: 'No longer meets the basic conditions for designation: business licence and qualifications, service personnel, at least 3 months of operation (seed 002).',
  MANAGEMENT_SYSTEM_FAILURE: 'Fails the medical-insurance management, financial or statistical information management requirements (seed 002).',
  INFORMATION_SYSTEM_DISCONNECTED: 'No longer docks effectively with the medical-insurance information system (seed 002).',
  CATALOG_NONCOMPLIANCE: 'Does not strictly implement the catalog of insurance drugs, consumables and service items (seed 002).',
  FRAUDULENT_CLAIMS: 'Fraudulently obtained medical-insurance fund money (欺诈骗保; seeds 003, 004).',
  CASHING_OUT_PERSONAL_ACCOUNTS: 'Let insured persons cash out their personal accounts (个人账户套现; seed 004).',
  AGREEMENT_VIOLATION: 'Serious violation of the medical-insurance service agreement (one of the 17 listed situations, seed 002).',
  CEASED_OPERATION: 'The pharmacy closed, lost its licence or otherwise ceased operating.',
  VOLUNTARY_WITHDRAWAL: 'The pharmacy asked to end the agreement.',
} as const;

export type DissolutionReasonCode = keyof typeof DISSOLUTION_REASONS;

export function isDissolutionReasonCode(value: unknown): value is DissolutionReasonCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(DISSOLUTION_REASONS, value);
}

export type AgreementCommand =
  | { type: 'SeedAgreement'; data: { pharmacyId: string; regionCode: string; agreement: Agreement } }
  | { type: 'DissolveAgreement'; data: { pharmacyId: string; reasonCode: string; effectiveAt: string; dissolvedBy: string } };

export type AgreementEvent =
  | {
      type: 'AgreementSeeded';
      data: { pharmacyId: string; regionCode: string; since: string; dissolution: { reasonCode: DissolutionReasonCode; effectiveAt: string } | null };
    }
  | {
      type: 'AgreementDissolved';
      data: { pharmacyId: string; regionCode: string; reasonCode: DissolutionReasonCode; effectiveAt: string; dissolvedBy: string; recordedAt: string };
    };

export type PharmacyAgreement =
  | { status: 'unknown' }
  | { status: 'active'; pharmacyId: string; regionCode: string; since: string }
  | {
      status: 'dissolved';
      pharmacyId: string;
      regionCode: string;
      since: string;
      reasonCode: DissolutionReasonCode;
      effectiveAt: string;
      dissolvedBy: string | null;
    };

function instant(value: string | undefined, field: string): number {
  const ms = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw new InvalidAgreementData(`${field} must be an ISO date-time`, { field });
  return ms;
}

function reason(code: unknown): DissolutionReasonCode {
  if (!isDissolutionReasonCode(code)) {
    throw new InvalidDissolutionReason(`unknown dissolution reason code; expected one of ${Object.keys(DISSOLUTION_REASONS).join(', ')}`, { field: 'reasonCode' });
  }
  return code;
}

function decide(command: AgreementCommand, state: PharmacyAgreement, now: Date): AgreementEvent[] {
  switch (command.type) {
    case 'SeedAgreement': {
      const { pharmacyId, regionCode, agreement } = command.data;
      instant(agreement.since, 'since');
      let dissolution: { reasonCode: DissolutionReasonCode; effectiveAt: string } | null = null;
      if (agreement.status === 'dissolved') {
        instant(agreement.dissolvedAt, 'dissolvedAt');
        dissolution = { reasonCode: reason(agreement.reasonCode), effectiveAt: agreement.dissolvedAt as string };
      } else if (agreement.status !== 'active') {
        throw new InvalidAgreementData('agreement status must be active or dissolved', { field: 'status' });
      }
      const event: AgreementEvent = { type: 'AgreementSeeded', data: { pharmacyId, regionCode, since: agreement.since, dissolution } };
      if (state.status !== 'unknown') {
        // Re-seeding at every start-up is a no-op; reference data never overrides recorded history.
        if (state.since === agreement.since) return [];
        throw new AgreementAlreadySeeded(`agreement of ${pharmacyId} is already recorded`);
      }
      return [event];
    }
    case 'DissolveAgreement': {
      const { pharmacyId, effectiveAt, dissolvedBy } = command.data;
      const reasonCode = reason(command.data.reasonCode);
      const at = instant(effectiveAt, 'effectiveAt');
      if (state.status === 'unknown') throw new AgreementNotFound(`no agreement for pharmacy ${pharmacyId}`);
      if (state.status === 'dissolved') throw new AgreementAlreadyDissolved(`agreement of ${pharmacyId} was dissolved at ${state.effectiveAt}`);
      // Expenses before the decision were settled under the agreement; undoing them is not a dissolution.
      if (at < now.getTime()) throw new DissolutionRetroactive('a dissolution cannot take effect before it is recorded', { field: 'effectiveAt' });
      if (at < Date.parse(state.since)) throw new InvalidAgreementData('dissolution before the agreement began', { field: 'effectiveAt' });
      return [
        {
          type: 'AgreementDissolved',
          data: { pharmacyId, regionCode: state.regionCode, reasonCode, effectiveAt: new Date(at).toISOString(), dissolvedBy, recordedAt: now.toISOString() },
        },
      ];
    }
    default:
      return exhaustive(command, 'agreement command');
  }
}

function evolve(state: PharmacyAgreement, event: AgreementEvent): PharmacyAgreement {
  switch (event.type) {
    case 'AgreementSeeded': {
      const { pharmacyId, regionCode, since, dissolution } = event.data;
      return dissolution
        ? { status: 'dissolved', pharmacyId, regionCode, since, reasonCode: dissolution.reasonCode, effectiveAt: dissolution.effectiveAt, dissolvedBy: null }
        : { status: 'active', pharmacyId, regionCode, since };
    }
    case 'AgreementDissolved':
      if (state.status === 'unknown') return state;
      return {
        status: 'dissolved',
        pharmacyId: state.pharmacyId,
        regionCode: state.regionCode,
        since: state.since,
        reasonCode: event.data.reasonCode,
        effectiveAt: event.data.effectiveAt,
        dissolvedBy: event.data.dissolvedBy,
      };
    default:
      return exhaustive(event, 'agreement event');
  }
}

/** Whether the fund settles an expense incurred at `time`: from `since` until the dissolution takes effect. */
export function isActiveAt(state: PharmacyAgreement, time: Date): boolean {
  switch (state.status) {
    case 'unknown':
      return false;
    case 'active':
      return time.getTime() >= Date.parse(state.since);
    case 'dissolved':
      return time.getTime() >= Date.parse(state.since) && time.getTime() < Date.parse(state.effectiveAt);
    default:
      return exhaustive(state, 'agreement state');
  }
}

export const agreementDecider: Decider<AgreementCommand, AgreementEvent, PharmacyAgreement> = {
  initialState: () => ({ status: 'unknown' }),
  decide,
  evolve,
};
