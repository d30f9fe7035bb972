import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HttpClient } from '../lib/http';
import { relayLag } from '../lib/lag';
import { BENCH_JWT_SECRET, BENCH_PICKUP_SECRET, closedLoop, LifecycleDriver, type RunResult } from '../lib/lifecycle';
import { MemorySampler, ROOT, startApp, type AppProcess } from '../lib/proc';
import type { Samples } from '../lib/stats';
import { StoreProbe } from '../lib/store-probe';

const run = promisify(execFile);

export interface DistributedOptions {
  concurrency: number;
  durationMs: number;
  warmupMs: number;
  referenceDir: string;
  patients: string[];
  log: (line: string) => void;
}

export interface DistributedResult {
  brokers: string;
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
  try {
    if (ownBroker) {
      o.log('  starting a local Kafka broker (tools/kafka/kafka.sh)');
      const { stdout } = await run('bash', [join(ROOT, 'tools', 'kafka', 'kafka.sh'), 'start'], { env: kafkaEnv, timeout: 300_000 });
      brokers = stdout.trim().split('\n').pop()!.trim();
    }
    const names = ['prescribing', 'dispensing', 'settlement', 'audit'] as const;
    const started = await Promise.all(
      names.map((name) =>
        startApp(name, {
          RX_BUS: 'kafka',
          KAFKA_BROKERS: brokers,
          RX_EVENT_STORE: `sqlite:${join(dir, `${name}.sqlite`)}`,
          RX_JWT_SECRET: BENCH_JWT_SECRET,
          RX_PICKUP_CODE_SECRET: BENCH_PICKUP_SECRET,
          RX_REFERENCE_DATA: o.referenceDir,
        }, { timeoutMs: 180_000 }),
      ),
    );
    apps.push(...started);
    const [p, d, s] = started;
    const memory = new MemorySampler(() => apps);
    const targets = { prescribing: new HttpClient(p.baseUrl, 256), dispensing: new HttpClient(d.baseUrl, 256), settlement: new HttpClient(s.baseUrl, 256) };
    const driver = new LifecycleDriver(targets, o.patients);
    if (o.warmupMs > 0) await closedLoop(driver, o.concurrency, o.warmupMs);
    for (const name of ['prescribing', 'dispensing', 'settlement']) probes.push(new StoreProbe(join(dir, `${name}.sqlite`)));
    const before = new Map(probes.map((pr) => [pr, pr.head()]));
    const result = await closedLoop(driver, o.concurrency, o.durationMs);
    memory.stop();
    for (const c of Object.values(targets)) c.close();
    const lag = relayLag([probes[0], probes[1]], [probes[1], probes[2]], before);
    const peakRssBytes: Record<string, number> = {};
    for (const a of apps) peakRssBytes[a.name] = a.memory().peak;
    return { brokers, apps: apps.map((a) => a.name), result, lag, peakRssBytes };
  } finally {
    for (const pr of probes) pr.close();
    await Promise.all(apps.map((a) => a.stop()));
    if (ownBroker) await run('bash', [join(ROOT, 'tools', 'kafka', 'kafka.sh'), 'stop'], { env: kafkaEnv, timeout: 120_000 }).catch((e) => o.log(`  kafka stop failed: ${(e as Error).message}`));
    rmSync(dir, { recursive: true, force: true });
  }
}
