import {
  SettlementEventTypes,
  type CloudEvent,
  type DispensingEventDataByType,
  type PrescribingEventDataByType,
  type SettlementEventDataByType,
} from '@rx/contracts';
import { auditStreamId, pharmacyAuditStreamId } from './audit-streams';

export type AuditContext = 'prescribing' | 'dispensing' | 'settlement';

export interface AuditActor {
  role: string;
  id: string;
}

/**
 * What the audit copy of one integration event stores (the stored event's `data`; its type is the
 * CloudEvents type). Enough of the envelope to answer "who did what, when, and is it what the
 * source context stored": the source's integrity hash travels with it.
 */
export interface AuditFactData {
  sourceEventId: string;
  context: AuditContext;
  source: string;
  subject: string;
  /** When it happened, per the source context (ISO instant). */
  time: string;
  /** `role:id` as published, or null when the envelope had none. */
  actor: string | null;
  correlationid: string;
  causationid: string;
  integrityhash: string | null;
  data: unknown;
}

/** A fact as the pure functions see it (history, state, rules). */
export interface AuditFact {
  sourceEventId: string;
  type: string;
  context: AuditContext;
  time: string;
  actor: AuditActor | null;
  data: unknown;
}

export type AllEventData = PrescribingEventDataByType & DispensingEventDataByType & SettlementEventDataByType;
export type KnownFactType = keyof AllEventData;

/** A fact whose type this build knows, with its contract data type. */
export type TypedFact = { [K in KnownFactType]: { type: K; time: string; sourceEventId: string; actor: AuditActor | null; data: AllEventData[K] } }[KnownFactType];

const KNOWN_PREFIXES: Record<string, AuditContext> = {
  'rx.prescribing.': 'prescribing',
  'rx.dispensing.': 'dispensing',
  'rx.settlement.': 'settlement',
};

export function contextOfType(type: string): AuditContext | undefined {
  for (const [prefix, context] of Object.entries(KNOWN_PREFIXES)) if (type.startsWith(prefix)) return context;
  return undefined;
}

/** `role:id` → actor; anything else → null (the fact is still kept). */
export function parseActor(actor: string | null | undefined): AuditActor | null {
  const m = actor ? /^([^:]{1,32}):(.{1,128})$/.exec(actor) : null;
  return m ? { role: m[1], id: m[2] } : null;
}

export function toAuditFactData(event: CloudEvent, context: AuditContext): AuditFactData {
  return {
    sourceEventId: event.id,
    context,
    source: event.source,
    subject: event.subject,
    time: event.time,
    actor: event.actor ?? null,
    correlationid: event.correlationid,
    causationid: event.causationid,
    integrityhash: event.integrityhash ?? null,
    data: event.data,
  };
}

export function toAuditFact(type: string, d: AuditFactData): AuditFact {
  return { sourceEventId: d.sourceEventId, type, context: d.context, time: d.time, actor: parseActor(d.actor), data: d.data };
}

/** Narrows a fact to its contract type (validated on the way in); known types only. */
export function typed(fact: AuditFact): TypedFact {
  return { type: fact.type, time: fact.time, sourceEventId: fact.sourceEventId, actor: fact.actor, data: fact.data } as TypedFact;
}

const CLAIM_TYPES: readonly string[] = [SettlementEventTypes.claimSubmitted, SettlementEventTypes.claimApproved, SettlementEventTypes.claimPaid];

/**
 * The audit streams a validated envelope is copied to. One prescription's facts go to
 * `audit-{rxId}`; a settlement claim names several prescriptions, so it is copied to each of them
 * and to the pharmacy's stream (where the monitoring rules read claims once); an agreement
 * dissolution belongs to the pharmacy only.
 */
export function auditTargets(event: Pick<CloudEvent, 'type' | 'data'>): string[] {
  const data = event.data as Record<string, unknown>;
  if (event.type === SettlementEventTypes.agreementDissolved) return [pharmacyAuditStreamId(String(data.pharmacyId))];
  if (CLAIM_TYPES.includes(event.type)) {
    const ids = [...new Set((data.prescriptionIds as string[]) ?? [])];
    return [...ids.map(auditStreamId), pharmacyAuditStreamId(String(data.pharmacyId))];
  }
  return [auditStreamId(String(data.prescriptionId))];
}
