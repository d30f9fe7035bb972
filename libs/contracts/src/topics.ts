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
