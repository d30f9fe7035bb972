import { exhaustive, type Decider } from '@rx/kernel';
import type { Pharmacy } from '@rx/reference-data';
import type { PharmacyFacts } from './dispensation.commands';

/**
 * What dispensing knows about a pharmacy's agreement beyond the reference data: dissolutions the
 * agency announced on rx.settlement.v1 (S2). One small stream per pharmacy,
 * `pharmacy-status-{pharmacyId}`; it is never relayed. Reference data is the starting point.
 */
export interface PharmacyAgreementDissolved {
  type: 'PharmacyAgreementDissolved';
  data: { pharmacyId: string; reasonCode: string; effectiveAt: string; sourceEventId: string; recordedAt: string };
}

export type PharmacyStatusEvent = PharmacyAgreementDissolved;

export interface RecordAgreementDissolution {
  type: 'RecordAgreementDissolution';
  data: { pharmacyId: string; reasonCode: string; effectiveAt: string; sourceEventId: string };
}

export type PharmacyStatusCommand = RecordAgreementDissolution;

export interface PharmacyStatus {
  /** Earliest announced dissolution; a dissolution is never undone (a new agreement would be a new fact). */
  dissolution?: { reasonCode: string; effectiveAt: string; sourceEventIds: string[] };
}

export const pharmacyStatusStreamId = (pharmacyId: string): string => `pharmacy-status-${pharmacyId}`;

export const initialPharmacyStatus = (): PharmacyStatus => ({});

export function decidePharmacyStatus(cmd: PharmacyStatusCommand, s: PharmacyStatus, now: Date): PharmacyStatusEvent[] {
  switch (cmd.type) {
    case 'RecordAgreementDissolution': {
      const d = cmd.data;
      if (s.dissolution?.sourceEventIds.includes(d.sourceEventId)) return []; // redelivered
      // A later announcement cannot push an earlier dissolution back.
      if (s.dissolution && Date.parse(s.dissolution.effectiveAt) <= Date.parse(d.effectiveAt)) return [];
      return [{ type: 'PharmacyAgreementDissolved', data: { ...d, recordedAt: now.toISOString() } }];
    }
    default:
      return exhaustive(cmd.type, 'pharmacy status command');
  }
}

export function evolvePharmacyStatus(s: PharmacyStatus, e: PharmacyStatusEvent): PharmacyStatus {
  switch (e.type) {
    case 'PharmacyAgreementDissolved': {
      const ids = [...(s.dissolution?.sourceEventIds ?? []), e.data.sourceEventId].slice(-16);
      const earlier = s.dissolution && Date.parse(s.dissolution.effectiveAt) <= Date.parse(e.data.effectiveAt) ? s.dissolution : e.data;
      return { dissolution: { reasonCode: earlier.reasonCode, effectiveAt: earlier.effectiveAt, sourceEventIds: ids } };
    }
    default:
      return exhaustive(e.type, 'pharmacy status event');
  }
}

export const pharmacyStatusDecider: Decider<PharmacyStatusCommand, PharmacyStatusEvent, PharmacyStatus> = {
  initialState: initialPharmacyStatus,
  decide: decidePharmacyStatus,
  evolve: evolvePharmacyStatus,
};

/**
 * The facts a claim is checked against (D1, P4, S2). An unknown pharmacy has no agreement. The
 * agreement counts from `since` until the earliest dissolution known, from reference data or
 * from the agency's announcement.
 */
export function pharmacyFactsAt(pharmacy: Pharmacy | undefined, status: PharmacyStatus, now: Date): PharmacyFacts {
  if (!pharmacy) return { agreementActive: false, outpatientPooling: false, designatedSpecialDrugs: [] };
  const t = now.getTime();
  const a = pharmacy.agreement;
  const dissolvedAt = [a.status === 'dissolved' ? (a.dissolvedAt ?? a.since) : undefined, status.dissolution?.effectiveAt]
    .filter((x): x is string => typeof x === 'string')
    .map((x) => Date.parse(x));
  const active = Date.parse(a.since) <= t && dissolvedAt.every((d) => t < d);
  return { agreementActive: active, outpatientPooling: pharmacy.outpatientPooling, designatedSpecialDrugs: [...pharmacy.designatedSpecialDrugs] };
}
