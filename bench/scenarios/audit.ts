import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { computeEventHash, GENESIS_HASH, SqliteEventStore, type EventStore } from '@rx/event-store';
import { openRawEvents } from '../lib/raw-events';
import { now, Samples } from '../lib/stats';
import type { HistoryChildResult } from './history-child';
import { MODELS } from './rebuild-child';

export interface AuditOptions {
  /** A store written by the lifecycle run: its prescriptions are the templates. */
  templateFile: string;
  events: number;
  referenceDir: string;
  queries: number;
  /** Per read model rebuild. */
  rebuildBudgetMs: number;
  log: (line: string) => void;
}

export interface RebuildFigure {
  name: string;
  /** Events the model applied (0 when it does not say). */
  events: number;
  ms: number;
  /** Did not finish within its time budget. */
  partial?: boolean;
}

export interface AuditResult {
  events: number;
  prescriptions: number;
  seedMs: number;
  history: Samples;
  historyErrors: string[];
  storeRead: Samples;
  rebuilds: RebuildFigure[];
  rebuildAllEventsPerSecond: number;
  platformStartMs: number;
}

interface Row {
  stream_id: string;
  event_id: string;
  type: string;
  data: string;
  metadata: string;
  occurred_at: number;
}

const TOKEN = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{64}|\b(?:BP\d{6}|PT00\d)\b/g;

/**
 * Seeds `events` events by cloning whole prescription histories written by the real platform (its
 * prescribing, dispensing, settlement and audit streams): every uuid, hash and patient id renamed,
 * and every hash chain recomputed (sha-256 over canonical JSON, as the store does), inserted in
 * large transactions. The audit copies' `integrityhash` follows its renamed source, so history
 * queries verify sources exactly as they would in a real store.
 */
export function seedStore(templateFile: string, target: string, events: number, log: (l: string) => void): { prescriptions: number; rxIds: string[]; ms: number } {
  const t0 = now();
  const src = new Database(templateFile, { readonly: true });
  const all = src.prepare('SELECT stream_id, event_id, type, data, metadata, occurred_at FROM events ORDER BY position').all() as Row[];
  const checkpoints = src.prepare('SELECT name FROM checkpoints').pluck().all() as string[];
  src.close();
  // Group the template's events by prescription: rx streams, its payment, and the ledger/account entries of its dispense.
  const rxOf = new Map<string, string>();
  for (const r of all) {
    const m = /^(?:prescription|dispensation|audit)-([0-9a-f-]{36})$/.exec(r.stream_id);
    if (m) rxOf.set(r.event_id, m[1]);
    if (r.type === 'PrescriptionDispensed') {
      const d = JSON.parse(r.data) as { dispenseId: string; prescriptionId: string };
      rxOf.set(`dispense:${d.dispenseId}`, d.prescriptionId);
    }
  }
  const groups = new Map<string, Row[]>();
  const shared: Row[] = [];
  for (const r of all) {
    let rx = rxOf.get(r.event_id);
    if (!rx) {
      const dispenseId = /"dispenseId":"([0-9a-f-]{36})"/.exec(r.data)?.[1];
      if (dispenseId && /^(payment|benefit|account)-/.test(r.stream_id)) rx = rxOf.get(`dispense:${dispenseId}`);
    }
    if (rx) {
      let g = groups.get(rx);
      if (!g) groups.set(rx, (g = []));
      g.push(r);
    } else shared.push(r);
  }
  const templates = [...groups.values()].filter((g) => g.some((r) => r.type === 'FundPaymentRecorded') && g.some((r) => r.stream_id.startsWith('audit-')));
  if (templates.length === 0) throw new Error('no complete prescription in the template store');

  const { db, insert } = openRawEvents(target);
  const heads = new Map<string, { revision: number; hash: string }>();
  let written = 0;
  const write = (r: Row, rename: (s: string) => string): void => {
    const streamId = rename(r.stream_id);
    const id = rename(r.event_id);
    const data = JSON.parse(rename(r.data)) as unknown;
    const meta = JSON.parse(rename(r.metadata)) as { correlationId: string; causationId: string; actor: { role: string; id: string }; occurredAt: string; hash: string; prevHash: string };
    const head = heads.get(streamId);
    const revision = head ? head.revision + 1 : 0;
    const prevHash = head ? head.hash : GENESIS_HASH;
    const hash = computeEventHash({ streamId, revision, id, type: r.type, data, metadata: meta, prevHash });
    const oldHash = meta.hash;
    meta.hash = hash;
    meta.prevHash = prevHash;
    insert.run(streamId, revision, id, r.type, JSON.stringify(data), JSON.stringify(meta), hash, r.occurred_at);
    heads.set(streamId, { revision, hash });
    written++;
    lastHashMap?.set(oldHash, hash);
  };
  let lastHashMap: Map<string, string> | undefined;
  const tx = db.transaction((fn: () => void) => fn());
  // The shared streams (agreements, alerts, pharmacy audit) once, as they were.
  tx(() => {
    for (const r of shared) write(r, (s) => s);
  });
  const rxIds: string[] = [];
  let clone = 0;
  while (written < events) {
    tx(() => {
      for (let k = 0; k < 500 && written < events; k++, clone++) {
        const g = templates[clone % templates.length];
        const map = new Map<string, string>();
        lastHashMap = map;
        const patient = `BQ${String(clone).padStart(7, '0')}`;
        const rename = (s: string) =>
          s.replace(TOKEN, (t) => {
            if (t.length === 64) return map.get(t) ?? t;
            if (t.length !== 36) return patient;
            let v = map.get(t);
            if (!v) map.set(t, (v = randomUUID()));
            return v;
          });
        for (const r of g) write(r, rename);
        const rx = /^prescription-(.+)$/.exec(rename(g.find((r) => r.stream_id.startsWith('prescription-'))!.stream_id))?.[1];
        if (rx) rxIds.push(rx);
      }
    });
    if (clone % 20_000 < 500) log(`  seeded ${written.toLocaleString('en-US')} events`);
  }
  // Relays, projections and the monitoring checkpoint start at the head: the platform serves, it does not replay.
  const head = (db.prepare('SELECT max(position) FROM events').pluck().get() as number) ?? 0;
  const save = db.prepare('INSERT INTO checkpoints (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position');
  for (const name of checkpoints) save.run(name, head);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { prescriptions: rxIds.length, rxIds, ms: now() - t0 };
}

async function timeRebuild(name: string, store: EventStore, make: () => Promise<number>): Promise<RebuildFigure> {
  const t0 = now();
  const events = await make();
  return { name, events, ms: now() - t0 };
}

/** Every read model rebuilt from position zero, one after another, in this process (what a restart does). */
async function rebuildAll(file: string, budgetMs: number): Promise<RebuildFigure[]> {
  const store = new SqliteEventStore(file);
  const out: RebuildFigure[] = [];
  try {
    out.push(await timeRebuild('store scan (readAll, every event)', store, async () => {
      let after: bigint | undefined;
      let n = 0;
      for (;;) {
        const page = await store.readAll({ after, maxCount: 1000 });
        n += page.length;
        if (page.length < 1000) return n;
        after = page[page.length - 1].position;
      }
    }));
  } finally {
    await store.close();
  }
  // Each model in its own process, under a time budget: the bench must end by itself.
  const db = new Database(file, { readonly: true });
  const facts = db.prepare("SELECT count(*) FROM events WHERE stream_id LIKE 'audit-%' OR stream_id LIKE 'alert-%'").pluck().get() as number;
  db.close();
  for (const [key, model] of Object.entries(MODELS)) {
    const t0 = now();
    const child = spawnSync(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'rebuild-child.ts'), file, key], { cwd: join(__dirname, '..', '..'), timeout: budgetMs, killSignal: 'SIGKILL', encoding: 'utf8' });
    const ms = now() - t0;
    let parsed: { events?: number; ms?: number; error?: string } = {};
    try {
      parsed = JSON.parse(child.stdout?.trim().split('\n').pop() ?? '');
    } catch {
      // killed or crashed: described below
    }
    if (parsed.events !== undefined && parsed.ms !== undefined) out.push({ name: model.name, events: parsed.events, ms: parsed.ms });
    else {
      const why = parsed.error ?? (child.signal ? `killed at its ${Math.round(budgetMs / 1000)} s budget` : `exit ${child.status}: ${(child.stderr ?? '').slice(-200)}`);
      const bound = key === 'monitoring' ? `; ${facts.toLocaleString('en-US')} facts, so < ${Math.round((facts * 1000) / ms).toLocaleString('en-US')} events/s` : '';
      out.push({ name: `${model.name}: NOT finished, ${why}${bound}`, events: 0, ms, partial: true });
    }
  }
  return out;
}

export async function runAudit(o: AuditOptions): Promise<AuditResult> {
  const dir = mkdtempSync(join(tmpdir(), 'rx-bench-audit-'));
  const file = join(dir, 'rx.sqlite');
  try {
    o.log(`  seeding ${o.events.toLocaleString('en-US')} events from the lifecycle run's prescriptions`);
    const seeded = seedStore(o.templateFile, file, o.events, o.log);
    const total = (() => {
      const db = new Database(file, { readonly: true });
      const n = db.prepare('SELECT count(*) FROM events').pluck().get() as number;
      db.close();
      return n;
    })();
    o.log(`  seeded ${total.toLocaleString('en-US')} events (${seeded.prescriptions.toLocaleString('en-US')} prescriptions) in ${(seeded.ms / 1000).toFixed(1)} s`);
    const sample = Array.from({ length: o.queries }, (_, i) => seeded.rxIds[Math.floor((i * 7919) % seeded.rxIds.length)]);

    // The history as GET /audit/prescriptions/:id/history computes it (AuditReader: the audit copies,
    // each source event found and verified in its own stream and chain), without HTTP, beside the
    // floor of reading its three streams. Through the platform it cannot be measured cleanly yet: at
    // start its monitoring projection replays every fact in the background and would share the CPU.
    const idsFile = join(dir, 'sample.json');
    writeFileSync(idsFile, JSON.stringify(sample));
    const child = spawnSync(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'history-child.ts'), file, idsFile], {
      cwd: join(__dirname, '..', '..'),
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const history = new Samples();
    const storeRead = new Samples();
    const historyErrors: string[] = [];
    try {
      const parsed = JSON.parse(child.stdout.trim().split('\n').pop() ?? '') as Partial<HistoryChildResult> & { error?: string };
      if (parsed.error) historyErrors.push(parsed.error);
      parsed.historyMs?.forEach((ms) => history.add(ms));
      parsed.storeMs?.forEach((ms) => storeRead.add(ms));
      historyErrors.push(...(parsed.errors ?? []));
    } catch {
      historyErrors.push(`history child exited ${child.status}: ${(child.stderr ?? '').slice(-300)}`);
    }
    const platformStartMs = NaN;
    o.log(`  rebuilding every read model from position zero`);
    const rebuilds = await rebuildAll(file, o.rebuildBudgetMs);
    const ms = rebuilds.filter((r) => !r.partial && !r.name.startsWith('store scan')).reduce((a, r) => a + r.ms, 0);
    return { events: total, prescriptions: seeded.prescriptions, seedMs: seeded.ms, history, historyErrors, storeRead, rebuilds, rebuildAllEventsPerSecond: (total * 1000) / ms, platformStartMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
