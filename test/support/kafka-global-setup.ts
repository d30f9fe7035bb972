// Jest globalSetup of the kafka project: finds or starts a broker once per run and hands its
// address to the test workers through KAFKA_BROKERS. No broker means a failed run, never a skip.
import { ensureKafka, type KafkaBroker } from '../../tools/kafka/broker';

declare global {
  // Read back by kafka-global-teardown (globalSetup and globalTeardown share one context).
  var __RX_KAFKA_BROKER__: KafkaBroker | undefined;
}

export default async function kafkaGlobalSetup(): Promise<void> {
  let broker: KafkaBroker;
  try {
    broker = await ensureKafka();
  } catch (e) {
    throw new Error(`The Kafka suite needs a broker and none could be had: ${(e as Error).message}`);
  }
  globalThis.__RX_KAFKA_BROKER__ = broker;
  process.env.KAFKA_BROKERS = broker.brokers.join(',');
}
