import { fold } from '@rx/kernel';
import { deciderSpec } from '@rx/kernel/testing';
import { personalAccountDecider, type PersonalAccountCommand, type PersonalAccountEvent } from './personal-account.decider';
import { InvalidAccountAmount, PersonalAccountAlreadyDebited, PersonalAccountAlreadyOpen, PersonalAccountInsufficient, PersonalAccountNotOpen } from './settlement.errors';

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

describe('personal account (account-{holderId}-{year})', () => {
  it('opens with the reference-data balance; reseeding the same is a no-op, a different one refused', () => {
    spec.given([]).when({ type: 'OpenPersonalAccount', data: opened.data }).then([opened]);
    spec.given([opened]).when({ type: 'OpenPersonalAccount', data: opened.data }).thenNothing();
    spec.given([opened]).when({ type: 'OpenPersonalAccount', data: { ...opened.data, openingBalanceFen: 1 } }).thenThrows(PersonalAccountAlreadyOpen);
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

  it('restoring a dispense that never debited is a no-op', () => spec.given([opened]).when(restore('d9')).thenNothing());
});
