import { AclOperationTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { AUDIT_CONSUMER_GROUP, AUDITED_TOPICS } from '../../libs/audit/src/application/audit-fact.recorder';
import { DEAD_LETTER_CONSUMER_GROUP } from '../../libs/audit/src/application/dead-letter.recorder';

const DEAD_LETTER_TOPICS = ['rx.prescribing.v1', 'rx.dispensing.v1', 'rx.settlement.v1', 'rx.audit.v1'];
import { AGREEMENT_CONSUMER_GROUP } from '../../libs/dispensing/src/application/pharmacy-agreements/agreement.reactor';
import { PRESCRIBING_CONSUMER_GROUP } from '../../libs/dispensing/src/application/prescribing-reactor/prescribing.reactor';
import { DISPENSING_CONSUMER_GROUP } from '../../libs/prescribing/src/application/dispensing-reactor/dispensing.reactor';
import { SETTLEMENT_CONSUMER_GROUP } from '../../libs/settlement/src/application/payment/dispensing.reactor';
import { TOPIC_ACCESS, type ContextApp } from '../../libs/contracts/src/topics';
import { aclsOf } from './provision';

const grants = (app: ContextApp, op: AclOperationTypes, type = AclResourceTypes.TOPIC) =>
  aclsOf(app)
    .filter((a) => a.operation === op && a.resourceType === type)
    .map((a) => a.resourceName)
    .sort();

describe('provision: one principal per app, the least the app needs', () => {
  it('given dispensing, then it writes rx.dispensing.v1 and the dead-letter topics of what it reads, and reads prescribing and settlement', () => {
    expect(grants('dispensing', AclOperationTypes.WRITE)).toEqual(['rx.dispensing.v1', 'rx.prescribing.v1.dlq', 'rx.settlement.v1.dlq']);
    expect(grants('dispensing', AclOperationTypes.READ)).toEqual(['rx.prescribing.v1', 'rx.settlement.v1']);
  });

  it('given any app, then it may write no other app\'s topic, create nothing and touch no cluster setting', () => {
    for (const app of Object.keys(TOPIC_ACCESS) as ContextApp[]) {
      const others = (Object.keys(TOPIC_ACCESS) as ContextApp[]).filter((o) => o !== app).map((o) => TOPIC_ACCESS[o].produces);
      expect(grants(app, AclOperationTypes.WRITE).filter((t) => others.includes(t))).toEqual([]);
      expect(aclsOf(app).every((a) => [AclOperationTypes.WRITE, AclOperationTypes.READ, AclOperationTypes.DESCRIBE].includes(a.operation))).toBe(true);
      expect(aclsOf(app).some((a) => a.resourceType === AclResourceTypes.CLUSTER)).toBe(false);
      expect(aclsOf(app).every((a) => a.principal === `User:${app}`)).toBe(true);
    }
  });

  it("given each context's consumers, then their groups and topics are the ones its principal is granted", () => {
    const consumers: [ContextApp, string, readonly string[]][] = [
      ['prescribing', DISPENSING_CONSUMER_GROUP, ['rx.dispensing.v1']],
      ['dispensing', PRESCRIBING_CONSUMER_GROUP, ['rx.prescribing.v1']],
      ['dispensing', AGREEMENT_CONSUMER_GROUP, ['rx.settlement.v1']],
      ['settlement', SETTLEMENT_CONSUMER_GROUP, ['rx.dispensing.v1']],
      ['audit', AUDIT_CONSUMER_GROUP, AUDITED_TOPICS],
    ];
    // Audit's dead-letter consumer reads every .dlq, its own topic's included.
    expect(grants('audit', AclOperationTypes.READ)).toEqual(expect.arrayContaining([...DEAD_LETTER_TOPICS].map((t) => `${t}.dlq`)));
    expect(DEAD_LETTER_CONSUMER_GROUP.startsWith(TOPIC_ACCESS.audit.groupPrefix)).toBe(true);
    for (const [app, group, topics] of consumers) {
      const groupAcl = aclsOf(app).find((a) => a.resourceType === AclResourceTypes.GROUP);
      expect([app, groupAcl?.resourcePatternType, group.startsWith(groupAcl!.resourceName)]).toEqual([app, ResourcePatternTypes.PREFIXED, true]);
      for (const t of topics) expect([app, t, grants(app, AclOperationTypes.READ).includes(t), grants(app, AclOperationTypes.WRITE).includes(`${t}.dlq`)]).toEqual([app, t, true, true]);
    }
  });
});
