// Issue 7.3: a malformed message on a topic lands in the dead-letter topic with its reason, and the
// partition keeps flowing: a valid prescription behind it on the same partition still arrives.
import { randomUUID } from 'node:crypto';
import { deadLetterTopic, PrescribingEventTypes, Topics } from '@rx/contracts';
import { E2eCluster, e2eTest } from '../support/e2e-cluster';
import { eventually, eventuallyReply } from '../support/e2e-http';
import { KafkaProbe, type RawRecord } from '../support/kafka-probe';
import { ordinaryPrescription, RxClient } from '../support/rx-e2e';

let cluster: E2eCluster | undefined;
let probe: KafkaProbe | undefined;
let rx: RxClient;
const { scenario, reportUnfinished } = e2eTest(() => cluster);
const url = (label: string) => cluster!.url(label);

beforeAll(async () => {
  cluster = new E2eCluster('dlq');
  rx = new RxClient(cluster.tokens);
  probe = new KafkaProbe(cluster.brokers);
  await cluster.startAll(['prescribing', 'dispensing', 'audit']);
}, 120_000);

afterAll(async () => {
  reportUnfinished();
  await probe?.close();
  await cluster?.dispose();
}, 60_000);

/** As the bus writes it to `<topic>.dlq` (libs/messaging DeadLetter). */
interface DeadLetter {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  reason: string;
  payload: string;
  groupId: string;
  failedAt: string;
}

describe('distributed mode: dead letters', () => {
  scenario('non-JSON bytes, an invalid envelope and an invalid event go to rx.prescribing.v1.dlq; the valid prescription behind them on the same partition reaches dispensing and audit', async () => {
    // The prescription id is the partition key: the bad messages share it, so they sit on the same
    // partition just before the valid prescription.
    const rxId = randomUUID();
    const dlq = await probe!.read([deadLetterTopic(Topics.prescribing)]);

    const notJson = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00]), Buffer.from('{"id": not json')]);
    const notAnEnvelope = JSON.stringify({ specversion: '0.3', hello: 'world', subject: rxId });
    const invalidEvent = JSON.stringify({
      specversion: '1.0',
      id: randomUUID(),
      type: PrescribingEventTypes.prescriptionIssued,
      source: '/rx/prescribing',
      subject: rxId,
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      data: { prescriptionId: rxId, items: 'not a list' },
      correlationid: randomUUID(),
      causationid: randomUUID(),
    });
    const bad = [notJson, Buffer.from(notAnEnvelope), Buffer.from(invalidEvent)];
    const produced = await probe!.produce(Topics.prescribing, bad.map((value) => ({ key: rxId, value })));
    const partition = produced[0].partition;
    expect(produced.map((p) => p.partition)).toEqual([partition, partition, partition]);

    const issued = await rx.issue(url('prescribing'), ordinaryPrescription('PT003', rxId));
    expect(issued.prescriptionId).toBe(rxId);

    // Both consumers of rx.prescribing.v1 got past the bad messages to the valid one.
    const known = await rx.waitUntilDispensingKnows(url('dispensing'), rxId);
    expect(known.body.status).toBe('circulating');
    const history = await eventuallyReply(`audit to record ${rxId}`, () => rx.history(url('audit'), rxId), (r) => r.status === 200);
    expect(history.body.entries.map((e) => e.type)).toEqual([PrescribingEventTypes.prescriptionIssued]);

    // The valid message really was behind the bad ones on that partition.
    const topic = await probe!.read([Topics.prescribing]);
    const valid = await eventually('the valid prescription on the topic', () => topic.find((r) => r.key === rxId && r.value.includes(PrescribingEventTypes.prescriptionIssued) && r.value.includes('"pickupCodeHash"')));
    expect(valid.partition).toBe(partition);
    expect(produced.every((p) => BigInt(p.offset) < BigInt(valid.offset))).toBe(true);

    // Each consumer group dead-lettered each bad message, with the original bytes and a reason.
    const deadLetters = (records: RawRecord[]) => records.filter((r) => r.key === rxId).map((r) => JSON.parse(r.value) as DeadLetter);
    for (const groupId of ['dispensing', 'audit']) {
      const mine = await eventually(`dead letters of group ${groupId}`, () => {
        const found = deadLetters(dlq).filter((d) => d.groupId === groupId);
        return new Set(found.map((d) => d.offset)).size >= bad.length ? found : undefined;
      });
      const byOffset = new Map(mine.map((d) => [d.offset, d]));
      expect([...byOffset.keys()].sort()).toEqual(produced.map((p) => p.offset).sort());
      const [first, second, third] = produced.map((p) => byOffset.get(p.offset)!);
      for (const d of [first, second, third]) expect(d).toMatchObject({ topic: Topics.prescribing, partition, key: rxId, groupId });
      expect(first.reason).toMatch(/^invalid envelope: not JSON/);
      expect(first.payload).toBe(notJson.toString('utf8'));
      expect(second.reason).toMatch(/^invalid envelope: /);
      expect(second.payload).toBe(notAnEnvelope);
      expect(third.reason).toMatch(/^invalid event: /);
      expect(third.payload).toBe(invalidEvent);
    }
    // Nothing valid was dead-lettered.
    expect(deadLetters(dlq).filter((d) => BigInt(d.offset) >= BigInt(valid.offset))).toEqual([]);
  });
});
