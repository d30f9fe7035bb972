/**
 * Provisions a secured broker for the platform (issue 21), connected as a super user: every topic
 * (with its dead-letter topic), and the ACLs of one principal per app from `TOPIC_ACCESS`:
 *   - WRITE (and DESCRIBE) its own topic and the dead-letter topics of the topics it consumes;
 *   - READ (and DESCRIBE) the topics it consumes, and READ its consumer groups (prefix `<app>`).
 * Nothing else: no CREATE, no ALTER, no cluster rights. The apps find their topics made here.
 *
 *   KAFKA_BROKERS=127.0.0.1:9093 KAFKA_SASL_USERNAME=admin KAFKA_SASL_PASSWORD=… KAFKA_SSL_CA_FILE=ca.pem \
 *     node -r @swc-node/register tools/kafka/provision.ts
 *
 * `KAFKA_SSL_CA_FILE` set means TLS (`KAFKA_SSL=false` turns it off); KAFKA_PARTITIONS (default 3);
 * KAFKA_USER_<APP> names an app's principal (default: the app's name). Idempotent: run it again
 * after a change to the table.
 */
import { readFileSync } from 'node:fs';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  logLevel,
  ResourcePatternTypes,
  type AclEntry,
  type ITopicConfig,
} from 'kafkajs';
import { allPlatformTopics, deadLetterTopic, TOPIC_ACCESS, topicsWrittenBy, type ContextApp } from '../../libs/contracts/src/topics';

type Acl = AclEntry & { resourceType: AclResourceTypes; resourceName: string; resourcePatternType: ResourcePatternTypes };

/** The ACL entries of one app's principal: the whole grant, nothing implied elsewhere. */
export function aclsOf(app: ContextApp, principal = `User:${app}`): Acl[] {
  const allow = (resourceType: AclResourceTypes, resourceName: string, operation: AclOperationTypes, pattern = ResourcePatternTypes.LITERAL): Acl => ({
    resourceType,
    resourceName,
    resourcePatternType: pattern,
    principal,
    host: '*',
    operation,
    permissionType: AclPermissionTypes.ALLOW,
  });
  const access = TOPIC_ACCESS[app];
  return [
    ...topicsWrittenBy(app).flatMap((t) => [allow(AclResourceTypes.TOPIC, t, AclOperationTypes.WRITE), allow(AclResourceTypes.TOPIC, t, AclOperationTypes.DESCRIBE)]),
    ...[...access.consumes, ...(access.readsDeadLettersOf ?? []).map(deadLetterTopic)].flatMap((t) => [allow(AclResourceTypes.TOPIC, t, AclOperationTypes.READ), allow(AclResourceTypes.TOPIC, t, AclOperationTypes.DESCRIBE)]),
    allow(AclResourceTypes.GROUP, access.groupPrefix, AclOperationTypes.READ, ResourcePatternTypes.PREFIXED),
  ];
}

async function main(): Promise<void> {
  const env = process.env;
  const brokers = (env.KAFKA_BROKERS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (brokers.length === 0) throw new Error('KAFKA_BROKERS is required');
  const password = env.KAFKA_SASL_PASSWORD;
  if (!password) throw new Error('KAFKA_SASL_PASSWORD (of a super user) is required');
  const username = env.KAFKA_SASL_USERNAME ?? 'admin';
  const caFile = env.KAFKA_SSL_CA_FILE;
  const ssl = env.KAFKA_SSL === 'false' ? false : caFile ? { ca: [readFileSync(caFile, 'utf8')] } : env.KAFKA_SSL === 'true';
  const partitions = Number(env.KAFKA_PARTITIONS ?? '3');
  if (!Number.isSafeInteger(partitions) || partitions < 1) throw new Error('KAFKA_PARTITIONS must be a positive integer');

  const kafka = new Kafka({ clientId: 'rx-provision', brokers, ssl, sasl: { mechanism: 'scram-sha-512', username, password }, logLevel: logLevel.WARN, connectionTimeout: 10_000 });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const topics: ITopicConfig[] = allPlatformTopics()
      .filter((t) => !existing.has(t))
      .map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 }));
    if (topics.length > 0) await admin.createTopics({ topics, waitForLeaders: true });
    const apps = Object.keys(TOPIC_ACCESS) as ContextApp[];
    const acl = apps.flatMap((app) => aclsOf(app, `User:${env[`KAFKA_USER_${app.toUpperCase()}`] ?? app}`));
    await admin.createAcls({ acl });
    process.stderr.write(`provision: ${topics.length} topic(s) created, ${acl.length} ACL entries for ${apps.join(', ')}\n`);
  } finally {
    await admin.disconnect();
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`provision: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
