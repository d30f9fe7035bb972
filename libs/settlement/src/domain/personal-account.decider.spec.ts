import { fold } from '@rx/kernel';
import { deciderSpec } from '@rx/kernel/testing';
import { allotmentYearsDue, personalAccountDecider, type PersonalAccountCommand, type PersonalAccountEvent } from './personal-account.decider';
import { personalAccountStreamId } from './stream-ids';
import {
  AllotmentNotDue,
  InvalidAccountAmount,
  PersonalAccountAlreadyDebited,
  PersonalAccountCreditConflict,
  PersonalAccountInsufficient,
  PersonalAccountNotOpen,
} from './settlement.errors';

const spec = deciderSpec(personalAccountDecider);
const opened: PersonalAccountEvent = { type: 'PersonalAccountOpened', data: { holderId: 'PT001', year: 2026, openingBalanceFen: 50000 } };
const debit = (dispenseId: string, amountFen: number, patientId = 'PT001'): PersonalAccountCommand => ({
  type: 'DebitPersonalAccount',
  data: { holderId: 'PT001', dispenseId, patientId, amountFen },
});
const debited = (dispenseId: string, amountFen: number, patientId = 'PT001'): PersonalAccountEvent => ({
  type: 'PersonalAccountDebited',
  data: { holderId: 'PT001', dispenseId, patientId, amountFen },
});
const restore = (dispenseId: string): PersonalAccountCommand => ({ type: 'RestorePersonalAccount', data: { holderId: 'PT001', dispenseId } });

describe('personal account (one continuing stream per holder)', () => {
  it('is one stream per holder, not per year', () => expect(personalAccountStreamId('PT001')).toBe('personalaccount-PT001'));

  it('opens once with the reference-data balance; a later opening (another year, another figure) changes nothing', () => {
    spec.given([]).when({ type: 'OpenPersonalAccount', data: opened.data }).then([opened]);
    spec.given([opened]).when({ type: 'OpenPersonalAccount', data: opened.data }).thenNothing();
    spec.given([opened]).when({ type: 'OpenPersonalAccount', data: { holderId: 'PT001', year: 2027, openingBalanceFen: 50000 } }).thenNothing();
    spec.given([opened]).when({ type: 'OpenPersonalAccount', data: { ...opened.data, openingBalanceFen: 1 } }).thenNothing();
  });

  it('carries the balance over into the next year: a 2027 debit spends what 2026 left', () => {
    const events = [opened, debited('d1', 40000)];
    spec.given(events).when(debit('d2', 10000), new Date('2027-01-05T02:00:00Z')).then([debited('d2', 10000)]);
    spec.given(events).when(debit('d2', 10001), new Date('2027-01-05T02:00:00Z')).thenThrows(PersonalAccountInsufficient);
  });

  describe('yearly allotment (retirees, 004)', () => {
    const allot = (year: number, amountFen = 120000): PersonalAccountCommand => ({ type: 'CreditAnnualAllotment', data: { holderId: 'PT001', year, amountFen } });
    const allotted = (year: number, amountFen = 120000): PersonalAccountEvent => ({ type: 'AnnualAllotmentCredited', data: { holderId: 'PT001', year, amountFen } });
    const in2027 = new Date('2027-01-01T00:00:00+08:00');

    it('is credited from the natural year after the account was opened', () => spec.given([opened]).when(allot(2027), in2027).then([allotted(2027)]));

    it('is not credited for the year first seen: the opening balance already includes it', () => spec.given([opened]).when(allot(2026)).thenNothing());

    it('is credited exactly once per year', () => {
      spec.given([opened, allotted(2027)]).when(allot(2027), in2027).thenNothing();
      const state = fold(personalAccountDecider, [opened, allotted(2027)]);
      expect(state.status === 'open' && state.balanceFen).toBe(170000);
    });

    it('is refused before its year begins in China time (16:00 UTC on 31 December is already the next year)', () => {
      spec.given([opened]).when(allot(2027), new Date('2026-12-31T15:59:59Z')).thenThrows(AllotmentNotDue, 'ACCOUNT_ALLOTMENT_NOT_DUE');
      spec.given([opened]).when(allot(2027), new Date('2026-12-31T16:00:00Z')).then([allotted(2027)]);
    });

    it('needs an open account and a positive amount', () => {
      spec.given([]).when(allot(2027), in2027).thenThrows(PersonalAccountNotOpen);
      spec.given([opened]).when(allot(2027, 0), in2027).thenThrows(InvalidAccountAmount);
    });

    it('lists the years still due, skipping the opening year and those credited', () => {
      expect(allotmentYearsDue(fold(personalAccountDecider, [opened, allotted(2027)]), 2029)).toEqual([2028, 2029]);
      expect(allotmentYearsDue(fold(personalAccountDecider, [opened]), 2026)).toEqual([]);
      expect(allotmentYearsDue(fold(personalAccountDecider, []), 2030)).toEqual([]);
    });
  });

  describe('agency credits (contributions), idempotent by creditId', () => {
    const credit = (creditId: string, amountFen: number, note: string | null = null): PersonalAccountCommand => ({
      type: 'CreditPersonalAccount',
      data: { holderId: 'PT001', creditId, amountFen, note },
    });
    const credited = (creditId: string, amountFen: number, note: string | null = null): PersonalAccountEvent => ({
      type: 'PersonalAccountCredited',
      data: { holderId: 'PT001', creditId, amountFen, note },
    });

    it('credits the balance', () => {
      spec.given([opened]).when(credit('c1', 3000, '2026-03 contributions')).then([credited('c1', 3000, '2026-03 contributions')]);
      const state = fold(personalAccountDecider, [opened, credited('c1', 3000)]);
      expect(state.status === 'open' && state.balanceFen).toBe(53000);
    });

    it('a retry with the same creditId and content is a no-op; different content under it is refused', () => {
      spec.given([opened, credited('c1', 3000)]).when(credit('c1', 3000)).thenNothing();
      spec.given([opened, credited('c1', 3000)]).when(credit('c1', 3001)).thenThrows(PersonalAccountCreditConflict, 'PERSONAL_ACCOUNT_CREDIT_CONFLICT');
      spec.given([opened, credited('c1', 3000)]).when(credit('c1', 3000, 'other')).thenThrows(PersonalAccountCreditConflict);
    });

    it('refuses a zero, negative or fractional credit, and a credit to an account never opened', () => {
      spec.given([opened]).when(credit('c1', 0)).thenThrows(InvalidAccountAmount);
      spec.given([opened]).when(credit('c1', -5)).thenThrows(InvalidAccountAmount);
      spec.given([opened]).when(credit('c1', 1.5)).thenThrows(InvalidAccountAmount);
      spec.given([]).when(credit('c1', 100)).thenThrows(PersonalAccountNotOpen);
    });
  });

  it('debits the holder for a family member and says for whom (PT004 from PT001)', () =>
    spec.given([opened]).when(debit('d1', 16580, 'PT004')).then([debited('d1', 16580, 'PT004')]));

  it('refuses a debit beyond the balance (a stale concurrent decision)', () =>
    spec.given([opened, debited('d1', 40000)]).when(debit('d2', 10001)).thenThrows(PersonalAccountInsufficient, 'PERSONAL_ACCOUNT_INSUFFICIENT'));

  it('accepts a debit of exactly the balance', () => spec.given([opened, debited('d1', 40000)]).when(debit('d2', 10000)).then([debited('d2', 10000)]));

  it('is idempotent per dispense', () => {
    spec.given([opened, debited('d1', 19080)]).when(debit('d1', 19080)).thenNothing();
    spec.given([opened, debited('d1', 19080)]).when(debit('d1', 19081)).thenThrows(PersonalAccountAlreadyDebited);
  });

  it('refuses a debit on an account never opened, and a zero or fractional debit', () => {
    spec.given([]).when(debit('d1', 100)).thenThrows(PersonalAccountNotOpen);
    spec.given([opened]).when(debit('d1', 0)).thenThrows(InvalidAccountAmount);
    spec.given([opened]).when(debit('d1', 1.5)).thenThrows(InvalidAccountAmount);
  });

  it('restores exactly the debited amount, once', () => {
    spec.given([opened, debited('d1', 19080, 'PT004')]).when(restore('d1')).then([
      { type: 'PersonalAccountRestored', data: { holderId: 'PT001', dispenseId: 'd1', patientId: 'PT004', amountFen: 19080 } },
    ]);
    const events: PersonalAccountEvent[] = [
      opened,
      debited('d1', 19080),
      { type: 'PersonalAccountRestored', data: { holderId: 'PT001', dispenseId: 'd1', patientId: 'PT001', amountFen: 19080 } },
    ];
    spec.given(events).when(restore('d1')).thenNothing();
    const state = fold(personalAccountDecider, events);
    expect(state.status === 'open' && state.balanceFen).toBe(50000);
  });

  it('a refund in a later year restores the continuing account the money came from', () => {
    spec.given([opened, debited('d1', 19080)]).when(restore('d1'), new Date('2027-02-01T00:00:00Z')).then([
      { type: 'PersonalAccountRestored', data: { holderId: 'PT001', dispenseId: 'd1', patientId: 'PT001', amountFen: 19080 } },
    ]);
  });

  it('restoring a dispense that never debited is a no-op', () => spec.given([opened]).when(restore('d9')).thenNothing());
});
