import fc from 'fast-check';
import { AuditModule, validateAuditedEnvelope } from '@rx/audit';
import { ALL_TOPICS, Topics, type CloudEvent } from '@rx/contracts';
import { DispensingModule } from '@rx/dispensing';
import { ManualClock } from '@rx/kernel';
import { InMemoryMessageBus } from '@rx/messaging';
import { PrescribingModule } from '@rx/prescribing';
import { createTestApp, TestApp } from '@rx/runtime/testing';
import { SettlementModule } from '@rx/settlement';
import { validateDispensingCloudEvent, validatePrescribingCloudEvent, validateSettlementCloudEvent } from '@rx/contracts';

/**
 * Accepted at the edge means delivered everywhere (issue 15.1): whatever the HTTP layer accepts,
 * every consumer's contract accepts, so nothing the platform answered 2xx for is dead-lettered.
 * And a dead letter, when one happens anyway, is never silent.
 */
describe('edge and event contracts agree', () => {
  let t: TestApp;
  let bus: InMemoryMessageBus;
  let published: CloudEvent[];
  let physician: string;
  let pharmacist: string;
  let auditor: string;

  beforeEach(async () => {
    bus = new InMemoryMessageBus({ logger: { log: () => undefined } });
    t = await createTestApp({ imports: [PrescribingModule, DispensingModule, SettlementModule, AuditModule], clock: new ManualClock('2026-03-02T01:00:00.000Z'), bus });
    published = [];
    // An observer with no contract of its own sees every envelope the relays publish.
    await bus.consume({ groupId: 'observer', topics: ALL_TOPICS, handler: async (m) => void published.push(m.event) });
    physician = t.bearer('physician', 'D001', 'H001');
    pharmacist = t.bearer('pharmacist', 'PH001', 'P001');
    auditor = t.bearer('auditor', 'AU001', 'AUDIT');
  });
  afterEach(() => t.close());

  async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  const body = (names: string[]) => ({
    patientId: 'PT003',
    diagnoses: names.map((name) => ({ code: 'I10', name })),
    items: [{ drugCode: 'AML-5', quantity: 7, daysSupply: 7, dosage: { dose: 1, unit: 'tablet', timesPerDay: 1 } }],
  });

  /** Waits until the audit context holds a fact of `type` for the prescription (or a dead letter shows). */
  async function audited(rxId: string, type: string): Promise<void> {
    await eventually(async () => {
      if (bus.deadLetterSummary().count > 0) return true;
      const r = await t.http.get(`/audit/prescriptions/${rxId}/history`).set('Authorization', auditor);
      return ((r.body?.entries ?? []) as { type: string }[]).some((e) => e.type === type) ? true : undefined;
    }, `audit to record ${type} of ${rxId}`);
  }

  function everyConsumerAccepts(events: CloudEvent[]): void {
    for (const e of events) {
      const contract = e.type.startsWith('rx.prescribing.') ? validatePrescribingCloudEvent : e.type.startsWith('rx.dispensing.') ? validateDispensingCloudEvent : validateSettlementCloudEvent;
      expect([e.type, contract(e)]).toEqual([e.type, undefined]);
      expect([e.type, validateAuditedEnvelope(e)]).toEqual([e.type, undefined]);
    }
  }

  it('a diagnosis name of 150 characters outside the BMP is issued, claimable and audited; nothing is dead-lettered', async () => {
    const name = '𝕏𠮷'.repeat(75);
    expect(name.length).toBe(300); // UTF-16 units: what the old contract counted
    const issued = await t.http.post('/prescriptions').set('Authorization', physician).send(body([name]));
    expect(issued.status).toBe(201);
    const { prescriptionId, pickupCode } = issued.body as { prescriptionId: string; pickupCode: string };

    const claim = await eventually(async () => {
      const r = await t.http.post('/dispensing/claims').set('Authorization', pharmacist).send({ prescriptionId, pickupCode });
      return r.status === 201 || bus.deadLetterSummary().count > 0 ? r : undefined;
    }, 'the prescription to be claimable');
    expect(claim.status).toBe(201);
    await audited(prescriptionId, 'rx.dispensing.prescription-claimed.v1');

    const history = await t.http.get(`/audit/prescriptions/${prescriptionId}/history`).set('Authorization', auditor);
    expect(history.body.entries.map((e: { type: string }) => e.type)).toEqual(['rx.prescribing.prescription-issued.v1', 'rx.dispensing.prescription-claimed.v1']);
    expect(history.body.entries[0].data.diagnoses[0].name).toBe(name);
    expect(bus.deadLetterSummary()).toEqual({ count: 0 });
    expect((await t.http.get('/health')).body).toMatchObject({ status: 'ok', deadLetters: { count: 0 } });
    expect((await t.http.get('/audit/integrity').set('Authorization', auditor)).body).toMatchObject({ ok: true, deadLetters: { count: 0 } });
  });

  it('refuses a diagnosis name of 201 characters outside the BMP, or with an unpaired surrogate, or blank: 400 naming the field', async () => {
    for (const name of ['𝕏'.repeat(201), `ok \ud800 broken`, '   ']) {
      const r = await t.http.post('/prescriptions').set('Authorization', physician).send(body([name]));
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'diagnoses[0].name' }] });
    }
  });

  // Text as clients send it: any code point (astral planes included), unpaired surrogates, blanks,
  // lengths around every limit. Property: a 2xx at the edge means every consumer takes the events.
  const char = fc.oneof(
    { weight: 6, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
    { weight: 3, arbitrary: fc.constantFrom('𝕏', '𠮷', '😀') },
    { weight: 1, arbitrary: fc.constantFrom(' ', '\t', '\u3000', '\ufeff') },
  );
  const clean = (around: number) => fc.oneof(fc.string({ unit: char, minLength: 0, maxLength: 8 }), fc.string({ unit: char, minLength: around - 5, maxLength: around + 5 }));
  const text = (around: number) =>
    fc.oneof(
      { weight: 8, arbitrary: clean(around) },
      { weight: 1, arbitrary: fc.tuple(clean(around), fc.constantFrom('\ud800', '\udfff')).map(([s, lone]) => s + lone) },
      { weight: 1, arbitrary: fc.constantFrom('  ', '\u3000') },
    );

  it('property: a prescription, revocation or review reason the edge accepts passes every consumer contract', async () => {
    const accepted = { issue: 0, review: 0, revoke: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(text(200), { minLength: 1, maxLength: 2 }), text(500), text(500), async (names, rejection, revocation) => {
        const before = published.length;
        const issued = await t.http.post('/prescriptions').set('Authorization', physician).send(body(names));
        if (issued.status !== 201) {
          expect(issued.status).toBe(400);
          return;
        }
        accepted.issue++;
        const { prescriptionId, pickupCode } = issued.body as { prescriptionId: string; pickupCode: string };
        await audited(prescriptionId, 'rx.prescribing.prescription-issued.v1');
        await eventually(async () => {
          const r = await t.http.post('/dispensing/claims').set('Authorization', pharmacist).send({ prescriptionId, pickupCode });
          return r.status === 201 || bus.deadLetterSummary().count > 0 ? r : undefined;
        }, 'claim');
        const review = await t.http.post(`/dispensing/prescriptions/${prescriptionId}/review`).set('Authorization', pharmacist).send({ decision: 'REJECTED', reasons: [rejection] });
        if (review.status === 200) accepted.review++;
        if (review.status === 200) await audited(prescriptionId, 'rx.dispensing.prescription-reviewed.v1');
        else expect(review.status).toBe(400);
        const revoke = await t.http.post(`/prescriptions/${prescriptionId}/revoke`).set('Authorization', physician).send({ reason: revocation });
        if (revoke.status < 300) accepted.revoke++;
        if (revoke.status === 200) await audited(prescriptionId, 'rx.prescribing.prescription-revoked.v1');
        else if (revoke.status === 202) await audited(prescriptionId, 'rx.prescribing.revocation-requested.v1');
        else expect(revoke.status).toBe(400);
        expect(bus.deadLetterSummary()).toEqual({ count: 0 });
        everyConsumerAccepts(published.slice(before));
      }),
      { numRuns: 50 },
    );
    // Not vacuous: the generated text is accepted often enough to exercise every path.
    expect(accepted.issue).toBeGreaterThanOrEqual(10);
    expect(accepted.review).toBeGreaterThanOrEqual(5);
    expect(accepted.revoke).toBeGreaterThanOrEqual(5);
  }, 120_000);

  it('a dead letter is never silent: /health degrades, the audit raises an alert, /audit/integrity is not ok', async () => {
    const rxId = 'RX-FORGED-1';
    const forged = {
      specversion: '1.0',
      id: 'evt-forged-1',
      type: 'rx.prescribing.prescription-issued.v1',
      source: '/rx/prescribing',
      subject: rxId,
      time: '2026-03-02T01:00:00.000Z',
      datacontenttype: 'application/json',
      correlationid: 'c',
      causationid: 'c',
      data: { prescriptionId: rxId },
    } as CloudEvent;
    await bus.publish(Topics.prescribing, [{ key: rxId, value: forged }]);
    // Dispensing and audit both refuse it (their contract), so two dead letters, two alerts.
    expect(bus.deadLetters(Topics.prescribing).map((d) => d.groupId).sort()).toEqual(['audit', 'dispensing']);

    const health = await t.http.get('/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'degraded', deadLetters: { count: 2, last: { topic: Topics.prescribing, key: rxId } } });

    const alerts = await eventually(async () => {
      const r = await t.http.get('/audit/alerts').query({ rule: 'dead-letter', prescriptionId: rxId }).set('Authorization', auditor);
      return (r.body?.alerts ?? r.body)?.length === 2 ? (r.body.alerts ?? r.body) : undefined;
    }, 'two dead-letter alerts');
    expect(alerts.map((a: { details: { groupId: string } }) => a.details.groupId).sort()).toEqual(['audit', 'dispensing']);
    expect(alerts[0]).toMatchObject({ ruleId: 'dead-letter', severity: 'high', prescriptionId: rxId, evidence: ['evt-forged-1'] });

    const integrity = await t.http.get('/audit/integrity').set('Authorization', auditor);
    expect(integrity.body).toMatchObject({ ok: false, failures: [], deadLetters: { count: 2 } });
  });
});
