import type { Actor } from '@rx/event-store';

/** The envelope's actor (`role:id`) caused the fact; without one, the publishing context did. */
export function actorOf(actor: string | undefined, context: string): Actor {
  const m = actor ? /^([^:]{1,32}):(.{1,128})$/.exec(actor) : null;
  return m ? { role: m[1], id: m[2] } : { role: 'system', id: context };
}
