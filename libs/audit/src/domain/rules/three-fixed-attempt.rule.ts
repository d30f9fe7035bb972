import { DispensingEventTypes, PrescribingEventTypes, type AttemptRefusedV1, type IssueRefusedV1 } from '@rx/contracts';
import { DAY_MS } from '@rx/kernel';
import type { AuditFact } from '../audit-fact';
import { alert, type Alert } from './rule';
import type { RefusedAttemptParams } from './monitoring-params';

type Leg = 'INSTITUTION' | 'PHYSICIAN' | 'PHARMACY';

interface Attempt {
  f: AuditFact;
  leg: Leg;
  /** Who tried: the institution, the physician or the pharmacy. */
  party: string;
  prescriptionId: string;
  drugCodes: string[];
  at: string;
  details: Record<string, string | number | boolean | null>;
  pharmacyId?: string;
  patientId?: string;
}

function attemptOf(f: AuditFact): Attempt | undefined {
  if (f.type === PrescribingEventTypes.issueRefused) {
    const d = f.data as IssueRefusedV1;
    const leg: Leg = d.code === 'INSTITUTION_NOT_DESIGNATED_FOR_SPECIAL_DRUG' ? 'INSTITUTION' : 'PHYSICIAN';
    return {
      f,
      leg,
      party: leg === 'INSTITUTION' ? d.institutionId : d.physicianId,
      prescriptionId: d.prescriptionId,
      drugCodes: d.drugCodes,
      at: d.refusedAt,
      patientId: d.patientId,
      details: { institutionId: d.institutionId, physicianId: d.physicianId },
    };
  }
  if (f.type === DispensingEventTypes.attemptRefused && (f.data as AttemptRefusedV1).code === 'PHARMACY_NOT_DESIGNATED_FOR_SPECIAL_DRUG') {
    const d = f.data as AttemptRefusedV1;
    return { f, leg: 'PHARMACY', party: d.pharmacyId, prescriptionId: d.prescriptionId, drugCodes: d.drugCodes ?? [], at: d.refusedAt, pharmacyId: d.pharmacyId, details: { pharmacistId: d.pharmacistId } };
  }
  return undefined;
}

export function isThreeFixedAttempt(f: AuditFact): boolean {
  return attemptOf(f) !== undefined;
}

/** The party a three-fixed attempt is counted against (`leg:id`), for the projection's index. */
export function threeFixedParty(f: AuditFact): string | undefined {
  const a = attemptOf(f);
  return a && `${a.leg}:${a.party}`;
}

/**
 * Attempted three-fixed violations (001: special drugs only at designated institutions, by
 * designated physicians, from designated retail pharmacies). Each leg is refused where it is
 * checked (prescribing: institution and physician at issue; dispensing: pharmacy at claim), and the
 * refusal reaches audit as a signal. One alert per attempt, `warning`; the same party's
 * `repeatThreshold`-th attempt within `repeatWindowDays` and later ones are `high`.
 */
export function threeFixedAttemptRule(facts: readonly AuditFact[], params: RefusedAttemptParams): Alert[] {
  const attempts = facts
    .map(attemptOf)
    .filter((a): a is Attempt => a !== undefined)
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || (a.f.sourceEventId < b.f.sourceEventId ? -1 : 1));
  return attempts.map((a, i) => {
    const t = Date.parse(a.at);
    const inWindow = attempts.slice(0, i + 1).filter((o) => o.leg === a.leg && o.party === a.party && Date.parse(o.at) > t - params.repeatWindowDays * DAY_MS).length;
    const who = { INSTITUTION: 'institution', PHYSICIAN: 'physician', PHARMACY: 'pharmacy' }[a.leg];
    return alert({
      ruleId: 'three-fixed-attempt',
      cause: [a.f.sourceEventId],
      severity: inWindow >= params.repeatThreshold ? 'high' : 'warning',
      subjectKey: a.prescriptionId,
      occurredAt: a.at,
      summary: `${who} ${a.party} is not designated for special drug ${a.drugCodes.join(', ')}; refused (attempt ${inWindow} in ${params.repeatWindowDays} days)`,
      prescriptionId: a.prescriptionId,
      ...(a.pharmacyId ? { pharmacyId: a.pharmacyId } : {}),
      ...(a.patientId ? { patientId: a.patientId } : {}),
      ...(a.drugCodes.length === 1 ? { drugCode: a.drugCodes[0] } : {}),
      evidence: [a.f.sourceEventId],
      details: { leg: a.leg, party: a.party, drugCodes: a.drugCodes.join(','), attemptsInWindow: inWindow, windowDays: params.repeatWindowDays, ...a.details },
    });
  });
}
