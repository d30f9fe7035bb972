import { parseEventStoreUrl } from './event-store.factory';

describe('parseEventStoreUrl', () => {
  it.each([
    ['sqlite:./data/rx.sqlite', { kind: 'sqlite', path: './data/rx.sqlite' }],
    ['sqlite::memory:', { kind: 'sqlite', path: ':memory:' }],
    ['sqlite:/var/lib/rx/rx.sqlite', { kind: 'sqlite', path: '/var/lib/rx/rx.sqlite' }],
    ['sqlite:///var/lib/rx/rx.sqlite', { kind: 'sqlite', path: '/var/lib/rx/rx.sqlite' }],
    [' esdb://localhost:2113?tls=false ', { kind: 'eventstoredb', connectionString: 'esdb://localhost:2113?tls=false' }],
    ['esdb+discover://cluster.internal:2113', { kind: 'eventstoredb', connectionString: 'esdb+discover://cluster.internal:2113' }],
  ])('reads %s', (url, expected) => {
    expect(parseEventStoreUrl(url)).toEqual(expected);
  });

  it.each(['', 'sqlite:', 'postgres://localhost/rx', 'esdb://', './data/rx.sqlite', 'ESDB://host'])('refuses %p, naming it', (url) => {
    expect(() => parseEventStoreUrl(url)).toThrow(`invalid event store URL '${url}'`);
  });
});
