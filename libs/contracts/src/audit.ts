import type { CloudEvent } from './cloud-event';
import { textProblem, TextLimits } from './text';

/**
 * Integration events of the audit context on `rx.audit.v1`: monitoring alerts (domain.md A1).
 * Kept out of topics.ts on purpose (that file is the three transaction contexts' contract);
 * subject and partition key = the alert's `subjectKey` (the prescription id when the alert is about
 * one prescription, otherwise the pharmacy, patient or claim it names).
 */
export const AUDIT_TOPIC = 'rx.audit.v1';

export const AuditEventTypes = {
  alertRaised: 'rx.audit.alert-raised.v1',
} as const;

export type AuditEventType = (typeof AuditEventTypes)[keyof typeof AuditEventTypes];

/** `forged-prescription`: a prescription whose seal (content hash, institution signature) failed on receipt; it was dead-lettered. */
export const ALERT_RULE_IDS = [
  'stockpiling',
  'price-above-reference',
  'dissolved-agreement',
  'overdue-settlement-claim',
  'unusual-volume',
  'trace-code-reuse',
  'three-fixed-attempt',
  'drug-not-indicated',
  'personal-account-cash-out',
  'dead-letter',
  'forged-prescription',
] as const;
export type AlertRuleId = (typeof ALERT_RULE_IDS)[number];

export type AlertSeverity = 'info' | 'warning' | 'high';

export interface AlertRaisedV1 {
  /** Derived from the rule and its cause, so one cause never raises two alerts. */
  alertId: string;
  ruleId: AlertRuleId;
  severity: AlertSeverity;
  /** Partition key and subject. */
  subjectKey: string;
  /** When the fact that triggered it happened (ISO instant); for time-driven rules, the sweep time. */
  occurredAt: string;
  /** One line for people. */
  summary: string;
  prescriptionId?: string;
  patientId?: string;
  pharmacyId?: string;
  dispenseId?: string;
  claimId?: string;
  drugCode?: string;
  /** Source event ids (CloudEvents ids) of the facts the rule looked at. */
  evidence: string[];
  /** Rule-specific numbers (thresholds, counts, amounts). */
  details: Record<string, string | number | boolean | null>;
}

export type AuditCloudEvent = CloudEvent<typeof AuditEventTypes.alertRaised, AlertRaisedV1>;

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Validation of `data` of an alert (consumers of rx.audit.v1 dead-letter what fails). */
export function validateAlertRaisedV1(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return 'data must be an object';
  const d = data as Record<string, unknown>;
  const str = (k: string, optional = false): string | undefined => {
    const v = d[k];
    if (v === undefined && optional) return undefined;
    const problem = textProblem(v, { ...TextLimits.alertSummary, blankAllowed: true });
    return problem ? `data.${k} ${problem}` : undefined;
  };
  for (const k of ['alertId', 'subjectKey', 'summary']) {
    const r = str(k);
    if (r) return r;
  }
  for (const k of ['prescriptionId', 'patientId', 'pharmacyId', 'dispenseId', 'claimId', 'drugCode']) {
    const r = str(k, true);
    if (r) return r;
  }
  if (!(ALERT_RULE_IDS as readonly unknown[]).includes(d.ruleId)) return `data.ruleId must be one of ${ALERT_RULE_IDS.join(', ')}`;
  if (!['info', 'warning', 'high'].includes(d.severity as string)) return 'data.severity must be info, warning or high';
  if (typeof d.occurredAt !== 'string' || !ISO_INSTANT.test(d.occurredAt) || Number.isNaN(Date.parse(d.occurredAt))) return 'data.occurredAt must be an ISO-8601 instant';
  if (!Array.isArray(d.evidence) || d.evidence.length > 1000 || d.evidence.some((e) => typeof e !== 'string')) return 'data.evidence must be an array of strings';
  if (typeof d.details !== 'object' || d.details === null || Array.isArray(d.details)) return 'data.details must be an object';
  return undefined;
}

/** For `ConsumerOptions.validate` on rx.audit.v1. */
export function validateAuditCloudEvent(event: { type: string; subject: string; data: unknown }): string | undefined {
  if (event.type !== AuditEventTypes.alertRaised) return `unknown audit event type ${JSON.stringify(event.type)}`;
  const reason = validateAlertRaisedV1(event.data);
  if (reason) return `${event.type}: ${reason}`;
  if ((event.data as AlertRaisedV1).subjectKey !== event.subject) return `${event.type}: subject must equal data.subjectKey`;
  return undefined;
}
