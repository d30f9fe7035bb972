import { existsSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseEventStoreUrl } from '@rx/event-store';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface RuntimeConfig {
  /** Which contexts this process runs (the platform runs all four). */
  appName: string;
  port: number;
  /** `sqlite:<path>`, `postgres://…` or `esdb://…` / `esdb+discover://…`. */
  eventStore: string;
  bus: 'memory' | 'kafka';
  kafkaBrokers: string[];
  kafkaPartitions: number;
  /** Consumer-group session timeout: how long a dead member holds its partitions. */
  kafkaSessionTimeoutMs: number;
  /** SASL credentials of this app's principal; undefined: an unauthenticated (laptop) broker. */
  kafkaSasl?: KafkaSasl;
  /** TLS to the broker; `ca` holds the PEM of KAFKA_SSL_CA_FILE (else the system's trusted CAs). */
  kafkaSsl?: { ca?: string };
  jwtSecret: string;
  /** True when RX_JWT_SECRET was not set and the development default is in use. */
  jwtSecretIsDevDefault: boolean;
  /** Longest lifetime a bearer token may have (`RX_JWT_MAX_LIFETIME_MINUTES`, default 12 hours). */
  jwtMaxLifetimeSeconds: number;
  referenceDataDir: string;
  /** Secret for deriving pickup codes (HMAC); defaults to a value derived from the JWT secret outside production. */
  pickupCodeSecret: string;
  logLevel: LogLevel;
  production: boolean;
  /** Names this process among the instances of its app (leader election, /health). */
  instanceId: string;
  /** SQLite durability: FULL (default) fsyncs every commit; NORMAL may lose the last commits on a power cut. */
  sqliteSynchronous: 'FULL' | 'NORMAL';
  /** How long and how much one client may hold of the HTTP server (README "Security"). */
  http: {
    requestTimeoutMs: number;
    headersTimeoutMs: number;
    idleTimeoutMs: number;
    keepAliveTimeoutMs: number;
    maxRequestsPerSocket: number;
    maxConnections: number;
  };
  /** Requests per window per client and route family; max 0 turns the limit off. */
  rateLimit: { max: number; windowMs: number };
  /** The built console (Vite output) served at /console by the apps that serve it. */
  consoleDir: string;
}

export type KafkaSaslMechanism = 'scram-sha-512' | 'scram-sha-256';

export interface KafkaSasl {
  mechanism: KafkaSaslMechanism;
  username: string;
  password: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export const DEV_JWT_SECRET = 'rx-circulation-development-secret-do-not-use-in-production';
const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;

/**
 * Reads and validates the environment (architecture.md "Deployment modes"). Every problem is
 * collected and named by its variable, so one failed start shows everything to fix.
 */
export function loadConfig(env: NodeJS.ProcessEnv, appName = 'platform'): RuntimeConfig {
  const problems: string[] = [];
  const production = env.NODE_ENV === 'production';

  const portText = env.PORT ?? '3000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 0 || port > 65535) problems.push(`PORT must be an integer from 0 to 65535 (got "${portText}")`);

  // The platform keeps every context in one file; an app run alone gets its own file by default.
  const eventStore = env.RX_EVENT_STORE ?? (appName === 'platform' ? 'sqlite:./data/rx.sqlite' : `sqlite:./data/${appName}.sqlite`);
  try {
    parseEventStoreUrl(eventStore);
  } catch (error) {
    problems.push(`RX_EVENT_STORE must be sqlite:<path>, postgres://user@host:port/db or esdb://host:port?tls=false (${(error as Error).message})`);
  }

  const bus = env.RX_BUS ?? 'memory';
  if (bus !== 'memory' && bus !== 'kafka') problems.push(`RX_BUS must be "memory" or "kafka" (got "${bus}")`);

  const kafkaBrokers = (env.KAFKA_BROKERS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (bus === 'kafka' && kafkaBrokers.length === 0) problems.push('KAFKA_BROKERS is required when RX_BUS=kafka (comma-separated host:port)');
  for (const b of kafkaBrokers) if (!HOST_PORT.test(b)) problems.push(`KAFKA_BROKERS entry "${b}" is not host:port`);

  const partitionsText = env.KAFKA_PARTITIONS ?? '3';
  const kafkaPartitions = Number(partitionsText);
  if (!/^\d+$/.test(partitionsText) || kafkaPartitions < 1 || kafkaPartitions > 256) problems.push(`KAFKA_PARTITIONS must be an integer from 1 to 256 (got "${partitionsText}")`);

  const sessionText = env.KAFKA_SESSION_TIMEOUT_MS ?? '30000';
  const kafkaSessionTimeoutMs = Number(sessionText);
  if (!/^\d+$/.test(sessionText) || kafkaSessionTimeoutMs < 6000 || kafkaSessionTimeoutMs > 300000) {
    problems.push(`KAFKA_SESSION_TIMEOUT_MS must be an integer from 6000 to 300000 (got "${sessionText}")`);
  }

  const { kafkaSasl, kafkaSsl } = kafkaSecurity(env, bus === 'kafka' && production, problems);

  let jwtSecret = env.RX_JWT_SECRET ?? '';
  const jwtSecretIsDevDefault = jwtSecret === '';
  if (jwtSecretIsDevDefault) {
    if (production) problems.push('RX_JWT_SECRET is required when NODE_ENV=production');
    jwtSecret = DEV_JWT_SECRET;
  } else if (jwtSecret.length < 32) {
    problems.push('RX_JWT_SECRET must be at least 32 characters');
  }

  const lifetimeText = env.RX_JWT_MAX_LIFETIME_MINUTES ?? '720';
  const lifetimeMinutes = Number(lifetimeText);
  if (!/^\d+$/.test(lifetimeText) || lifetimeMinutes < 1 || lifetimeMinutes > 10080) {
    problems.push(`RX_JWT_MAX_LIFETIME_MINUTES must be an integer from 1 to 10080 (got "${lifetimeText}")`);
  }

  const referenceDataDir = env.RX_REFERENCE_DATA ?? './data/reference';
  if (!existsSync(referenceDataDir) || !statSync(referenceDataDir).isDirectory()) {
    problems.push(`RX_REFERENCE_DATA must name a directory of reference data (got "${referenceDataDir}")`);
  }

  let pickupCodeSecret = env.RX_PICKUP_CODE_SECRET ?? '';
  if (pickupCodeSecret === '') {
    if (production) problems.push('RX_PICKUP_CODE_SECRET is required when NODE_ENV=production');
    pickupCodeSecret = `pickup:${jwtSecret}`;
  } else if (pickupCodeSecret.length < 32) {
    problems.push('RX_PICKUP_CODE_SECRET must be at least 32 characters');
  }

  const logLevel = (env.RX_LOG_LEVEL ?? 'info') as LogLevel;
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) problems.push(`RX_LOG_LEVEL must be debug, info, warn or error (got "${logLevel}")`);

  const instanceId = env.RX_INSTANCE_ID ?? `${hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 40)}-${process.pid}`;
  if (!/^[A-Za-z0-9._-]{1,60}$/.test(instanceId)) problems.push(`RX_INSTANCE_ID must be 1-60 of letters, digits, '.', '_' and '-' (got "${instanceId}")`);
  const sqliteSynchronous = env.RX_SQLITE_SYNCHRONOUS ?? 'FULL';
  if (sqliteSynchronous !== 'FULL' && sqliteSynchronous !== 'NORMAL') problems.push(`RX_SQLITE_SYNCHRONOUS must be FULL or NORMAL (got "${sqliteSynchronous}")`);

  const int = (name: string, fallback: number, min: number, max: number): number => {
    const text = env[name] ?? String(fallback);
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got "${text}")`);
      return fallback;
    }
    return value;
  };
  const http = {
    requestTimeoutMs: int('RX_HTTP_REQUEST_TIMEOUT_MS', 30_000, 100, 600_000),
    headersTimeoutMs: int('RX_HTTP_HEADERS_TIMEOUT_MS', 10_000, 100, 600_000),
    idleTimeoutMs: int('RX_HTTP_IDLE_TIMEOUT_MS', 60_000, 100, 3_600_000),
    keepAliveTimeoutMs: int('RX_HTTP_KEEP_ALIVE_TIMEOUT_MS', 5_000, 100, 600_000),
    maxRequestsPerSocket: int('RX_HTTP_MAX_REQUESTS_PER_SOCKET', 1_000, 0, 1_000_000),
    maxConnections: int('RX_HTTP_MAX_CONNECTIONS', 1_024, 1, 1_000_000),
  };
  // Node refuses a headers deadline beyond the whole request's.
  if (http.headersTimeoutMs > http.requestTimeoutMs) problems.push(`RX_HTTP_HEADERS_TIMEOUT_MS must not exceed RX_HTTP_REQUEST_TIMEOUT_MS (${http.headersTimeoutMs} > ${http.requestTimeoutMs})`);
  const rateLimit = { max: int('RX_RATE_LIMIT_MAX', 600, 0, 1_000_000_000), windowMs: int('RX_RATE_LIMIT_WINDOW_MS', 60_000, 1_000, 3_600_000) };
  const consoleDir = env.RX_CONSOLE_DIR ?? './dist/console';
  if (consoleDir.trim() === '') problems.push('RX_CONSOLE_DIR must name a directory (got "")');

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    appName,
    port,
    eventStore,
    bus: bus as RuntimeConfig['bus'],
    kafkaBrokers,
    kafkaPartitions,
    kafkaSessionTimeoutMs,
    ...(kafkaSasl ? { kafkaSasl } : {}),
    ...(kafkaSsl ? { kafkaSsl } : {}),
    jwtSecret,
    jwtSecretIsDevDefault,
    jwtMaxLifetimeSeconds: lifetimeMinutes * 60,
    referenceDataDir,
    pickupCodeSecret,
    logLevel,
    production,
    instanceId,
    sqliteSynchronous: sqliteSynchronous as RuntimeConfig['sqliteSynchronous'],
    http,
    rateLimit,
    consoleDir,
  };
}

const SASL_MECHANISMS: readonly string[] = ['scram-sha-512', 'scram-sha-256', 'none'];

/**
 * KAFKA_SASL_MECHANISM (`scram-sha-512`, `scram-sha-256`, or `none`), KAFKA_SASL_USERNAME,
 * KAFKA_SASL_PASSWORD, KAFKA_SSL (`true`/`false`), KAFKA_SSL_CA_FILE (PEM; only with KAFKA_SSL=true).
 * Unset means an unauthenticated broker, except in production on Kafka, where the choice must be
 * made out loud (`none` to run without credentials knowingly). Credentials without a mechanism,
 * or a CA file without TLS, are refused rather than silently ignored.
 */
function kafkaSecurity(env: NodeJS.ProcessEnv, required: boolean, problems: string[]): { kafkaSasl?: KafkaSasl; kafkaSsl?: { ca?: string } } {
  const mechanismText = env.KAFKA_SASL_MECHANISM?.trim().toLowerCase();
  const username = env.KAFKA_SASL_USERNAME ?? '';
  const password = env.KAFKA_SASL_PASSWORD ?? '';
  let kafkaSasl: KafkaSasl | undefined;
  if (mechanismText === undefined || mechanismText === '') {
    if (required) problems.push('KAFKA_SASL_MECHANISM is required when NODE_ENV=production and RX_BUS=kafka (scram-sha-512, or none for a broker without authentication)');
    if (username || password) problems.push('KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD need KAFKA_SASL_MECHANISM (scram-sha-512 or scram-sha-256)');
  } else if (!SASL_MECHANISMS.includes(mechanismText)) {
    problems.push(`KAFKA_SASL_MECHANISM must be scram-sha-512, scram-sha-256 or none (got "${env.KAFKA_SASL_MECHANISM}")`);
  } else if (mechanismText === 'none') {
    if (username || password) problems.push('KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD must be unset when KAFKA_SASL_MECHANISM=none');
  } else {
    if (!/^[A-Za-z0-9._@-]{1,128}$/.test(username)) problems.push(`KAFKA_SASL_USERNAME must be 1-128 of A-Z a-z 0-9 . _ @ - with KAFKA_SASL_MECHANISM=${mechanismText} (got "${username}")`);
    if (password.length === 0) problems.push(`KAFKA_SASL_PASSWORD is required with KAFKA_SASL_MECHANISM=${mechanismText}`);
    else if (password.length > 1024) problems.push('KAFKA_SASL_PASSWORD must be at most 1024 characters');
    kafkaSasl = { mechanism: mechanismText as KafkaSaslMechanism, username, password };
  }

  const sslText = env.KAFKA_SSL ?? 'false';
  if (sslText !== 'true' && sslText !== 'false') problems.push(`KAFKA_SSL must be "true" or "false" (got "${sslText}")`);
  const caFile = env.KAFKA_SSL_CA_FILE;
  let kafkaSsl: { ca?: string } | undefined;
  if (sslText === 'true') {
    kafkaSsl = {};
    if (caFile !== undefined && caFile !== '') {
      let pem = '';
      try {
        pem = readFileSync(caFile, 'utf8');
      } catch {
        problems.push(`KAFKA_SSL_CA_FILE must name a readable PEM file (got "${caFile}")`);
      }
      if (pem && !/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.test(pem)) problems.push(`KAFKA_SSL_CA_FILE must hold PEM certificates (got "${caFile}")`);
      else if (pem) kafkaSsl.ca = pem;
    }
  } else if (caFile) {
    problems.push('KAFKA_SSL_CA_FILE needs KAFKA_SSL=true');
  }
  return { kafkaSasl, kafkaSsl };
}

export const RX_CONFIG = Symbol('RuntimeConfig');
