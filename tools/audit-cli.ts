/**
 * Replay for auditors, straight from the event store (no server needed):
 *   npm run audit -- history <rxId> [--json]       readable timeline with integrity marks
 *   npm run audit -- state <rxId> --as-of <ISO> [--json]
 *   npm run audit -- verify [--json]               exit 1 when any stream's hash chain fails or a dead letter was recorded
 *   npm run audit -- rebuild                       replay the monitoring read models from position zero
 * The store is RX_EVENT_STORE (default sqlite:./data/rx.sqlite). Only `rebuild` writes (its
 * checkpoint, and alerts not raised yet).
 */
import { existsSync } from 'node:fs';
import { AuditReader, checkIntegrity, MonitoringProjection, monitoringParamsFromEnv, PrescriptionNotAudited, type HistoryEntry } from '@rx/audit';
import { createEventStore, parseEventStoreUrl, type EventStore } from '@rx/event-store';

const USAGE = `usage: npm run audit -- <command>
  history <rxId> [--json]            every fact about a prescription, in the order it happened
  state <rxId> --as-of <ISO> [--json] the prescription as it was at that instant
  verify [--json]                    verify every stream's hash chain, list dead letters (exit 1 on either)
  rebuild                            drop and replay the monitoring read models from position zero
environment: RX_EVENT_STORE (default sqlite:./data/rx.sqlite)`;

class UsageError extends Error {}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const out = (line = ''): void => void process.stdout.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const args = argv.filter((a) => a !== '--json');
  const [command, ...rest] = args;
  if (!command || command === 'help' || command === '--help') {
    out(USAGE);
    return command ? 0 : 2;
  }
  const store = openStore(process.env.RX_EVENT_STORE ?? 'sqlite:./data/rx.sqlite');
  try {
    switch (command) {
      case 'history':
        return await history(store, required(rest[0], 'rxId'), json);
      case 'state': {
        const i = rest.indexOf('--as-of');
        const asOf = i >= 0 ? rest[i + 1] : undefined;
        if (!asOf || !ISO_INSTANT.test(asOf) || Number.isNaN(Date.parse(asOf))) throw new UsageError('state needs --as-of <ISO-8601 instant with a zone>, e.g. 2026-03-05T12:00:00Z');
        const rxId = required(rest.filter((_, j) => j !== i && j !== i + 1)[0], 'rxId');
        const state = await new AuditReader(store).stateAsOf(rxId, new Date(asOf));
        out(JSON.stringify(state, null, json ? 0 : 2));
        return 0;
      }
      case 'verify':
        return await verify(store, json);
      case 'rebuild':
        return await rebuild(store);
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } finally {
    await store.close();
  }
}

function openStore(url: string): EventStore {
  const location = parseEventStoreUrl(url);
  // Auditing a file that is not there would silently create an empty store.
  if (location.kind === 'sqlite' && location.path !== ':memory:' && !existsSync(location.path)) throw new UsageError(`no event store at ${location.path} (RX_EVENT_STORE=${url})`);
  return createEventStore(url);
}

function required(value: string | undefined, name: string): string {
  if (!value) throw new UsageError(`${name} is required`);
  return value;
}

async function history(store: EventStore, rxId: string, json: boolean): Promise<number> {
  const h = await new AuditReader(store).history(rxId);
  if (json) {
    out(JSON.stringify(h));
    return 0;
  }
  const reachable = h.entries.filter((e) => e.integrity.sourceVerified !== null);
  out(`Prescription ${h.prescriptionId}: ${h.entries.length} facts`);
  out(
    `Audit chain ${h.integrity.auditStream.ok ? 'intact' : `BROKEN at revision ${h.integrity.auditStream.brokenAt} (${h.integrity.auditStream.reason})`}; ` +
      (reachable.length === 0 ? 'source stores not reachable from here' : `sources verified ${reachable.filter((e) => e.integrity.sourceVerified).length}/${reachable.length}`),
  );
  out();
  for (const e of h.entries) out(formatEntry(e));
  out();
  out(h.integrity.ok ? '✓ every fact verifies' : '✗ some facts do not verify (marked ✗)');
  return 0;
}

function formatEntry(e: HistoryEntry): string {
  const ok = e.integrity.verified && e.integrity.sourceVerified !== false;
  const source = e.integrity.sourceVerified === null ? '' : e.integrity.sourceVerified ? ' (source ✓)' : ' (source ✗)';
  const time = e.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  const type = e.type.replace(/^rx\.[a-z]+\./, '').replace(/\.v\d+$/, '');
  const actor = e.actor ? `${e.actor.role}:${e.actor.id}` : '-';
  const head = `${ok ? '✓' : '✗'} ${String(e.seq).padStart(3)}  ${time}  ${e.context.padEnd(11)}  ${actor.padEnd(20)}  ${type}${source}`;
  const why = e.integrity.reason ? `\n        ! ${e.integrity.reason}` : '';
  return `${head}\n        ${e.summary}${why}`;
}

async function verify(store: EventStore, json: boolean): Promise<number> {
  const report = await checkIntegrity(store);
  if (json) out(JSON.stringify(report));
  else {
    out(`checked ${report.streamsChecked} streams, ${report.eventsChecked} events in ${report.durationMs} ms`);
    for (const f of report.failures) out(`✗ ${f.streamId}: broken at revision ${f.brokenAt}: ${f.reason}`);
    const { store: whole } = report;
    if (!whole.checked) out(`- store completeness not checked: ${whole.detail ?? 'not supported by this store'}`);
    else if (whole.ok) out(`✓ no event missing from the store's sequence (positions 1-${whole.lastAssigned})`);
    for (const m of whole.missing) out(`✗ events missing at positions ${m.from}-${m.to}: ${m.evidence}`);
    if (report.failures.length === 0 && whole.ok) out('✓ every hash chain verifies');
    else out(`✗ ${report.failures.length} stream(s) fail verification${whole.ok ? '' : `; ${whole.missing.length} range(s) of events missing from the store`}`);
    const { deadLetters } = report;
    if (deadLetters.count === 0) out('✓ no dead letters');
    else {
      out(`✗ ${deadLetters.count} dead letter(s): events a context refused, missing from it${deadLetters.count > deadLetters.recent.length ? ` (the latest ${deadLetters.recent.length} below)` : ''}`);
      for (const d of deadLetters.recent) out(`✗ dead letter ${d.failedAt} ${d.topic}${d.key ? ` key ${d.key}` : ''}, group ${d.groupId}: ${d.reason}`);
    }
  }
  return report.ok ? 0 : 1;
}

async function rebuild(store: EventStore): Promise<number> {
  const projection = new MonitoringProjection({ store, params: monitoringParamsFromEnv(process.env), now: () => new Date() });
  await projection.start();
  const report = await projection.rebuild();
  await projection.stop();
  out(`replayed ${report.events} events in ${report.durationMs} ms (${report.eventsPerSecond} events/s); ${report.alerts} alerts, ${report.alertsRaised} newly raised`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    else if (error instanceof PrescriptionNotAudited) process.stderr.write(`${error.message}\n`);
    else process.stderr.write(`audit failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = error instanceof PrescriptionNotAudited ? 3 : 2;
  },
);
