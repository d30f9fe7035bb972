import type { AuthenticatedActor } from './actor';

/** Why a signed token's claims do not name a registered actor (403, stable codes). */
export type ActorRefusal =
  /** No actor with this `sub` holds this role. */
  | 'ACTOR_UNKNOWN'
  /** The actor exists with this role, but belongs to another organisation than `org` says. */
  | 'ACTOR_ORGANISATION_MISMATCH';

export type ActorResolution =
  | { ok: true; actor: AuthenticatedActor; organisationActive: boolean }
  | { ok: false; code: ActorRefusal; message: string };

/**
 * The registry the token's claims are checked against on every request (a port: the runtime
 * backs it with the reference data). A token proves who signed the claims, not that they are true
 * today: an actor removed or moved to another organisation is refused even with a valid token.
 */
export interface ActorDirectory {
  resolve(claims: AuthenticatedActor): ActorResolution;
}

export const ACTOR_DIRECTORY = Symbol('ActorDirectory');
