import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Sources } from '@rx/contracts';
import { EventPlumbing } from '@rx/runtime';
import { ALERT_STREAM_PREFIX } from '../domain/audit-streams';
import { toAuditIntegrationEvent } from './alert-relay.mapper';
import { AuditFactRecorder } from './audit-fact.recorder';
import { DeadLetterRecorder } from './dead-letter.recorder';

export const AUDIT_RELAY = 'relay-audit';

/** Registers the fact recorder (consumer group `audit`) and the alert relay (→ rx.audit.v1) before start-up. */
@Injectable()
export class AuditPlumbing implements OnModuleInit {
  constructor(
    private readonly plumbing: EventPlumbing,
    private readonly recorder: AuditFactRecorder,
    private readonly deadLetters: DeadLetterRecorder,
  ) {}

  onModuleInit(): void {
    this.plumbing.registerConsumer(this.recorder.consumerOptions());
    this.plumbing.registerDeadLetterConsumer(this.deadLetters.consumerOptions());
    this.plumbing.registerRelay({ name: AUDIT_RELAY, source: Sources.audit, streamPrefixes: [ALERT_STREAM_PREFIX], map: toAuditIntegrationEvent });
  }
}
