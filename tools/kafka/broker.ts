import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface KafkaBroker {
  brokers: string[];
  stop(): Promise<void>;
  source: 'env' | 'testcontainers' | 'local';
}

export interface EnsureKafkaOptions {
  /** Where the one explanatory line goes; default stderr. */
  log?: (line: string) => void;
  /** Force a source instead of env → testcontainers → local (also `KAFKA_BROKER_SOURCE`). */
  prefer?: 'testcontainers' | 'local';
  /** Image for testcontainers (also `KAFKA_TESTCONTAINERS_IMAGE`); a Confluent image with KRaft. */
  image?: string;
}

const ROOT = resolve(__dirname, '../..');
const SCRIPT = join(ROOT, 'tools/kafka/kafka.sh');
const NO_RUNTIME = /Could not find a working container runtime strategy/i;

/**
 * A Kafka broker for tests: `KAFKA_BROKERS` when set; otherwise a testcontainers KRaft broker;
 * otherwise (no container runtime, as on this machine) the local broker of tools/kafka/kafka.sh in
 * a run directory of its own, so a developer's `npm run kafka:start` broker is never touched.
 */
export async function ensureKafka(options: EnsureKafkaOptions = {}): Promise<KafkaBroker> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const fromEnv = (process.env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (fromEnv.length > 0) {
    log(`kafka: using KAFKA_BROKERS=${fromEnv.join(',')} (set in the environment; nothing started)`);
    return { brokers: fromEnv, source: 'env', stop: async () => undefined };
  }

  const prefer = options.prefer ?? (process.env.KAFKA_BROKER_SOURCE as EnsureKafkaOptions['prefer'] | undefined);
  let why = 'KAFKA_BROKER_SOURCE=local';
  if (prefer !== 'local') {
    try {
      const broker = await startTestcontainer(options.image ?? process.env.KAFKA_TESTCONTAINERS_IMAGE ?? 'confluentinc/cp-kafka:7.9.0');
      log(`kafka: using a testcontainers broker at ${broker.brokers.join(',')} (KAFKA_BROKERS not set)`);
      return broker;
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (prefer === 'testcontainers') throw new Error(`kafka: testcontainers failed and KAFKA_BROKER_SOURCE=testcontainers: ${message}`);
      why = NO_RUNTIME.test(message) ? 'no container runtime for testcontainers' : `testcontainers failed: ${firstLine(message)}`;
    }
  }
  const broker = await startLocal();
  log(`kafka: using a local broker at ${broker.brokers.join(',')} started by tools/kafka/kafka.sh (KAFKA_BROKERS not set; ${why})`);
  return broker;
}

async function startTestcontainer(image: string): Promise<KafkaBroker> {
  const { KafkaContainer } = await import('@testcontainers/kafka');
  const container = await new KafkaContainer(image).withKraft().start();
  return {
    brokers: [`${container.getHost()}:${container.getMappedPort(9093)}`],
    source: 'testcontainers',
    stop: async () => {
      await container.stop();
    },
  };
}

/** A secured local broker (SASL_SSL, SCRAM-SHA-512 users per app, ACLs): see tools/kafka/kafka.sh. */
export interface SecureKafkaBroker extends KafkaBroker {
  /** The PEM file of the CA that signed the broker's certificate. */
  caFile: string;
  /** The SCRAM password of a user: `admin` (super user) or an app's principal. */
  password(user: 'admin' | 'prescribing' | 'dispensing' | 'settlement' | 'audit'): string;
}

/** Always a private local broker from tools/kafka (KAFKA_BROKERS and testcontainers are not used: neither has the users and ACLs). */
export async function startSecureLocalKafka(): Promise<SecureKafkaBroker> {
  const broker = await startLocal('sasl_ssl');
  const secure = join(broker.runDir, 'secure');
  return { ...broker, caFile: join(secure, 'ca.pem'), password: (user) => readFileSync(join(secure, `${user}.password`), 'utf8').trim() };
}

async function startLocal(security: 'plaintext' | 'sasl_ssl' = 'plaintext'): Promise<KafkaBroker & { runDir: string }> {
  const runDir = join(ROOT, '.cache/kafka', `run-test-${process.pid}-${Date.now()}`);
  const env = { ...process.env, KAFKA_RUN_DIR: runDir, KAFKA_SECURITY: security };
  let started: { stdout: string };
  try {
    started = await run(['start'], env);
  } catch (e) {
    rmSync(runDir, { recursive: true, force: true });
    throw new Error(`kafka: no broker available: KAFKA_BROKERS is not set, testcontainers has no runtime, and the local broker failed to start:\n${(e as Error).message}`);
  }
  const bootstrap = started.stdout.trim().split('\n').pop() ?? '';
  if (!/^127\.0\.0\.1:\d+$/.test(bootstrap)) throw new Error(`kafka: tools/kafka/kafka.sh start printed no bootstrap address (got '${bootstrap}')`);
  return {
    brokers: [bootstrap],
    source: 'local',
    runDir,
    stop: async () => {
      try {
        await run(['stop'], env);
      } finally {
        rmSync(runDir, { recursive: true, force: true });
      }
    },
  };
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', [SCRIPT, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolvePromise({ stdout, stderr });
      else reject(new Error(`kafka.sh ${args.join(' ')} exited with ${code}:\n${stderr.trim().split('\n').slice(-40).join('\n')}`));
    });
  });
}

function firstLine(s: string): string {
  return s.split('\n')[0].slice(0, 200);
}
