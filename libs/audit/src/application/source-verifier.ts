import { SettlementEventTypes } from '@rx/contracts';
import { eventHashMatches, verifyStream, type EventStore, type RecordedEvent, type StreamVerification } from '@rx/event-store';
import type { AuditFactData } from '../domain/audit-fact';

/**
 * Where the source context keeps the event an envelope was published from. These are the stream
 * names of architecture.md ("Streams"), a documented convention, not an import of another context.
 * They are only reachable when the audit shares the store with the source contexts (embedded mode).
 */
export function sourceStreamCandidates(type: string, fact: AuditFactData): string[] {
  const d = (fact.data ?? {}) as Record<string, unknown>;
  switch (fact.context) {
    case 'prescribing':
      return [`prescription-${String(d.prescriptionId)}`];
    case 'dispensing':
      return [`dispensation-${String(d.prescriptionId)}`];
    case 'settlement':
      if (type === SettlementEventTypes.fundPaymentRecorded || type === SettlementEventTypes.fundPaymentReversed) return [`payment-${String(d.dispenseId)}`];
      if (type === SettlementEventTypes.agreementDissolved) return [`agreement-${String(d.pharmacyId)}`];
      return [`pharmacyclaim-${String(d.claimId)}`];
  }
}

export type SourceVerdict = { verified: boolean | null; streamId: string | null; reason?: string };

/**
 * Checks an audit fact against the source context's stored event: found (by the published
 * integrity hash, or by id), its own hash recomputes, it equals the published hash, and the source
 * chain is intact up to it. `null` when the source stream is not in this store (distributed mode).
 * Reads and verifications are cached per instance: make one per request.
 */
export class SourceVerifier {
  private readonly streams = new Map<string, Promise<{ events: RecordedEvent[]; verification: StreamVerification }>>();

  constructor(private readonly store: EventStore) {}

  async verify(type: string, fact: AuditFactData): Promise<SourceVerdict> {
    let reachable: string | null = null;
    for (const streamId of sourceStreamCandidates(type, fact)) {
      const { events, verification } = await this.load(streamId);
      if (events.length === 0) continue;
      reachable = streamId;
      const index = events.findIndex((e) => (fact.integrityhash !== null && e.metadata.hash === fact.integrityhash) || e.id === fact.sourceEventId.toLowerCase());
      if (index < 0) continue;
      const source = events[index];
      if (fact.integrityhash !== null && source.metadata.hash !== fact.integrityhash) return { verified: false, streamId, reason: 'the stored hash differs from the published integrity hash' };
      // verifyStream recomputed every hash before the break: only an event after it is hashed again.
      if (index >= (verification.brokenAt ?? events.length) && !eventHashMatches(source)) return { verified: false, streamId, reason: 'the source event no longer matches its hash (altered)' };
      if (!verification.ok && verification.brokenAt !== undefined && verification.brokenAt <= index) {
        return { verified: false, streamId, reason: `the source chain is broken at revision ${verification.brokenAt}: ${verification.reason}` };
      }
      return { verified: true, streamId };
    }
    return reachable ? { verified: false, streamId: reachable, reason: 'the source event is missing from its stream (removed)' } : { verified: null, streamId: null };
  }

  private load(streamId: string): Promise<{ events: RecordedEvent[]; verification: StreamVerification }> {
    let entry = this.streams.get(streamId);
    if (!entry) {
      entry = this.store.readStream(streamId).then((events) => ({ events, verification: verifyStream(streamId, events) }));
      this.streams.set(streamId, entry);
    }
    return entry;
  }
}
