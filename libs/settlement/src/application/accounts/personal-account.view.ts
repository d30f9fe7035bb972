import type { RecordedEvent } from '@rx/event-store';
import { fold } from '@rx/kernel';
import { personalAccountDecider, type PersonalAccountEvent } from '../../domain/personal-account.decider';

export type MovementKind = 'OPENING_BALANCE' | 'ANNUAL_ALLOTMENT' | 'CREDIT' | 'DEBIT' | 'RESTORE';

export interface AccountMovement {
  at: string;
  kind: MovementKind;
  /** Who recorded it (`role:id`): the agency user for a credit, `system:settlement` otherwise. */
  by: string;
  /** Signed: credits positive, debits negative. */
  amountFen: number;
  balanceAfterFen: number;
  year?: number;
  creditId?: string;
  note?: string | null;
  dispenseId?: string;
  /** Whom a debit or restore was for: the holder or a family member. */
  patientId?: string;
}

export interface PersonalAccountView {
  holderId: string;
  /** False until the holder's first movement: the balance is then reference data's opening balance. */
  opened: boolean;
  openedYear: number | null;
  openingBalanceFen: number;
  balanceFen: number;
  /** Per natural year (China time), the holder's yearly allotment: 0 when none. */
  annualAllotmentFen: number;
  allottedYears: number[];
  /** Allotments due but not yet credited: they are credited by the holder's next movement of the year. */
  allotmentYearsPending: number[];
  movements: AccountMovement[];
}

function movementOf(e: PersonalAccountEvent): Omit<AccountMovement, 'at' | 'by' | 'balanceAfterFen'> {
  switch (e.type) {
    case 'PersonalAccountOpened':
      return { kind: 'OPENING_BALANCE', amountFen: e.data.openingBalanceFen, year: e.data.year };
    case 'AnnualAllotmentCredited':
      return { kind: 'ANNUAL_ALLOTMENT', amountFen: e.data.amountFen, year: e.data.year };
    case 'PersonalAccountCredited':
      return { kind: 'CREDIT', amountFen: e.data.amountFen, creditId: e.data.creditId, note: e.data.note };
    case 'PersonalAccountDebited':
      return { kind: 'DEBIT', amountFen: -e.data.amountFen, dispenseId: e.data.dispenseId, patientId: e.data.patientId };
    case 'PersonalAccountRestored':
      return { kind: 'RESTORE', amountFen: e.data.amountFen, dispenseId: e.data.dispenseId, patientId: e.data.patientId };
  }
}

/** The account's balance and every movement with the balance after it, folded from its stream. */
export function toPersonalAccountView(
  holderId: string,
  referenceOpeningFen: number,
  recorded: readonly RecordedEvent[],
  allotment: { annualFen: number; pendingYears: number[] },
): PersonalAccountView {
  const events = recorded.map((r) => ({ type: r.type, data: r.data }) as PersonalAccountEvent);
  const state = fold(personalAccountDecider, events);
  let balance = 0;
  const movements = recorded.map((r, i) => {
    const m = movementOf(events[i]);
    balance += m.amountFen;
    return { at: r.metadata.occurredAt, by: `${r.metadata.actor.role}:${r.metadata.actor.id}`, ...m, balanceAfterFen: balance };
  });
  const open = state.status === 'open' ? state : null;
  return {
    holderId,
    opened: open !== null,
    openedYear: open?.openedYear ?? null,
    openingBalanceFen: open?.openingBalanceFen ?? referenceOpeningFen,
    balanceFen: open?.balanceFen ?? referenceOpeningFen,
    annualAllotmentFen: allotment.annualFen,
    allottedYears: open ? [...open.allottedYears] : [],
    allotmentYearsPending: allotment.pendingYears,
    movements,
  };
}
