// How long the platform's own event loop stalled during a bench phase, and what share of that was
// garbage collection, so a latency tail can be told apart from the load generator's and the
// machine's. The bench preloads `loop-probe-preload` into the platform (never `npm start`), which
// answers over the IPC channel the bench opens.
import type { ChildProcess } from 'node:child_process';
import { isMainThread } from 'node:worker_threads';
import { constants, monitorEventLoopDelay, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

export interface GcPauses {
  count: number;
  totalMs: number;
  maxMs: number;
}

export interface LoopReport {
  /** Lateness of a 10 ms timer on the platform's main thread (a stall of the loop), ms. */
  delayP99Ms: number;
  delayMaxMs: number;
  scavenge: GcPauses;
  /** Mark-sweep-compact and incremental-marking finalisation pauses. */
  major: GcPauses;
}

type ProbeRequest = { rxLoopProbe: 'reset' | 'read'; id: number };
type ProbeReply = { rxLoopProbe: 'report'; id: number; report: LoopReport };

const RESOLUTION_MS = 10;

/** Event-loop lateness and GC pauses of this thread, from construction or the last reset. */
export class LoopMonitor {
  private readonly delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private scavenge = LoopMonitor.empty();
  private major = LoopMonitor.empty();
  private readonly gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      const bucket = kind === constants.NODE_PERFORMANCE_GC_MINOR ? this.scavenge : kind === constants.NODE_PERFORMANCE_GC_WEAKCB ? undefined : this.major;
      if (!bucket) continue;
      bucket.count++;
      bucket.totalMs += entry.duration;
      bucket.maxMs = Math.max(bucket.maxMs, entry.duration);
    }
  });

  constructor() {
    this.delay.enable();
    this.gc.observe({ entryTypes: ['gc'] });
  }

  private static empty(): GcPauses {
    return { count: 0, totalMs: 0, maxMs: 0 };
  }

  reset(): void {
    this.delay.reset();
    this.scavenge = LoopMonitor.empty();
    this.major = LoopMonitor.empty();
  }

  report(): LoopReport {
    // The histogram counts the timer's whole period as delay; what stalls callers is the lateness.
    const lateMs = (ns: number): number => Math.max(0, ns / 1e6 - RESOLUTION_MS);
    return { delayP99Ms: lateMs(this.delay.percentile(99)), delayMaxMs: lateMs(this.delay.max), scavenge: { ...this.scavenge }, major: { ...this.major } };
  }

  stop(): void {
    this.delay.disable();
    this.gc.disconnect();
  }
}

/** Runs in the platform: measures from now on and answers the bench's requests. */
export function startProbe(): void {
  // Preloads also run in worker threads (the WAL checkpointer): only the main thread answers.
  if (!isMainThread || typeof process.send !== 'function') return;
  const monitor = new LoopMonitor();
  process.on('message', (m: unknown) => {
    const req = m as Partial<ProbeRequest>;
    if (req?.rxLoopProbe !== 'read' && req?.rxLoopProbe !== 'reset') return;
    if (req.rxLoopProbe === 'reset') monitor.reset();
    process.send!({ rxLoopProbe: 'report', id: req.id ?? 0, report: monitor.report() } satisfies ProbeReply);
  });
  // The IPC channel must not keep a platform alive that is asked to stop.
  process.channel?.unref();
}

/** The bench's side: asks a child started with the probe and an IPC channel. */
export class LoopProbeClient {
  private seq = 0;
  constructor(private readonly child: ChildProcess) {}

  /** Starts a new measurement window. */
  async reset(): Promise<void> {
    await this.ask('reset');
  }

  /** What the platform's loop and GC did since the last reset. */
  read(): Promise<LoopReport> {
    return this.ask('read');
  }

  private ask(what: ProbeRequest['rxLoopProbe']): Promise<LoopReport> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.child.off('message', onMessage);
        reject(new Error(`loop probe: no answer to ${what} in 10 s`));
      }, 10_000);
      const onMessage = (m: unknown): void => {
        const reply = m as Partial<ProbeReply>;
        if (reply?.rxLoopProbe !== 'report' || reply.id !== id) return;
        clearTimeout(timer);
        this.child.off('message', onMessage);
        resolve(reply.report!);
      };
      this.child.on('message', onMessage);
      this.child.send({ rxLoopProbe: what, id } satisfies ProbeRequest);
    });
  }
}
