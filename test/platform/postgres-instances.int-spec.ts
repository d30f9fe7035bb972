import { createTestDatabase, type TestDatabase } from '@rx/event-store/testing';
import { spawnApp, type RunningApp } from '../support/spawn-app';

jest.setTimeout(180_000);

const SECRET = 'a-test-secret-of-thirty-two-chars!!';

interface Health {
  status: string;
  store: { kind: string; ok: boolean };
  relays: Array<{ name: string; running: boolean }>;
  leadership: { kind: string; instanceId: string; jobs: Array<{ job: string; leading: boolean; leader?: string }> };
}

const health = async (app: RunningApp): Promise<Health> => (await fetch(`${app.baseUrl}/health`)).json() as Promise<Health>;

/** Two instances of one app as processes on one PostgreSQL database. */
describe('two instances of an app on one PostgreSQL store', () => {
  let db: TestDatabase;
  const apps: RunningApp[] = [];
  beforeAll(async () => {
    db = await createTestDatabase('instances');
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop('SIGKILL')));
    await db.drop();
  });

  it('runs each relay and sweeper on one instance, shows the leader in /health, and fails over when it is SIGKILLed', async () => {
    const env = (id: string) => ({ RX_EVENT_STORE: db.url, RX_INSTANCE_ID: id, RX_JWT_SECRET: SECRET });
    const a = await spawnApp('dispensing', env('dispensing-a'));
    apps.push(a);
    const b = await spawnApp('dispensing', env('dispensing-b'));
    apps.push(b);

    const [ha, hb] = [await health(a), await health(b)];
    expect(ha.store).toMatchObject({ kind: 'postgres', ok: true });
    const jobs = ha.leadership.jobs.map((j) => j.job);
    expect(jobs).toEqual(expect.arrayContaining(['relay:relay-dispensing', 'sweeper:dispensing:claim-expiry-sweep']));
    expect(ha.leadership).toMatchObject({ kind: 'postgres-advisory-lock', instanceId: 'dispensing-a' });
    for (const j of ha.leadership.jobs) expect(j).toMatchObject({ leading: true, leader: 'dispensing-a' });
    for (const j of hb.leadership.jobs) expect(j).toMatchObject({ leading: false, leader: 'dispensing-a' });
    expect(ha.relays.every((r) => r.running)).toBe(true);
    expect(hb.relays.some((r) => r.running)).toBe(false);

    const killedAt = Date.now();
    a.process.kill('SIGKILL');
    let after = await health(b);
    while (!after.leadership.jobs.every((j) => j.leading)) {
      if (Date.now() - killedAt > 20_000) throw new Error(`no takeover within 20 s: ${JSON.stringify(after.leadership)}`);
      await new Promise((r) => setTimeout(r, 100));
      after = await health(b);
    }
    process.stdout.write(`takeover after SIGKILL: ${Date.now() - killedAt} ms\n`);
    for (const j of after.leadership.jobs) expect(j).toMatchObject({ leading: true, leader: 'dispensing-b' });
    expect(after.relays.every((r) => r.running)).toBe(true);
    expect(await b.stop('SIGTERM')).toBe(0);
  });
});
