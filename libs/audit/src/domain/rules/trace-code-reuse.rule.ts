import { DispensingEventTypes, type AttemptRefusedV1 } from '@rx/contracts';
import { DAY_MS } from '@rx/kernel';
import type { AuditFact } from '../audit-fact';
import { alert, type Alert } from './rule';
import type { RefusedAttemptParams } from './monitoring-params';

/** A refused reuse of a traceability code, from the dispensing context's refusal signal. */
export function isTraceCodeReuse(f: AuditFact): boolean {
  return f.type === DispensingEventTypes.attemptRefused && (f.data as AttemptRefusedV1).code === 'TRACE_CODE_USED';
}

/**
 * Attempted reuse of a traceability code (004, electronic traceability): dispensing refuses a box
 * already sold, and the attempt itself is the signal (a box sold twice is paid twice by the fund).
 * Every refused attempt raises one alert, `warning`; a pharmacy's `repeatThreshold`-th attempt
 * within `repeatWindowDays` (counting it) and later ones are `high`. Facts: one pharmacy's refusals.
 */
export function traceCodeReuseRule(facts: readonly AuditFact[], params: RefusedAttemptParams): Alert[] {
  const attempts = facts.filter(isTraceCodeReuse).sort((a, b) => Date.parse(a.time) - Date.parse(b.time) || (a.sourceEventId < b.sourceEventId ? -1 : 1));
  return attempts.map((f, i) => {
    const d = f.data as AttemptRefusedV1;
    const t = Date.parse(f.time);
    const inWindow = attempts.slice(0, i + 1).filter((o) => (o.data as AttemptRefusedV1).pharmacyId === d.pharmacyId && Date.parse(o.time) > t - params.repeatWindowDays * DAY_MS).length;
    const codes = d.traceCodes ?? [];
    const first = codes[0];
    return alert({
      ruleId: 'trace-code-reuse',
      cause: [f.sourceEventId],
      severity: inWindow >= params.repeatThreshold ? 'high' : 'warning',
      subjectKey: d.prescriptionId,
      occurredAt: d.refusedAt,
      summary: `pharmacy ${d.pharmacyId} tried to sell ${codes.length === 1 ? `box ${first?.traceCode}` : `${codes.length} boxes`} already sold${
        first?.heldByPrescriptionId ? ` on prescription ${first.heldByPrescriptionId}` : ''
      } (attempt ${inWindow} in ${params.repeatWindowDays} days)`,
      prescriptionId: d.prescriptionId,
      pharmacyId: d.pharmacyId,
      ...(d.dispenseId ? { dispenseId: d.dispenseId } : {}),
      evidence: [f.sourceEventId],
      details: {
        traceCode: first?.traceCode ?? null,
        codesRefused: codes.length,
        heldByDispenseId: first?.heldByDispenseId ?? null,
        heldByPrescriptionId: first?.heldByPrescriptionId ?? null,
        pharmacistId: d.pharmacistId,
        attemptsInWindow: inWindow,
        windowDays: params.repeatWindowDays,
      },
    });
  });
}
