import { ConfigError, DEV_JWT_SECRET, loadConfig } from './config';

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
