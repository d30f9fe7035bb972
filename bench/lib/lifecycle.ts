import { randomUUID } from 'node:crypto';
import { TokenService } from '@rx/auth';
import { HttpClient, sleep, type Reply } from './http';
import { now, Samples, Tally } from './stats';

export const BENCH_JWT_SECRET = 'bench-jwt-secret-of-at-least-thirty-two-characters';
export const BENCH_PICKUP_SECRET = 'bench-pickup-code-secret-of-thirty-two-characters';

export interface Targets {
  prescribing: HttpClient;
  dispensing: HttpClient;
  settlement: HttpClient;
}

export const COMMANDS = ['issue', 'claim', 'review', 'dispense'] as const;
export type Command = (typeof COMMANDS)[number];

/** Everything one run measured. Latencies in ms; a failed lifecycle stops at its first non-2xx. */
export class RunResult {
  readonly latency: Record<Command, Samples> = { issue: new Samples(), claim: new Samples(), review: new Samples(), dispense: new Samples() };
  /** Dispense answered → fund payment readable (relay + saga + poll granularity). */
  readonly settle = new Samples();
  /** Issue answered → dispensing accepts the claim (relay + reactor, eventual consistency). */
  readonly circulate = new Samples();
  /** Intended start → fund payment readable. */
  readonly lifecycle = new Samples();
  readonly errors = new Tally();
  /** Expected, not failures: claims before dispensing learnt the prescription, payment polls before settlement recorded it. */
  readonly waits = new Tally();
  /** Some dispenses that reached settlement (the bench reads their payments again to time a plain GET). */
  readonly dispenseIds: string[] = [];
  completed = 0;
  failed = 0;
  started = 0;
  startedAt = 0;
  endedAt = 0;
  get seconds(): number {
    return (this.endedAt - this.startedAt) / 1000;
  }
  get perSecond(): number {
    return this.completed / this.seconds;
  }
}

const PHARMACIES = [
  { id: 'P001', pharmacist: 'PH001' },
  { id: 'P002', pharmacist: 'PH002' },
];

let traceSeq = 0;
const traceStamp = String(Date.now() % 10_000_000).padStart(7, '0');
/** 20 digits, unique within a run (a traceability code marks one package). */
function traceCode(): string {
  traceSeq += 1;
  return `9${traceStamp}${String(traceSeq).padStart(12, '0')}`;
}

class StepFailed extends Error {}

/**
 * One prescription from the physician's desk to the fund's payment: issue, claim, review, dispense
 * over HTTP, then poll `GET /settlement/dispenses/:id` until settlement has recorded the payment.
 */
export class LifecycleDriver {
  private readonly tokens: { physician: string; pharmacist: string[]; agency: string };
  private seq = 0;

  constructor(
    private readonly t: Targets,
    private readonly patients: readonly string[],
    secret = BENCH_JWT_SECRET,
  ) {
    const svc = new TokenService(secret);
    this.tokens = {
      physician: svc.sign({ sub: 'D001', role: 'physician', org: 'H001' }, 8 * 3600),
      pharmacist: PHARMACIES.map((p) => svc.sign({ sub: p.pharmacist, role: 'pharmacist', org: p.id }, 8 * 3600)),
      agency: svc.sign({ sub: 'AG001', role: 'agency', org: 'AGENCY' }, 8 * 3600),
    };
  }

  /** The agency's token (settlement reads). */
  get agencyToken(): string {
    return this.tokens.agency;
  }

  /** `intendedStart` (open model): the issue latency counts from when it should have been sent. */
  async run(r: RunResult, intendedStart = now()): Promise<boolean> {
    const n = this.seq++;
    const patientId = this.patients[n % this.patients.length];
    const ph = n % PHARMACIES.length;
    const pharmacist = this.tokens.pharmacist[ph];
    r.started++;
    try {
      const issued = await this.step(r, 'issue', 201, intendedStart, () =>
        this.t.prescribing.call('POST', '/prescriptions', this.tokens.physician, {
          patientId,
          diagnoses: [{ code: 'E11.9', name: 'Type 2 diabetes' }],
          items: [{ drugCode: 'MET-500', quantity: 14, daysSupply: 7, dosage: { dose: 1, unit: 'tablet', timesPerDay: 2 } }],
        }),
      );
      const issuedAt = now();
      const rxId = issued.body.prescriptionId as string;
      // Dispensing learns the prescription from rx.prescribing.v1: eventually, not within the issue request.
      for (let attempt = 0; ; attempt++) {
        const t0 = now();
        const reply = await this.t.dispensing.call('POST', '/dispensing/claims', pharmacist, { prescriptionId: rxId, pickupCode: issued.body.pickupCode });
        if (reply.status === 404 && reply.body?.code === 'UNKNOWN_PRESCRIPTION' && attempt < 400) {
          r.waits.add('claim before circulation (404, retried)');
          await sleep(Math.min(25, 1 << attempt));
          continue;
        }
        this.check(r, 'claim', 201, reply);
        r.latency.claim.add(now() - t0);
        r.circulate.add(t0 - issuedAt);
        break;
      }
      await this.step(r, 'review', 200, now(), () => this.t.dispensing.call('POST', `/dispensing/prescriptions/${rxId}/review`, pharmacist, { decision: 'APPROVED' }), [200, 201]);
      const dispensed = await this.step(r, 'dispense', 201, now(), () =>
        this.t.dispensing.call('POST', `/dispensing/prescriptions/${rxId}/dispenses`, pharmacist, {
          lines: [{ drugCode: 'MET-500', quantity: 14, unitPriceFen: 50, batchNo: 'BENCH-B1', traceCodes: [traceCode()] }],
        }),
      );
      const dispensedAt = now();
      const dispenseId = dispensed.body.dispenseId as string;
      for (let attempt = 0; ; attempt++) {
        const reply = await this.t.settlement.call('GET', `/settlement/dispenses/${dispenseId}`, this.tokens.agency);
        if (reply.status === 200) break;
        if (reply.status === 404 && attempt < 2000) {
          r.waits.add('payment poll before recorded (404)');
          await sleep(Math.min(20, 2 << Math.min(attempt, 4)));
          continue;
        }
        this.check(r, 'payment', 200, reply);
      }
      const done = now();
      if (r.dispenseIds.length < 1000) r.dispenseIds.push(dispenseId);
      r.settle.add(done - dispensedAt);
      r.lifecycle.add(done - intendedStart);
      r.completed++;
      return true;
    } catch (e) {
      r.failed++;
      if (!(e instanceof StepFailed)) r.errors.add(`network: ${(e as Error).message.slice(0, 80)}`);
      return false;
    }
  }

  private async step(r: RunResult, name: Command, expect: number, t0: number, send: () => Promise<Reply>, accept: number[] = [expect]): Promise<Reply> {
    const reply = await send();
    const latency = now() - t0;
    if (!accept.includes(reply.status)) this.check(r, name, expect, reply);
    r.latency[name].add(latency);
    return reply;
  }

  private check(r: RunResult, name: string, expect: number, reply: Reply): void {
    if (reply.status === expect) return;
    const code = typeof reply.body === 'object' && reply.body ? (reply.body.code ?? reply.body.error ?? '') : String(reply.body).slice(0, 60);
    r.errors.add(`${name} ${reply.status} ${code}`.trim());
    throw new StepFailed();
  }
}

/** Closed model: `concurrency` lifecycles in flight, each worker starting the next when one ends. */
export async function closedLoop(driver: LifecycleDriver, concurrency: number, durationMs: number): Promise<RunResult> {
  const r = new RunResult();
  r.startedAt = now();
  const deadline = r.startedAt + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (now() < deadline) await driver.run(r);
    }),
  );
  r.endedAt = now();
  return r;
}

/**
 * Open model: lifecycle i starts at t0 + i/rate whether or not earlier ones finished, and issue's
 * latency counts from that intended time, so a stalled server shows up in the percentiles instead
 * of slowing the client down (no coordinated omission).
 */
export async function openLoop(driver: LifecycleDriver, ratePerSecond: number, durationMs: number, maxInFlight = 512): Promise<RunResult> {
  const r = new RunResult();
  const total = Math.round((ratePerSecond * durationMs) / 1000);
  const period = 1000 / ratePerSecond;
  const inFlight = new Set<Promise<unknown>>();
  r.startedAt = now();
  for (let i = 0; i < total; ) {
    const t = now();
    while (i < total && r.startedAt + i * period <= t) {
      const intended = r.startedAt + i * period;
      i++;
      if (inFlight.size >= maxInFlight) {
        // Overload: counted as a failure, never silently skipped; bounds the run's length.
        r.errors.add(`not started: ${maxInFlight} lifecycles already in flight (overload)`);
        r.failed++;
        continue;
      }
      const p = driver.run(r, intended).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    if (i < total) await sleep(Math.max(0, Math.min(2, r.startedAt + i * period - now())));
  }
  await Promise.all(inFlight);
  r.endedAt = now();
  return r;
}

export function freshId(): string {
  return randomUUID();
}
