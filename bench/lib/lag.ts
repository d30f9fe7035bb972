import { StoreProbe } from './store-probe';
import { Samples } from './stats';

export interface LagRow {
  event_id: string;
  stream_id: string;
  occurred_at: number;
  causation: string | null;
}

export interface Hop {
  name: string;
  /** Stream prefix of the events published by the producer (relayed to the bus). */
  from: string;
  /** Stream prefixes the consumer writes in reaction. */
  to: string[];
}

export const HOPS: Hop[] = [
  { name: 'prescribing → dispensing', from: 'prescription-', to: ['dispensation-'] },
  { name: 'dispensing → settlement', from: 'dispensation-', to: ['benefit-', 'personalaccount-', 'payment-'] },
];

/**
 * Relay lag per hop, from the stored facts: a reactor's events carry `causationId` = the source
 * event's id (= the envelope id), and every event its `occurredAt` (the writer's clock at the
 * command). Lag = the consumer's first reacting event's occurredAt − the source event's occurredAt:
 * append → relay → bus → consume → the consumer's first write (ms resolution, one host clock).
 */
export function relayLag(producers: StoreProbe[], consumers: StoreProbe[], afterPositions: Map<StoreProbe, number>): Map<string, Samples> {
  const load = (p: StoreProbe): LagRow[] =>
    p.all<LagRow>(`SELECT event_id, stream_id, occurred_at, json_extract(metadata, '$.causationId') AS causation FROM events WHERE position > ?`, afterPositions.get(p) ?? 0);
  const cache = new Map<StoreProbe, LagRow[]>();
  const rows = (p: StoreProbe) => {
    let r = cache.get(p);
    if (!r) cache.set(p, (r = load(p)));
    return r;
  };
  return relayLagOf(producers.map(rows), consumers.map(rows));
}

/** The same from rows read elsewhere (a PostgreSQL store): per hop, the producers' and consumers' rows. */
export function relayLagOf(producers: LagRow[][], consumers: LagRow[][]): Map<string, Samples> {
  const out = new Map<string, Samples>();
  for (const hop of HOPS) {
    const sources = new Map<string, number>();
    for (const rows of producers) for (const r of rows) if (r.stream_id.startsWith(hop.from)) sources.set(r.event_id, r.occurred_at);
    const first = new Map<string, number>();
    for (const rows of consumers)
      for (const r of rows) {
        if (!r.causation || !hop.to.some((t) => r.stream_id.startsWith(t))) continue;
        const src = sources.get(r.causation);
        if (src === undefined) continue;
        const seen = first.get(r.causation);
        if (seen === undefined || r.occurred_at < seen) first.set(r.causation, r.occurred_at);
      }
    const samples = new Samples();
    for (const [id, t] of first) samples.add(t - sources.get(id)!);
    out.set(hop.name, samples);
  }
  return out;
}
