// The distributed mode as a test fixture: the four context apps as separate processes on the Kafka
// broker of the global setup, each with its own SQLite file in a temp dir, sharing the secrets.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokens } from './e2e-http';
import { spawnApp, type RunningApp } from './spawn-app';

export type ContextApp = 'prescribing' | 'dispensing' | 'settlement' | 'audit';

export const E2E_JWT_SECRET = 'e2e-jwt-secret-for-the-distributed-suite-0123456789';
export const E2E_PICKUP_CODE_SECRET = 'e2e-pickup-code-secret-for-the-distributed-suite-42';

export function kafkaBrokers(): string[] {
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (brokers.length === 0) throw new Error('KAFKA_BROKERS is not set: run this suite through `npm run test:kafka` (its global setup provides a broker)');
  return brokers;
}

export interface StartOptions {
  /** Name of this instance (default: the app name); two instances of one app need two labels. */
  label?: string;
  /** SQLite file name in the cluster's dir (default: `<label>.sqlite`); instances may share one. */
  storeFile?: string;
  env?: Record<string, string>;
  healthTimeoutMs?: number;
}

interface Instance {
  app: ContextApp;
  label: string;
  running: RunningApp;
  /** How this instance ended, once it did: written in the diagnostics. */
  ended?: string;
}

const OUTPUT_TAIL_LINES = 40;

/**
 * Owns every process it started and its temp dir: `dispose()` (in afterAll) stops them all, even
 * after a failure, and `diagnostics()` gives the tail of each one's output for failure messages.
 */
export class E2eCluster {
  readonly dir: string;
  readonly brokers: string[];
  readonly tokens = new Tokens(E2E_JWT_SECRET);
  private readonly instances = new Map<string, Instance>();
  /** Instances that were stopped or killed: their output still helps explain a failure. */
  private readonly retired: Instance[] = [];
  private readonly onExit = () => this.killAllNow();

  /** `brokers`: another broker than the global setup's (the secured suite starts its own). */
  constructor(name: string, options: { brokers?: string[] } = {}) {
    this.brokers = options.brokers ?? kafkaBrokers();
    this.dir = mkdtempSync(join(tmpdir(), `rx-e2e-${name}-`));
    // If the test process dies without afterAll, the apps must not outlive it.
    process.once('exit', this.onExit);
  }

  storePath(file: string): string {
    return join(this.dir, file);
  }

  async start(app: ContextApp, options: StartOptions = {}): Promise<RunningApp> {
    const label = options.label ?? app;
    if (this.instances.has(label)) throw new Error(`an instance labelled ${label} is already running`);
    const env: Record<string, string> = {
      RX_BUS: 'kafka',
      KAFKA_BROKERS: this.brokers.join(','),
      RX_EVENT_STORE: `sqlite:${this.storePath(options.storeFile ?? `${label}.sqlite`)}`,
      RX_JWT_SECRET: E2E_JWT_SECRET,
      RX_PICKUP_CODE_SECRET: E2E_PICKUP_CODE_SECRET,
      // info: start-up, consumer joins and relay progress, for the output tails shown on a failure.
      RX_LOG_LEVEL: 'info',
      // A SIGKILLed member holds its partitions until its session times out; keep that short here.
      KAFKA_SESSION_TIMEOUT_MS: '10000',
      ...options.env,
    };
    const running = await spawnApp(app, env, { timeoutMs: options.healthTimeoutMs ?? 60_000 });
    this.instances.set(label, { app, label, running });
    return running;
  }

  /** Starts several apps in parallel (start-up is mostly compilation: it overlaps well). */
  async startAll(apps: readonly ContextApp[]): Promise<void> {
    const results = await Promise.allSettled(apps.map((app) => this.start(app)));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length > 0) throw new Error(`could not start: ${failed.map((f) => (f.reason as Error).message).join('\n---\n')}`);
  }

  app(label: string): RunningApp {
    const instance = this.instances.get(label);
    if (!instance) throw new Error(`no running instance labelled ${label}`);
    return instance.running;
  }

  url(label: string): string {
    return this.app(label).baseUrl;
  }

  /** SIGKILL: no shutdown hooks, no flush, no offset commit; resolves once the process is gone. */
  async kill(label: string): Promise<void> {
    const instance = this.instances.get(label);
    if (!instance) throw new Error(`no running instance labelled ${label}`);
    this.instances.delete(label);
    instance.running.process.kill('SIGKILL');
    await instance.running.exited;
    instance.ended = 'SIGKILL (by the test)';
    this.retired.push(instance);
  }

  /** SIGTERM, then SIGKILL if the graceful stop hangs; resolves with the exit code (null when killed). */
  async stop(label: string, graceMs = 20_000): Promise<number | null> {
    const instance = this.instances.get(label);
    if (!instance) throw new Error(`no running instance labelled ${label}`);
    this.instances.delete(label);
    const code = await stopWithGrace(instance.running, graceMs);
    instance.ended = `stopped: exit ${code}`;
    this.retired.push(instance);
    return code;
  }

  /** The tail of every process's output, current and retired. */
  diagnostics(lines = OUTPUT_TAIL_LINES): string {
    const all = [...this.retired, ...this.instances.values()];
    return all
      .map((i) => {
        const state = i.ended ?? (i.running.process.exitCode === null ? 'running' : `exited ${i.running.process.exitCode}`);
        const tail = i.running.output().trimEnd().split('\n').slice(-lines).join('\n');
        return `----- ${i.label} (${i.app}, pid ${i.running.process.pid}, ${i.running.baseUrl}, ${state}) last ${lines} lines -----\n${tail || '(no output)'}`;
      })
      .join('\n');
  }

  /** For afterAll: stops every process (gracefully, then by force) and removes the temp dir. */
  async dispose(): Promise<void> {
    const labels = [...this.instances.keys()];
    await Promise.allSettled(labels.map((l) => this.stop(l, 15_000)));
    process.removeListener('exit', this.onExit);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private killAllNow(): void {
    for (const i of this.instances.values()) if (i.running.process.exitCode === null) i.running.process.kill('SIGKILL');
  }
}

async function stopWithGrace(app: RunningApp, graceMs: number): Promise<number | null> {
  if (app.process.exitCode !== null || app.process.signalCode !== null) return app.process.exitCode;
  app.process.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const forced = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), graceMs);
  });
  const outcome = await Promise.race([app.exited, forced]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    app.process.kill('SIGKILL');
    return app.exited;
  }
  return outcome;
}

/**
 * `it` for process-level tests: a failure carries the tail of every app's output, and a test that
 * never finished (a jest timeout) gets it printed in afterAll instead.
 */
export function e2eTest(cluster: () => E2eCluster | undefined, timeoutMs = 90_000) {
  const unfinished = new Set<string>();
  const scenario = (name: string, fn: () => Promise<void>) =>
    it(
      name,
      async () => {
        unfinished.add(name);
        try {
          await fn();
          unfinished.delete(name);
        } catch (e) {
          unfinished.delete(name);
          const c = cluster();
          if (e instanceof Error && c) e.message += `\n\n===== app output at the failure =====\n${c.diagnostics()}`;
          throw e;
        }
      },
      timeoutMs,
    );
  /** Call first thing in afterAll. */
  const reportUnfinished = () => {
    const c = cluster();
    if (unfinished.size > 0 && c) {
      process.stderr.write(`\n===== e2e: tests that did not finish (${[...unfinished].join('; ')}): app output =====\n${c.diagnostics()}\n`);
    }
  };
  return { scenario, reportUnfinished };
}
