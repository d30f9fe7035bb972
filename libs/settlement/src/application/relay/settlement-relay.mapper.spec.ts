import { SettlementEventTypes, validateSettlementCloudEvent, validateSettlementEventData, type CloudEvent } from '@rx/contracts';
import type { RecordedEvent } from '@rx/event-store';
import { fold } from '@rx/kernel';
import { agreementDecider, type AgreementEvent } from '../../domain/agreement.decider';
import { benefitLedgerDecider } from '../../domain/benefit-ledger.decider';
import { computeFundPayment, NO_BENEFIT_USED } from '../../domain/fund-payment.calculator';
import { paymentDecider, type PaymentEvent } from '../../domain/payment.decider';
import { createPharmacyClaimDecider, type PharmacyClaimEvent } from '../../domain/pharmacy-claim.decider';
import { CALENDARS, demoPolicy, workedExample } from '../../domain/testing/demo-region.fixture';
import { payerOf } from '../payment/dispensed-input';
import { toSettlementIntegrationEvent } from './settlement-relay.mapper';

const at = '2026-03-02T09:00:00.000Z';
let position = 0n;
const recorded = (streamId: string, e: { type: string; data: unknown }): RecordedEvent => ({
  id: `00000000-0000-4000-8000-${String(++position).padStart(12, '0')}`,
  streamId,
  revision: 0,
  position,
  type: e.type,
  data: e.data,
  metadata: { correlationId: 'c', causationId: 'c', actor: { role: 'system', id: 'settlement' }, occurredAt: at, hash: 'h', prevHash: 'p' },
});
/** What the relay puts on the wire for a mapped event. */
const envelope = (streamId: string, e: { type: string; data: unknown }): CloudEvent => {
  const m = toSettlementIntegrationEvent(recorded(streamId, e));
  if (!m) throw new Error(`${e.type} is not relayed`);
  return { specversion: '1.0', id: 'x', type: m.type, source: '/rx/settlement', subject: m.key, time: at, datacontenttype: 'application/json', data: m.data, correlationid: 'c', causationid: 'c' };
};

const result = computeFundPayment(workedExample(), demoPolicy(), NO_BENEFIT_USED, { holderId: 'PT001', balanceFen: 50000 });
const paymentRecorded: PaymentEvent = {
  type: 'FundPaymentRecorded',
  data: { dispenseId: 'd1', prescriptionId: 'rx-1', patientId: 'PT001', pharmacyId: 'P001', regionCode: '522700', year: 2026, dispensedAt: at, ...result },
};
const paymentReversed = paymentDecider.decide({ type: 'ReverseFundPayment', data: { dispenseId: 'd1', reason: 'refund' } }, fold(paymentDecider, [paymentRecorded]), new Date(at))[0];

describe('settlement relay mapper → rx.settlement.v1 (validated with the contract)', () => {
  it('maps a fund payment with its totals, keyed on the prescription', () => {
    const e = envelope('payment-d1', paymentRecorded);
    expect(validateSettlementCloudEvent(e)).toBeUndefined();
    expect(e).toMatchObject({ type: SettlementEventTypes.fundPaymentRecorded, subject: 'rx-1' });
    expect(e.data).toMatchObject({ dispenseId: 'd1', policyVersion: '522700-2026.2', paidAt: at, amounts: { totalFen: 20300, fundFen: 420, personalAccountFen: 19080, cashFen: 800, deductibleAppliedFen: 15000 } });
  });

  it('maps a reversal with negated amounts', () => {
    const e = envelope('payment-d1', paymentReversed);
    expect(validateSettlementCloudEvent(e)).toBeUndefined();
    expect(e.data).toMatchObject({ reason: 'refund', amounts: { fundFen: -420, totalFen: -20300 } });
  });

  it('maps agreement dissolutions (agency and reference data), keyed on the pharmacy; an active seed stays inside', () => {
    const seededActive: AgreementEvent = { type: 'AgreementSeeded', data: { pharmacyId: 'P002', regionCode: '522700', since: '2022-01-01T00:00:00+08:00', dissolution: null } };
    expect(toSettlementIntegrationEvent(recorded('agreement-P002', seededActive))).toBeNull();
    const [dissolved] = agreementDecider.decide(
      { type: 'DissolveAgreement', data: { pharmacyId: 'P002', reasonCode: 'FRAUDULENT_CLAIMS', effectiveAt: '2026-03-03T00:00:00Z', dissolvedBy: 'AG001' } },
      fold(agreementDecider, [seededActive]),
      new Date(at),
    );
    const e = envelope('agreement-P002', dissolved);
    expect(validateSettlementCloudEvent(e)).toBeUndefined();
    expect(e).toMatchObject({ subject: 'P002', data: { origin: 'AGENCY', regionCode: '522700', dissolvedBy: 'AG001' } });
    const seededDissolved: AgreementEvent = {
      type: 'AgreementSeeded',
      data: { pharmacyId: 'P003', regionCode: '522700', since: '2022-01-01T00:00:00+08:00', dissolution: { reasonCode: 'CASHING_OUT_PERSONAL_ACCOUNTS', effectiveAt: '2025-11-15T00:00:00+08:00' } },
    };
    const s = envelope('agreement-P003', seededDissolved);
    expect(validateSettlementCloudEvent(s)).toBeUndefined();
    expect(s.data).toMatchObject({ origin: 'REFERENCE_DATA', dissolvedBy: null, effectiveAt: '2025-11-14T16:00:00.000Z' });
  });

  it('maps the claim lifecycle with dispense and prescription ids', () => {
    const decider = createPharmacyClaimDecider({ calendars: CALENDARS, deadlineWorkingDays: 30 });
    const lines = [
      { dispenseId: 'd1', prescriptionId: 'rx-1', fundFen: 420 },
      { dispenseId: 'd2', prescriptionId: 'rx-1', fundFen: 100 },
      { dispenseId: 'd3', prescriptionId: 'rx-3', fundFen: 2100 },
    ];
    const history: PharmacyClaimEvent[] = [];
    const step = (command: Parameters<typeof decider.decide>[0], now: string) => history.push(...decider.decide(command, fold(decider, history), new Date(now)));
    step({ type: 'SubmitClaim', data: { claimId: 'c1', pharmacyId: 'P001', submittedBy: 'PH001', periodStart: '2026-09-01', periodEnd: '2026-09-20', dispenses: lines } }, '2026-09-21T02:00:00Z');
    step({ type: 'ApproveClaim', data: { claimId: 'c1', approvedBy: 'AG001', refusedLines: [{ dispenseId: 'd3', reason: 'no trace codes' }] } }, '2026-10-01T02:00:00Z');
    step({ type: 'PayClaim', data: { claimId: 'c1', paidBy: 'AG001', amountFen: 520 } }, '2026-10-02T02:00:00Z');
    const [submitted, approved, paid] = history.map((e) => envelope('pharmacyclaim-c1', e));
    for (const e of [submitted, approved, paid]) {
      expect(validateSettlementCloudEvent(e)).toBeUndefined();
      expect(e.subject).toBe('P001');
    }
    expect(submitted.data).toMatchObject({ dispenseCount: 3, fundFen: 2620, dueBy: '2026-11-09', prescriptionIds: ['rx-1', 'rx-3'] });
    expect(approved.data).toMatchObject({ approvedFundFen: 520, refusedLines: [{ dispenseId: 'd3', prescriptionId: 'rx-3', reason: 'no trace codes' }], prescriptionIds: ['rx-1', 'rx-3'] });
    expect(paid.data).toMatchObject({ amountFen: 520, late: false, prescriptionIds: ['rx-1'] });
  });

  it('keeps ledgers, accounts and the claim index inside the context', () => {
    const [consumed] = benefitLedgerDecider.decide(
      {
        type: 'ApplyPayment',
        data: {
          patientId: 'PT001',
          year: 2026,
          dispenseId: 'd1',
          delta: result.ledgerDelta,
          basis: NO_BENEFIT_USED,
          limits: { deductibleFen: 15000, annualCapFen: 200000, specialDeductibleFen: 0, specialAnnualCapFen: 400000 },
          policyVersion: 'v',
        },
      },
      benefitLedgerDecider.initialState(),
      new Date(at),
    );
    expect(toSettlementIntegrationEvent(recorded('benefit-PT001-2026', consumed))).toBeNull();
    expect(toSettlementIntegrationEvent(recorded('claimindex-P001', { type: 'DispensesReservedForClaim', data: {} }))).toBeNull();
  });
});

describe('rx.settlement.v1 contract validators', () => {
  const good = envelope('payment-d1', paymentRecorded);

  it('refuse amounts that do not balance, a wrong subject, unknown types and bad fields, naming the field', () => {
    const data = good.data as { amounts: Record<string, number> };
    expect(validateSettlementEventData(good.type, { ...data, amounts: { ...data.amounts, cashFen: 801 } })).toContain('data.amounts.totalFen');
    expect(validateSettlementCloudEvent({ ...good, subject: 'rx-other' })).toContain('subject must equal data.prescriptionId');
    expect(validateSettlementCloudEvent({ ...good, type: 'rx.settlement.nope.v1' })).toContain('unknown settlement event type');
    expect(validateSettlementEventData(good.type, { ...data, flags: ['LUCKY'] })).toContain('data.flags[0]');
    expect(validateSettlementEventData(good.type, { ...data, paidAt: 'yesterday' })).toContain('data.paidAt');
    expect(validateSettlementEventData(SettlementEventTypes.claimSubmitted, { claimId: 'c1' })).toContain('data.pharmacyId');
  });
});

describe('who pays from a personal account (F5)', () => {
  const ref = {
    patient: (id: string) =>
      ({
        PT001: { id: 'PT001', regionCode: '522700', insuranceType: 'employee', retired: false, personalAccountFen: 50000 },
        PT002: { id: 'PT002', regionCode: '522700', insuranceType: 'employee', retired: true, personalAccountFen: 120000 },
        PT003: { id: 'PT003' },
        PT004: { id: 'PT004', familyAccountHolderId: 'PT001' },
      })[id] as never,
  };
  it('the patient, else the family holder, else nobody', () => {
    const pt001 = { holderId: 'PT001', openingBalanceFen: 50000, regionCode: '522700', retiree: false };
    expect(payerOf(ref, 'PT001')).toEqual(pt001);
    expect(payerOf(ref, 'PT004')).toEqual(pt001);
    expect(payerOf(ref, 'PT002')).toEqual({ holderId: 'PT002', openingBalanceFen: 120000, regionCode: '522700', retiree: true });
    expect(payerOf(ref, 'PT003')).toBeNull();
    expect(payerOf(ref, 'PT999')).toBeNull();
  });
});
