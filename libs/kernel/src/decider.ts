/**
 * A decider (emmett / Jérémie Chassaing): pure functions from command and state to events, and
 * from state and event to state. Time comes in as an argument; no I/O, no framework.
 */
export interface DomainEvent<TType extends string = string, TData = unknown> {
  type: TType;
  data: TData;
}

export interface Decider<Command, Event extends DomainEvent, State> {
  initialState(): State;
  /** Throws a DomainError when a rule refuses the command; [] means "nothing to do" (idempotent). */
  decide(command: Command, state: State, now: Date): Event[];
  evolve(state: State, event: Event): State;
}

export function fold<Event extends DomainEvent, State>(decider: Pick<Decider<unknown, Event, State>, 'initialState' | 'evolve'>, events: readonly Event[]): State {
  return events.reduce((s, e) => decider.evolve(s, e), decider.initialState());
}
