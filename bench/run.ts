// npm run bench [-- --quick] [--profile] [--no-kafka] [--no-build] [--patients N] [--duration S] [--only embedded,appends,audit,kafka,postgres]
// Measures the lifecycle end to end (issue 8): embedded platform over HTTP (closed and open model),
// the raw store beside it, audit history and read-model rebuilds on a seeded store, the distributed
// mode on a local Kafka broker, and the platform's peak memory. Prints one table; writes
// bench/results/latest.md. Nothing here asserts a time: the figures are for people to read.
import { execFileSync, execSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAppends, type AppendFigures } from './scenarios/appends';
import { runPostgresAppends, type PostgresAppendFigures } from './scenarios/postgres-appends';
import { runAudit, type AuditResult } from './scenarios/audit';
import { runDistributed, type DistributedResult } from './scenarios/distributed';
import { runEmbedded, type EmbeddedResult } from './scenarios/embedded';
import { COMMANDS, type RunResult } from './lib/lifecycle';
import type { GcPauses, LoopReport } from './lib/loop-probe';
import { ROOT } from './lib/proc';
import { benchReferenceData } from './lib/reference';
import { int, ms, type Samples } from './lib/stats';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const quick = flag('quick');
/** `--only embedded,appends`: run just these parts (a faster loop while profiling one of them). */
const only = (() => {
  const i = args.indexOf('--only');
  return i >= 0 ? new Set(String(args[i + 1]).split(',')) : undefined;
})();
const wanted = (part: 'embedded' | 'appends' | 'audit' | 'kafka' | 'postgres') => !only || only.has(part);
const settings = {
  mode: quick ? 'quick' : 'full',
  concurrency: option('concurrency', 32),
  rate: option('rate', 500),
  warmupMs: quick ? 3_000 : 10_000,
  floorMs: quick ? 2_000 : 5_000,
  /** `--duration S`: the closed run's length in seconds (throughput that falls with history shows over a longer run). */
  closedMs: option('duration', quick ? 10 : 60) * 1000,
  openMs: quick ? 5_000 : 30_000,
  appendMs: quick ? 1_500 : 5_000,
  auditEvents: option('audit-events', quick ? 100_000 : 1_000_000),
  auditQueries: quick ? 1_000 : 5_000,
  rebuildBudgetMs: quick ? 15_000 : 90_000,
  kafkaMs: quick ? 8_000 : 60_000,
  patients: option('patients', 1000),
};

const log = (line: string) => process.stderr.write(line + '\n');

function machine(): Record<string, string> {
  const cpuModel = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? '?';
  let nproc = String(cpus().length);
  try {
    nproc = execSync('nproc').toString().trim();
  } catch {
    // os.cpus() then
  }
  return {
    cpu: `${nproc} × ${cpuModel}`,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    os: readFileSync('/proc/version', 'utf8').split(' ').slice(0, 3).join(' '),
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  };
}

function latencyRows(title: string, r: RunResult): string[] {
  const row = (name: string, s: Samples) => {
    const x = s.summary();
    const when = Number.isFinite(s.worstAt) ? ` (${((s.worstAt - r.startedAt) / 1000).toFixed(1)} s)` : '';
    return `| ${title} | ${name} | ${int(x.count)} | ${ms(x.p50)} | ${ms(x.p95)} | ${ms(x.p99)} | ${ms(x.max)}${when} |`;
  };
  return [...COMMANDS.map((c) => row(c, r.latency[c])), row('claimable after issue (relay)', r.circulate), row('payment readable after dispense', r.settle), row('whole lifecycle', r.lifecycle)];
}

/**
 * Where a lifecycle's CPU goes, from three measured figures: its requests at the floor price of a
 * near-empty GET, its events at the price of one append through the store alone (sequential, so
 * one commit each, as the platform's appends are), and what is left (domain code, validation, the
 * bus, relays, read models, audit's copies). The first two are lower bounds, so the rest is an upper one.
 */
function cpuBudget(e: EmbeddedResult, a: AppendFigures): string {
  const httpMs = (e.requestsPerLifecycle * (e.floor.paymentRead ?? e.floor.health).cpuUsPerRequest) / 1000;
  const appendUs = 1e6 / a.storeSequentialPerSecond;
  const storeMs = (e.eventsPerLifecycle * appendUs) / 1000;
  const restMs = e.cpuMsPerLifecycle - httpMs - storeMs;
  const pct = (x: number) => `${Math.round((100 * x) / e.cpuMsPerLifecycle)} %`;
  return (
    `CPU per lifecycle, split: ${e.requestsPerLifecycle.toFixed(1)} requests × the read's floor / ${e.eventsPerLifecycle.toFixed(1)} events × ${int(appendUs)} µs (one store append alone) / the rest | ` +
    `${ms(httpMs)} (${pct(httpMs)}) / ${ms(storeMs)} (${pct(storeMs)}) / ${ms(restMs)} ms (${pct(restMs)}) of ${ms(e.cpuMsPerLifecycle)} ms`
  );
}

interface PostgresFigures {
  appends?: PostgresAppendFigures | string;
  distributed?: DistributedResult | string;
}

function report(m: Record<string, string>, e?: EmbeddedResult, a?: AppendFigures, au?: AuditResult, d?: DistributedResult | string, pg: PostgresFigures = {}): string {
  const out: string[] = [];
  out.push(`Machine: ${m.cpu}, ${m.memory}, Node ${m.node}, ${m.os}; ${m.date}; \`${settings.mode}\` mode.`, '');
  out.push('| figure | value | target |', '|---|---|---|');
  if (e) {
    out.push(`| embedded lifecycles/s, ${settings.concurrency} in flight (closed model) | **${e.closed.perSecond.toFixed(0)}** (${int(e.closed.completed)} done, ${e.closed.failed} failed) | 1,000 |`);
    out.push(`| platform CPU time per lifecycle, closed run (user + system; the platform's one core caps it at 1000 ÷ this) | ${ms(e.cpuMsPerLifecycle)} ms | ≤ 1 ms |`);
    out.push(`| load generator's CPU per lifecycle, closed run (the bench process, on the other core) | ${ms(e.clientCpuMsPerLifecycle)} ms | |`);
    const p99 = Math.max(...COMMANDS.map((c) => e.open.latency[c].percentile(99)));
    out.push(`| embedded, ${settings.rate}/s offered (open model): worst command p99 | **${ms(p99)} ms** (${int(e.open.completed)} done, ${e.open.failed} failed) | < 10 ms |`);
    const p99s = Math.max(...COMMANDS.map((c) => e.sustainable.latency[c].percentile(99)));
    out.push(`| embedded, ${e.sustainableRate}/s offered (half the closed throughput): worst command p99 | ${ms(p99s)} ms (${int(e.sustainable.completed)} done, ${e.sustainable.failed} failed) | |`);
    const runs: Array<[string, { platform: LoopReport; client: LoopReport }]> = [['closed', e.loop.closed], [`${settings.rate}/s`, e.loop.open], [`${e.sustainableRate}/s`, e.loop.sustainable]];
    const names = runs.map(([n]) => n).join(' · ');
    const lateness = (r: LoopReport) => `${ms(r.delayP99Ms)} / ${ms(r.delayMaxMs)} ms`;
    out.push(`| platform event-loop stalls (lateness of a 10 ms timer), p99 / max: ${names} | ${runs.map(([, r]) => lateness(r.platform)).join(' · ')} | |`);
    const pauses = (g: GcPauses) => `${int(g.count)}, ${int(g.totalMs)} ms, max ${ms(g.maxMs)}`;
    out.push(`| platform GC pauses, scavenges / major (count, total, longest): ${names} | ${runs.map(([, r]) => `${pauses(r.platform.scavenge)} / ${pauses(r.platform.major)}`).join(' · ')} | |`);
    out.push(`| load generator's event-loop stalls, p99 / max (its own timing of replies is late by this much at most): ${names} | ${runs.map(([, r]) => lateness(r.client)).join(' · ')} | |`);
    out.push(`| embedded errors (non-2xx, overload) | closed: ${e.closed.errors.toString()}; open ${settings.rate}/s: ${e.open.errors.toString()}; open ${e.sustainableRate}/s: ${e.sustainable.errors.toString()} | none |`);
  }
  if (a) {
    out.push(`| raw appends/s: bare better-sqlite3 insert, one per commit (floor of a durable write), synchronous=${process.env.RX_SQLITE_SYNCHRONOUS === 'NORMAL' ? 'NORMAL' : 'FULL'} | ${int(a.bareInsertPerSecond)} | |`);
    out.push(`| raw appends/s: SqliteEventStore, sequential / ${a.concurrency} concurrent | ${int(a.storeSequentialPerSecond)} / ${int(a.storeConcurrentPerSecond)} | |`);
  }
  if (e && a) {
    out.push(`| platform appends/s during the closed run (${e.eventsPerLifecycle.toFixed(1)} events per lifecycle) | ${int(e.appendsPerSecond)} | |`);
    out.push(`| platform ÷ raw store (concurrent) | **${((100 * e.appendsPerSecond) / a.storeConcurrentPerSecond).toFixed(1)} %** | ≥ 50 % |`);
  }
  if (e) {
    const { health, paymentRead } = e.floor;
    const failed = health.failed + (paymentRead?.failed ?? 0);
    out.push(`| platform CPU per request, near-empty GET, ${settings.concurrency} in flight: \`/health\` / an agency's read of a recorded payment | ${int(health.cpuUsPerRequest)} / ${int(paymentRead?.cpuUsPerRequest ?? NaN)} µs (${int(health.perSecond)} / ${int(paymentRead?.perSecond ?? NaN)} per s${failed ? `; ${failed} not 200` : ''}) | |`);
  }
  if (e && a) out.push(`| ${cpuBudget(e, a)} | |`);
  if (au) {
    const h = au.history;
    out.push(`| audit history p50 / p99, ${int(au.events)} events in the store (AuditReader.history, no HTTP, in a fresh process) | ${ms(h.percentile(50))} / **${ms(h.percentile(99))} ms** | p99 < 5 ms |`);
    out.push(`| audit: the three streams read straight from the store, p99 | ${ms(au.storeRead.percentile(99))} ms | |`);
    if (au.historyErrors.length > 0) out.push(`| audit history errors | ${au.historyErrors.join('; ')} | none |`);
    const full = au.rebuilds.filter((r) => !r.partial && !r.name.startsWith('store scan'));
    const partial = au.rebuilds.filter((r) => r.partial);
    out.push(`| rebuild of ${partial.length ? 'the read models that finished' : 'every read model'} from position 0 (store events ÷ total time) | **${int(au.rebuildAllEventsPerSecond)} events/s** | > 50,000 |`);
    for (const r of au.rebuilds) out.push(`| … ${r.name} | ${(r.ms / 1000).toFixed(2)} s${r.events ? `, ${int((r.events * 1000) / r.ms)} events/s` : ''} | |`);
    out.push(`| audit seed (${int(au.prescriptions)} prescriptions, hash chains recomputed) | ${(au.seedMs / 1000).toFixed(1)} s | not a target |`);
  }
  if (typeof d === 'string') out.push(`| distributed (Kafka) | not run: ${d} | |`);
  else if (d) {
    out.push(`| distributed lifecycles/s (${d.apps.join(', ')}; Kafka ${d.brokers}), ${settings.concurrency} in flight | **${d.result.perSecond.toFixed(0)}** (${int(d.result.completed)} done, ${d.result.failed} failed; errors: ${d.result.errors.toString()}) | |`);
    for (const [hop, s] of d.lag) out.push(`| distributed relay lag ${hop}: p50 / p99 / max | ${ms(s.percentile(50))} / **${ms(s.percentile(99))}** / ${ms(s.percentile(100))} ms | |`);
    out.push(`| distributed peak RSS per app | ${Object.entries(d.peakRssBytes).map(([k, v]) => `${k} ${(v / 2 ** 20).toFixed(0)} MiB`).join(', ')} | |`);
  }
  if (typeof pg.appends === 'string') out.push(`| PostgreSQL appends | not run: ${pg.appends} | |`);
  else if (pg.appends) {
    const p = pg.appends;
    const pct = (x: number, y: number) => `${((100 * x) / y).toFixed(0)} %`;
    out.push(`| PostgreSQL appends/s: bare INSERT, one per transaction, sequential / ${p.concurrency} concurrent (${p.connections} connections; ${p.durability}) | ${int(p.bareSequentialPerSecond)} / ${int(p.bareConcurrentPerSecond)} | |`);
    out.push(`| PostgreSQL appends/s: PostgresEventStore, sequential / ${p.concurrency} concurrent | ${int(p.storeSequentialPerSecond)} / ${int(p.storeConcurrentPerSecond)} | |`);
    out.push(`| PostgreSQL store ÷ bare INSERT: sequential / concurrent | **${pct(p.storeSequentialPerSecond, p.bareSequentialPerSecond)}** / **${pct(p.storeConcurrentPerSecond, p.bareConcurrentPerSecond)}** | ≥ 50 % |`);
  }
  if (typeof pg.distributed === 'string') out.push(`| distributed on PostgreSQL | not run: ${pg.distributed} | |`);
  else if (pg.distributed) {
    const pd = pg.distributed;
    out.push(`| distributed lifecycles/s on PostgreSQL, ${pd.instances} instances per app (a database per app; Kafka ${pd.brokers}), ${settings.concurrency} in flight | **${pd.result.perSecond.toFixed(0)}** (${int(pd.result.completed)} done, ${pd.result.failed} failed; errors: ${pd.result.errors.toString()}) | |`);
    for (const [hop, s] of pd.lag) out.push(`| distributed on PostgreSQL, relay lag ${hop}: p50 / p99 / max | ${ms(s.percentile(50))} / **${ms(s.percentile(99))}** / ${ms(s.percentile(100))} ms | |`);
    out.push(`| distributed on PostgreSQL, peak RSS per instance | ${Object.entries(pd.peakRssBytes).map(([k, v]) => `${k} ${(v / 2 ** 20).toFixed(0)} MiB`).join(', ')} | |`);
  }
  if (e) {
    for (const [hop, s] of e.lag) out.push(`| embedded relay lag ${hop}: p50 / p99 / max | ${ms(s.percentile(50))} / ${ms(s.percentile(99))} / ${ms(s.percentile(100))} ms | |`);
    out.push(`| platform peak memory (VmHWM) | **${(e.peakRssBytes / 2 ** 20).toFixed(0)} MiB** | |`);
  }
  if (e) {
    out.push('', `Per-command latency in ms (embedded, ${settings.patients} patients, pharmacies P001/P002):`, '');
    out.push('| run | step | count | p50 | p95 | p99 | max (when, into the run) |', '|---|---|---|---|---|---|---|');
    out.push(...latencyRows(`closed ${settings.concurrency}`, e.closed), ...latencyRows(`open ${settings.rate}/s`, e.open), ...latencyRows(`open ${e.sustainableRate}/s`, e.sustainable));
    out.push('', `Expected waits (not failures): closed: ${e.closed.waits.toString()}; open: ${e.open.waits.toString()}.`);
  }
  if (d && typeof d !== 'string') {
    out.push('', 'Distributed per-command latency in ms:', '', '| run | step | count | p50 | p95 | p99 | max (when, into the run) |', '|---|---|---|---|---|---|---|', ...latencyRows('kafka', d.result));
    out.push('', `Expected waits: ${d.result.waits.toString()}.`);
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  const m = machine();
  log(`rx-circulation bench, ${settings.mode} mode: ${JSON.stringify(settings)}`);
  if (!flag('no-build')) {
    log('building (npm run build)');
    execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const ref = benchReferenceData(settings.patients);
  const profileDir = flag('profile') ? join(ROOT, 'bench', 'results', 'profiles') : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const keepDir = mkdtempSync(join(tmpdir(), 'rx-bench-template-'));
  let e: EmbeddedResult | undefined;
  let a: AppendFigures | undefined;
  let au: AuditResult | undefined;
  let d: DistributedResult | string | undefined;
  const pg: PostgresFigures = {};
  try {
    log('1/5 embedded platform over HTTP');
    if (wanted('embedded') || wanted('audit')) e = await runEmbedded({ ...settings, referenceDir: ref.dir, patients: ref.patients, cpuProfDir: profileDir, keepStoreAs: join(keepDir, 'template.sqlite'), log });
    log('2/5 raw store appends');
    if (wanted('appends')) a = await runAppends(settings.appendMs, settings.concurrency);
    log('3/5 audit history and read-model rebuilds');
    if (wanted('audit')) au = await runAudit({ templateFile: join(keepDir, 'template.sqlite'), events: settings.auditEvents, referenceDir: ref.dir, queries: settings.auditQueries, rebuildBudgetMs: settings.rebuildBudgetMs, log });
    if (flag('no-kafka') || !wanted('kafka')) d = flag('no-kafka') ? '--no-kafka' : undefined;
    else {
      log('4/5 distributed mode on Kafka');
      try {
        d = await runDistributed({ concurrency: settings.concurrency, durationMs: settings.kafkaMs, warmupMs: settings.warmupMs, referenceDir: ref.dir, patients: ref.patients, log });
      } catch (err) {
        d = `failed: ${(err as Error).message.split('\n')[0]}`;
        log(`  distributed run failed: ${(err as Error).message}`);
      }
    }
    if (wanted('postgres')) {
      log('5/5 PostgreSQL store: appends, then the distributed mode with two instances per app');
      try {
        pg.appends = await runPostgresAppends(settings.appendMs, settings.concurrency);
      } catch (err) {
        pg.appends = `failed: ${(err as Error).message.split('\n')[0]}`;
      }
      if (flag('no-kafka')) pg.distributed = '--no-kafka';
      else {
        try {
          pg.distributed = await runDistributed({ concurrency: settings.concurrency, durationMs: settings.kafkaMs, warmupMs: settings.warmupMs, referenceDir: ref.dir, patients: ref.patients, log, store: 'postgres', instances: 2 });
        } catch (err) {
          pg.distributed = `failed: ${(err as Error).message.split('\n')[0]}`;
          log(`  distributed run on PostgreSQL failed: ${(err as Error).message}`);
        }
      }
    }
  } finally {
    rmSync(keepDir, { recursive: true, force: true });
    rmSync(ref.dir, { recursive: true, force: true });
  }
  const table = report(m, e, a, au, d, pg);
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  process.stdout.write(`\n${table}\n\nTotal bench time ${minutes} min.\n`);
  const results = join(ROOT, 'bench', 'results');
  mkdirSync(results, { recursive: true });
  writeFileSync(join(results, 'latest.md'), `# Latest benchmark (\`npm run bench${quick ? ':quick' : ''}\`)\n\n${table}\n\nTotal bench time ${minutes} min.\n`);
  if (profileDir) log(`CPU profile(s) in ${profileDir}: ${readdirSync(profileDir).join(', ')}; summarise with node -r @swc-node/register bench/profile-summary.ts <file>`);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
