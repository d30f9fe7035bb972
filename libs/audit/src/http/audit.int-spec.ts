import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import {
  AUDIT_TOPIC,
  DispensingEventTypes as D,
  PrescribingEventTypes as P,
  SettlementEventTypes as S,
  Topics,
  validateAuditCloudEvent,
  type CloudEvent,
} from '@rx/contracts';
import { createEventStore, type EventStore } from '@rx/event-store';
import { InMemoryMessageBus, toCloudEvent } from '@rx/messaging';
import { ManualClock } from '@rx/kernel';
import { createTestApp, type TestApp } from '@rx/runtime/testing';
import { AuditModule } from '../audit.module';
import { MonitoringService } from '../application/monitoring/monitoring.service';
import { auditStreamId } from '../domain/audit-streams';
import {
  claimedData,
  claimPaidData,
  claimSubmittedData,
  dispensedData,
  dissolvedData,
  issuedData,
  negate,
  paymentData,
  reversedData,
} from '../domain/testing/audit-fixtures';
import { envelope, publish } from '../testing/audit-world';

const at = (iso: string) => new Date(iso).toISOString();

describe('audit over HTTP (embedded app, real SQLite file, in-memory bus)', () => {
  let dir: string;
  let store: EventStore;
  let t: TestApp;
  let bus: InMemoryMessageBus;
  let published: CloudEvent[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rx-audit-'));
    store = createEventStore(`sqlite:${join(dir, 'rx.sqlite')}`);
    bus = new InMemoryMessageBus();
    t = await createTestApp({ imports: [AuditModule.forRoot({ sweepIntervalMs: 0 })], clock: new ManualClock('2026-03-02T08:00:00.000Z'), store, bus });
    published = [];
    await bus.consume({ groupId: `observer-${randomUUID()}`, topics: [AUDIT_TOPIC], handler: async (m) => void published.push(m.event) });
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const auditor = () => t.bearer('auditor', 'AU001', 'AUDIT');
  const get = (path: string, auth = auditor()) => t.http.get(path).set('Authorization', auth);
  const monitoring = () => t.app.get(MonitoringService);

  /**
   * issue → claim → release → claim → review → dispense 1 → payment → dispense 2 → payment →
   * reversal (dispensing and fund) → settlement claim submitted/approved/paid → revocation.
   * The issued envelope is published from a real stored prescribing event (as the relay does), so
   * its source can be verified in this shared store.
   */
  async function fullHistory(rx = randomUUID()) {
    const issued = issuedData(rx, {}, at('2026-03-02T09:00:00Z'));
    // Prescribing's facts are stored in its own stream first and published from there, as its relay does.
    const fromSource = async <K extends typeof P.prescriptionIssued | typeof P.revocationRequested | typeof P.prescriptionRevoked>(type: K, data: object, time: string, actor: string) => {
      const [role, id] = actor.split(':');
      await store.append(`prescription-${rx}`, [{ id: randomUUID(), type: `Stored:${type}`, data, metadata: { correlationId: rx, causationId: rx, actor: { role, id }, occurredAt: time } }], { expectedRevision: 'any' });
      const stored = await store.readStream(`prescription-${rx}`);
      return toCloudEvent(stored[stored.length - 1], { type, source: '/rx/prescribing', subject: rx, data });
    };
    const d1 = dispensedData(rx, at('2026-03-02T10:10:00Z'), { dispenseId: randomUUID(), pharmacyId: 'P002', quantity: 28, unitPriceFen: 60, referencePriceFen: 50, instalment: 1 });
    const d2 = dispensedData(rx, at('2026-03-30T10:00:00Z'), { dispenseId: randomUUID(), pharmacyId: 'P002', quantity: 28, instalment: 2 });
    const pay1 = paymentData(d1, at('2026-03-02T10:11:00Z'), 420);
    const pay2 = paymentData(d2, at('2026-03-30T10:01:00Z'), 700);
    const otherRx = randomUUID();
    const submitted = claimSubmittedData(
      `C-${rx.slice(0, 8)}`,
      'P002',
      [
        { dispenseId: d1.dispenseId, prescriptionId: rx, fundFen: 420 },
        { dispenseId: randomUUID(), prescriptionId: otherRx, fundFen: 100 },
      ],
      at('2026-04-01T02:00:00Z'),
      '2026-05-14',
    );
    const events = {
      issued: await fromSource(P.prescriptionIssued, issued, issued.issuedAt, 'physician:D001'),
      claim1: envelope(D.prescriptionClaimed, claimedData(rx, 'P001', at('2026-03-02T09:30:00Z')), at('2026-03-02T09:30:00Z'), 'pharmacist:PH001'),
      release1: envelope(D.claimReleased, { prescriptionId: rx, pharmacyId: 'P001', reason: 'RELEASED', releasedAt: at('2026-03-02T09:40:00Z') }, at('2026-03-02T09:40:00Z'), 'pharmacist:PH001'),
      claim2: envelope(D.prescriptionClaimed, { ...claimedData(rx, 'P002', at('2026-03-02T10:00:00Z')), pharmacistId: 'PH002' }, at('2026-03-02T10:00:00Z'), 'pharmacist:PH002'),
      review: envelope(D.prescriptionReviewed, { prescriptionId: rx, pharmacyId: 'P002', pharmacistId: 'PH002', decision: 'APPROVED', reasons: [], reviewedAt: at('2026-03-02T10:05:00Z') }, at('2026-03-02T10:05:00Z'), 'pharmacist:PH002'),
      dispense1: envelope(D.dispensed, d1, d1.dispensedAt, 'pharmacist:PH002'),
      payment1: envelope(S.fundPaymentRecorded, pay1, pay1.paidAt, 'system:settlement'),
      dispense2: envelope(D.dispensed, d2, d2.dispensedAt, 'pharmacist:PH002'),
      payment2: envelope(S.fundPaymentRecorded, pay2, pay2.paidAt, 'system:settlement'),
      reversal: envelope(D.dispenseReversed, reversedData(d2, at('2026-03-31T09:00:00Z')), at('2026-03-31T09:00:00Z'), 'pharmacist:PH002'),
      paymentReversed: envelope(
        S.fundPaymentReversed,
        { ...pay2, reason: 'dispense reversed', reversedAt: at('2026-03-31T09:01:00Z'), amounts: negate(pay2.amounts) } as never,
        at('2026-03-31T09:01:00Z'),
        'system:settlement',
      ),
      claimSubmitted: envelope(S.claimSubmitted, submitted, submitted.submittedAt, 'pharmacist:PH002'),
      claimApproved: envelope(
        S.claimApproved,
        { claimId: submitted.claimId, pharmacyId: 'P002', approvedBy: 'AG001', approvedAt: at('2026-04-10T02:00:00Z'), approvedFundFen: 520, approvedLines: submitted.lines, refusedLines: [], prescriptionIds: submitted.prescriptionIds },
        at('2026-04-10T02:00:00Z'),
        'agency:AG001',
      ),
      claimPaid: envelope(S.claimPaid, claimPaidData(submitted, at('2026-04-20T02:00:00Z'), false), at('2026-04-20T02:00:00Z'), 'agency:AG001'),
      revocationRequested: await fromSource(
        P.revocationRequested,
        { prescriptionId: rx, reason: 'patient moved', requestedBy: 'D001', requestedAt: at('2026-04-21T03:00:00Z'), holderPharmacyId: 'P002' },
        at('2026-04-21T03:00:00Z'),
        'physician:D001',
      ),
      revocationAnswered: envelope(D.revocationAnswered, { prescriptionId: rx, outcome: 'WITHDRAWN', dispensed: [{ drugCode: 'AML-5', quantity: 28 }] }, at('2026-04-21T03:05:00Z'), 'system:dispensing'),
      revoked: await fromSource(
        P.prescriptionRevoked,
        { prescriptionId: rx, reason: 'patient moved', revokedBy: 'D001', revokedAt: at('2026-04-21T03:06:00Z'), via: 'WITHDRAWN', dispensed: [{ drugCode: 'AML-5', quantity: 28 }] },
        at('2026-04-21T03:06:00Z'),
        'physician:D001',
      ),
    };
    // Published per topic, as the contexts' relays would: settlement news arrives after dispensing's,
    // and the revocation (prescribing) before some of it, so arrival order is not history order.
    await publish(bus, events.issued, events.revocationRequested, events.revoked);
    await publish(bus, events.claim1, events.release1, events.claim2, events.review, events.dispense1, events.dispense2, events.reversal, events.revocationAnswered);
    await publish(bus, events.payment1, events.payment2, events.paymentReversed, events.claimSubmitted, events.claimApproved, events.claimPaid);
    return { rx, otherRx, d1, d2, events, submitted };
  }

  describe('GET /audit/prescriptions/:rxId/history', () => {
    it('returns every fact from every context in the order it happened, with actors and integrity', async () => {
      const { rx, events } = await fullHistory();
      const res = await get(`/audit/prescriptions/${rx}/history`);
      expect(res.status).toBe(200);
      const order = [
        'issued',
        'claim1',
        'release1',
        'claim2',
        'review',
        'dispense1',
        'payment1',
        'dispense2',
        'payment2',
        'reversal',
        'paymentReversed',
        'claimSubmitted',
        'claimApproved',
        'claimPaid',
        'revocationRequested',
        'revocationAnswered',
        'revoked',
      ] as const;
      expect(res.body.entries.map((e: { sourceEventId: string }) => e.sourceEventId)).toEqual(order.map((k) => events[k].id));
      expect(res.body.entries.map((e: { seq: number }) => e.seq)).toEqual(order.map((_, i) => i + 1));
      const [issued, claim1, , , review, dispense1, payment1] = res.body.entries;
      expect(issued).toMatchObject({ type: P.prescriptionIssued, context: 'prescribing', time: '2026-03-02T09:00:00.000Z', actor: { role: 'physician', id: 'D001' } });
      expect(issued.summary).toContain('issued by D001 at H001 for patient PT002');
      expect(claim1).toMatchObject({ actor: { role: 'pharmacist', id: 'PH001' }, data: { pharmacyId: 'P001' } });
      expect(review).toMatchObject({ actor: { role: 'pharmacist', id: 'PH002' }, data: { decision: 'APPROVED' } });
      expect(dispense1.summary).toContain('ABOVE REFERENCE PRICE');
      expect(payment1).toMatchObject({ context: 'settlement', actor: { role: 'system', id: 'settlement' }, data: { amounts: { fundFen: 420 } } });
      // The audit copies verify; the issued event's source is in this store and verifies too.
      for (const e of res.body.entries) expect(e.integrity).toMatchObject({ verified: true, auditChain: 'ok' });
      expect(issued.integrity).toEqual({ verified: true, auditChain: 'ok', sourceHash: events.issued.integrityhash, sourceVerified: true });
      expect(claim1.integrity.sourceVerified).toBeNull();
      expect(res.body.entries.filter((e: { integrity: { verified: boolean; sourceVerified: boolean | null } }) => !e.integrity.verified || e.integrity.sourceVerified === false)).toEqual([]);
      expect(res.body.integrity).toMatchObject({ ok: true, auditStream: { streamId: auditStreamId(rx), ok: true, eventCount: order.length }, sourcesReachable: true });
    });

    it('attaches a settlement claim to every prescription it names', async () => {
      const { otherRx, events } = await fullHistory();
      const res = await get(`/audit/prescriptions/${otherRx}/history`);
      expect(res.status).toBe(200);
      expect(res.body.entries.map((e: { sourceEventId: string }) => e.sourceEventId)).toEqual([events.claimSubmitted.id, events.claimApproved.id, events.claimPaid.id]);
    });

    it('shows a refund after the claim was paid: the recovery raised, the next claim deducting it, and what its payment offset (issue 22.2)', async () => {
      const { rx, d1, submitted } = await fullHistory();
      const raised = envelope(
        S.recoveryRaised,
        { claimId: submitted.claimId, pharmacyId: 'P002', dispenseId: d1.dispenseId, prescriptionId: rx, regionCode: '522700', year: 2026, amountFen: 420, reason: 'returned', raisedAt: at('2026-05-02T02:00:00Z') },
        at('2026-05-02T02:00:00Z'),
        'system:settlement',
      );
      const other = { dispenseId: randomUUID(), prescriptionId: randomUUID(), fundFen: 300 };
      const recovery = { dispenseId: d1.dispenseId, prescriptionId: rx, fromClaimId: submitted.claimId, amountFen: 420 };
      const next = { ...claimSubmittedData('C-next', 'P002', [other], at('2026-06-01T02:00:00Z'), '2026-07-13'), recoveries: [recovery], recoveryFen: 420 };
      next.prescriptionIds = [other.prescriptionId, rx].sort();
      const paid = { ...claimPaidData(next, at('2026-06-20T02:00:00Z'), false), amountFen: 0, grossFen: 300, withdrawnLines: [], recovered: [{ ...recovery, recoveredFen: 300 }], carriedForwardFen: 120 };
      await publish(bus, raised, envelope(S.claimSubmitted, next, next.submittedAt, 'pharmacist:PH002'), envelope(S.claimPaid, paid, paid.paidAt, 'agency:AG001'));
      const res = await get(`/audit/prescriptions/${rx}/history`);
      const tail = res.body.entries.slice(-3);
      expect(tail.map((e: { type: string }) => e.type)).toEqual([S.recoveryRaised, S.claimSubmitted, S.claimPaid]);
      expect(tail[0].summary).toContain(`dispense ${d1.dispenseId} refunded after claim ${submitted.claimId} paid pharmacy P002: 4.20 yuan to recover`);
      expect(tail[1].summary).toContain(`less recoveries -4.20 for refunded dispense ${d1.dispenseId}`);
      expect(tail[2].summary).toContain(`recovered 3.00 of 4.20 yuan for refunded dispense ${d1.dispenseId}; 1.20 yuan carried forward`);
      const state = (await get(`/audit/prescriptions/${rx}/state?asOf=${encodeURIComponent('2026-06-30T00:00:00Z')}`)).body;
      expect(state.recoveries).toEqual([{ dispenseId: d1.dispenseId, pharmacyId: 'P002', claimId: submitted.claimId, amountFen: 420, raisedAt: at('2026-05-02T02:00:00Z') }]);
      expect(state.settlementClaims.find((c: { claimId: string }) => c.claimId === 'C-next')).toMatchObject({
        status: 'paid',
        fundFen: 0,
        recoveries: [{ dispenseId: d1.dispenseId, fromClaimId: submitted.claimId, amountFen: 420, recoveredFen: 300 }],
      });
    });

    it('appends nothing for a redelivered message', async () => {
      const { rx, events } = await fullHistory();
      const before = await store.readStream(auditStreamId(rx));
      await publish(bus, events.dispense1, events.claimSubmitted, events.revoked);
      expect(await store.readStream(auditStreamId(rx))).toHaveLength(before.length);
      const alerts = (await get('/audit/alerts')).body.alerts;
      await publish(bus, events.dispense1);
      expect((await get('/audit/alerts')).body.alerts).toEqual(alerts);
    });

    it('dead-letters an envelope that fails its contract and records nothing', async () => {
      const rx = randomUUID();
      const bad = envelope(D.dispensed, { ...dispensedData(rx, at('2026-03-02T10:00:00Z')), lines: [] }, at('2026-03-02T10:00:00Z'), 'pharmacist:PH001');
      await publish(bus, bad);
      expect(bus.deadLetters(Topics.dispensing).some((d) => d.groupId === 'audit' && /lines/.test(d.reason))).toBe(true);
      expect(await store.readStream(auditStreamId(rx))).toEqual([]);
    });

    it('given a forged prescription (a real one copied with ten times the quantity), then it is dead-lettered with its stable reason, recorded in nobody\'s history, and raises one forged-prescription alert on rx.audit.v1', async () => {
      const genuine = issuedData(randomUUID());
      await publish(bus, envelope(P.prescriptionIssued, genuine, genuine.issuedAt, 'physician:D001'));
      const rx = randomUUID();
      const forged = { ...genuine, prescriptionId: rx, items: genuine.items.map((i) => ({ ...i, quantity: i.quantity * 10 })) };
      const event = envelope(P.prescriptionIssued, forged, forged.issuedAt, 'physician:D001');
      await publish(bus, event, event);

      const dead = bus.deadLetters(Topics.prescribing).filter((d) => d.groupId === 'audit');
      expect(dead.map((d) => d.key)).toEqual([rx, rx]);
      expect(dead[0].reason).toMatch(/^unprocessable: rx\.prescribing\.prescription-issued\.v1: PRESCRIPTION_CONTENT_HASH_MISMATCH: /);
      expect(await store.readStream(auditStreamId(rx))).toEqual([]);
      expect((await get(`/audit/prescriptions/${rx}/history`)).status).toBe(404);
      expect((await get(`/audit/prescriptions/${genuine.prescriptionId}/history`)).body.entries).toHaveLength(1);

      const alerts = (await get(`/audit/alerts?rule=forged-prescription&prescriptionId=${rx}`)).body.alerts;
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toMatchObject({
        ruleId: 'forged-prescription',
        severity: 'high',
        subjectKey: rx,
        prescriptionId: rx,
        evidence: [event.id],
        details: expect.objectContaining({ code: 'PRESCRIPTION_CONTENT_HASH_MISMATCH', institutionId: 'H001', signingKeyInstitutionId: 'H001' }),
      });
      const relayed = await (async () => {
        // The generic dead-letter alerts (one per dead letter) travel beside it; this one is the specific alert.
        const forgedAlerts = () => published.filter((e) => e.subject === rx && (e.data as { ruleId?: string }).ruleId === 'forged-prescription');
        for (let i = 0; i < 100 && forgedAlerts().length === 0; i++) await new Promise((r) => setTimeout(r, 20));
        return forgedAlerts();
      })();
      expect(relayed).toHaveLength(1);
      expect(validateAuditCloudEvent(relayed[0])).toBeUndefined();
      expect(relayed[0].data).toMatchObject({ ruleId: 'forged-prescription', alertId: alerts[0].alertId });
    });

    it('404 for a prescription the audit never heard of, 400 for a malformed id', async () => {
      expect((await get(`/audit/prescriptions/${randomUUID()}/history`)).body.code).toBe('PRESCRIPTION_NOT_FOUND');
      expect((await get(`/audit/prescriptions/${randomUUID()}/history`)).status).toBe(404);
      expect((await get('/audit/prescriptions/bad%20id!/history')).status).toBe(400);
    });
  });

  describe('GET /audit/prescriptions/:rxId/state?asOf=', () => {
    it('replays the facts up to each moment', async () => {
      const { rx, d1, d2, submitted } = await fullHistory();
      const state = async (asOf: string) => {
        const res = await get(`/audit/prescriptions/${rx}/state?asOf=${encodeURIComponent(asOf)}`);
        expect(res.status).toBe(200);
        return res.body;
      };
      expect(await state('2026-03-02T08:59:59Z')).toMatchObject({ existed: false, status: 'not-issued', factsApplied: 0 });
      expect(await state('2026-03-02T09:00:00Z')).toMatchObject({ existed: true, status: 'issued', patientId: 'PT002', items: [{ drugCode: 'AML-5', prescribed: 84, dispensed: 0, remaining: 84 }] });
      expect(await state('2026-03-02T09:35:00Z')).toMatchObject({ status: 'claimed', holder: { pharmacyId: 'P001' } });
      expect(await state('2026-03-02T09:45:00Z')).toMatchObject({ status: 'issued', holder: null });
      expect(await state('2026-03-02T10:10:30Z')).toMatchObject({
        status: 'partly-dispensed',
        holder: { pharmacyId: 'P002' },
        review: { decision: 'APPROVED', pharmacistId: 'PH002' },
        items: [{ drugCode: 'AML-5', dispensed: 28, remaining: 56 }],
        dispenses: [{ dispenseId: d1.dispenseId, instalment: 1, fund: null }],
        fund: { paidFen: 0 },
      });
      expect(await state('2026-03-30T12:00:00Z')).toMatchObject({
        items: [{ dispensed: 56, remaining: 28 }],
        fund: { paidFen: 1120, reversedFen: 0, netFen: 1120, payments: 2 },
        dispenses: [{ fund: { fundFen: 420 } }, { dispenseId: d2.dispenseId, reversed: false, fund: { fundFen: 700 } }],
      });
      expect(await state('2026-04-01T00:00:00Z')).toMatchObject({
        status: 'partly-dispensed',
        items: [{ dispensed: 28, remaining: 56 }],
        fund: { paidFen: 1120, reversedFen: 700, netFen: 420, reversals: 1 },
        dispenses: [{ reversed: false }, { reversed: true, reversedAt: '2026-03-31T09:00:00.000Z', fund: { reversed: true } }],
      });
      expect(await state('2026-04-15T00:00:00Z')).toMatchObject({ settlementClaims: [{ claimId: submitted.claimId, status: 'approved', fundFen: 420, approvedFundFen: 420, dueBy: '2026-05-14' }] });
      expect(await state('2026-04-21T03:01:00Z')).toMatchObject({ status: 'revocation-pending', settlementClaims: [{ status: 'paid', late: false }] });
      expect(await state('2026-06-01T00:00:00Z')).toMatchObject({ status: 'revoked', revocation: { status: 'revoked', via: 'WITHDRAWN' }, holder: null });
    });

    it('defaults asOf to now, refuses a malformed asOf with 400 and an unknown prescription with 404', async () => {
      const { rx } = await fullHistory();
      t.clock.set('2026-03-02T09:10:00Z');
      expect((await get(`/audit/prescriptions/${rx}/state`)).body).toMatchObject({ status: 'issued', asOf: '2026-03-02T09:10:00.000Z' });
      for (const bad of ['yesterday', '2026-03-02', '2026-13-45T00:00:00Z', '2026-03-02T09:00:00']) {
        const res = await get(`/audit/prescriptions/${rx}/state?asOf=${encodeURIComponent(bad)}`);
        expect(res.status).toBe(400);
      }
      expect((await get(`/audit/prescriptions/${randomUUID()}/state?asOf=2026-03-02T09:00:00Z`)).status).toBe(404);
    });
  });

  describe('GET /audit/integrity', () => {
    it('is ok on an untouched store and names the streams whose rows were altered, removed or reordered', async () => {
      const a = await fullHistory();
      const b = await fullHistory();
      const c = await fullHistory();
      const clean = await get('/audit/integrity');
      expect(clean.status).toBe(200);
      expect(clean.body).toMatchObject({ ok: true, failures: [], store: { checked: true, ok: true, missing: [] } });
      expect(clean.body.streamsChecked).toBeGreaterThanOrEqual(9);
      expect(clean.body.eventsChecked).toBeGreaterThan(50);

      const db = new Database(join(dir, 'rx.sqlite'));
      try {
        // altered: the fund paid on dispense 1 grows in the audit copy
        const row = db.prepare("SELECT position, data FROM events WHERE stream_id = ? AND type = ? AND data LIKE '%\"fundFen\":420%'").get(auditStreamId(a.rx), S.fundPaymentRecorded) as { position: number; data: string };
        db.prepare('UPDATE events SET data = ? WHERE position = ?').run(row.data.replace('"fundFen":420', '"fundFen":99999'), row.position);
        // removed: a fact deleted from the middle of b's audit stream
        db.prepare('DELETE FROM events WHERE stream_id = ? AND revision = 3').run(auditStreamId(b.rx));
        // reordered: two revisions of c's audit stream swapped
        const swap = db.transaction((stream: string) => {
          db.prepare('UPDATE events SET revision = -1 WHERE stream_id = ? AND revision = 1').run(stream);
          db.prepare('UPDATE events SET revision = 1 WHERE stream_id = ? AND revision = 2').run(stream);
          db.prepare('UPDATE events SET revision = 2 WHERE stream_id = ? AND revision = -1').run(stream);
        });
        swap(auditStreamId(c.rx));
        // and the source prescribing event of a
        db.prepare("UPDATE events SET data = replace(data, '\"quantity\":84', '\"quantity\":840') WHERE stream_id = ? AND revision = 0").run(`prescription-${a.rx}`);
      } finally {
        db.close();
      }

      const res = await get('/audit/integrity');
      expect(res.status).toBe(200);
      expect(res.body.ok).toBe(false);
      const byStream = Object.fromEntries(res.body.failures.map((f: { streamId: string }) => [f.streamId, f]));
      expect(Object.keys(byStream).sort()).toEqual([auditStreamId(a.rx), auditStreamId(b.rx), auditStreamId(c.rx), `prescription-${a.rx}`].sort());
      expect(byStream[auditStreamId(a.rx)].reason).toMatch(/altered/);
      expect(byStream[auditStreamId(b.rx)]).toMatchObject({ brokenAt: 3, reason: expect.stringMatching(/removed or reordered/) });
      expect(byStream[auditStreamId(c.rx)]).toMatchObject({ brokenAt: 1 });
      // The row removed from b's stream also left a hole in the store's sequence of positions.
      expect(res.body.store).toMatchObject({ ok: false, missing: [{ evidence: 'a gap in the sequence of positions' }] });
      expect(res.body.store.missing[0].from).toBe(res.body.store.missing[0].to);

      // The history shows which entry no longer verifies, and that the source was altered.
      const history = (await get(`/audit/prescriptions/${a.rx}/history`)).body;
      expect(history.integrity.ok).toBe(false);
      const altered = history.entries.filter((e: { integrity: { verified: boolean } }) => !e.integrity.verified);
      expect(altered.map((e: { type: string }) => e.type)).toEqual([S.fundPaymentRecorded]);
      expect(history.entries[0].integrity).toMatchObject({ verified: true, auditChain: 'broken', sourceVerified: false });
    });
  });

  describe('GET /audit/integrity: a stream deleted whole', () => {
    it('leaves every remaining chain intact, and still fails: the store misses those positions', async () => {
      const a = await fullHistory();
      const db = new Database(join(dir, 'rx.sqlite'));
      let positions: number[];
      try {
        positions = (db.prepare('SELECT position FROM events WHERE stream_id = ? ORDER BY position').all(`prescription-${a.rx}`) as { position: number }[]).map((r) => r.position);
        db.prepare('DELETE FROM events WHERE stream_id = ?').run(`prescription-${a.rx}`);
      } finally {
        db.close();
      }
      const res = await get('/audit/integrity');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ ok: false, failures: [] });
      const missing = (res.body.store.missing as { from: string; to: string }[]).flatMap((m) => Array.from({ length: Number(m.to) - Number(m.from) + 1 }, (_, i) => Number(m.from) + i));
      expect(missing).toEqual(positions);
    });
  });

  describe('monitoring alerts', () => {
    const alertsOf = async (query = '') => (await get(`/audit/alerts${query}`)).body.alerts as { ruleId: string; alertId: string; [k: string]: unknown }[];

    it('flags a price above the reference price, and publishes the alert on rx.audit.v1', async () => {
      const { rx, d1 } = await fullHistory();
      const alerts = await alertsOf(`?rule=price-above-reference&prescriptionId=${rx}`);
      expect(alerts).toEqual([
        expect.objectContaining({ ruleId: 'price-above-reference', dispenseId: d1.dispenseId, pharmacyId: 'P002', details: expect.objectContaining({ excessFen: 280 }), raisedAt: expect.any(String) }),
      ]);
      await eventually(() => published.some((e) => e.data && (e.data as { alertId: string }).alertId === alerts[0].alertId));
      const e = published.find((x) => (x.data as { alertId: string }).alertId === alerts[0].alertId)!;
      expect(e).toMatchObject({ type: 'rx.audit.alert-raised.v1', source: '/rx/audit', subject: rx });
      expect(validateAuditCloudEvent(e)).toBeUndefined();
    });

    it('flags stockpiling across prescriptions of one patient', async () => {
      const a = randomUUID();
      const b = randomUUID();
      await publish(
        bus,
        envelope(D.dispensed, dispensedData(a, at('2026-03-02T10:00:00Z'), { patientId: 'PT001', quantity: 84, daysSupply: 84 }), at('2026-03-02T10:00:00Z'), 'pharmacist:PH001'),
        envelope(D.dispensed, dispensedData(b, at('2026-03-12T10:00:00Z'), { patientId: 'PT001', quantity: 84, daysSupply: 84, pharmacyId: 'P002' }), at('2026-03-12T10:00:00Z'), 'pharmacist:PH002'),
      );
      expect(await alertsOf('?rule=stockpiling&patientId=PT001')).toEqual([expect.objectContaining({ prescriptionId: b, details: expect.objectContaining({ overlapDays: 74 }) })]);
    });

    it('flags dispensing and claims for a pharmacy after its agreement was dissolved', async () => {
      await publish(bus, envelope(S.agreementDissolved, dissolvedData('P003', '2026-03-10T00:00:00.000+08:00', at('2026-03-09T02:00:00Z')), at('2026-03-09T02:00:00Z'), 'agency:AG001'));
      const rx = randomUUID();
      await publish(
        bus,
        envelope(D.dispensed, dispensedData(rx, at('2026-03-09T12:00:00Z'), { pharmacyId: 'P003' }), at('2026-03-09T12:00:00Z'), 'pharmacist:PH003'),
        envelope(D.prescriptionClaimed, claimedData(rx, 'P003', at('2026-03-11T01:00:00Z')), at('2026-03-11T01:00:00Z'), 'pharmacist:PH003'),
        envelope(D.dispensed, dispensedData(rx, at('2026-03-11T01:10:00Z'), { pharmacyId: 'P003' }), at('2026-03-11T01:10:00Z'), 'pharmacist:PH003'),
      );
      const alerts = await alertsOf('?rule=dissolved-agreement&pharmacyId=P003');
      expect(alerts.map((a) => a.details)).toEqual([expect.objectContaining({ activity: 'prescription-claimed' }), expect.objectContaining({ activity: 'dispensed' })]);
    });

    it('flags a settlement claim past its deadline on the sweep, once', async () => {
      const rx = randomUUID();
      const d = dispensedData(rx, at('2026-03-05T02:00:00Z'));
      const submitted = claimSubmittedData(`C-${rx.slice(0, 6)}`, 'P001', [{ dispenseId: d.dispenseId, prescriptionId: rx, fundFen: 300 }], at('2026-04-01T02:00:00Z'), '2026-05-14');
      await publish(bus, envelope(S.claimSubmitted, submitted, submitted.submittedAt, 'pharmacist:PH001'));
      expect(await monitoring().sweep(new Date('2026-05-14T12:00:00Z'))).toEqual([]);
      t.clock.set('2026-05-15T01:00:00Z');
      const raised = await monitoring().sweep();
      expect(raised).toEqual([expect.objectContaining({ ruleId: 'overdue-settlement-claim', claimId: submitted.claimId })]);
      expect(await monitoring().sweep(new Date('2026-05-20T00:00:00Z'))).toEqual([]);
      expect(await alertsOf('?rule=overdue-settlement-claim')).toHaveLength(1);
      expect((await alertsOf('?rule=overdue-settlement-claim'))[0]).toMatchObject({ raisedAt: '2026-05-15T01:00:00.000Z', occurredAt: '2026-05-14T16:00:00.000Z' });
    });

    it('flags an unusual dispensing volume for a pharmacy', async () => {
      const days = ['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06', '2026-03-07'];
      const dispense = (date: string, i: number) => {
        const when = new Date(Date.parse(`${date}T01:00:00Z`) + i * 60_000).toISOString();
        return envelope(D.dispensed, dispensedData(randomUUID(), when, { pharmacyId: 'P004', patientId: `PX${i}` }), when, 'pharmacist:PH004');
      };
      await publish(bus, ...days.flatMap((d, k) => Array.from({ length: 2 + (k % 2) }, (_, i) => dispense(d, i))));
      expect(await alertsOf('?rule=unusual-volume')).toEqual([]);
      await publish(bus, ...Array.from({ length: 11 }, (_, i) => dispense('2026-03-08', i)));
      expect(await alertsOf('?rule=unusual-volume&pharmacyId=P004')).toEqual([expect.objectContaining({ pharmacyId: 'P004', details: expect.objectContaining({ day: '2026-03-08', count: 10 }) })]);
    });

    it('rebuilds the read models from position zero to the same result, without raising anything twice', async () => {
      await fullHistory();
      await publish(bus, envelope(S.agreementDissolved, dissolvedData('P002', '2026-03-01T00:00:00.000+08:00', at('2026-02-28T15:00:00Z')), at('2026-02-28T15:00:00Z'), 'agency:AG001'));
      await monitoring().projection.whenCaughtUp();
      const before = monitoring().projection.snapshot();
      expect(before.alerts.length).toBeGreaterThan(3);
      const alertEvents = (await store.listStreams('alert-')).length;
      const res = await t.http.post('/audit/rebuild').set('Authorization', auditor());
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ alerts: before.alerts.length, alertsRaised: 0 });
      expect(res.body.events).toBeGreaterThan(20);
      expect(res.body.eventsPerSecond).toBeGreaterThan(0);
      expect(monitoring().projection.snapshot()).toEqual(before);
      expect((await store.listStreams('alert-')).length).toBe(alertEvents);
      expect(await store.loadCheckpoint('audit-monitoring')).toBeGreaterThan(0n);
    });
  });

  describe('auth', () => {
    const routes: [string, string][] = [
      ['get', `/audit/prescriptions/${randomUUID()}/history`],
      ['get', `/audit/prescriptions/${randomUUID()}/state?asOf=2026-03-02T09:00:00Z`],
      ['get', '/audit/integrity'],
      ['get', '/audit/alerts'],
      ['post', '/audit/rebuild'],
    ];

    it.each(routes)('%s %s: 401 without a token, 403 for every role but auditor', async (method, path) => {
      const call = (auth?: string) => {
        const req = method === 'get' ? t.http.get(path) : t.http.post(path);
        return auth ? req.set('Authorization', auth) : req;
      };
      expect((await call()).status).toBe(401);
      expect((await call('Bearer not.a.token')).status).toBe(401);
      for (const [role, sub, org] of [
        ['physician', 'D001', 'H001'],
        ['pharmacist', 'PH001', 'P001'],
        ['agency', 'AG001', 'AGENCY'],
      ] as const) {
        const res = await call(t.bearer(role, sub, org));
        expect(res.status).toBe(403);
        expect(res.body.code).toBe('FORBIDDEN_ROLE');
      }
      expect([200, 404]).toContain((await call(auditor())).status);
    });
  });
});

async function eventually(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

