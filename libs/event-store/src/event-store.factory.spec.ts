import { parseEventStoreUrl } from './event-store.factory';
import { parsePostgresUrl } from './postgres/postgres-url';

describe('parseEventStoreUrl', () => {
  it.each([
    ['sqlite:./data/rx.sqlite', { kind: 'sqlite', path: './data/rx.sqlite' }],
    ['sqlite::memory:', { kind: 'sqlite', path: ':memory:' }],
    ['sqlite:/var/lib/rx/rx.sqlite', { kind: 'sqlite', path: '/var/lib/rx/rx.sqlite' }],
    ['sqlite:///var/lib/rx/rx.sqlite', { kind: 'sqlite', path: '/var/lib/rx/rx.sqlite' }],
    [' esdb://localhost:2113?tls=false ', { kind: 'eventstoredb', connectionString: 'esdb://localhost:2113?tls=false' }],
    ['esdb+discover://cluster.internal:2113', { kind: 'eventstoredb', connectionString: 'esdb+discover://cluster.internal:2113' }],
    ['postgres://rx@db.internal:5432/rx_dispensing', { kind: 'postgres', connectionString: 'postgres://rx@db.internal:5432/rx_dispensing' }],
    ['postgresql://rx@db:5432/rx?schema=dispensing&pool_max=4', { kind: 'postgres', connectionString: 'postgresql://rx@db:5432/rx?schema=dispensing&pool_max=4' }],
  ])('reads %s', (url, expected) => {
    expect(parseEventStoreUrl(url)).toEqual(expected);
  });

  it.each(['', 'sqlite:', 'postgres://localhost', 'postgres://localhost/rx?schema=Bad-Name', 'postgres://localhost/rx?pool_max=0', 'esdb://', './data/rx.sqlite', 'ESDB://host'])('refuses %p, naming it', (url) => {
    expect(() => parseEventStoreUrl(url)).toThrow(`invalid event store URL '${url}'`);
  });
});

describe('parsePostgresUrl', () => {
  it('takes the schema and pool size out of the URL and leaves the rest to the client', () => {
    expect(parsePostgresUrl('postgres://rx:secret@db:5433/rx_settlement?schema=settlement&pool_max=3&application_name=x')).toEqual({
      connectionString: 'postgres://rx:secret@db:5433/rx_settlement?application_name=x',
      schema: 'settlement',
      poolMax: 3,
    });
    expect(parsePostgresUrl('postgres://rx@db/rx')).toMatchObject({ schema: 'public', poolMax: 8 });
  });

  it('never shows the password in a refusal', () => {
    expect(() => parseEventStoreUrl('postgres://rx:hunter2@db:5432/rx?schema=No!')).toThrow("invalid event store URL 'postgres://rx:***@db:5432/rx?schema=No!'");
  });
});
