// Issue 21.3: the four apps on a secured broker (SASL_SSL, SCRAM-SHA-512, one principal per app,
// KRaft's StandardAuthorizer with per-app ACLs), started here from tools/kafka with
// KAFKA_SECURITY=sasl_ssl. The broker refuses an unauthenticated producer and a principal writing
// another app's topic; a forgery published with the right principal is refused by the receivers.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Kafka, logLevel, Partitioners, type KafkaConfig } from 'kafkajs';
import { deadLetterTopic, PrescribingEventTypes, Topics, type CloudEvent, type PrescriptionIssuedV1 } from '@rx/contracts';
import { startSecureLocalKafka, type SecureKafkaBroker } from '../../tools/kafka/broker';
import { E2eCluster, e2eTest, type ContextApp } from '../support/e2e-cluster';
import { eventually, eventuallyReply, request } from '../support/e2e-http';
import { KafkaProbe } from '../support/kafka-probe';
import { lineAtReferencePrice, ordinaryPrescription, RxClient } from '../support/rx-e2e';

const APPS: readonly ContextApp[] = ['prescribing', 'dispensing', 'settlement', 'audit'];
let broker: SecureKafkaBroker | undefined;
let cluster: E2eCluster | undefined;
let admin: KafkaProbe | undefined;
let rx: RxClient;
const { scenario, reportUnfinished } = e2eTest(() => cluster, 120_000);
const url = (label: string) => cluster!.url(label);

const ca = () => readFileSync(broker!.caFile, 'utf8');
const as = (user: 'admin' | ContextApp, password = broker!.password(user)): Pick<KafkaConfig, 'ssl' | 'sasl'> => ({
  ssl: { ca: [ca()] },
  sasl: { mechanism: 'scram-sha-512', username: user, password },
});

/** Tries to publish one record as the given client; resolves with the broker's refusal, or undefined if it was accepted. */
async function tryProduce(config: Omit<KafkaConfig, 'brokers'>, topic: string, key: string, value: string): Promise<Error | undefined> {
  const kafka = new Kafka({ brokers: broker!.brokers, clientId: `e2e-intruder-${randomUUID().slice(0, 8)}`, logLevel: logLevel.NOTHING, connectionTimeout: 5_000, requestTimeout: 10_000, retry: { retries: 0 }, ...config });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false, retry: { retries: 0 } });
  try {
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key, value }] });
    return undefined;
  } catch (e) {
    return e as Error;
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

/** A prescription-issued envelope as prescribing's relay writes it, around the given data. */
function issuedEnvelope(data: PrescriptionIssuedV1): CloudEvent {
  return {
    specversion: '1.0',
    id: randomUUID(),
    type: PrescribingEventTypes.prescriptionIssued,
    source: '/rx/prescribing',
    subject: data.prescriptionId,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data,
    correlationid: randomUUID(),
    causationid: randomUUID(),
    actor: 'physician:D001',
  };
}

beforeAll(async () => {
  broker = await startSecureLocalKafka();
  cluster = new E2eCluster('secure', { brokers: broker.brokers });
  rx = new RxClient(cluster.tokens);
  admin = new KafkaProbe(broker.brokers, as('admin'));
  // Each app as its own principal; nothing else tells it how to reach the broker.
  const results = await Promise.allSettled(
    APPS.map((app) =>
      cluster!.start(app, {
        // Four apps compiling at once with TLS handshakes: give a loaded CI box time.
        healthTimeoutMs: 120_000,
        env: {
          KAFKA_SASL_MECHANISM: 'scram-sha-512',
          KAFKA_SASL_USERNAME: app,
          KAFKA_SASL_PASSWORD: broker!.password(app),
          KAFKA_SSL: 'true',
          KAFKA_SSL_CA_FILE: broker!.caFile,
        },
      }),
    ),
  );
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length > 0) throw new Error(`could not start: ${failed.map((f) => (f.reason as Error).message).join('\n---\n')}`);
}, 240_000);

afterAll(async () => {
  reportUnfinished();
  await admin?.close();
  await cluster?.dispose();
  await broker?.stop();
}, 90_000);

describe('distributed mode on a secured broker: SASL/SCRAM over TLS, one principal per app, ACLs', () => {
  let issued: { rxId: string; pickupCode: string } | undefined;

  scenario('a whole lifecycle works with each app connected as its own principal', async () => {
    for (const app of APPS) {
      const health = await request<{ bus: { kind: string; ok: boolean } }>('GET', `${url(app)}/health`);
      expect([app, health.status, health.body.bus]).toEqual([app, 200, expect.objectContaining({ kind: 'kafka', ok: true })]);
    }
    const rxId = randomUUID();
    const { pickupCode } = await rx.issue(url('prescribing'), ordinaryPrescription('PT001', rxId));
    issued = { rxId, pickupCode };
    await rx.waitUntilDispensingKnows(url('dispensing'), rxId);
    expect((await rx.claim(url('dispensing'), 'P001', rxId, pickupCode)).status).toBe(201);
    expect((await rx.review(url('dispensing'), 'P001', rxId, 'APPROVED')).status).toBe(200);
    const dispensed = await rx.dispense(url('dispensing'), 'P001', rxId, { lines: [lineAtReferencePrice('MET-500', 14)] });
    expect(dispensed.status).toBe(201);
    // dispensing → settlement over rx.dispensing.v1, settlement → prescribing and audit over rx.settlement.v1.
    const payment = await eventuallyReply(`settlement to pay ${dispensed.body.dispenseId}`, () => rx.payment(url('settlement'), dispensed.body.dispenseId), (r) => r.status === 200, { timeoutMs: 60_000 });
    expect(payment.body).toMatchObject({ dispenseId: dispensed.body.dispenseId, prescriptionId: rxId });
    const history = await eventuallyReply(
      `audit to record the payment of ${rxId}`,
      () => rx.history(url('audit'), rxId),
      (r) => r.status === 200 && r.body.entries.some((e) => e.type === 'rx.settlement.fund-payment-recorded.v1'),
      { timeoutMs: 60_000 },
    );
    expect(history.body.entries.map((e) => e.type)).toEqual(expect.arrayContaining([PrescribingEventTypes.prescriptionIssued, 'rx.dispensing.dispensed.v1', 'rx.settlement.fund-payment-recorded.v1']));
    await eventuallyReply(`prescribing to hear of the dispense of ${rxId}`, () => rx.prescription(url('prescribing'), rxId), (r) => r.status === 200 && r.body.status === 'DISPENSED', { timeoutMs: 60_000 });
  });

  scenario('the broker refuses a forged event from a client without credentials, with a wrong password, or without TLS', async () => {
    const forgedId = randomUUID();
    const value = JSON.stringify(issuedEnvelope({ prescriptionId: forgedId } as PrescriptionIssuedV1));
    const noSasl = await tryProduce({ ssl: { ca: [ca()] } }, Topics.prescribing, forgedId, value);
    const wrongPassword = await tryProduce(as('prescribing', 'not-the-password'), Topics.prescribing, forgedId, value);
    const noTls = await tryProduce({ sasl: as('prescribing').sasl }, Topics.prescribing, forgedId, value);
    expect(noSasl).toBeInstanceOf(Error);
    expect(wrongPassword).toBeInstanceOf(Error);
    expect(wrongPassword!.message).toMatch(/SASL SCRAM SHA512 authentication failed|Authentication failed|SaslAuthenticationFailed/i);
    expect(noTls).toBeInstanceOf(Error);
    // Nothing reached the topic: the admin reads it all, up to a later genuine prescription.
    const laterId = randomUUID();
    await rx.issue(url('prescribing'), ordinaryPrescription('PT001', laterId));
    const records = await admin!.read([Topics.prescribing]);
    await eventually('the later prescription on the topic', () => records.find((r) => r.key === laterId));
    expect(records.filter((r) => r.key === forgedId)).toEqual([]);
  });

  scenario("the broker refuses an app's principal writing another app's topic (dispensing → rx.prescribing.v1, settlement → rx.dispensing.v1, audit → rx.settlement.v1)", async () => {
    const forgedId = randomUUID();
    const value = JSON.stringify(issuedEnvelope({ prescriptionId: forgedId } as PrescriptionIssuedV1));
    for (const [app, topic] of [
      ['dispensing', Topics.prescribing],
      ['settlement', Topics.dispensing],
      ['audit', Topics.settlement],
      ['prescribing', deadLetterTopic(Topics.prescribing)],
    ] as const) {
      const refused = await tryProduce(as(app), topic, forgedId, value);
      expect([app, topic, refused?.message]).toEqual([app, topic, expect.stringMatching(/not authorized|TOPIC_AUTHORIZATION_FAILED/i)]);
    }
    // The same principal may write its own topic: the refusal is the ACL, not a broken login.
    expect(await tryProduce(as('dispensing'), deadLetterTopic(Topics.prescribing), forgedId, JSON.stringify({ reason: 'probe of the ACL' }))).toBeUndefined();
  });

  scenario("a well-formed forgery published with prescribing's own principal but a bad signature is dead-lettered, alerted, and never claimable", async () => {
    expect(issued).toBeDefined();
    // The issue's kcat test: a copy of a real prescription-issued event, a new id, ten times the quantity.
    const topic = await admin!.read([Topics.prescribing]);
    const original = await eventually('the real issued event on the topic', () =>
      topic.map((r) => JSON.parse(r.value) as CloudEvent).find((e) => e.type === PrescribingEventTypes.prescriptionIssued && e.subject === issued!.rxId),
    );
    const genuine = original.data as PrescriptionIssuedV1;
    const forgedId = randomUUID();
    const forged = issuedEnvelope({ ...genuine, prescriptionId: forgedId, items: genuine.items.map((i) => ({ ...i, quantity: i.quantity * 10 })) });
    expect(await tryProduce(as('prescribing'), Topics.prescribing, forgedId, JSON.stringify(forged))).toBeUndefined();

    const dlq = await admin!.read([deadLetterTopic(Topics.prescribing)]);
    for (const groupId of ['dispensing', 'audit']) {
      const dead = await eventually(`group ${groupId} to dead-letter the forgery`, () => dlq.map((r) => JSON.parse(r.value) as { key: string; groupId: string; reason: string }).find((d) => d.key === forgedId && d.groupId === groupId));
      expect(dead.reason).toContain('rx.prescribing.prescription-issued.v1: PRESCRIPTION_CONTENT_HASH_MISMATCH: ');
    }
    const alerts = await eventuallyReply(
      'the forged-prescription alert',
      () => request<{ alerts: { ruleId: string; prescriptionId: string; evidence: string[]; details: { code: string } }[] }>('GET', `${url('audit')}/audit/alerts?rule=forged-prescription&prescriptionId=${forgedId}`, { token: rx.auditor() }),
      (r) => r.status === 200 && r.body.alerts.length > 0,
    );
    expect(alerts.body.alerts).toEqual([expect.objectContaining({ ruleId: 'forged-prescription', prescriptionId: forgedId, evidence: [forged.id], details: expect.objectContaining({ code: 'PRESCRIPTION_CONTENT_HASH_MISMATCH' }) })]);
    // The alert also goes out on rx.audit.v1, written by the audit principal.
    const auditTopic = await admin!.read(['rx.audit.v1']);
    await eventually('the alert on rx.audit.v1', () => auditTopic.find((r) => r.key === forgedId));

    const claim = await rx.claim(url('dispensing'), 'P001', forgedId, issued!.pickupCode);
    expect([claim.status, (claim.body as unknown as { code: string }).code]).toEqual([404, 'UNKNOWN_PRESCRIPTION']);
    expect((await rx.dispensation(url('dispensing'), forgedId)).status).toBe(404);
    expect((await rx.history(url('audit'), forgedId)).status).toBe(404);
  });
});
