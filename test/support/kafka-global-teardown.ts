// Stops the broker kafka-global-setup started (nothing, when it came from KAFKA_BROKERS).
export default async function kafkaGlobalTeardown(): Promise<void> {
  const broker = globalThis.__RX_KAFKA_BROKER__;
  globalThis.__RX_KAFKA_BROKER__ = undefined;
  if (broker) await broker.stop();
}
