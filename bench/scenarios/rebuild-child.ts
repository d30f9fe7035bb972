// Child process of the bench: rebuilds one read model from position zero over a store file and
// prints one JSON line. A separate process because a slow replay can hold the event loop for
// minutes; only a kill from outside holds it to a time budget.
import { SqliteEventStore, type EventStore } from '@rx/event-store';

type Model = { catchUp(): Promise<void> };
export const MODELS: Record<string, { name: string; load: () => Promise<(store: EventStore) => Promise<number>> }> = {
  payments: { name: 'settlement payments', load: async () => viaCatchUp((await import('../../libs/settlement/src/application/read-models/payments.read-model')).PaymentsReadModel) },
  claims: { name: 'settlement claims', load: async () => viaCatchUp((await import('../../libs/settlement/src/application/read-models/claims.read-model')).ClaimsReadModel) },
  dispenseIndex: { name: 'dispensing dispense index', load: async () => viaCatchUp((await import('../../libs/dispensing/src/application/dispense-index/dispense-index.projection')).DispenseIndex) },
  openClaims: { name: 'dispensing open claims', load: async () => viaCatchUp((await import('../../libs/dispensing/src/application/claim-expiry/open-claims.projection')).OpenClaims) },
  expiry: { name: 'prescribing expiry watchlist', load: async () => viaCatchUp((await import('../../libs/prescribing/src/application/expiry/expiry-watchlist.projection')).ExpiryWatchlist) },
  monitoring: {
    name: 'audit monitoring (alerts, rules)',
    load: async () => {
      const audit = await import('@rx/audit');
      return async (store) => {
        const projection = new audit.MonitoringProjection({ store, params: audit.monitoringParamsFromEnv({}), now: () => new Date(), checkpointName: 'bench-monitoring-rebuild' });
        const report = await projection.rebuild(24 * 3600_000);
        await projection.stop();
        return report.events;
      };
    },
  },
};

function viaCatchUp(Model: new (store: EventStore) => Model): (store: EventStore) => Promise<number> {
  return async (store) => {
    await new Model(store).catchUp();
    return 0;
  };
}

if (require.main === module) {
  (async () => {
    const [file, key] = process.argv.slice(2);
    const model = MODELS[key];
    if (!model) throw new Error(`unknown model ${key}`);
    const rebuild = await model.load();
    const store = new SqliteEventStore(file);
    const t0 = performance.now();
    const events = await rebuild(store);
    const ms = performance.now() - t0;
    await store.close();
    process.stdout.write(JSON.stringify({ events, ms }) + '\n');
  })().catch((e) => {
    process.stdout.write(JSON.stringify({ error: (e as Error).message }) + '\n');
    process.exit(1);
  });
}
