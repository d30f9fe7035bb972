/**
 * History order: when it happened at the source, ties by the audit stream revision (arrival).
 * Facts from different topics can arrive out of order; the source time is the truth of "when".
 */
export function byTimeThenRevision<T extends { time: string; revision: number }>(a: T, b: T): number {
  const d = Date.parse(a.time) - Date.parse(b.time);
  return d !== 0 ? d : a.revision - b.revision;
}
