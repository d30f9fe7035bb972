// Issue 17.6: two instances of every app, each app on its own PostgreSQL database, Kafka between
// them; the leader of every app SIGKILLed mid-load. Then: every acknowledged dispense paid exactly
// once, the ledger equal to the sum of the payments, no event lost or doubled, every chain intact,
// and the takeover measured.
import { randomUUID } from 'node:crypto';
import { Topics } from '@rx/contracts';
import { PostgresEventStore, verifyStream } from '@rx/event-store';
import { createTestDatabase, type TestDatabase } from '@rx/event-store/testing';
import { type ContextApp, E2eCluster, e2eTest } from '../support/e2e-cluster';
import { chinaDate, eventually, eventuallyReply } from '../support/e2e-http';
import { KafkaProbe } from '../support/kafka-probe';
import { lineAtReferencePrice, ordinaryPrescription, RxClient, type Issued } from '../support/rx-e2e';

const APPS: ContextApp[] = ['prescribing', 'dispensing', 'settlement', 'audit'];
let cluster: E2eCluster | undefined;
let probe: KafkaProbe | undefined;
let rx: RxClient;
const databases = new Map<ContextApp, TestDatabase>();
const { scenario, reportUnfinished } = e2eTest(() => cluster, 420_000);

interface Health {
  leadership: { instanceId: string; jobs: Array<{ job: string; leading: boolean; leader?: string }> };
}
const health = async (label: string): Promise<Health> => (await fetch(`${cluster!.url(label)}/health`)).json() as Promise<Health>;

beforeAll(async () => {
  cluster = new E2eCluster('pg');
  rx = new RxClient(cluster.tokens);
  probe = new KafkaProbe(cluster.brokers);
  for (const app of APPS) databases.set(app, await createTestDatabase(`e2e_${app}`));
  const start = (app: ContextApp, label: string) =>
    cluster!.start(app, { label, healthTimeoutMs: 180_000, env: { RX_EVENT_STORE: `${databases.get(app)!.url}?pool_max=4`, RX_INSTANCE_ID: label } });
  // The a-instances first, so they lead; then the b-instances, which follow.
  await Promise.all(APPS.map((app) => start(app, `${app}-a`)));
  await Promise.all(APPS.map((app) => start(app, `${app}-b`)));
}, 600_000);

afterAll(async () => {
  reportUnfinished();
  await probe?.close();
  await cluster?.dispose();
  await Promise.all([...databases.values()].map((db) => db.drop()));
}, 120_000);

/** Issue on one instance, claim, review and dispense at P002 on the other; resolves with the acknowledged dispense id. */
async function lifecycle(issuedOn: string, dispensedOn: string): Promise<{ issued: Issued; dispenseId: string }> {
  const issued = await rx.issue(cluster!.url(issuedOn), ordinaryPrescription('PT002', randomUUID()));
  const url = cluster!.url(dispensedOn);
  await rx.waitUntilDispensingKnows(url, issued.prescriptionId, { timeoutMs: 90_000 });
  const claim = await rx.claim(url, 'P002', issued.prescriptionId, issued.pickupCode);
  if (claim.status !== 201) throw new Error(`claim: ${claim.status} ${claim.text}`);
  const review = await rx.review(url, 'P002', issued.prescriptionId, 'APPROVED');
  if (review.status !== 200) throw new Error(`review: ${review.status} ${review.text}`);
  const dispense = await rx.dispense(url, 'P002', issued.prescriptionId, { lines: [lineAtReferencePrice('MET-500', 14)] });
  if (dispense.status !== 201) throw new Error(`dispense: ${dispense.status} ${dispense.text}`);
  return { issued, dispenseId: dispense.body.dispenseId };
}

async function everyEvent(store: PostgresEventStore) {
  const all = [];
  let after: bigint | undefined;
  for (;;) {
    const page = await store.readAll({ after, maxCount: 1000 });
    if (page.length === 0) return all;
    all.push(...page);
    after = page[page.length - 1].position;
  }
}

describe('distributed mode on PostgreSQL: two instances per app, every leader SIGKILLed mid-load', () => {
  scenario('pays each acknowledged dispense once, loses no event, keeps every chain, and fails over', async () => {
    // Who leads: one instance per app holds every job, and both instances say which.
    for (const app of APPS) {
      const [a, b] = [await health(`${app}-a`), await health(`${app}-b`)];
      expect(a.leadership.jobs.length).toBeGreaterThan(0);
      for (const j of [...a.leadership.jobs, ...b.leadership.jobs]) expect(j.leader).toBe(`${app}-a`);
    }

    // Load before the kill: lifecycles across both instances.
    const before = await Promise.all(Array.from({ length: 6 }, (_, i) => lifecycle(i % 2 ? 'prescribing-a' : 'prescribing-b', i % 2 ? 'dispensing-b' : 'dispensing-a')));
    // Load during the kill, through the followers: relays are publishing these when their leaders die.
    const during = Promise.all(Array.from({ length: 6 }, () => lifecycle('prescribing-b', 'dispensing-b')));
    await new Promise((r) => setTimeout(r, 500));
    const killedAt = Date.now();
    await Promise.all(APPS.map((app) => cluster!.kill(`${app}-a`)));
    const takeover = new Map<ContextApp, number>();
    await Promise.all(
      APPS.map(async (app) => {
        await eventually(`${app}-b to lead every job`, async () => ((await health(`${app}-b`)).leadership.jobs.every((j) => j.leading && j.leader === `${app}-b`) ? true : undefined), {
          timeoutMs: 30_000,
          intervalMs: 50,
        });
        takeover.set(app, Date.now() - killedAt);
      }),
    );
    process.stderr.write(`postgres e2e: takeover after SIGKILL of every leader: ${APPS.map((a) => `${a} ${takeover.get(a)} ms`).join(', ')}\n`);
    const after = await Promise.all(Array.from({ length: 4 }, () => lifecycle('prescribing-b', 'dispensing-b')));
    const acknowledged = [...before, ...(await during), ...after];

    // Every acknowledged dispense is paid, and the audit has its payment.
    const payments = await Promise.all(
      acknowledged.map(async ({ dispenseId }) => (await eventuallyReply(`payment of ${dispenseId}`, () => rx.payment(cluster!.url('settlement-b'), dispenseId), (r) => r.status === 200, { timeoutMs: 120_000 })).body),
    );
    for (const { issued } of acknowledged) {
      await eventuallyReply(
        `audit to record the payment of ${issued.prescriptionId}`,
        () => rx.history(cluster!.url('audit-b'), issued.prescriptionId),
        (r) => r.status === 200 && r.body.entries.some((e) => e.type === 'rx.settlement.fund-payment-recorded.v1'),
        { timeoutMs: 120_000 },
      );
    }
    await probe!.waitForGroupToCatchUp('settlement', [Topics.dispensing]);
    await probe!.waitForGroupToCatchUp('audit', [Topics.prescribing, Topics.dispensing, Topics.settlement]);

    const stores = new Map(APPS.map((app) => [app, new PostgresEventStore(databases.get(app)!.url)]));
    try {
      const events = new Map(await Promise.all(APPS.map(async (app) => [app, await everyEvent(stores.get(app)!)] as const)));
      const count = (app: ContextApp, type: string, where: (data: Record<string, unknown>) => boolean) =>
        events.get(app)!.filter((e) => e.type === type && where(e.data as Record<string, unknown>)).length;

      // Exactly once: one payment per acknowledged dispense in settlement's store, one registration
      // and one dispense per prescription in dispensing's.
      for (const { issued, dispenseId } of acknowledged) {
        expect([dispenseId, count('settlement', 'FundPaymentRecorded', (d) => d.dispenseId === dispenseId)]).toEqual([dispenseId, 1]);
        const rxId = issued.prescriptionId;
        expect([rxId, count('dispensing', 'PrescriptionRegistered', (d) => d.prescriptionId === rxId), count('dispensing', 'PrescriptionDispensed', (d) => d.prescriptionId === rxId)]).toEqual([rxId, 1, 1]);
      }

      // The ledger is the sum of the payments (PT002's dispenses are only these).
      const year = Number(chinaDate().slice(0, 4));
      const benefits = await rx.benefits(cluster!.url('settlement-b'), 'PT002', year);
      expect(benefits.status).toBe(200);
      expect(benefits.body.deductibleUsedFen).toBe(payments.reduce((n, p) => n + p.deductibleAppliedFen, 0));
      expect(benefits.body.ordinaryFundUsedFen).toBe(payments.reduce((n, p) => n + p.fundFen, 0));

      // No fact lost or doubled in audit, whatever the relays re-published after the kill.
      for (const { issued } of acknowledged) {
        const h = (await rx.history(cluster!.url('audit-b'), issued.prescriptionId)).body;
        const ids = h.entries.map((e) => e.sourceEventId);
        expect([issued.prescriptionId, new Set(ids).size]).toEqual([issued.prescriptionId, ids.length]);
        const once = ['rx.prescribing.prescription-issued.v1', 'rx.dispensing.prescription-claimed.v1', 'rx.dispensing.dispensed.v1', 'rx.settlement.fund-payment-recorded.v1'];
        expect([issued.prescriptionId, once.map((t) => h.entries.filter((e) => e.type === t).length)]).toEqual([issued.prescriptionId, [1, 1, 1, 1]]);
        expect(h.integrity.ok).toBe(true);
      }

      // Every stream's chain verifies and no position is missing, in every app's database.
      for (const app of APPS) {
        const store = stores.get(app)!;
        for (const id of await store.listStreams()) {
          const verdict = verifyStream(id, await store.readStream(id));
          expect([app, id, verdict.ok, verdict.reason]).toEqual([app, id, true, undefined]);
        }
        expect([app, await store.verifyCompleteness()]).toEqual([app, expect.objectContaining({ checked: true, ok: true })]);
      }
    } finally {
      await Promise.all([...stores.values()].map((s) => s.close()));
    }
  });
});
