import { randomUUID } from 'node:crypto';
import { SettlementEventTypes, Topics, validateSettlementCloudEvent, type CloudEvent, type DispensedV1 } from '@rx/contracts';
import { createEventStore } from '@rx/event-store';
import { ManualClock } from '@rx/kernel';
import type { InMemoryMessageBus } from '@rx/messaging';
import { createTestApp, type TestApp } from '@rx/runtime/testing';
import { DispensingReactor } from '../application/payment/dispensing.reactor';
import { benefitStreamId, paymentStreamId, personalAccountStreamId } from '../domain/stream-ids';
import { SettlementModule } from '../settlement.module';
import { CrashingStore, dispensedEnvelope, eventually, publish, reversedEnvelope, type DispenseSpec } from './testing/settlement-test-kit';

const START = '2026-03-02T09:00:00.000Z'; // 17:00 in China, policy year 2026

describe('settlement: fund payment from rx.dispensing.v1 (embedded app, real SQLite store)', () => {
  let t: TestApp;
  let store: CrashingStore;
  let published: CloudEvent[];

  beforeEach(async () => {
    store = new CrashingStore(createEventStore('sqlite::memory:'));
    t = await createTestApp({ imports: [SettlementModule], clock: new ManualClock(START), store });
    published = [];
    await t.bus.consume({ groupId: `observer-${randomUUID()}`, topics: [Topics.settlement], handler: async (m) => void published.push(m.event) });
  });
  afterEach(() => t.close());

  const agency = () => t.bearer('agency', 'AG001', 'AGENCY');
  const auditor = () => t.bearer('auditor', 'AU001', 'AUDIT');
  const pharmacist = (org = 'P001', sub = 'PH001') => t.bearer('pharmacist', sub, org);
  const dispense = async (spec: DispenseSpec): Promise<DispensedV1> => {
    const e = dispensedEnvelope(spec, t.clock.now());
    await publish(t, e);
    return e.data;
  };
  const payment = (dispenseId: string, auth = agency()) => t.http.get(`/settlement/dispenses/${dispenseId}`).set('Authorization', auth);
  const benefits = (patientId: string, year = 2026) => t.http.get(`/settlement/patients/${patientId}/benefits/${year}`).set('Authorization', agency());
  const reactor = () => t.app.get(DispensingReactor);
  const typesOf = async (streamId: string) => (await t.store.readStream(streamId)).map((e) => e.type);
  const allEventCount = async () => (await t.store.readAll({ maxCount: 100_000 })).length;
  const workedExample: DispenseSpec = { patientId: 'PT001', lines: [['MET-500', 60], ['ATV-20', 28], ['VITC-100', 1]], deliveryFeeFen: 800 };

  describe('the worked example (domain.md)', () => {
    it('pays exactly fund 420, account 19080, cash 800 after the deductible 15000, per line and in total, with the policy version', async () => {
      const d = await dispense(workedExample);
      const res = await payment(d.dispenseId);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        dispenseId: d.dispenseId,
        prescriptionId: d.prescriptionId,
        patientId: 'PT001',
        pharmacyId: 'P001',
        totalFen: 20300,
        fullyOwnPayFen: 3300,
        overLimitSelfPayFen: 0,
        preSelfPayFen: 1400,
        inScopeFen: 15600,
        deductibleAppliedFen: 15000,
        fundFen: 420,
        coPayFen: 180,
        personalAccountFen: 19080,
        cashFen: 800,
        deliveryFeeFen: 800,
        patientShareFen: 19880,
        policyVersion: '522700-2026.2',
        policyYear: 2026,
        personalAccountHolderId: 'PT001',
        flags: [],
        reversed: false,
      });
      expect(res.body.lines.map((l: Record<string, number>) => [l.amountFen, l.classBSelfPayFirstFen, l.inScopeFen, l.deductibleAppliedFen, l.fundFen])).toEqual([
        [3000, 0, 3000, 2885, 81],
        [14000, 1400, 12600, 12115, 339],
        [2500, 0, 0, 0, 0],
      ]);
      const b = await benefits('PT001');
      expect(b.body).toMatchObject({ deductibleUsedFen: 15000, deductibleRemainingFen: 0, ordinaryFundUsedFen: 420, ordinaryFundRemainingFen: 199580, specialFundUsedFen: 0 });
      expect(b.body.personalAccount).toEqual({ holderId: 'PT001', openingBalanceFen: 50000, balanceFen: 30920, familyAccount: false });
    });

    it('publishes rx.settlement.fund-payment-recorded.v1 keyed on the prescription, valid under the contract', async () => {
      const d = await dispense(workedExample);
      await eventually('payment published', () => published.some((e) => e.type === SettlementEventTypes.fundPaymentRecorded));
      const e = published.find((x) => x.type === SettlementEventTypes.fundPaymentRecorded)!;
      expect(validateSettlementCloudEvent(e)).toBeUndefined();
      expect(e).toMatchObject({ subject: d.prescriptionId, source: '/rx/settlement' });
      expect(e.data).toMatchObject({ dispenseId: d.dispenseId, policyVersion: '522700-2026.2', amounts: { fundFen: 420, personalAccountFen: 19080, cashFen: 800, deductibleAppliedFen: 15000 } });
    });

    it('a second purchase in the same year starts with no deductible left', async () => {
      await dispense(workedExample);
      const second = await dispense({ patientId: 'PT001', lines: [['MET-500', 60]] });
      expect((await payment(second.dispenseId)).body).toMatchObject({ totalFen: 3000, deductibleAppliedFen: 0, fundFen: 2100, personalAccountFen: 900, cashFen: 0 });
      expect((await benefits('PT001')).body).toMatchObject({ deductibleUsedFen: 15000, ordinaryFundUsedFen: 2520 });
    });
  });

  it('cap reached: the fund pays up to the annual cap (the resident plan: 50000), the rest stays with the patient, flagged', async () => {
    const big = await dispense({ patientId: 'PT003', lines: [['MET-500', 1800]] });
    // 90000; deductible 5000; fund round(85000 x 0.55) = 46750
    expect((await payment(big.dispenseId)).body).toMatchObject({ fundFen: 46750, deductibleAppliedFen: 5000, flags: [] });
    const over = await dispense({ patientId: 'PT003', lines: [['MET-500', 200]] });
    expect((await payment(over.dispenseId)).body).toMatchObject({ totalFen: 10000, fundFen: 3250, capShortfallFen: 2250, coPayFen: 6750, cashFen: 6750, flags: ['CAP_REACHED'] });
    const after = await dispense({ patientId: 'PT003', lines: [['MET-500', 100]] });
    expect((await payment(after.dispenseId)).body).toMatchObject({ fundFen: 0, cashFen: 5000, flags: ['CAP_REACHED'] });
    expect((await benefits('PT003')).body).toMatchObject({ plan: 'resident', ordinaryFundCapFen: 50000, ordinaryFundUsedFen: 50000, ordinaryFundRemainingFen: 0, personalAccount: null });
  });

  it("cap reached for an employee: the employee plan's 200000", async () => {
    const big = await dispense({ patientId: 'PT001', lines: [['MET-500', 6000]] });
    // (the account runs short on the first purchase: ACCOUNT_BALANCE_SHORT beside the cap flags)
    expect((await payment(big.dispenseId)).body).toMatchObject({ fundFen: 199500, deductibleAppliedFen: 15000, flags: ['ACCOUNT_BALANCE_SHORT'] });
    const over = await dispense({ patientId: 'PT001', lines: [['MET-500', 100]] });
    expect((await payment(over.dispenseId)).body).toMatchObject({ fundFen: 500, capShortfallFen: 3000, flags: ['CAP_REACHED', 'ACCOUNT_BALANCE_SHORT'] });
  });

  it('retiree: ratio 0.70 + 0.05 on the ordinary bucket', async () => {
    const d = await dispense({ patientId: 'PT002', lines: [['MET-500', 400]] });
    expect((await payment(d.dispenseId)).body).toMatchObject({ totalFen: 20000, deductibleAppliedFen: 15000, fundFen: 3750, ordinaryRatioBp: 7500, personalAccountFen: 16250, cashFen: 0 });
  });

  describe('special drugs (F4): no deductible, separate bucket', () => {
    it('employee: Class B first share, then 70%', async () => {
      const d = await dispense({ patientId: 'PT001', lines: [['SD-OSIMERTINIB', 2]] });
      expect((await payment(d.dispenseId)).body).toMatchObject({
        totalFen: 34000,
        preSelfPayFen: 3400,
        inScopeFen: 30600,
        deductibleAppliedFen: 0,
        fundFen: 21420,
        specialFundFen: 21420,
        specialRatioBp: 7000,
        personalAccountFen: 12580,
        cashFen: 0,
      });
      expect((await benefits('PT001')).body).toMatchObject({ deductibleUsedFen: 0, ordinaryFundUsedFen: 0, specialFundUsedFen: 21420 });
    });

    it('resident: advance share 20%, then Class B 10% of the rest, then 60%; no account', async () => {
      const d = await dispense({ patientId: 'PT003', lines: [['SD-OSIMERTINIB', 2]] });
      expect((await payment(d.dispenseId)).body).toMatchObject({ totalFen: 34000, preSelfPayFen: 9520, inScopeFen: 24480, deductibleAppliedFen: 0, fundFen: 14688, specialFundFen: 14688, personalAccountFen: 0, cashFen: 19312 });
      const budget = await t.http.get('/settlement/budget/522700/2026').set('Authorization', auditor());
      expect(budget.body).toMatchObject({ spentFen: 0, specialSpentFen: 14688, payments: 1 });
    });
  });

  it('delivery fee: never paid by the fund nor the personal account (D5, F5)', async () => {
    const d = await dispense({ patientId: 'PT001', lines: [['MET-500', 400]], deliveryFeeFen: 1000 });
    expect((await payment(d.dispenseId)).body).toMatchObject({ totalFen: 21000, deliveryFeeFen: 1000, fullyOwnPayFen: 1000, fundFen: 3500, personalAccountFen: 16500, cashFen: 1000 });
  });

  it("family account: PT004's purchase uses PT004's deductible and PT001's personal account", async () => {
    const d = await dispense({ patientId: 'PT004', pharmacyId: 'P002', lines: [['MET-500', 400]] });
    // PT004 is a resident: the resident plan (deductible 5000, 0.55) pays, PT001's account the rest.
    expect((await payment(d.dispenseId)).body).toMatchObject({ deductibleAppliedFen: 5000, fundFen: 8250, personalAccountFen: 11750, personalAccountHolderId: 'PT001', cashFen: 0 });
    const child = await benefits('PT004');
    expect(child.body).toMatchObject({ plan: 'resident', deductibleUsedFen: 5000, ordinaryFundUsedFen: 8250 });
    expect(child.body.personalAccount).toEqual({ holderId: 'PT001', openingBalanceFen: 50000, balanceFen: 38250, familyAccount: true });
    expect((await benefits('PT001')).body).toMatchObject({ deductibleUsedFen: 0, personalAccount: { balanceFen: 38250 } });
  });

  describe('agreement dissolution (S2)', () => {
    it('a dispense after the dissolution takes effect is not paid by the fund and is flagged; one before is paid', async () => {
      const res = await t.http
        .post('/settlement/pharmacies/P002/agreement/dissolve')
        .set('Authorization', agency())
        .send({ reasonCode: 'FRAUDULENT_CLAIMS', effectiveAt: '2026-03-02T10:00:00.000Z' });
      expect(res.status).toBe(200);
      const before = await dispense({ patientId: 'PT001', pharmacyId: 'P002', lines: [['MET-500', 400]], dispensedAt: '2026-03-02T09:30:00.000Z' });
      t.clock.set('2026-03-02T11:00:00.000Z');
      const after = await dispense({ patientId: 'PT001', pharmacyId: 'P002', lines: [['MET-500', 400]] });
      expect((await payment(before.dispenseId)).body).toMatchObject({ fundFen: 3500, flags: [] });
      expect((await payment(after.dispenseId)).body).toMatchObject({ totalFen: 20000, fundFen: 0, deductibleAppliedFen: 0, personalAccountFen: 0, cashFen: 20000, flags: ['AGREEMENT_DISSOLVED'] });
      // Nothing of the ledger or the account is consumed by the unpaid expense.
      expect((await benefits('PT001')).body).toMatchObject({ deductibleUsedFen: 15000, ordinaryFundUsedFen: 3500, personalAccount: { balanceFen: 33500 } });
      await eventually('dissolution published', () => published.some((e) => e.type === SettlementEventTypes.agreementDissolved && e.subject === 'P002'));
      const e = published.find((x) => x.type === SettlementEventTypes.agreementDissolved && x.subject === 'P002')!;
      expect(validateSettlementCloudEvent(e)).toBeUndefined();
      expect(e.data).toMatchObject({ pharmacyId: 'P002', reasonCode: 'FRAUDULENT_CLAIMS', effectiveAt: '2026-03-02T10:00:00.000Z', origin: 'AGENCY', dissolvedBy: 'AG001' });
    });

    it('a pharmacy dissolved in the reference data (P003) is not settled either', async () => {
      const d = await dispense({ patientId: 'PT003', pharmacyId: 'P003', lines: [['MET-500', 400]] });
      expect((await payment(d.dispenseId)).body).toMatchObject({ fundFen: 0, flags: ['AGREEMENT_DISSOLVED'] });
    });
  });

  describe('reversal', () => {
    it('restores the ledger and the personal account exactly, and keeps the record with a reversal', async () => {
      const first = await dispense(workedExample);
      const second = await dispense({ patientId: 'PT001', lines: [['MET-500', 60]] });
      await publish(t, reversedEnvelope(first, t.clock.now()));
      const res = await payment(first.dispenseId);
      expect(res.body).toMatchObject({ reversed: true, fundFen: 420, reversal: { reason: 'patient returned the medicine' } });
      // Only what the first dispense consumed comes back; the second keeps its own numbers.
      expect((await benefits('PT001')).body).toMatchObject({ deductibleUsedFen: 0, ordinaryFundUsedFen: 2100, personalAccount: { balanceFen: 50000 - 900 } });
      expect((await payment(second.dispenseId)).body).toMatchObject({ fundFen: 2100, reversed: false });
      expect(await typesOf(paymentStreamId(first.dispenseId))).toEqual(['FundPaymentRecorded', 'FundPaymentReversed']);
      const budget = await t.http.get('/settlement/budget/522700/2026').set('Authorization', agency());
      expect(budget.body).toMatchObject({ spentFen: 2100, payments: 2, reversals: 1 });
      await eventually('reversal published', () => published.some((e) => e.type === SettlementEventTypes.fundPaymentReversed));
      const e = published.find((x) => x.type === SettlementEventTypes.fundPaymentReversed)!;
      expect(validateSettlementCloudEvent(e)).toBeUndefined();
      expect(e.data).toMatchObject({ dispenseId: first.dispenseId, amounts: { fundFen: -420, personalAccountFen: -19080, cashFen: -800 } });
    });

    it('a redelivered reversal changes nothing', async () => {
      const d = await dispense(workedExample);
      const rev = reversedEnvelope(d, t.clock.now());
      await publish(t, rev);
      const count = await allEventCount();
      await publish(t, rev);
      expect(await allEventCount()).toBe(count);
      expect((await benefits('PT001')).body).toMatchObject({ deductibleUsedFen: 0, personalAccount: { balanceFen: 50000 } });
    });
  });

  it('a redelivered dispense changes nothing', async () => {
    const e = dispensedEnvelope(workedExample, t.clock.now());
    await publish(t, e);
    const count = await allEventCount();
    await publish(t, e);
    await reactor().handle({ event: e });
    expect(await allEventCount()).toBe(count);
    expect(await typesOf(benefitStreamId('PT001', 2026))).toEqual(['BenefitConsumed']);
    expect(await typesOf(personalAccountStreamId('PT001'))).toEqual(['PersonalAccountOpened', 'PersonalAccountDebited']);
  });

  describe('crash safety: a redelivery completes a saga cut short, charging nothing twice', () => {
    it('dies before recording the payment (ledger and account done): the redelivery only records it', async () => {
      const e = dispensedEnvelope(workedExample, t.clock.now());
      store.crashBefore((streamId) => streamId.startsWith('payment-'));
      await expect(reactor().handle({ event: e })).rejects.toThrow('simulated crash');
      expect(await typesOf(benefitStreamId('PT001', 2026))).toEqual(['BenefitConsumed']);
      expect(await typesOf(paymentStreamId(e.data.dispenseId))).toEqual([]);
      await reactor().handle({ event: e });
      expect((await payment(e.data.dispenseId)).body).toMatchObject({ fundFen: 420, personalAccountFen: 19080, cashFen: 800, deductibleAppliedFen: 15000 });
      expect(await typesOf(benefitStreamId('PT001', 2026))).toEqual(['BenefitConsumed']);
      expect(await typesOf(personalAccountStreamId('PT001'))).toEqual(['PersonalAccountOpened', 'PersonalAccountDebited']);
      expect((await benefits('PT001')).body).toMatchObject({ deductibleUsedFen: 15000, personalAccount: { balanceFen: 30920 } });
    });

    it('dies after the ledger step while another dispense moves the ledger and the account: the redelivery reproduces the first numbers', async () => {
      const a = dispensedEnvelope(workedExample, t.clock.now());
      store.crashBefore((_s, events) => events.some((x) => x.type === 'PersonalAccountDebited'));
      await expect(reactor().handle({ event: a })).rejects.toThrow('simulated crash');
      const b = await dispense({ patientId: 'PT001', lines: [['MET-500', 60]] });
      await reactor().handle({ event: a });
      expect((await payment(a.data.dispenseId)).body).toMatchObject({ deductibleAppliedFen: 15000, fundFen: 420, personalAccountFen: 19080, cashFen: 800 });
      expect((await payment(b.dispenseId)).body).toMatchObject({ deductibleAppliedFen: 0, fundFen: 2100, personalAccountFen: 900 });
      expect((await benefits('PT001')).body).toMatchObject({ deductibleUsedFen: 15000, ordinaryFundUsedFen: 2520, personalAccount: { balanceFen: 50000 - 19080 - 900 } });
      expect(await typesOf(benefitStreamId('PT001', 2026))).toEqual(['BenefitConsumed', 'BenefitConsumed']);
    });

    it('a crash inside the bus delivery is retried by the bus itself', async () => {
      store.crashBefore((_s, events) => events.some((x) => x.type === 'BenefitConsumed'));
      const d = await dispense(workedExample);
      expect((await payment(d.dispenseId)).body).toMatchObject({ fundFen: 420 });
    });

    it('a reversal cut short after the payment record is finished by its redelivery', async () => {
      const d = await dispense(workedExample);
      const rev = reversedEnvelope(d, t.clock.now());
      store.crashBefore((_s, events) => events.some((x) => x.type === 'PersonalAccountRestored'));
      await expect(reactor().handle({ event: rev })).rejects.toThrow('simulated crash');
      expect((await benefits('PT001')).body).toMatchObject({ deductibleUsedFen: 0, personalAccount: { balanceFen: 30920 } });
      await reactor().handle({ event: rev });
      expect((await benefits('PT001')).body).toMatchObject({ deductibleUsedFen: 0, personalAccount: { balanceFen: 50000 } });
    });
  });

  describe('the ledger race: concurrent dispenses for one patient', () => {
    it('consume the deductible once in total and never double-spend the account', async () => {
      const events = Array.from({ length: 6 }, () => dispensedEnvelope({ patientId: 'PT001', lines: [['MET-500', 100]] }, t.clock.now()));
      await Promise.all(events.map((event) => reactor().handle({ event })));
      const bodies = await Promise.all(events.map(async (e) => (await payment(e.data.dispenseId)).body));
      expect(bodies.reduce((a, b) => a + b.deductibleAppliedFen, 0)).toBe(15000);
      expect(bodies.reduce((a, b) => a + b.fundFen, 0)).toBe(3 * 3500);
      expect(bodies.reduce((a, b) => a + b.personalAccountFen, 0)).toBe(30000 - 10500);
      expect((await benefits('PT001')).body).toMatchObject({ deductibleUsedFen: 15000, ordinaryFundUsedFen: 10500, personalAccount: { balanceFen: 50000 - 19500 } });
    });

    it('never exceed the annual cap', async () => {
      const events = Array.from({ length: 5 }, () => dispensedEnvelope({ patientId: 'PT003', lines: [['MET-500', 3000]] }, t.clock.now()));
      await Promise.all(events.map((event) => reactor().handle({ event })));
      const bodies = await Promise.all(events.map(async (e) => (await payment(e.data.dispenseId)).body));
      // PT003 is a resident: the resident plan's cap 50000 and deductible 5000.
      expect(bodies.reduce((a, b) => a + b.fundFen, 0)).toBe(50000);
      expect(bodies.reduce((a, b) => a + b.deductibleAppliedFen, 0)).toBe(5000);
      expect((await benefits('PT003')).body).toMatchObject({ ordinaryFundUsedFen: 50000, deductibleUsedFen: 5000 });
    });

    it('family members racing on one account never spend it twice', async () => {
      const events = [
        ...Array.from({ length: 3 }, () => dispensedEnvelope({ patientId: 'PT001', lines: [['VITC-100', 8]] }, t.clock.now())),
        ...Array.from({ length: 3 }, () => dispensedEnvelope({ patientId: 'PT004', lines: [['VITC-100', 8]] }, t.clock.now())),
      ];
      await Promise.all(events.map((event) => reactor().handle({ event })));
      const bodies = await Promise.all(events.map(async (e) => (await payment(e.data.dispenseId)).body));
      // 6 x 20000 of self-pay drugs against a 50000 balance: exactly the balance is spent.
      expect(bodies.reduce((a, b) => a + b.personalAccountFen, 0)).toBe(50000);
      expect(bodies.reduce((a, b) => a + b.cashFen, 0)).toBe(120000 - 50000);
      expect((await benefits('PT001')).body.personalAccount.balanceFen).toBe(0);
    });
  });

  it('dead-letters an envelope that breaks the dispensing contract, with the reason', async () => {
    const e = dispensedEnvelope(workedExample, t.clock.now());
    const bad = { ...e, data: { ...e.data, patientId: '' } };
    await publish(t, bad as CloudEvent);
    const dlq = (t.bus as InMemoryMessageBus).deadLetters(Topics.dispensing).filter((x) => x.groupId === 'settlement');
    expect(dlq).toHaveLength(1);
    expect(dlq[0].reason).toContain('data.patientId');
    expect((await payment(e.data.dispenseId)).status).toBe(404);
  });

  describe('GET /settlement/dispenses/:dispenseId: roles', () => {
    it('401 without a token, 403 for a physician or another pharmacy, 200 for its pharmacist and the auditor, 404 unknown, 400 bad id', async () => {
      const d = await dispense(workedExample);
      expect((await t.http.get(`/settlement/dispenses/${d.dispenseId}`)).status).toBe(401);
      expect((await payment(d.dispenseId, t.bearer('physician', 'D001', 'H001'))).status).toBe(403);
      const other = await payment(d.dispenseId, pharmacist('P002', 'PH002'));
      expect(other.status).toBe(403);
      expect(other.body.code).toBe('NOT_OWN_PHARMACY');
      expect((await payment(d.dispenseId, pharmacist())).status).toBe(200);
      expect((await payment(d.dispenseId, auditor())).status).toBe(200);
      const unknown = await payment(randomUUID());
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('FUND_PAYMENT_NOT_FOUND');
      expect((await payment('bad%20id')).status).toBe(400);
    });
  });

  describe('GET benefits and budget: roles and input', () => {
    it('benefits: agency and auditor only; 404 unknown patient; 400 bad year', async () => {
      expect((await t.http.get('/settlement/patients/PT001/benefits/2026').set('Authorization', pharmacist())).status).toBe(403);
      expect((await t.http.get('/settlement/patients/PT001/benefits/2026').set('Authorization', auditor())).status).toBe(200);
      expect((await benefits('PT999')).status).toBe(404);
      expect((await benefits('PT001', 1999)).status).toBe(400);
      expect((await t.http.get('/settlement/patients/PT001/benefits/20x6').set('Authorization', agency())).status).toBe(400);
      // A year before the first published policy is shown under the earliest one, provisionally.
      const before = await benefits('PT001', 2020);
      expect([before.status, before.body]).toEqual([200, expect.objectContaining({ policyProvisional: true, policyVersion: '522700-2026.2' })]);
    });

    it('budget: the pooling budget, ordinary spend, special spend, remaining and counts', async () => {
      await dispense(workedExample);
      await dispense({ patientId: 'PT001', lines: [['SD-OSIMERTINIB', 2]] });
      const res = await t.http.get('/settlement/budget/522700/2026').set('Authorization', agency());
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ regionCode: '522700', year: 2026, budgetFen: 5000000000, spentFen: 420, specialSpentFen: 21420, remainingFen: 5000000000 - 420, payments: 2, reversals: 0 });
      expect((await t.http.get('/settlement/budget/522700/2026').set('Authorization', pharmacist())).status).toBe(403);
      expect((await t.http.get('/settlement/budget/999999/2026').set('Authorization', agency())).status).toBe(404);
    });
  });
});
