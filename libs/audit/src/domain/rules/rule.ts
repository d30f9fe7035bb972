import type { AlertRaisedV1, AlertRuleId, AlertSeverity } from '@rx/contracts';
import { derivedId } from '@rx/kernel';
import type { AuditFact } from '../audit-fact';

export type Alert = AlertRaisedV1;

/** Every rule: a pure function of facts (and parameters, and for time-driven rules the time). */
export type Rule<P> = (facts: readonly AuditFact[], params: P, now?: Date) => Alert[];

/** The alert id is a function of the rule and its cause only: the same cause never raises twice. */
export function alertId(ruleId: AlertRuleId, ...cause: string[]): string {
  return derivedId('audit-alert', ruleId, ...cause);
}

export function alert(fields: Omit<Alert, 'alertId'> & { cause: string[] }): Alert {
  const { cause, ...rest } = fields;
  return { alertId: alertId(fields.ruleId, ...cause), ...rest };
}

export type { AlertRuleId, AlertSeverity };
