// Issue 7.3, whole lifecycles across the four apps as separate processes on a real Kafka broker:
// issue → claim → review → dispense in instalments → fund payment → pharmacy settlement claim, the
// audit history of all of it, and the revocation race (D8).
import { randomUUID } from 'node:crypto';
import { E2eCluster, e2eTest } from '../support/e2e-cluster';
import { chinaDate, eventuallyReply, request } from '../support/e2e-http';
import {
  applyRatioHalfUp,
  demo,
  lineAtReferencePrice,
  ordinaryPrescription,
  ratioToBasisPoints,
  RxClient,
  type AuditEntry,
  type AuditHistory,
  type DispenseLine,
} from '../support/rx-e2e';

const APPS = ['prescribing', 'dispensing', 'settlement', 'audit'] as const;
let cluster: E2eCluster | undefined;
let rx: RxClient;
const { scenario, reportUnfinished } = e2eTest(() => cluster);
const url = (label: string) => cluster!.url(label);

beforeAll(async () => {
  cluster = new E2eCluster('lifecycle');
  rx = new RxClient(cluster.tokens);
  await cluster.startAll(APPS);
}, 120_000);

afterAll(async () => {
  reportUnfinished();
  await cluster?.dispose();
}, 60_000);

/** Types of the audit entries, in the history's order. */
const typesOf = (h: AuditHistory) => h.entries.map((e) => e.type);

/** Waits until the audit history of rxId has an entry matching `until`, then returns the history. */
async function historyWhen(rxId: string, what: string, until: (entries: AuditEntry[]) => boolean): Promise<AuditHistory> {
  const reply = await eventuallyReply(`audit history of ${rxId} to show ${what}`, () => rx.history(url('audit'), rxId), (r) => r.status === 200 && until(r.body.entries), { timeoutMs: 30_000 });
  return reply.body;
}

/**
 * The fund split of one retail purchase of ordinary (non-special) Class A/B drugs, from the region's
 * policy file (domain.md F1-F3, F5, F6): Class B pays its fixed share first, the deductible comes off
 * what is eligible, the fund pays the level-1 ratio (retail = primary level, F1) of the rest, rounded
 * half-up once on the total; the personal account pays the patient's share except the delivery fee.
 */
function expectedSplit(args: { lines: DispenseLine[]; deliveryFeeFen: number; patientId: string; year: number; deductibleRemainingFen: number; fundRemainingFen: number; accountBalanceFen: number }) {
  const patient = demo.patient(args.patientId);
  const plan = demo.policy('522700', args.year).plans[patient.insuranceType];
  if (!plan) throw new Error(`no ${patient.insuranceType} plan in the demo policy`);
  const policy = plan.outpatient;
  let drugsFen = 0;
  let preSelfPayFen = 0;
  for (const l of args.lines) {
    const drug = demo.drug(l.drugCode);
    if (drug.special || drug.class === 'SELF_PAY') throw new Error('expectedSplit covers ordinary Class A/B lines only');
    const amount = l.quantity * l.unitPriceFen;
    drugsFen += amount;
    if (drug.class === 'B') preSelfPayFen += applyRatioHalfUp(amount, policy.classBSelfPayFirst);
  }
  const inScopeFen = drugsFen - preSelfPayFen;
  const deductibleAppliedFen = Math.min(inScopeFen, args.deductibleRemainingFen);
  const retireeBonus = patient.retired && policy.retireeBonus !== undefined ? ratioToBasisPoints(policy.retireeBonus) : 0;
  const ratioBp = ratioToBasisPoints(policy.ratioByLevel['1']) + retireeBonus;
  const fundFen = Math.min(Math.floor(((inScopeFen - deductibleAppliedFen) * ratioBp + 5_000) / 10_000), args.fundRemainingFen);
  const totalFen = drugsFen + args.deliveryFeeFen;
  const patientShareFen = totalFen - fundFen;
  const personalAccountFen = Math.min(args.accountBalanceFen, patientShareFen - args.deliveryFeeFen);
  return {
    totalFen,
    fullyOwnPayFen: args.deliveryFeeFen,
    overLimitSelfPayFen: 0,
    preSelfPayFen,
    inScopeFen,
    deductibleAppliedFen,
    fundFen,
    coPayFen: inScopeFen - deductibleAppliedFen - fundFen,
    deliveryFeeFen: args.deliveryFeeFen,
    patientShareFen,
    personalAccountFen,
    cashFen: patientShareFen - personalAccountFen,
  };
}

describe('distributed mode: whole lifecycles over Kafka (four apps, four stores)', () => {
  scenario('each app runs alone on Kafka with its own SQLite store (issue 7.2)', async () => {
    const stores = new Set<string>();
    for (const app of APPS) {
      const health = await request<{ status: string; app: string; store: { kind: string; detail?: string }; bus: { kind: string; ok: boolean } }>('GET', `${url(app)}/health`);
      expect([app, health.status, health.body.status, health.body.app, health.body.bus]).toEqual([app, 200, 'ok', app, expect.objectContaining({ kind: 'kafka', ok: true })]);
      expect(health.body.store).toMatchObject({ kind: 'sqlite', detail: expect.stringContaining(`${app}.sqlite`) });
      stores.add(health.body.store.detail!);
    }
    expect(stores.size).toBe(APPS.length);
  });

  scenario('long-term prescription: issue, claim, review, instalment 1, fund payment, early refill refused, settlement claim paid, audited in order', async () => {
    // PT001: an employee with a chronic condition (long-term eligible); 56 days of metformin
    // (2 a day) and atorvastatin (1 a day), to be dispensed in 28-day instalments (D4).
    const rxId = randomUUID();
    const issued = await rx.issue(url('prescribing'), {
      prescriptionId: rxId,
      patientId: 'PT001',
      longTerm: true,
      diagnoses: [{ code: 'E11.9', name: 'Type 2 diabetes' }],
      items: [
        { drugCode: 'MET-500', quantity: 112, daysSupply: 56, dosage: { dose: 1, unit: 'tablet', timesPerDay: 2 } },
        { drugCode: 'ATV-20', quantity: 56, daysSupply: 56, dosage: { dose: 1, unit: 'tablet', timesPerDay: 1 } },
      ],
    });
    expect(issued).toMatchObject({ prescriptionId: rxId, status: 'ISSUED' });
    expect(issued.pickupCode).toMatch(/^[0-9A-Z]{8}$/);

    const known = await rx.waitUntilDispensingKnows(url('dispensing'), rxId);
    expect(known.body).toMatchObject({ status: 'circulating', longTerm: true, claim: null });

    const claim = await rx.claim(url('dispensing'), 'P001', rxId, issued.pickupCode);
    expect(claim.status).toBe(201);
    const review = await rx.review(url('dispensing'), 'P001', rxId, 'APPROVED');
    expect([review.status, review.body.decision]).toEqual([200, 'APPROVED']);

    // Settlement's ledger before the purchase: the expectation starts from what is left this year.
    const year = Number(chinaDate().slice(0, 4));
    const before = await rx.benefits(url('settlement'), 'PT001', year);
    expect(before.status).toBe(200);

    const lines = [lineAtReferencePrice('MET-500', 56), lineAtReferencePrice('ATV-20', 28)];
    const deliveryFeeFen = 800;
    const first = await rx.dispense(url('dispensing'), 'P001', rxId, { lines, deliveryFeeFen });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ instalment: 1, daysSupply: 28, fullyDispensed: false });
    expect(first.body.remaining).toEqual(expect.arrayContaining([{ drugCode: 'MET-500', quantity: 56 }, { drugCode: 'ATV-20', quantity: 28 }]));
    const dispenseId = first.body.dispenseId;

    // The fund payment, computed by settlement from rx.dispensing.v1.
    const paid = await eventuallyReply(`fund payment of ${dispenseId}`, () => rx.payment(url('settlement'), dispenseId), (r) => r.status === 200, { timeoutMs: 30_000 });
    const expected = expectedSplit({
      lines,
      deliveryFeeFen,
      patientId: 'PT001',
      year,
      deductibleRemainingFen: before.body.deductibleRemainingFen,
      fundRemainingFen: before.body.ordinaryFundRemainingFen,
      accountBalanceFen: before.body.personalAccount?.balanceFen ?? 0,
    });
    // For a fresh ledger that is: 2800 + 14000 drugs; Class B first share 1400; eligible 15400;
    // deductible 15000; fund round(400 x 0.70) = 280; account 16520 (not the 800 delivery fee); cash 800.
    expect(paid.body).toMatchObject({ prescriptionId: rxId, patientId: 'PT001', pharmacyId: 'P001', policyYear: year, ...expected });
    expect(expected.fundFen).toBeGreaterThan(0); // else the settlement claim below would be empty
    expect(paid.body.totalFen).toBe(paid.body.fundFen + paid.body.personalAccountFen + paid.body.cashFen);
    const after = await rx.benefits(url('settlement'), 'PT001', year);
    expect(after.body.deductibleUsedFen - before.body.deductibleUsedFen).toBe(expected.deductibleAppliedFen);
    expect(after.body.ordinaryFundUsedFen - before.body.ordinaryFundUsedFen).toBe(expected.fundFen);

    // Instalment 2 right away: the apps run on the real clock, so it is too early (day 28 - 7 tolerance).
    const early = await rx.dispense(url('dispensing'), 'P001', rxId, { lines: [lineAtReferencePrice('MET-500', 56), lineAtReferencePrice('ATV-20', 28)] });
    expect([early.status, (early.body as unknown as { code: string }).code]).toEqual([422, 'INSTALMENT_TOO_EARLY']);
    const state = await rx.dispensation(url('dispensing'), rxId);
    expect(state.body.dispenses.map((d) => d.dispenseId)).toEqual([dispenseId]);
    expect(state.body.items.map((i) => [i.drugCode, i.dispensed, i.status])).toEqual([
      ['MET-500', 56, 'PARTLY_DISPENSED'],
      ['ATV-20', 28, 'PARTLY_DISPENSED'],
    ]);

    // The pharmacy's settlement claim for the period, audited and paid by the agency (S1).
    const submitted = await request<{ claimId: string; dispenseCount: number; fundFen: number; dueBy: string }>('POST', `${url('settlement')}/settlement/claims`, {
      token: rx.pharmacist('P001'),
      body: { periodStart: chinaDate(first.body.dispensedAt), periodEnd: chinaDate() },
    });
    expect(submitted.status).toBe(201);
    // P001 dispenses nowhere else in this file, and this file's settlement store is its own.
    expect(submitted.body).toMatchObject({ dispenseCount: 1, fundFen: paid.body.fundFen });
    expect(submitted.body.dueBy > chinaDate()).toBe(true);
    const claimId = submitted.body.claimId;
    const approved = await request<{ status: string; approval: { approvedFundFen: number } }>('POST', `${url('settlement')}/settlement/claims/${claimId}/approve`, { token: rx.agency(), body: {} });
    expect([approved.status, approved.body.status, approved.body.approval?.approvedFundFen]).toEqual([200, 'APPROVED', paid.body.fundFen]);
    const settled = await request<{ status: string; payment: { amountFen: number; late: boolean } }>('POST', `${url('settlement')}/settlement/claims/${claimId}/pay`, { token: rx.agency(), body: {} });
    expect([settled.status, settled.body.status, settled.body.payment]).toEqual([200, 'PAID', expect.objectContaining({ amountFen: paid.body.fundFen, late: false })]);

    // The audit context saw every step from the topics, in order, each copy verified.
    const history = await historyWhen(rxId, 'the claim paid', (entries) => entries.some((e) => e.type === 'rx.settlement.claim-paid.v1'));
    expect(typesOf(history)).toEqual([
      'rx.prescribing.prescription-issued.v1',
      'rx.dispensing.prescription-claimed.v1',
      'rx.dispensing.prescription-reviewed.v1',
      'rx.dispensing.dispensed.v1',
      'rx.settlement.fund-payment-recorded.v1',
      'rx.settlement.claim-submitted.v1',
      'rx.settlement.claim-approved.v1',
      'rx.settlement.claim-paid.v1',
    ]);
    const actors = history.entries.map((e) => e.actor && `${e.actor.role}:${e.actor.id}`);
    expect([actors[0], actors[1], actors[2], actors[3], actors[6]]).toEqual(['physician:D001', 'pharmacist:PH001', 'pharmacist:PH001', 'pharmacist:PH001', 'agency:AG001']);
    expect(history.entries[3].data).toMatchObject({ dispenseId, instalment: 1 });
    expect((history.entries[4].data as { amounts: { fundFen: number } }).amounts.fundFen).toBe(paid.body.fundFen);
    expect(history.entries.filter((e) => !e.integrity.verified || e.integrity.sourceVerified === false)).toEqual([]);
    expect(history.integrity).toMatchObject({ ok: true, auditStream: { ok: true, eventCount: 8 } });
    const integrity = await request<{ ok: boolean; failures: unknown[] }>('GET', `${url('audit')}/audit/integrity`, { token: rx.auditor() });
    expect([integrity.status, integrity.body.ok, integrity.body.failures]).toEqual([200, true, []]);
  });

  scenario('revocation race: claimed by P002, revoke is pending (202) until the pharmacy releases, then REVOKED everywhere', async () => {
    const issued = await rx.issue(url('prescribing'), ordinaryPrescription('PT001'));
    const rxId = issued.prescriptionId;
    await rx.waitUntilDispensingKnows(url('dispensing'), rxId);
    const claim = await rx.claim(url('dispensing'), 'P002', rxId, issued.pickupCode);
    expect(claim.status).toBe(201);

    // Prescribing learns who holds it from rx.dispensing.v1; only then is the revoke a request (D8).
    await eventuallyReply('prescribing to learn that P002 holds it', () => rx.prescription(url('prescribing'), rxId), (r) => r.status === 200 && r.body.dispensing.holderPharmacyId === 'P002');
    const revoke = await rx.revoke(url('prescribing'), rxId, 'wrong dosage, re-issuing');
    expect([revoke.status, revoke.body.status]).toEqual([202, 'REVOCATION_PENDING']);

    // Dispensing answers: the claim is marked for cancellation, the holder is told.
    const marked = await eventuallyReply('dispensing to mark the claim for cancellation', () => rx.dispensation(url('dispensing'), rxId), (r) => r.status === 200 && r.body.cancellationPending);
    expect(marked.body).toMatchObject({ status: 'claimed', claim: { pharmacyId: 'P002' } });
    expect((await rx.prescription(url('prescribing'), rxId)).body.status).toBe('REVOCATION_PENDING');
    // Nothing more may be dispensed meanwhile.
    const review = await rx.review(url('dispensing'), 'P002', rxId, 'APPROVED');
    expect([review.status, (review.body as unknown as { code: string }).code]).toEqual([422, 'CANCELLATION_PENDING']);

    const release = await rx.release(url('dispensing'), 'P002', rxId);
    expect([release.status, release.body.status]).toEqual([200, 'withdrawn']);

    const revoked = await eventuallyReply('prescribing to show REVOKED', () => rx.prescription(url('prescribing'), rxId), (r) => r.status === 200 && r.body.status === 'REVOKED');
    expect(revoked.body.revocation).toMatchObject({ via: 'WITHDRAWN', requestedBy: 'D001', reason: 'wrong dosage, re-issuing' });
    expect((await rx.dispensation(url('dispensing'), rxId)).body.status).toBe('withdrawn');
    const again = await rx.claim(url('dispensing'), 'P001', rxId, issued.pickupCode);
    expect([again.status, (again.body as unknown as { code: string }).code]).toEqual([422, 'PRESCRIPTION_REVOKED']);

    const history = await historyWhen(rxId, 'the revocation', (entries) => entries.some((e) => e.type === 'rx.prescribing.prescription-revoked.v1'));
    const answers = history.entries.filter((e) => e.type === 'rx.dispensing.revocation-answered.v1').map((e) => e.data.outcome);
    expect(answers).toEqual(['CANCELLATION_PENDING', 'WITHDRAWN']);
    const order = [
      'rx.prescribing.prescription-issued.v1',
      'rx.dispensing.prescription-claimed.v1',
      'rx.prescribing.revocation-requested.v1',
      'rx.dispensing.revocation-answered.v1',
      'rx.dispensing.claim-released.v1',
      'rx.prescribing.prescription-revoked.v1',
    ];
    const positions = order.map((t) => typesOf(history).indexOf(t));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(history.integrity.ok).toBe(true);
  });

  scenario('revoked while nobody holds it: 200 REVOKED at once, and dispensing then refuses every claim', async () => {
    const issued = await rx.issue(url('prescribing'), ordinaryPrescription('PT002'));
    const rxId = issued.prescriptionId;
    await rx.waitUntilDispensingKnows(url('dispensing'), rxId);

    const revoke = await rx.revoke(url('prescribing'), rxId, 'patient admitted to hospital');
    expect([revoke.status, revoke.body.status]).toEqual([200, 'REVOKED']);
    expect((await rx.prescription(url('prescribing'), rxId)).body.revocation).toMatchObject({ via: 'IMMEDIATE' });

    await eventuallyReply('dispensing to withdraw it', () => rx.dispensation(url('dispensing'), rxId), (r) => r.status === 200 && r.body.status === 'withdrawn');
    for (const pharmacy of ['P001', 'P002']) {
      const claim = await rx.claim(url('dispensing'), pharmacy, rxId, issued.pickupCode);
      expect([pharmacy, claim.status, (claim.body as unknown as { code: string }).code]).toEqual([pharmacy, 422, 'PRESCRIPTION_REVOKED']);
    }
    const history = await historyWhen(rxId, 'the withdrawal', (entries) => entries.some((e) => e.type === 'rx.dispensing.prescription-withdrawn.v1'));
    expect(typesOf(history).slice(0, 2)).toEqual(['rx.prescribing.prescription-issued.v1', 'rx.prescribing.prescription-revoked.v1']);
    expect(typesOf(history)).not.toContain('rx.dispensing.prescription-claimed.v1');
    expect((await rx.dispensation(url('dispensing'), rxId)).body).toMatchObject({ status: 'withdrawn', claim: null, dispenses: [] });
  });

  scenario('every app stops gracefully on SIGTERM (exit 0: consumers leave the group, relays flush, stores close)', async () => {
    const codes = await Promise.all(APPS.map(async (app) => [app, await cluster!.stop(app)] as const));
    expect(codes).toEqual(APPS.map((app) => [app, 0]));
  });
});
