import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HttpClient } from '../lib/http';
import { PostgresEventStore } from '@rx/event-store';
import { type BenchDatabase, createBenchDatabase } from '../lib/pg-database';
import { type LagRow, relayLag, relayLagOf } from '../lib/lag';
import { BENCH_JWT_SECRET, BENCH_PICKUP_SECRET, closedLoop, LifecycleDriver, RunResult } from '../lib/lifecycle';
import { MemorySampler, ROOT, startApp, type AppProcess } from '../lib/proc';
import { now, type Samples } from '../lib/stats';
import { StoreProbe } from '../lib/store-probe';

const run = promisify(execFile);

export interface DistributedOptions {
  concurrency: number;
  durationMs: number;
  warmupMs: number;
  referenceDir: string;
  patients: string[];
  log: (line: string) => void;
  /** `sqlite` (default): a file per app. `postgres`: a database per app on the local server (dropped after). */
  store?: 'sqlite' | 'postgres';
  /** Instances of each app (default 1); with two, the lifecycles alternate between them. */
  instances?: number;
}

export interface DistributedResult {
  brokers: string;
  store: 'sqlite' | 'postgres';
  instances: number;
  apps: string[];
  result: RunResult;
  lag: Map<string, Samples>;
  peakRssBytes: Record<string, number>;
}

/**
 * The distributed mode on one host: a local KRaft broker (`KAFKA_BROKERS`, else tools/kafka/kafka.sh
 * in a private run dir, stopped afterwards) and each context app as its own compiled process with
 * its own SQLite file and RX_BUS=kafka.
 */
export async function runDistributed(o: DistributedOptions): Promise<DistributedResult> {
  const dir = mkdtempSync(join(tmpdir(), 'rx-bench-kafka-'));
  let brokers = process.env.KAFKA_BROKERS ?? '';
  const ownBroker = !brokers;
  const kafkaEnv = { ...process.env, KAFKA_RUN_DIR: join(dir, 'kafka') };
  const apps: AppProcess[] = [];
  const probes: StoreProbe[] = [];
  const storeKind = o.store ?? 'sqlite';
  const instances = o.instances ?? 1;
  const databases: BenchDatabase[] = [];
  const pgStores: PostgresEventStore[] = [];
  try {
    if (ownBroker) {
      o.log('  starting a local Kafka broker (tools/kafka/kafka.sh)');
      const { stdout } = await run('bash', [join(ROOT, 'tools', 'kafka', 'kafka.sh'), 'start'], { env: kafkaEnv, timeout: 300_000 });
      brokers = stdout.trim().split('\n').pop()!.trim();
    }
    const names = ['prescribing', 'dispensing', 'settlement', 'audit'] as const;
    const storeUrl = new Map<string, string>();
    for (const name of names) {
      if (storeKind === 'postgres') {
        const db = await createBenchDatabase(name);
        databases.push(db);
        storeUrl.set(name, `${db.url}?pool_max=4`);
      } else storeUrl.set(name, `sqlite:${join(dir, `${name}.sqlite`)}`);
    }
    const started = await Promise.all(
      Array.from({ length: instances }, (_, i) => names.map((name) => ({ name, i }))).flat().map(({ name, i }) =>
        startApp(name, {
          RX_BUS: 'kafka',
          KAFKA_BROKERS: brokers,
          RX_EVENT_STORE: storeUrl.get(name)!,
          RX_INSTANCE_ID: `${name}-${i}`,
          RX_JWT_SECRET: BENCH_JWT_SECRET,
          RX_PICKUP_CODE_SECRET: BENCH_PICKUP_SECRET,
          RX_REFERENCE_DATA: o.referenceDir,
        }, { timeoutMs: 180_000 }),
      ),
    );
    apps.push(...started);
    const memory = new MemorySampler(() => apps);
    // One driver per instance set; the lifecycles in flight alternate between them.
    const clients: HttpClient[] = [];
    const drivers = Array.from({ length: instances }, (_, i) => {
      const [p, d, s] = started.slice(i * names.length, i * names.length + 3);
      const targets = { prescribing: new HttpClient(p.baseUrl, 256), dispensing: new HttpClient(d.baseUrl, 256), settlement: new HttpClient(s.baseUrl, 256) };
      clients.push(...Object.values(targets));
      return new LifecycleDriver(targets, o.patients);
    });
    if (o.warmupMs > 0) await closedLoopAcross(drivers, o.concurrency, o.warmupMs);
    let lag: Map<string, Samples>;
    let result: RunResult;
    if (storeKind === 'postgres') {
      for (const name of ['prescribing', 'dispensing', 'settlement']) pgStores.push(new PostgresEventStore(storeUrl.get(name)!));
      const before = await Promise.all(pgStores.map(async (st) => (await st.headPosition()) ?? 0n));
      result = await closedLoopAcross(drivers, o.concurrency, o.durationMs);
      memory.stop();
      const rows = await Promise.all(pgStores.map((st, i) => lagRows(st, before[i])));
      lag = relayLagOf([rows[0], rows[1]], [rows[1], rows[2]]);
    } else {
      for (const name of ['prescribing', 'dispensing', 'settlement']) probes.push(new StoreProbe(join(dir, `${name}.sqlite`)));
      const before = new Map(probes.map((pr) => [pr, pr.head()]));
      result = await closedLoopAcross(drivers, o.concurrency, o.durationMs);
      memory.stop();
      lag = relayLag([probes[0], probes[1]], [probes[1], probes[2]], before);
    }
    for (const c of clients) c.close();
    const peakRssBytes: Record<string, number> = {};
    apps.forEach((a, i) => (peakRssBytes[instances > 1 ? `${a.name}-${Math.floor(i / names.length)}` : a.name] = a.memory().peak));
    return { brokers, store: storeKind, instances, apps: [...new Set(apps.map((a) => a.name))], result, lag, peakRssBytes };
  } finally {
    for (const pr of probes) pr.close();
    await Promise.all(pgStores.map((st) => st.close()));
    await Promise.all(apps.map((a) => a.stop()));
    if (ownBroker) await run('bash', [join(ROOT, 'tools', 'kafka', 'kafka.sh'), 'stop'], { env: kafkaEnv, timeout: 120_000 }).catch((e) => o.log(`  kafka stop failed: ${(e as Error).message}`));
    rmSync(dir, { recursive: true, force: true });
    await Promise.all(databases.map((db) => db.drop().catch((e) => o.log(`  dropping ${db.name} failed: ${(e as Error).message}`))));
  }
}

/** A closed loop whose lifecycles in flight are spread over several drivers (instances), one result. */
async function closedLoopAcross(drivers: LifecycleDriver[], concurrency: number, durationMs: number): Promise<RunResult> {
  if (drivers.length === 1) return closedLoop(drivers[0], concurrency, durationMs);
  const r = new RunResult();
  r.startedAt = now();
  const deadline = r.startedAt + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, lane) => {
      while (now() < deadline) await drivers[lane % drivers.length].run(r);
    }),
  );
  r.endedAt = now();
  return r;
}

/** The rows relay lag is computed from, read from a PostgreSQL store. */
async function lagRows(store: PostgresEventStore, after: bigint): Promise<LagRow[]> {
  const rows: LagRow[] = [];
  let cursor = after;
  for (;;) {
    const page = await store.readAll({ after: cursor, maxCount: 5000 });
    if (page.length === 0) return rows;
    for (const e of page) rows.push({ event_id: e.id, stream_id: e.streamId, occurred_at: Date.parse(e.metadata.occurredAt), causation: e.metadata.causationId ?? null });
    cursor = page[page.length - 1].position;
  }
}
