import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DispensedV1 } from '@rx/contracts';
import { createEventStore, SqliteEventStore, type AppendOptions, type EventStore, type NewEvent } from '@rx/event-store';
import { DelegatingStore } from '@rx/event-store/testing';
import { ManualClock } from '@rx/kernel';
import { createTestApp, type TestApp } from '@rx/runtime/testing';
import { DispensingReactor } from '../application/payment/dispensing.reactor';
import { personalAccountStreamId } from '../domain/stream-ids';
import { SettlementModule } from '../settlement.module';
import { dispensedEnvelope, publish, reversedEnvelope, type DispenseSpec } from './testing/settlement-test-kit';

const IN_2026 = '2026-03-02T09:00:00.000Z';
const NEW_YEAR_2027 = '2026-12-31T16:30:00.000Z'; // 00:30 on 1 January 2027 in China

/** Holds appends of a year's allotment until `n` contenders have decided, so they all decided on one revision. */
class Gate {
  attempts = 0;
  private held: Array<() => void> = [];
  constructor(private readonly n: number) {}
  pass(): Promise<void> {
    this.attempts++;
    return new Promise<void>((go) => {
      this.held.push(go);
      if (this.held.length >= this.n) this.held.splice(0).forEach((g) => g());
      setTimeout(go, 2_000).unref(); // liveness only
    });
  }
}

class AllotmentBarrier extends DelegatingStore {
  constructor(
    inner: EventStore,
    readonly gate: Gate,
  ) {
    super(inner);
  }
  override async append(streamId: string, events: readonly NewEvent[], options: AppendOptions) {
    if (events.some((e) => e.type === 'AnnualAllotmentCredited')) await this.gate.pass();
    return this.inner.append(streamId, events, options);
  }
}

describe('settlement: one continuing personal account per holder (issue 22.1)', () => {
  let t: TestApp;

  const start = async (store: EventStore = createEventStore('sqlite::memory:'), clock = new ManualClock(IN_2026)) => {
    t = await createTestApp({ imports: [SettlementModule], clock, store });
    return t;
  };
  afterEach(() => t?.close());

  const agency = (app = t) => app.bearer('agency', 'AG001', 'AGENCY');
  const dispense = async (spec: DispenseSpec, app = t): Promise<DispensedV1> => {
    const e = dispensedEnvelope(spec, app.clock.now());
    await publish(app, e);
    return e.data;
  };
  const payment = async (dispenseId: string) => (await t.http.get(`/settlement/dispenses/${dispenseId}`).set('Authorization', agency())).body;
  const account = (holderId: string, auth = agency()) => t.http.get(`/settlement/personal-accounts/${holderId}`).set('Authorization', auth);
  const credit = (holderId: string, body: object, auth = agency()) => t.http.post(`/settlement/personal-accounts/${holderId}/credits`).set('Authorization', auth).send(body);
  const kinds = (body: { movements: { kind: string; amountFen: number }[] }) => body.movements.map((m) => [m.kind, m.amountFen]);
  const workedExample: DispenseSpec = { patientId: 'PT001', lines: [['MET-500', 60], ['ATV-20', 28], ['VITC-100', 1]], deliveryFeeFen: 800 };

  it("carries the balance over: a 2027 purchase spends what 2026 left, not reference data's figure again", async () => {
    await start();
    await dispense(workedExample); // the account pays 19080 of 50000
    t.clock.set(new Date('2027-01-10T02:00:00Z'));
    const d = await dispense({ patientId: 'PT001', lines: [['VITC-100', 16]] }); // 40000 of self-pay drugs the account may pay
    expect(await payment(d.dispenseId)).toMatchObject({ totalFen: 40000, personalAccountFen: 30920, cashFen: 9080, flags: ['ACCOUNT_BALANCE_SHORT'] });
    const res = await account('PT001');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ holderId: 'PT001', opened: true, openedYear: 2026, openingBalanceFen: 50000, balanceFen: 0, annualAllotmentFen: 0, allottedYears: [] });
    expect(kinds(res.body)).toEqual([
      ['OPENING_BALANCE', 50000],
      ['DEBIT', -19080],
      ['DEBIT', -30920],
    ]);
    expect(res.body.movements.map((m: { balanceAfterFen: number }) => m.balanceAfterFen)).toEqual([50000, 30920, 0]);
    expect(res.body.movements[2]).toMatchObject({ dispenseId: d.dispenseId, patientId: 'PT001', by: 'system:settlement' });
    const benefits = await t.http.get('/settlement/patients/PT001/benefits/2027').set('Authorization', agency());
    expect(benefits.body.personalAccount).toEqual({ holderId: 'PT001', openingBalanceFen: 50000, balanceFen: 0, familyAccount: false });
  });

  it('a refund in 2027 of a 2026 purchase credits the continuing account, where it can be spent', async () => {
    await start();
    const last = await dispense(workedExample); // 50000 -> 30920
    t.clock.set(new Date('2027-01-10T02:00:00Z'));
    await dispense({ patientId: 'PT001', lines: [['VITC-100', 16]] }); // -> 0
    await publish(t, reversedEnvelope(last, t.clock.now()));
    const res = await account('PT001');
    expect(res.body.balanceFen).toBe(19080);
    expect(kinds(res.body).at(-1)).toEqual(['RESTORE', 19080]);
    const next = await dispense({ patientId: 'PT001', lines: [['VITC-100', 8]] }); // 20000
    expect(await payment(next.dispenseId)).toMatchObject({ personalAccountFen: 19080, cashFen: 920 });
  });

  describe("a retiree's yearly allotment (004: 1,200 yuan)", () => {
    it('is not credited in the year first seen (the reference balance includes it), and once in each later year', async () => {
      await start();
      await dispense({ patientId: 'PT002', lines: [['MET-500', 400]] }); // account pays 16250 of 120000
      expect((await account('PT002')).body).toMatchObject({ balanceFen: 103750, annualAllotmentFen: 120000, allottedYears: [], allotmentYearsPending: [] });

      t.clock.set(new Date(NEW_YEAR_2027));
      expect((await account('PT002')).body).toMatchObject({ balanceFen: 103750, allotmentYearsPending: [2027] });
      await dispense({ patientId: 'PT002', lines: [['MET-500', 20]] }); // 1000, all deductible: the account pays 1000
      await dispense({ patientId: 'PT002', lines: [['MET-500', 20]] });
      const res = await account('PT002');
      expect(res.body).toMatchObject({ balanceFen: 103750 + 120000 - 2000, allottedYears: [2027], allotmentYearsPending: [] });
      expect(kinds(res.body)).toEqual([
        ['OPENING_BALANCE', 120000],
        ['DEBIT', -16250],
        ['ANNUAL_ALLOTMENT', 120000],
        ['DEBIT', -1000],
        ['DEBIT', -1000],
      ]);
      expect(res.body.movements[2]).toMatchObject({ year: 2027, by: 'system:settlement' });
    });

    it('a year with no movement is still credited, once, when the holder is next seen', async () => {
      await start();
      await dispense({ patientId: 'PT002', lines: [['MET-500', 20]] });
      t.clock.set(new Date('2028-05-01T00:00:00Z'));
      await dispense({ patientId: 'PT002', lines: [['MET-500', 20]] });
      expect((await account('PT002')).body).toMatchObject({ allottedYears: [2027, 2028], balanceFen: 120000 - 1000 + 240000 - 1000 });
    });

    it('is credited exactly once when payments of the new year race for it', async () => {
      const barrier = new AllotmentBarrier(createEventStore('sqlite::memory:'), new Gate(3));
      await start(barrier);
      await dispense({ patientId: 'PT002', lines: [['MET-500', 20]] });
      t.clock.set(new Date(NEW_YEAR_2027));
      const events = [1, 2, 3].map(() => dispensedEnvelope({ patientId: 'PT002', lines: [['MET-500', 20]] }, t.clock.now()));
      await Promise.all(events.map((event) => t.app.get(DispensingReactor).handle({ event })));
      expect(barrier.gate.attempts).toBeGreaterThanOrEqual(2);
      const types = (await t.store.readStream(personalAccountStreamId('PT002'))).map((e) => e.type);
      expect(types.filter((x) => x === 'AnnualAllotmentCredited')).toHaveLength(1);
      expect((await account('PT002')).body.balanceFen).toBe(120000 - 1000 + 120000 - 3000);
    });

    it('is credited exactly once by two instances sharing one SQLite file', async () => {
      const file = join(tmpdir(), `rx-accounts-${randomUUID()}.sqlite`);
      const clock = new ManualClock(IN_2026);
      // Each instance opens its own connection to the file, as two processes would; both decide before either appends.
      const gate = new Gate(2);
      const a = await createTestApp({ imports: [SettlementModule], clock, store: new AllotmentBarrier(new SqliteEventStore(file), gate) });
      const b = await createTestApp({ imports: [SettlementModule], clock, store: new AllotmentBarrier(new SqliteEventStore(file), gate) });
      t = a;
      try {
        await dispense({ patientId: 'PT002', lines: [['MET-500', 20]] }, a);
        clock.set(new Date(NEW_YEAR_2027));
        const [ea, eb] = [a, b].map(() => dispensedEnvelope({ patientId: 'PT002', lines: [['MET-500', 20]] }, clock.now()));
        await Promise.all([a.app.get(DispensingReactor).handle({ event: ea }), b.app.get(DispensingReactor).handle({ event: eb })]);
        const types = (await a.store.readStream(personalAccountStreamId('PT002'))).map((e) => e.type);
        expect(gate.attempts).toBe(2);
        expect(types.filter((x) => x === 'AnnualAllotmentCredited')).toHaveLength(1);
        expect(types.filter((x) => x === 'PersonalAccountDebited')).toHaveLength(3);
        expect((await account('PT002')).body.balanceFen).toBe(120000 - 1000 + 120000 - 2000);
      } finally {
        await b.close();
        for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
      }
    });

    it('is not given to a working employee', async () => {
      await start();
      await dispense({ patientId: 'PT001', lines: [['MET-500', 20]] });
      t.clock.set(new Date(NEW_YEAR_2027));
      await dispense({ patientId: 'PT001', lines: [['MET-500', 20]] });
      expect((await account('PT001')).body).toMatchObject({ balanceFen: 48000, annualAllotmentFen: 0, allottedYears: [], allotmentYearsPending: [] });
    });
  });

  describe('POST /settlement/personal-accounts/:holderId/credits (agency)', () => {
    it('credits a holder never seen on top of the reference balance, and says who posted it', async () => {
      await start();
      const res = await credit('PT001', { creditId: 'contrib-2026-03', amountFen: 3000, note: 'March contributions' });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ holderId: 'PT001', creditId: 'contrib-2026-03', amountFen: 3000, duplicate: false, balanceFen: 53000 });
      const view = (await account('PT001')).body;
      expect(kinds(view)).toEqual([
        ['OPENING_BALANCE', 50000],
        ['CREDIT', 3000],
      ]);
      expect(view.movements[1]).toMatchObject({ creditId: 'contrib-2026-03', note: 'March contributions', by: 'agency:AG001', balanceAfterFen: 53000 });
    });

    it('is idempotent by creditId: a retry adds nothing, other content under the same id is 409', async () => {
      await start();
      await credit('PT001', { creditId: 'c-1', amountFen: 3000 });
      const retry = await credit('PT001', { creditId: 'c-1', amountFen: 3000 });
      expect(retry.status).toBe(201);
      expect(retry.body).toMatchObject({ duplicate: true, balanceFen: 53000 });
      const other = await credit('PT001', { creditId: 'c-1', amountFen: 4000 });
      expect(other.status).toBe(409);
      expect(other.body).toMatchObject({ code: 'PERSONAL_ACCOUNT_CREDIT_CONFLICT' });
      expect((await account('PT001')).body.balanceFen).toBe(53000);
    });

    it('a credit in a new year also brings in that year\'s allotment first, once', async () => {
      await start();
      await credit('PT002', { creditId: 'c-2026', amountFen: 100 });
      t.clock.set(new Date(NEW_YEAR_2027));
      await credit('PT002', { creditId: 'c-2027', amountFen: 100 });
      expect(kinds((await account('PT002')).body)).toEqual([
        ['OPENING_BALANCE', 120000],
        ['CREDIT', 100],
        ['ANNUAL_ALLOTMENT', 120000],
        ['CREDIT', 100],
      ]);
    });

    it('refuses bad input with the field, unknown holders and holders without an account of their own, and other roles', async () => {
      await start();
      const bad = await credit('PT001', { creditId: 'c-1', amountFen: 0 });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body)).toContain('amountFen');
      expect((await credit('PT001', { amountFen: 100 })).status).toBe(400);
      expect((await credit('PT001', { creditId: 'c/1', amountFen: 100 })).status).toBe(400);
      expect((await credit('PT001', { creditId: 'c-1', amountFen: 1.5 })).status).toBe(400);
      expect((await credit('PT999', { creditId: 'c-1', amountFen: 100 })).body).toMatchObject({ code: 'PERSONAL_ACCOUNT_NOT_FOUND' });
      expect((await credit('PT004', { creditId: 'c-1', amountFen: 100 })).status).toBe(404); // a family member: PT001's account pays for her
      expect((await credit('PT001', { creditId: 'c-1', amountFen: 100 }, t.bearer('pharmacist', 'PH001', 'P001'))).status).toBe(403);
      expect((await credit('PT001', { creditId: 'c-1', amountFen: 100 }, t.bearer('auditor', 'AU001', 'AUDIT'))).status).toBe(403);
      expect((await account('PT001')).body).toMatchObject({ opened: false, balanceFen: 50000, movements: [] });
    });
  });

  it('GET is for the agency and auditors; an unknown holder is 404', async () => {
    await start();
    expect((await account('PT001', t.bearer('auditor', 'AU001', 'AUDIT'))).status).toBe(200);
    expect((await account('PT001', t.bearer('pharmacist', 'PH001', 'P001'))).status).toBe(403);
    expect((await account('PT003')).status).toBe(404);
  });
});
