import { DomainError } from '../domain-error';
import type { Decider, DomainEvent } from '../decider';

/**
 * given/when/then for deciders (EventSourcing.NodeJS style):
 *   given([issued]).when(claim, at).then([claimed]) / .thenThrows(AlreadyClaimed) / .thenNothing()
 */
export function deciderSpec<C, E extends DomainEvent, S>(decider: Decider<C, E, S>) {
  return {
    given(events: readonly E[]) {
      return {
        when(command: C, now: Date = new Date('2026-03-02T09:00:00Z')) {
          const run = () => {
            const state = events.reduce((s, e) => decider.evolve(s, e), decider.initialState());
            return { state, produced: decider.decide(command, state, now) };
          };
          return {
            then(expected: readonly E[]) {
              expect(run().produced).toEqual(expected);
            },
            thenMatch(assert: (produced: E[], stateBefore: S) => void) {
              const { state, produced } = run();
              assert(produced, state);
            },
            thenNothing() {
              expect(run().produced).toEqual([]);
            },
            thenThrows(errorType: abstract new (...args: never[]) => DomainError, code?: string) {
              let caught: unknown;
              try {
                run();
              } catch (e) {
                caught = e;
              }
              expect(caught).toBeInstanceOf(errorType);
              if (code) expect((caught as DomainError).code).toBe(code);
            },
          };
        },
      };
    },
  };
}
