import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpClient } from '../lib/http';
import { relayLag } from '../lib/lag';
import { BENCH_JWT_SECRET, BENCH_PICKUP_SECRET, closedLoop, LifecycleDriver, openLoop, type RunResult } from '../lib/lifecycle';
import { LoopMonitor, LoopProbeClient, type LoopReport } from '../lib/loop-probe';
import { MemorySampler, readCpuSeconds, ROOT, startApp, waitUntilQuiet } from '../lib/proc';
import { measureRequestFloor, type RequestFloor } from '../lib/request-floor';
import type { Samples } from '../lib/stats';
import { StoreProbe } from '../lib/store-probe';

export interface EmbeddedOptions {
  concurrency: number;
  closedMs: number;
  rate: number;
  openMs: number;
  warmupMs: number;
  /** Length of each request-floor measurement. */
  floorMs: number;
  referenceDir: string;
  patients: string[];
  /** Write a V8 CPU profile of the platform into this directory. */
  cpuProfDir?: string;
  /** Copy the run's store here (the audit scenario clones its prescriptions). */
  keepStoreAs?: string;
  log: (line: string) => void;
}

export interface EmbeddedResult {
  closed: RunResult;
  open: RunResult;
  /** Open model at half the closed run's throughput. */
  sustainable: RunResult;
  sustainableRate: number;
  /** Events appended by the platform per second during the closed run (store head before/after). */
  appendsPerSecond: number;
  eventsPerLifecycle: number;
  /** Platform CPU time (user + system) per lifecycle during the closed run: steadier than a rate on a shared machine. */
  cpuMsPerLifecycle: number;
  /** The bench process's own CPU (the load generator, on the machine's other core) per lifecycle of the closed run. */
  clientCpuMsPerLifecycle: number;
  /** HTTP requests the closed run sent per completed lifecycle (commands, claim retries, payment polls). */
  requestsPerLifecycle: number;
  /** CPU per request of two near-empty GETs after the closed run: `/health` and an agency's read of a recorded payment. */
  floor: { health: RequestFloor; paymentRead?: RequestFloor };
  lag: Map<string, Samples>;
  /** Event-loop stalls and GC pauses during each run, of the platform and of the load generator. */
  loop: Record<'closed' | 'open' | 'sustainable', { platform: LoopReport; client: LoopReport }>;
  peakRssBytes: number;
  startMs: number;
}

/** The embedded platform, compiled, as its own process on a temp SQLite file, driven over keep-alive HTTP. */
export async function runEmbedded(o: EmbeddedOptions): Promise<EmbeddedResult> {
  const dir = mkdtempSync(join(tmpdir(), 'rx-bench-platform-'));
  const file = join(dir, 'rx.sqlite');
  const t0 = Date.now();
  const loopProbe = join(ROOT, 'dist', 'bench', 'lib', 'loop-probe-preload.js');
  const nodeArgs = ['-r', loopProbe, ...(o.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`] : [])];
  const app = await startApp('platform', {
    RX_EVENT_STORE: `sqlite:${file}`,
    RX_JWT_SECRET: BENCH_JWT_SECRET,
    RX_PICKUP_CODE_SECRET: BENCH_PICKUP_SECRET,
    RX_REFERENCE_DATA: o.referenceDir,
  }, { nodeArgs, ipc: true });
  const startMs = Date.now() - t0;
  const platformLoop = new LoopProbeClient(app.child);
  const own = new LoopMonitor();
  const loop = {
    reset: async () => {
      await platformLoop.reset();
      own.reset();
    },
    read: async () => ({ client: own.report(), platform: await platformLoop.read() }),
  };
  const memory = new MemorySampler(() => [app]);
  const client = new HttpClient(app.baseUrl, o.concurrency * 2 + 64);
  const probe = new StoreProbe(file);
  try {
    const driver = new LifecycleDriver({ prescribing: client, dispensing: client, settlement: client }, o.patients);
    if (o.warmupMs > 0) {
      const w = await closedLoop(driver, o.concurrency, o.warmupMs);
      o.log(`  warm-up: ${w.completed} lifecycles, ${w.failed} failed`);
      await waitUntilQuiet(app.pid);
    }
    const before = probe.head();
    const cpuBefore = readCpuSeconds(app.pid);
    const callsBefore = client.calls;
    const clientCpuBefore = process.cpuUsage();
    await loop.reset();
    const closed = await closedLoop(driver, o.concurrency, o.closedMs);
    const closedLoopReport = await loop.read();
    const clientCpu = process.cpuUsage(clientCpuBefore);
    const cpuAfter = readCpuSeconds(app.pid);
    const requests = client.calls - callsBefore;
    const after = probe.head();
    o.log(`  closed (${o.concurrency} in flight): ${closed.perSecond.toFixed(0)} lifecycles/s, ${closed.failed} failed`);
    // The floor under every request: what a GET that does next to nothing costs the platform.
    const health = await measureRequestFloor(client, app.pid, ['/health'], undefined, o.floorMs, o.concurrency);
    const paymentPaths = closed.dispenseIds.map((id) => `/settlement/dispenses/${id}`);
    const paymentRead = paymentPaths.length > 0 ? await measureRequestFloor(client, app.pid, paymentPaths, driver.agencyToken, o.floorMs, o.concurrency) : undefined;
    o.log(`  request floor: /health ${health.cpuUsPerRequest.toFixed(0)} µs, payment read ${paymentRead?.cpuUsPerRequest.toFixed(0) ?? '—'} µs of CPU per request`);
    const lag = relayLag([probe], [probe], new Map([[probe, before]]));
    await waitUntilQuiet(app.pid);
    await loop.reset();
    const open = await openLoop(driver, o.rate, o.openMs);
    const openLoopReport = await loop.read();
    o.log(`  open (${o.rate}/s offered): ${open.perSecond.toFixed(0)} lifecycles/s completed, ${open.failed} failed`);
    client.resetPool();
    const settledMs = await waitUntilQuiet(app.pid);
    o.log(`  platform quiet again ${settledMs} ms after the overload`);
    // And at half of what the closed run sustained: the latency at a load the platform carries.
    const sustainableRate = Math.max(10, Math.round(closed.perSecond / 2 / 10) * 10);
    await loop.reset();
    const sustainable = await openLoop(driver, sustainableRate, o.openMs);
    const sustainableLoopReport = await loop.read();
    o.log(`  open (${sustainableRate}/s offered): ${sustainable.perSecond.toFixed(0)} lifecycles/s completed, ${sustainable.failed} failed`);
    memory.stop();
    return {
      closed,
      open,
      sustainable,
      sustainableRate,
      appendsPerSecond: (after - before) / closed.seconds,
      eventsPerLifecycle: closed.completed ? (after - before) / closed.completed : NaN,
      cpuMsPerLifecycle: closed.completed ? ((cpuAfter - cpuBefore) * 1000) / closed.completed : NaN,
      clientCpuMsPerLifecycle: closed.completed ? (clientCpu.user + clientCpu.system) / 1000 / closed.completed : NaN,
      requestsPerLifecycle: closed.completed ? requests / closed.completed : NaN,
      floor: { health, paymentRead },
      lag,
      loop: { closed: closedLoopReport, open: openLoopReport, sustainable: sustainableLoopReport },
      peakRssBytes: Math.max(memory.peakHwm, memory.peakRss),
      startMs,
    };
  } finally {
    own.stop();
    memory.stop();
    client.close();
    probe.close();
    const code = await app.stop();
    if (code !== 0) o.log(`  platform exited with ${code}:\n${app.output().slice(-2000)}`);
    if (o.keepStoreAs) {
      const db = new Database(file);
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
      copyFileSync(file, o.keepStoreAs);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
