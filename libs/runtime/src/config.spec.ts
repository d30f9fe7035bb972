import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DEV_JWT_SECRET, loadConfig } from './config';
import { topicsAtStart } from './runtime.module';

describe('loadConfig', () => {
  it('gives the embedded defaults on an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      eventStore: 'sqlite:./data/rx.sqlite',
      bus: 'memory',
      referenceDataDir: './data/reference',
      jwtSecret: DEV_JWT_SECRET,
      jwtSecretIsDevDefault: true,
      jwtMaxLifetimeSeconds: 12 * 3600,
    });
  });

  it('defaults to durable commits, bounded clients and a rate limit', () => {
    expect(loadConfig({})).toMatchObject({
      sqliteSynchronous: 'FULL',
      http: { requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, idleTimeoutMs: 60_000, keepAliveTimeoutMs: 5_000, maxRequestsPerSocket: 1_000, maxConnections: 1_024 },
      rateLimit: { max: 600, windowMs: 60_000 },
    });
    expect(loadConfig({ RX_SQLITE_SYNCHRONOUS: 'NORMAL', RX_RATE_LIMIT_MAX: '0' })).toMatchObject({ sqliteSynchronous: 'NORMAL', rateLimit: { max: 0 } });
  });

  it('gives an app run alone its own SQLite file', () => {
    expect(loadConfig({}, 'dispensing').eventStore).toBe('sqlite:./data/dispensing.sqlite');
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ RX_EVENT_STORE: 'postgres://x' }, 'RX_EVENT_STORE'],
    [{ RX_EVENT_STORE: 'postgres://rx@db:5432/rx?schema=Not-An-Identifier' }, 'RX_EVENT_STORE'],
    [{ RX_EVENT_STORE: 'mysql://rx@db/rx' }, 'RX_EVENT_STORE'],
    [{ RX_BUS: 'rabbit' }, 'RX_BUS'],
    [{ RX_BUS: 'kafka' }, 'KAFKA_BROKERS'],
    [{ KAFKA_BROKERS: 'nohostport' }, 'KAFKA_BROKERS'],
    [{ RX_JWT_SECRET: 'short' }, 'RX_JWT_SECRET'],
    [{ NODE_ENV: 'production' }, 'RX_JWT_SECRET'],
    [{ RX_REFERENCE_DATA: '/nonexistent/dir' }, 'RX_REFERENCE_DATA'],
    [{ RX_LOG_LEVEL: 'loud' }, 'RX_LOG_LEVEL'],
    [{ KAFKA_SESSION_TIMEOUT_MS: '100' }, 'KAFKA_SESSION_TIMEOUT_MS'],
    [{ RX_JWT_MAX_LIFETIME_MINUTES: '0' }, 'RX_JWT_MAX_LIFETIME_MINUTES'],
    [{ RX_JWT_MAX_LIFETIME_MINUTES: '1.5' }, 'RX_JWT_MAX_LIFETIME_MINUTES'],
    [{ RX_JWT_MAX_LIFETIME_MINUTES: '10081' }, 'RX_JWT_MAX_LIFETIME_MINUTES'],
    [{ RX_INSTANCE_ID: 'has space' }, 'RX_INSTANCE_ID'],
    [{ RX_SQLITE_SYNCHRONOUS: 'OFF' }, 'RX_SQLITE_SYNCHRONOUS'],
    [{ RX_HTTP_REQUEST_TIMEOUT_MS: '0x7530' }, 'RX_HTTP_REQUEST_TIMEOUT_MS'],
    [{ RX_HTTP_HEADERS_TIMEOUT_MS: '50' }, 'RX_HTTP_HEADERS_TIMEOUT_MS'],
    [{ RX_HTTP_HEADERS_TIMEOUT_MS: '20000', RX_HTTP_REQUEST_TIMEOUT_MS: '10000' }, 'RX_HTTP_HEADERS_TIMEOUT_MS'],
    [{ RX_HTTP_IDLE_TIMEOUT_MS: 'soon' }, 'RX_HTTP_IDLE_TIMEOUT_MS'],
    [{ RX_HTTP_KEEP_ALIVE_TIMEOUT_MS: '-1' }, 'RX_HTTP_KEEP_ALIVE_TIMEOUT_MS'],
    [{ RX_HTTP_MAX_REQUESTS_PER_SOCKET: '1.5' }, 'RX_HTTP_MAX_REQUESTS_PER_SOCKET'],
    [{ RX_HTTP_MAX_CONNECTIONS: '0' }, 'RX_HTTP_MAX_CONNECTIONS'],
    [{ RX_RATE_LIMIT_MAX: 'lots' }, 'RX_RATE_LIMIT_MAX'],
    [{ RX_RATE_LIMIT_WINDOW_MS: '10' }, 'RX_RATE_LIMIT_WINDOW_MS'],
  ])('refuses %j, naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    try {
      loadConfig(env);
    } catch (e) {
      expect((e as ConfigError).problems.some((p) => p.startsWith(variable))).toBe(true);
    }
  });

  it('takes a token lifetime bound in minutes', () => {
    expect(loadConfig({ RX_JWT_MAX_LIFETIME_MINUTES: '30' }).jwtMaxLifetimeSeconds).toBe(1800);
  });

  it('accepts the distributed settings', () => {
    const config = loadConfig({ RX_BUS: 'kafka', KAFKA_BROKERS: '127.0.0.1:9092, kafka:9092', RX_EVENT_STORE: 'esdb://localhost:2113?tls=false' });
    expect(config.kafkaBrokers).toEqual(['127.0.0.1:9092', 'kafka:9092']);
    expect(config.eventStore).toBe('esdb://localhost:2113?tls=false');
  });

  it('names the instance from RX_INSTANCE_ID, else from the host and process', () => {
    expect(loadConfig({ RX_INSTANCE_ID: 'dispensing-a' }).instanceId).toBe('dispensing-a');
    expect(loadConfig({}).instanceId).toMatch(new RegExp(`-${process.pid}$`));
  });

  it('accepts a PostgreSQL store', () => {
    expect(loadConfig({ RX_EVENT_STORE: 'postgres://rx@127.0.0.1:5432/rx_dispensing?schema=rx' }, 'dispensing').eventStore).toBe(
      'postgres://rx@127.0.0.1:5432/rx_dispensing?schema=rx',
    );
  });

  it('reports every problem at once', () => {
    try {
      loadConfig({ PORT: 'x', RX_BUS: 'y' });
      throw new Error('should have failed');
    } catch (e) {
      expect((e as ConfigError).problems).toHaveLength(2);
    }
  });
});

describe('loadConfig: Kafka credentials and TLS (issue 21)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rx-config-ca-'));
  const caFile = join(dir, 'ca.pem');
  const notPem = join(dir, 'not.pem');
  writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ\n-----END CERTIFICATE-----\n');
  writeFileSync(notPem, 'hello');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const kafka = { RX_BUS: 'kafka', KAFKA_BROKERS: '127.0.0.1:9093' };
  const problems = (env: NodeJS.ProcessEnv): string[] => {
    try {
      loadConfig(env, 'dispensing');
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
    return [];
  };

  it('given no credentials outside production, then the apps connect without authentication or TLS (the laptop setup)', () => {
    const config = loadConfig(kafka, 'dispensing');
    expect(config.kafkaSasl).toBeUndefined();
    expect(config.kafkaSsl).toBeUndefined();
  });

  it('given SCRAM-SHA-512 credentials over TLS with a CA file, then the app connects as its principal trusting that CA', () => {
    const config = loadConfig({ ...kafka, KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SASL_USERNAME: 'dispensing', KAFKA_SASL_PASSWORD: 's3cret', KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: caFile }, 'dispensing');
    expect(config.kafkaSasl).toEqual({ mechanism: 'scram-sha-512', username: 'dispensing', password: 's3cret' });
    expect(config.kafkaSsl?.ca).toContain('BEGIN CERTIFICATE');
    expect(loadConfig({ ...kafka, KAFKA_SSL: 'true' }).kafkaSsl).toEqual({});
  });

  it('given production on Kafka, then the mechanism must be chosen out loud; none is accepted knowingly', () => {
    const prod = { ...kafka, NODE_ENV: 'production', RX_JWT_SECRET: 'x'.repeat(32), RX_PICKUP_CODE_SECRET: 'y'.repeat(32) };
    expect(problems(prod)).toEqual([expect.stringMatching(/^KAFKA_SASL_MECHANISM is required when NODE_ENV=production/)]);
    expect(problems({ ...prod, KAFKA_SASL_MECHANISM: 'none' })).toEqual([]);
    expect(problems({ ...prod, KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'audit', KAFKA_SASL_PASSWORD: 'p' })).toEqual([]);
  });

  it.each<[string, NodeJS.ProcessEnv, string]>([
    ['an unknown mechanism', { KAFKA_SASL_MECHANISM: 'plain' }, 'KAFKA_SASL_MECHANISM must be scram-sha-512, scram-sha-256 or none'],
    ['a mechanism without a username', { KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_PASSWORD: 'p' }, 'KAFKA_SASL_USERNAME must be'],
    ['a mechanism without a password', { KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'audit' }, 'KAFKA_SASL_PASSWORD is required'],
    ['credentials without a mechanism (they would be ignored)', { KAFKA_SASL_USERNAME: 'audit', KAFKA_SASL_PASSWORD: 'p' }, 'KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD need KAFKA_SASL_MECHANISM'],
    ['credentials with none', { KAFKA_SASL_MECHANISM: 'none', KAFKA_SASL_USERNAME: 'audit' }, 'KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD must be unset'],
    ['KAFKA_SSL other than true or false', { KAFKA_SSL: 'yes' }, 'KAFKA_SSL must be "true" or "false"'],
    ['a CA file without TLS', { KAFKA_SSL_CA_FILE: '/x/ca.pem' }, 'KAFKA_SSL_CA_FILE needs KAFKA_SSL=true'],
    ['a CA file that does not exist', { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: '/nonexistent/ca.pem' }, 'KAFKA_SSL_CA_FILE must name a readable PEM file'],
    ['a CA file that holds no certificate', { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: notPem }, 'KAFKA_SSL_CA_FILE must hold PEM certificates'],
  ])('refuses %s, naming the variable', (_what, env, problem) => {
    expect(problems({ ...kafka, ...env })).toEqual([expect.stringContaining(problem)]);
  });

  it('never puts the password in a message', () => {
    const all = problems({ ...kafka, KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'bad user!', KAFKA_SASL_PASSWORD: 'hunter2-secret' });
    expect(all.join('\n')).not.toContain('hunter2-secret');
  });
});

describe('topicsAtStart: what an app checks at start is what its principal may see', () => {
  it('gives a context app the topics it consumes, and the platform every topic', () => {
    expect(topicsAtStart('prescribing')).toEqual(['rx.dispensing.v1']);
    expect(topicsAtStart('dispensing')).toEqual(['rx.prescribing.v1', 'rx.settlement.v1']);
    expect(topicsAtStart('audit')).toEqual(['rx.prescribing.v1', 'rx.dispensing.v1', 'rx.settlement.v1']);
    expect(topicsAtStart('platform')).toEqual(['rx.prescribing.v1', 'rx.dispensing.v1', 'rx.settlement.v1', 'rx.audit.v1']);
  });
});
