import type { AuditFact } from '../audit-fact';
import type { Alert } from '../rules/rule';

/**
 * given/when/then for monitoring rules:
 *   ruleSpec(rule).given(facts).when(params, now).thenRaises([...]) / .thenNothing() / .thenMatch(fn)
 */
export function ruleSpec<P>(rule: (facts: readonly AuditFact[], params: P, now: Date) => Alert[]) {
  return {
    given(facts: readonly AuditFact[]) {
      return {
        when(params: P, now: Date = new Date('2026-03-02T09:00:00Z')) {
          const run = () => rule(facts, params, now);
          return {
            thenNothing() {
              expect(run()).toEqual([]);
            },
            thenRaises(expected: Partial<Alert>[]) {
              const alerts = run();
              expect(alerts).toHaveLength(expected.length);
              expected.forEach((e, i) => expect(alerts[i]).toMatchObject(e));
            },
            thenMatch(assert: (alerts: Alert[]) => void) {
              assert(run());
            },
          };
        },
      };
    },
  };
}
