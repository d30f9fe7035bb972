import { AUDIT_TOPIC } from './audit';

/** Topic names are part of the public contract (architecture.md). Key = prescription id. */
export const Topics = {
  prescribing: 'rx.prescribing.v1',
  dispensing: 'rx.dispensing.v1',
  settlement: 'rx.settlement.v1',
} as const;

export type Topic = (typeof Topics)[keyof typeof Topics];

export const ALL_TOPICS: readonly Topic[] = [Topics.prescribing, Topics.dispensing, Topics.settlement];

export function deadLetterTopic(topic: string): string {
  return `${topic}.dlq`;
}

/** CloudEvents `source` of each context. */
export const Sources = {
  prescribing: '/rx/prescribing',
  dispensing: '/rx/dispensing',
  settlement: '/rx/settlement',
  audit: '/rx/audit',
} as const;

export type ContextApp = 'prescribing' | 'dispensing' | 'settlement' | 'audit';

/**
 * What each context app does on the broker, the one table the runtime (which topics to check at
 * start) and the broker's ACLs (tools/kafka/provision.ts: one principal per app) are built from.
 * An app writes its own topic, and the dead-letter topics of the topics it consumes (its consumers
 * put there what they refuse); it reads the topics it consumes in consumer groups named
 * `<app>` or `<app>.<purpose>`.
 */
export interface TopicAccess {
  produces: string;
  consumes: readonly string[];
  groupPrefix: string;
  /** Topics whose dead-letter topics it reads (audit raises an alert for every dead letter). */
  readsDeadLettersOf?: readonly string[];
}

export const TOPIC_ACCESS: Readonly<Record<ContextApp, TopicAccess>> = {
  prescribing: { produces: Topics.prescribing, consumes: [Topics.dispensing], groupPrefix: 'prescribing' },
  dispensing: { produces: Topics.dispensing, consumes: [Topics.prescribing, Topics.settlement], groupPrefix: 'dispensing' },
  settlement: { produces: Topics.settlement, consumes: [Topics.dispensing], groupPrefix: 'settlement' },
  audit: {
    produces: AUDIT_TOPIC,
    consumes: [Topics.prescribing, Topics.dispensing, Topics.settlement],
    groupPrefix: 'audit',
    readsDeadLettersOf: [Topics.prescribing, Topics.dispensing, Topics.settlement, AUDIT_TOPIC],
  },
};

/** Topics an app writes: its own, and the dead-letter topic of each topic it consumes. */
export function topicsWrittenBy(app: ContextApp): string[] {
  const a = TOPIC_ACCESS[app];
  return [a.produces, ...a.consumes.map(deadLetterTopic)];
}

/** Every topic of the platform, dead-letter topics included (what a broker is provisioned with). */
export function allPlatformTopics(): string[] {
  const own = Object.values(TOPIC_ACCESS).map((a) => a.produces);
  return [...new Set([...own, ...own.map(deadLetterTopic)])];
}
