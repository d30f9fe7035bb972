// Issue 7.3: two instances of the dispensing app in one consumer group, on one event store, still
// give exactly one winner per contested claim (the store's expected revision guards every decision).
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEventStore } from '@rx/event-store';
import { E2eCluster, e2eTest } from '../support/e2e-cluster';
import { eventually } from '../support/e2e-http';
import { KafkaProbe } from '../support/kafka-probe';
import { ordinaryPrescription, RxClient } from '../support/rx-e2e';
import { REPO_ROOT } from '../support/spawn-app';

let cluster: E2eCluster | undefined;
let probe: KafkaProbe | undefined;
let rx: RxClient;
const { scenario, reportUnfinished } = e2eTest(() => cluster);
const url = (label: string) => cluster!.url(label);
const SHARED_STORE = 'dispensing-shared.sqlite';
const INSTANCES = ['dispensing-a', 'dispensing-b'];
/**
 * Four contenders need four pharmacies that may claim: the demo has two (P001, P002), so the test's
 * copy of the reference data adds two more like P002 (active agreement, pooling open).
 */
const PHARMACIES = ['P001', 'P002', 'P801', 'P802'];

function referenceDataWithMorePharmacies(dir: string): string {
  const target = join(dir, 'reference');
  cpSync(join(REPO_ROOT, 'data', 'reference'), target, { recursive: true });
  const pharmaciesFile = join(target, 'pharmacies.json');
  const pharmacies = JSON.parse(readFileSync(pharmaciesFile, 'utf8')) as { id: string; name: string }[];
  const template = pharmacies.find((p) => p.id === 'P002')!;
  for (const id of ['P801', 'P802']) pharmacies.push({ ...template, id, name: `E2E test pharmacy ${id}` });
  writeFileSync(pharmaciesFile, JSON.stringify(pharmacies, null, 2));
  const pharmacistsFile = join(target, 'pharmacists.json');
  const pharmacists = JSON.parse(readFileSync(pharmacistsFile, 'utf8')) as { id: string; name: string; pharmacyId: string }[];
  for (const id of ['P801', 'P802']) pharmacists.push({ id: `PH-${id}`, name: `E2E pharmacist of ${id}`, pharmacyId: id });
  writeFileSync(pharmacistsFile, JSON.stringify(pharmacists, null, 2));
  return target;
}

beforeAll(async () => {
  cluster = new E2eCluster('scale-out');
  rx = new RxClient(cluster.tokens);
  probe = new KafkaProbe(cluster.brokers);
  const reference = referenceDataWithMorePharmacies(cluster.dir);
  await Promise.all([
    cluster.start('prescribing'),
    ...INSTANCES.map((label) => cluster!.start('dispensing', { label, storeFile: SHARED_STORE, env: { RX_REFERENCE_DATA: reference } })),
  ]);
}, 120_000);

afterAll(async () => {
  reportUnfinished();
  await probe?.close();
  await cluster?.dispose();
}, 60_000);

describe('distributed mode: two dispensing instances', () => {
  scenario('one consumer group, one store, parallel claims from four pharmacies on both instances: exactly one 201 per prescription, the rest 409', async () => {
    // Both instances are members of the group `dispensing` and hold partitions of rx.prescribing.v1.
    const members = await eventually('both dispensing instances to hold partitions of group dispensing', async () => {
      const m = (await probe!.groupMembers('dispensing')).filter((x) => x.clientId === 'rx-dispensing');
      return m.length === 2 && m.every((x) => x.partitions > 0) ? m : undefined;
    }, { timeoutMs: 45_000, intervalMs: 500 });
    expect(members).toHaveLength(2);

    const issued = await Promise.all(Array.from({ length: 8 }, () => rx.issue(url('prescribing'), ordinaryPrescription('PT001'))));
    // Whichever instance consumed it, both read it from the shared store.
    for (const label of INSTANCES) for (const i of issued) await rx.waitUntilDispensingKnows(url(label), i.prescriptionId);

    // Every pharmacy claims every prescription at once, on alternating instances.
    const attempts = issued.flatMap((i, n) => PHARMACIES.map((pharmacyId, k) => ({ rxId: i.prescriptionId, code: i.pickupCode, pharmacyId, instance: INSTANCES[(n + k) % 2] })));
    const replies = await Promise.all(attempts.map(async (a) => ({ ...a, reply: await rx.claim(url(a.instance), a.pharmacyId, a.rxId, a.code) })));

    const store = createEventStore(`sqlite:${cluster!.storePath(SHARED_STORE)}`);
    try {
      const winsByInstance: Record<string, number> = {};
      for (const i of issued) {
        const mine = replies.filter((r) => r.rxId === i.prescriptionId);
        const outcome = mine.map((r) => `${r.pharmacyId}@${r.instance}: ${r.reply.status} ${r.reply.status === 201 ? '' : (r.reply.body as { code?: string }).code}`);
        const winners = mine.filter((r) => r.reply.status === 201);
        expect([i.prescriptionId, winners.length, outcome]).toEqual([i.prescriptionId, 1, outcome]);
        const losers = mine.filter((r) => r.reply.status !== 201);
        expect(losers.map((r) => [r.reply.status, (r.reply.body as { code?: string }).code])).toEqual(losers.map(() => [409, 'ALREADY_CLAIMED']));
        const winner = winners[0];
        winsByInstance[winner.instance] = (winsByInstance[winner.instance] ?? 0) + 1;

        // Both instances agree on the holder, and the store holds exactly one claim.
        for (const label of INSTANCES) {
          const state = await rx.dispensation(url(label), i.prescriptionId);
          expect([label, state.body.status, state.body.claim?.pharmacyId]).toEqual([label, 'claimed', winner.pharmacyId]);
        }
        const claims = (await store.readStream(`dispensation-${i.prescriptionId}`)).filter((e) => e.type === 'PrescriptionClaimed');
        expect(claims.map((e) => (e.data as { pharmacyId: string }).pharmacyId)).toEqual([winner.pharmacyId]);
      }
      process.stderr.write(`scale-out: winners by instance ${JSON.stringify(winsByInstance)}\n`);
    } finally {
      await store.close();
    }
  });
});
