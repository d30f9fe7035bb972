import { exhaustive, type Decider, type Fen } from '@rx/kernel';
import {
  InvalidAccountAmount,
  PersonalAccountAlreadyDebited,
  PersonalAccountAlreadyOpen,
  PersonalAccountInsufficient,
  PersonalAccountNotOpen,
} from './settlement.errors';

/**
 * Personal account, stream `account-{holderId}-{year}` (F5). Kept apart from the benefit ledger
 * because the account belongs to the holder while the benefit belongs to the patient: PT004's
 * purchase consumes PT004's deductible but PT001's balance. One stream per holder means every
 * family member's debit meets on the same expected revision, so two concurrent purchases can never
 * spend the same yuan twice.
 */

export type PersonalAccountCommand =
  /** Seeded from reference data: the balance at the start of the policy year. */
  | { type: 'OpenPersonalAccount'; data: { holderId: string; year: number; openingBalanceFen: Fen } }
  /** `patientId` is whom the debit paid for: the holder or a family member (mutual aid). */
  | { type: 'DebitPersonalAccount'; data: { holderId: string; dispenseId: string; patientId: string; amountFen: Fen } }
  | { type: 'RestorePersonalAccount'; data: { holderId: string; dispenseId: string } };

export type PersonalAccountEvent =
  | { type: 'PersonalAccountOpened'; data: { holderId: string; year: number; openingBalanceFen: Fen } }
  | { type: 'PersonalAccountDebited'; data: { holderId: string; dispenseId: string; patientId: string; amountFen: Fen } }
  | { type: 'PersonalAccountRestored'; data: { holderId: string; dispenseId: string; patientId: string; amountFen: Fen } };

interface Debit {
  patientId: string;
  amountFen: Fen;
  restored: boolean;
}

export type PersonalAccount =
  | { status: 'unopened' }
  | { status: 'open'; holderId: string; year: number; openingBalanceFen: Fen; balanceFen: Fen; debits: Readonly<Record<string, Debit>> };

const amountOk = (v: number): boolean => Number.isSafeInteger(v) && v >= 0;

function decide(command: PersonalAccountCommand, state: PersonalAccount): PersonalAccountEvent[] {
  switch (command.type) {
    case 'OpenPersonalAccount': {
      const { holderId, year, openingBalanceFen } = command.data;
      if (!amountOk(openingBalanceFen)) throw new InvalidAccountAmount('opening balance must be non-negative integer fen', { field: 'openingBalanceFen' });
      if (state.status === 'open') {
        if (state.openingBalanceFen === openingBalanceFen && state.year === year) return [];
        throw new PersonalAccountAlreadyOpen(`account of ${holderId} for ${year} is already open`);
      }
      return [{ type: 'PersonalAccountOpened', data: { holderId, year, openingBalanceFen } }];
    }
    case 'DebitPersonalAccount': {
      const { holderId, dispenseId, patientId, amountFen } = command.data;
      if (!amountOk(amountFen) || amountFen === 0) throw new InvalidAccountAmount('debit must be positive integer fen', { field: 'amountFen' });
      if (state.status !== 'open') throw new PersonalAccountNotOpen(`no personal account for ${holderId}`);
      const existing = state.debits[dispenseId];
      if (existing) {
        if (existing.amountFen === amountFen && existing.patientId === patientId) return [];
        throw new PersonalAccountAlreadyDebited(`dispense ${dispenseId} already debited a different amount`, { details: { dispenseId } });
      }
      if (amountFen > state.balanceFen) {
        throw new PersonalAccountInsufficient(`account of ${holderId} holds ${state.balanceFen} fen, debit ${amountFen}`, {
          details: { balanceFen: state.balanceFen, amountFen },
        });
      }
      return [{ type: 'PersonalAccountDebited', data: { holderId, dispenseId, patientId, amountFen } }];
    }
    case 'RestorePersonalAccount': {
      const { holderId, dispenseId } = command.data;
      if (state.status !== 'open') return [];
      const debit = state.debits[dispenseId];
      if (!debit || debit.restored) return [];
      return [{ type: 'PersonalAccountRestored', data: { holderId, dispenseId, patientId: debit.patientId, amountFen: debit.amountFen } }];
    }
    default:
      return exhaustive(command, 'personal account command');
  }
}

function evolve(state: PersonalAccount, event: PersonalAccountEvent): PersonalAccount {
  switch (event.type) {
    case 'PersonalAccountOpened':
      return { status: 'open', ...event.data, balanceFen: event.data.openingBalanceFen, debits: {} };
    case 'PersonalAccountDebited':
      if (state.status !== 'open') return state;
      return {
        ...state,
        balanceFen: state.balanceFen - event.data.amountFen,
        debits: { ...state.debits, [event.data.dispenseId]: { patientId: event.data.patientId, amountFen: event.data.amountFen, restored: false } },
      };
    case 'PersonalAccountRestored':
      if (state.status !== 'open') return state;
      return {
        ...state,
        balanceFen: state.balanceFen + event.data.amountFen,
        debits: { ...state.debits, [event.data.dispenseId]: { patientId: event.data.patientId, amountFen: event.data.amountFen, restored: true } },
      };
    default:
      return exhaustive(event, 'personal account event');
  }
}

export const personalAccountDecider: Decider<PersonalAccountCommand, PersonalAccountEvent, PersonalAccount> = {
  initialState: () => ({ status: 'unopened' }),
  decide: (command, state) => decide(command, state),
  evolve,
};
