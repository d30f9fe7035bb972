import { eventHashMatches, GENESIS_HASH, verifyStream, type EventStore, type RecordedEvent } from '@rx/event-store';
import { PrescriptionNotAudited } from '../domain/audit.errors';
import { toAuditFact, type AuditActor, type AuditContext, type AuditFactData } from '../domain/audit-fact';
import { auditStreamId } from '../domain/audit-streams';
import { describeFact } from '../domain/fact-summary';
import { byTimeThenRevision } from '../domain/history-order';
import { foldPrescription, type AuditPrescriptionState } from '../domain/prescription-state';
import { SourceVerifier } from './source-verifier';

export interface HistoryEntry {
  /** 1-based place in the history. */
  seq: number;
  type: string;
  context: AuditContext;
  time: string;
  actor: AuditActor | null;
  summary: string;
  data: unknown;
  sourceEventId: string;
  correlationId: string;
  causationId: string;
  auditEventId: string;
  auditRevision: number;
  integrity: {
    /** The audit copy recomputes its hash and links to the previous copy. */
    verified: boolean;
    auditChain: 'ok' | 'broken';
    /** The integrity hash the source context published. */
    sourceHash: string | null;
    /** The source context's stored event matches it; null when its store is not reachable from here. */
    sourceVerified: boolean | null;
    reason?: string;
  };
}

export interface PrescriptionHistory {
  prescriptionId: string;
  entries: HistoryEntry[];
  integrity: {
    /** Every entry verified, and every reachable source too. */
    ok: boolean;
    auditStream: { streamId: string; ok: boolean; eventCount: number; brokenAt?: number; reason?: string };
    sourcesReachable: boolean;
  };
}

export interface StateAsOf extends AuditPrescriptionState {
  asOf: string;
}

/**
 * The read side over the audit streams: history with integrity flags, and the state as of an
 * instant. Framework-free so the auditors' CLI runs the very same code against a store file.
 */
export class AuditReader {
  constructor(private readonly store: EventStore) {}

  async history(prescriptionId: string): Promise<PrescriptionHistory> {
    const streamId = auditStreamId(prescriptionId);
    const events = await this.store.readStream(streamId);
    if (events.length === 0) throw new PrescriptionNotAudited(`no audit facts for prescription ${prescriptionId}`);
    const chain = verifyStream(streamId, events);
    const sources = new SourceVerifier(this.store);
    const entries: HistoryEntry[] = [];
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      const fact = e.data as AuditFactData;
      const linked = e.revision === i && e.metadata.prevHash === (i === 0 ? GENESIS_HASH : events[i - 1].metadata.hash);
      // verifyStream recomputed every hash before the break: only what follows it is hashed again.
      const verified = linked && (i < (chain.brokenAt ?? events.length) || eventHashMatches(e));
      const source = await sources.verify(e.type, fact);
      entries.push({
        seq: 0,
        type: e.type,
        context: fact.context,
        time: fact.time,
        actor: toAuditFact(e.type, fact).actor,
        summary: describeFact(toAuditFact(e.type, fact)),
        data: fact.data,
        sourceEventId: fact.sourceEventId,
        correlationId: fact.correlationid,
        causationId: fact.causationid,
        auditEventId: e.id,
        auditRevision: e.revision,
        integrity: {
          verified,
          auditChain: chain.ok ? 'ok' : 'broken',
          sourceHash: fact.integrityhash,
          sourceVerified: source.verified,
          ...(verified ? {} : { reason: linked ? 'the audit copy does not match its hash (altered)' : 'the audit copy is out of its chain (removed or reordered)' }),
          ...(source.verified === false ? { reason: source.reason } : {}),
        },
      });
    }
    entries.sort((a, b) => byTimeThenRevision({ time: a.time, revision: a.auditRevision }, { time: b.time, revision: b.auditRevision }));
    entries.forEach((e, i) => (e.seq = i + 1));
    return {
      prescriptionId,
      entries,
      integrity: {
        ok: chain.ok && entries.every((e) => e.integrity.verified && e.integrity.sourceVerified !== false),
        auditStream: { streamId, ok: chain.ok, eventCount: chain.eventCount, brokenAt: chain.brokenAt, reason: chain.reason },
        sourcesReachable: entries.some((e) => e.integrity.sourceVerified !== null),
      },
    };
  }

  /**
   * Replays the facts that had happened at `asOf` (source time, inclusive). Throws when nothing is
   * known about the prescription at all; before its first fact the answer is `existed: false`.
   */
  async stateAsOf(prescriptionId: string, asOf: Date): Promise<StateAsOf> {
    const streamId = auditStreamId(prescriptionId);
    const events = await this.store.readStream(streamId, { upTo: asOf });
    if (events.length === 0 && (await this.store.readStream(streamId, { maxCount: 1 })).length === 0) {
      throw new PrescriptionNotAudited(`no audit facts for prescription ${prescriptionId}`);
    }
    const facts = ordered(events).map((e) => toAuditFact(e.type, e.data as AuditFactData));
    return { asOf: asOf.toISOString(), ...foldPrescription(prescriptionId, facts) };
  }
}

function ordered(events: RecordedEvent[]): RecordedEvent[] {
  return [...events].sort((a, b) => byTimeThenRevision({ time: (a.data as AuditFactData).time, revision: a.revision }, { time: (b.data as AuditFactData).time, revision: b.revision }));
}
