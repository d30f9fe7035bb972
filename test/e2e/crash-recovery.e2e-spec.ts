// Issue 7.3: a dispensing app killed (SIGKILL) mid-stream and restarted on its own store loses
// nothing and duplicates nothing, neither in its own store nor downstream (settlement, audit).
import { randomUUID } from 'node:crypto';
import { Topics } from '@rx/contracts';
import { createEventStore, type EventStore } from '@rx/event-store';
import { E2eCluster, e2eTest } from '../support/e2e-cluster';
import { chinaDate, eventually, eventuallyReply } from '../support/e2e-http';
import { KafkaProbe } from '../support/kafka-probe';
import { lineAtReferencePrice, ordinaryPrescription, RxClient, type AuditHistory, type Issued } from '../support/rx-e2e';

let cluster: E2eCluster | undefined;
let probe: KafkaProbe | undefined;
let rx: RxClient;
const { scenario, reportUnfinished } = e2eTest(() => cluster);
const url = (label: string) => cluster!.url(label);
const DISPENSING_STORE = 'dispensing.sqlite';

beforeAll(async () => {
  cluster = new E2eCluster('crash');
  rx = new RxClient(cluster.tokens);
  probe = new KafkaProbe(cluster.brokers);
  await Promise.all([cluster.startAll(['prescribing', 'settlement', 'audit']), cluster.start('dispensing', { storeFile: DISPENSING_STORE })]);
}, 120_000);

afterAll(async () => {
  reportUnfinished();
  await probe?.close();
  await cluster?.dispose();
}, 60_000);

/** Stored event types of one dispensation stream, read from the app's SQLite file through the store port. */
async function storedTypes(store: EventStore, rxId: string): Promise<string[]> {
  return (await store.readStream(`dispensation-${rxId}`)).map((e) => e.type);
}

const count = (list: string[], item: string) => list.filter((x) => x === item).length;

/** Claim, approve and dispense one ordinary prescription at P002; resolves with the dispense id. */
async function dispenseAtP002(issued: Issued): Promise<string> {
  const claim = await rx.claim(url('dispensing'), 'P002', issued.prescriptionId, issued.pickupCode);
  if (claim.status !== 201) throw new Error(`claim of ${issued.prescriptionId}: ${claim.status} ${claim.text}`);
  const review = await rx.review(url('dispensing'), 'P002', issued.prescriptionId, 'APPROVED');
  if (review.status !== 200) throw new Error(`review of ${issued.prescriptionId}: ${review.status} ${review.text}`);
  const dispense = await rx.dispense(url('dispensing'), 'P002', issued.prescriptionId, { lines: [lineAtReferencePrice('MET-500', 14)] });
  if (dispense.status !== 201) throw new Error(`dispense of ${issued.prescriptionId}: ${dispense.status} ${dispense.text}`);
  return dispense.body.dispenseId;
}

describe('distributed mode: a dispensing crash', () => {
  scenario('SIGKILL mid-stream, restart on the same SQLite file: every prescription registered once, every event downstream once', async () => {
    const store = createEventStore(`sqlite:${cluster!.storePath(DISPENSING_STORE)}`);
    try {
      // Batch A: known, then claimed, reviewed and dispensed at P002 for PT002 (the only dispenses
      // of PT002 in this file, so settlement's ledger for PT002 must be exactly their sum).
      const batchA = await Promise.all(Array.from({ length: 5 }, () => rx.issue(url('prescribing'), ordinaryPrescription('PT002'))));
      await Promise.all(batchA.map((i) => rx.waitUntilDispensingKnows(url('dispensing'), i.prescriptionId)));

      // Batch B is issued while A is dispensed: rx.prescribing.v1 is being consumed and the dispensing
      // relay is publishing A's fresh events when the process is killed.
      const batchBIds = Array.from({ length: 20 }, () => randomUUID());
      const burst = Promise.all(batchBIds.map((id) => rx.issue(url('prescribing'), ordinaryPrescription('PT001', id))));
      const dispenseIds = await Promise.all(batchA.map(dispenseAtP002));
      const batchB = await burst;
      const registeredAtKill = await eventually('dispensing to start registering batch B', async () => {
        const registered = (await Promise.all(batchBIds.map((id) => storedTypes(store, id)))).filter((types) => types.includes('PrescriptionRegistered')).length;
        return registered > 0 ? registered : undefined;
      }, { timeoutMs: 20_000, intervalMs: 20 });
      await cluster!.kill('dispensing');
      process.stderr.write(`crash-recovery: killed dispensing with ${registeredAtKill}/${batchB.length} of the burst registered\n`);

      // Restart on the same file. The killed member still sits in the consumer group until its
      // session times out (30 s), so the new one gets its partitions only then.
      await cluster!.start('dispensing', { storeFile: DISPENSING_STORE });
      for (const i of batchB) await rx.waitUntilDispensingKnows(url('dispensing'), i.prescriptionId, { timeoutMs: 60_000 });

      // A sentinel after the restart: the relay publishes in store order, so once the sentinel's
      // dispense has reached audit and settlement, everything re-published after the crash was
      // published before it; the consumer groups then drain up to the topics' current ends.
      const sentinel = await rx.issue(url('prescribing'), ordinaryPrescription('PT002'));
      await rx.waitUntilDispensingKnows(url('dispensing'), sentinel.prescriptionId);
      const sentinelDispense = await dispenseAtP002(sentinel);
      await eventuallyReply('settlement to pay the sentinel', () => rx.payment(url('settlement'), sentinelDispense), (r) => r.status === 200);
      await eventuallyReply('audit to record the sentinel payment', () => rx.history(url('audit'), sentinel.prescriptionId), (r) => r.status === 200 && r.body.entries.some((e) => e.type === 'rx.settlement.fund-payment-recorded.v1'));
      await probe!.waitForGroupToCatchUp('settlement', [Topics.dispensing]);
      await probe!.waitForGroupToCatchUp('audit', [Topics.prescribing, Topics.dispensing, Topics.settlement]);

      // Dispensing's own store: each prescription registered once, each command's events once.
      for (const i of [...batchA, ...batchB, sentinel]) {
        const types = await storedTypes(store, i.prescriptionId);
        expect([i.prescriptionId, count(types, 'PrescriptionRegistered')]).toEqual([i.prescriptionId, 1]);
      }
      for (const i of [...batchA, sentinel]) {
        const types = await storedTypes(store, i.prescriptionId);
        expect([i.prescriptionId, ['PrescriptionClaimed', 'PrescriptionReviewed', 'PrescriptionDispensed'].map((t) => count(types, t))]).toEqual([i.prescriptionId, [1, 1, 1]]);
      }
      for (const i of batchB) {
        const state = await rx.dispensation(url('dispensing'), i.prescriptionId);
        expect([i.prescriptionId, state.status, state.body.status]).toEqual([i.prescriptionId, 200, 'circulating']);
      }

      // Audit: one copy of each fact, whatever was redelivered.
      const histories = new Map<string, AuditHistory>();
      for (const i of [...batchA, ...batchB]) {
        const h = await eventuallyReply(`audit to know ${i.prescriptionId}`, () => rx.history(url('audit'), i.prescriptionId), (r) => r.status === 200);
        histories.set(i.prescriptionId, h.body);
        const ids = h.body.entries.map((e) => e.sourceEventId);
        expect([i.prescriptionId, new Set(ids).size]).toEqual([i.prescriptionId, ids.length]);
        expect([i.prescriptionId, count(h.body.entries.map((e) => e.type), 'rx.prescribing.prescription-issued.v1')]).toEqual([i.prescriptionId, 1]);
        expect(h.body.integrity.ok).toBe(true);
      }
      for (const i of batchA) {
        const types = histories.get(i.prescriptionId)!.entries.map((e) => e.type);
        const once = ['rx.dispensing.prescription-claimed.v1', 'rx.dispensing.prescription-reviewed.v1', 'rx.dispensing.dispensed.v1', 'rx.settlement.fund-payment-recorded.v1'];
        expect([i.prescriptionId, once.map((t) => count(types, t))]).toEqual([i.prescriptionId, [1, 1, 1, 1]]);
      }

      // Settlement: one payment per dispense, and the patient's ledger charged exactly once for each.
      const payments = await Promise.all([...dispenseIds, sentinelDispense].map(async (id) => (await eventuallyReply(`payment of ${id}`, () => rx.payment(url('settlement'), id), (r) => r.status === 200)).body));
      const year = Number(chinaDate().slice(0, 4));
      const benefits = await rx.benefits(url('settlement'), 'PT002', year);
      expect(benefits.status).toBe(200);
      expect(benefits.body.deductibleUsedFen).toBe(payments.reduce((n, p) => n + p.deductibleAppliedFen, 0));
      expect(benefits.body.ordinaryFundUsedFen).toBe(payments.reduce((n, p) => n + p.fundFen, 0));
      expect(payments.reduce((n, p) => n + p.deductibleAppliedFen, 0)).toBeGreaterThan(0);

      // How much was actually redelivered (at-least-once): reported, not asserted, as it depends on timing.
      const published = await probe!.read([Topics.dispensing]);
      const mine = new Set([...batchA, sentinel].map((i) => i.prescriptionId));
      await eventually('the reader to reach the sentinel', () => (published.some((r) => r.key === sentinel.prescriptionId && r.value.includes('dispensed')) ? true : undefined), { timeoutMs: 30_000 });
      const ids = published.filter((r) => r.key !== null && mine.has(r.key)).map((r) => (JSON.parse(r.value) as { id: string }).id);
      process.stderr.write(`crash-recovery: ${ids.length - new Set(ids).size} dispensing event(s) were published twice around the crash\n`);
    } finally {
      await store.close();
    }
  });
});
