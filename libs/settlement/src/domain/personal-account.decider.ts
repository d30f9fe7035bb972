import { chinaYear, exhaustive, type Decider, type Fen } from '@rx/kernel';
import {
  AllotmentNotDue,
  InvalidAccountAmount,
  PersonalAccountAlreadyDebited,
  PersonalAccountCreditConflict,
  PersonalAccountInsufficient,
  PersonalAccountNotOpen,
} from './settlement.errors';

/**
 * Personal account, stream `personalaccount-{holderId}` (F5): one continuing account per holder, so
 * the balance carries over from year to year (结余结转) and a refund credits the account the money
 * came from, whatever the year. Kept apart from the benefit ledger because the account belongs to
 * the holder while the benefit belongs to the patient: PT004's purchase consumes PT004's deductible
 * but PT001's balance. One stream per holder means every movement (debits of every family member,
 * allotments, agency credits) meets on one expected revision: two concurrent purchases never spend
 * the same yuan twice, and a year's allotment is credited once however many payments race for it.
 */

export type PersonalAccountCommand =
  /** The first time the holder is seen: reference data's balance, which includes that year's allotment. */
  | { type: 'OpenPersonalAccount'; data: { holderId: string; year: number; openingBalanceFen: Fen } }
  /** A retiree's yearly allotment (004); due from the natural year after the account was opened. */
  | { type: 'CreditAnnualAllotment'; data: { holderId: string; year: number; amountFen: Fen } }
  /** A credit posted by the agency (e.g. a working employee's contributions), idempotent by `creditId`. */
  | { type: 'CreditPersonalAccount'; data: { holderId: string; creditId: string; amountFen: Fen; note: string | null } }
  /** `patientId` is whom the debit paid for: the holder or a family member (mutual aid). */
  | { type: 'DebitPersonalAccount'; data: { holderId: string; dispenseId: string; patientId: string; amountFen: Fen } }
  | { type: 'RestorePersonalAccount'; data: { holderId: string; dispenseId: string } };

export type PersonalAccountEvent =
  /** `year`: the China-time year the holder was first seen (the opening balance is as of that year). */
  | { type: 'PersonalAccountOpened'; data: { holderId: string; year: number; openingBalanceFen: Fen } }
  | { type: 'AnnualAllotmentCredited'; data: { holderId: string; year: number; amountFen: Fen } }
  | { type: 'PersonalAccountCredited'; data: { holderId: string; creditId: string; amountFen: Fen; note: string | null } }
  | { type: 'PersonalAccountDebited'; data: { holderId: string; dispenseId: string; patientId: string; amountFen: Fen } }
  | { type: 'PersonalAccountRestored'; data: { holderId: string; dispenseId: string; patientId: string; amountFen: Fen } };

interface Debit {
  patientId: string;
  amountFen: Fen;
  restored: boolean;
}

export interface OpenPersonalAccount {
  status: 'open';
  holderId: string;
  openedYear: number;
  openingBalanceFen: Fen;
  balanceFen: Fen;
  debits: Readonly<Record<string, Debit>>;
  credits: Readonly<Record<string, { amountFen: Fen; note: string | null }>>;
  allottedYears: readonly number[];
}

export type PersonalAccount = { status: 'unopened' } | OpenPersonalAccount;

const amountOk = (v: number): boolean => Number.isSafeInteger(v) && v >= 0;
const positive = (v: number, field: string, what: string): void => {
  if (!amountOk(v) || v === 0) throw new InvalidAccountAmount(`${what} must be positive integer fen`, { field });
};

/** Years whose allotment is still to credit, up to `upToYear` (the opening year's is in the opening balance). */
export function allotmentYearsDue(state: PersonalAccount, upToYear: number): number[] {
  if (state.status !== 'open') return [];
  const due: number[] = [];
  for (let y = state.openedYear + 1; y <= upToYear; y++) if (!state.allottedYears.includes(y)) due.push(y);
  return due;
}

function decide(command: PersonalAccountCommand, state: PersonalAccount, now: Date): PersonalAccountEvent[] {
  switch (command.type) {
    case 'OpenPersonalAccount': {
      const { holderId, year, openingBalanceFen } = command.data;
      if (!amountOk(openingBalanceFen)) throw new InvalidAccountAmount('opening balance must be non-negative integer fen', { field: 'openingBalanceFen' });
      // The first opening stands: reference data is the balance of a holder never seen before, not a reset.
      if (state.status === 'open') return [];
      return [{ type: 'PersonalAccountOpened', data: { holderId, year, openingBalanceFen } }];
    }
    case 'CreditAnnualAllotment': {
      const { holderId, year, amountFen } = command.data;
      positive(amountFen, 'amountFen', 'an allotment');
      if (state.status !== 'open') throw new PersonalAccountNotOpen(`no personal account for ${holderId}`);
      if (year > chinaYear(now)) throw new AllotmentNotDue(`the ${year} allotment is not due before ${year} in China time`, { field: 'year' });
      if (year <= state.openedYear || state.allottedYears.includes(year)) return [];
      return [{ type: 'AnnualAllotmentCredited', data: { holderId, year, amountFen } }];
    }
    case 'CreditPersonalAccount': {
      const { holderId, creditId, amountFen, note } = command.data;
      positive(amountFen, 'amountFen', 'a credit');
      if (state.status !== 'open') throw new PersonalAccountNotOpen(`no personal account for ${holderId}`);
      const existing = state.credits[creditId];
      if (existing) {
        if (existing.amountFen === amountFen && existing.note === note) return [];
        throw new PersonalAccountCreditConflict(`credit ${creditId} was already posted with different content`, { field: 'creditId', details: { creditId, amountFen: existing.amountFen } });
      }
      return [{ type: 'PersonalAccountCredited', data: { holderId, creditId, amountFen, note } }];
    }
    case 'DebitPersonalAccount': {
      const { holderId, dispenseId, patientId, amountFen } = command.data;
      positive(amountFen, 'amountFen', 'a debit');
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
  if (event.type === 'PersonalAccountOpened') {
    if (state.status === 'open') return state;
    const { holderId, year, openingBalanceFen } = event.data;
    return { status: 'open', holderId, openedYear: year, openingBalanceFen, balanceFen: openingBalanceFen, debits: {}, credits: {}, allottedYears: [] };
  }
  if (state.status !== 'open') return state;
  switch (event.type) {
    case 'AnnualAllotmentCredited':
      return { ...state, balanceFen: state.balanceFen + event.data.amountFen, allottedYears: [...state.allottedYears, event.data.year] };
    case 'PersonalAccountCredited':
      return {
        ...state,
        balanceFen: state.balanceFen + event.data.amountFen,
        credits: { ...state.credits, [event.data.creditId]: { amountFen: event.data.amountFen, note: event.data.note } },
      };
    case 'PersonalAccountDebited':
      return {
        ...state,
        balanceFen: state.balanceFen - event.data.amountFen,
        debits: { ...state.debits, [event.data.dispenseId]: { patientId: event.data.patientId, amountFen: event.data.amountFen, restored: false } },
      };
    case 'PersonalAccountRestored':
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
  decide,
  evolve,
};
