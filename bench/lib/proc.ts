import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../tools/free-port';

import { sleep } from './http';

export const ROOT = join(__dirname, '..', '..');

const children = new Set<ChildProcess>();
let hooked = false;
/** Every process the bench starts dies with it, also on Ctrl-C or a crash. */
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  const killAll = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      killAll();
      process.exit(130);
    });
  }
}


export interface AppProcess {
  name: string;
  pid: number;
  child: ChildProcess;
  baseUrl: string;
  output(): string;
  /** VmHWM (peak resident set) and VmRSS in bytes, from /proc. */
  memory(): { peak: number; rss: number };
  stop(graceMs?: number): Promise<number | null>;
}

/** Runs a compiled app (`dist/apps/<app>/src/main.js`, what `npm start` runs) and waits for /health. */
export async function startApp(
  app: string,
  env: Record<string, string>,
  options: { nodeArgs?: string[]; timeoutMs?: number; /** Open an IPC channel (for a preloaded probe). */ ipc?: boolean } = {},
): Promise<AppProcess> {
  hookExit();
  const entry = join(ROOT, 'dist', 'apps', app, 'src', 'main.js');
  if (!existsSync(entry)) throw new Error(`${entry} missing: run \`npm run build\` first`);
  const port = await freePort();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), entry], {
    cwd: ROOT,
    // The bench drives every lifecycle from one client per role (about 200/s): a limit it never
    // reaches keeps the rate limiter's own cost in the figures. RX_RATE_LIMIT_MAX overrides it.
    env: { ...process.env, NODE_ENV: 'development', RX_LOG_LEVEL: 'warn', RX_RATE_LIMIT_MAX: process.env.RX_RATE_LIMIT_MAX ?? '100000000', ...env, PORT: String(port) },
    stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    children.delete(child);
    resolve(code);
  }));
  const baseUrl = `http://127.0.0.1:${port}`;
  const proc: AppProcess = {
    name: app,
    pid: child.pid!,
    child,
    baseUrl,
    output: () => out,
    memory: () => readMemory(child.pid!),
    stop: async (graceMs = 20_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${app} exited with ${child.exitCode} before it was healthy:\n${out.slice(-4000)}`);
    try {
      const res = await fetch(`${baseUrl}/health`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${app} not healthy in time:\n${out.slice(-4000)}`);
    }
    await sleep(100);
  }
  return proc;
}

export function readMemory(pid: number): { peak: number; rss: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { peak: kb('VmHWM'), rss: kb('VmRSS') };
  } catch {
    return { peak: NaN, rss: NaN };
  }
}

/** CPU seconds (user + system) the process has used so far, from /proc/<pid>/stat; NaN when unreadable. */
export function readCpuSeconds(pid: number): number {
  try {
    // Fields after the parenthesised command name: state is field 3, utime 14 and stime 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/**
 * Waits until the process has gone quiet (under `busyShare` of a core over `windowMs`), at most
 * `timeoutMs`: work queued by one phase (relays, read models, audit copies of an overload's
 * backlog) must not be billed to the next phase's latencies. Returns how long it waited.
 */
export async function waitUntilQuiet(pid: number, { windowMs = 500, busyShare = 0.05, timeoutMs = 30_000 } = {}): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const before = readCpuSeconds(pid);
    await sleep(windowMs);
    const used = readCpuSeconds(pid) - before;
    if (!(used > (busyShare * windowMs) / 1000) || Date.now() - t0 >= timeoutMs) return Date.now() - t0;
  }
}

/** USER_HZ: 100 on every Linux we run on (getconf CLK_TCK). */
const CLOCK_TICKS_PER_SECOND = 100;

/** Samples RSS every `everyMs` while running; VmHWM gives the true peak at the end. */
export class MemorySampler {
  peakRss = 0;
  peakHwm = 0;
  private timer?: NodeJS.Timeout;
  constructor(private readonly procs: () => AppProcess[], everyMs = 250) {
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }
  sample(): void {
    for (const p of this.procs()) {
      const m = p.memory();
      if (m.rss > this.peakRss) this.peakRss = m.rss;
      if (m.peak > this.peakHwm) this.peakHwm = m.peak;
    }
  }
  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }
}
