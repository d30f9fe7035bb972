import { exhaustive } from '@rx/kernel';
import { DISSOLUTION_REASONS, isActiveAt, type PharmacyAgreement } from '../../domain/agreement.decider';

export interface AgreementView {
  pharmacyId: string;
  regionCode: string;
  status: 'ACTIVE' | 'DISSOLVED';
  since: string;
  /** Whether the fund settles an expense incurred now. */
  activeNow: boolean;
  dissolution: { reasonCode: string; reason: string; effectiveAt: string; dissolvedBy: string | null } | null;
}

export function toAgreementView(s: Exclude<PharmacyAgreement, { status: 'unknown' }>, now: Date): AgreementView {
  const base = { pharmacyId: s.pharmacyId, regionCode: s.regionCode, since: s.since, activeNow: isActiveAt(s, now) };
  switch (s.status) {
    case 'active':
      return { ...base, status: 'ACTIVE', dissolution: null };
    case 'dissolved':
      return {
        ...base,
        status: 'DISSOLVED',
        dissolution: { reasonCode: s.reasonCode, reason: DISSOLUTION_REASONS[s.reasonCode], effectiveAt: s.effectiveAt, dissolvedBy: s.dissolvedBy },
      };
    default:
      return exhaustive(s, 'agreement state');
  }
}
