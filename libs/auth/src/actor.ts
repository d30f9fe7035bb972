export const ROLES = ['physician', 'pharmacist', 'agency', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

/** The authenticated caller: `sub`, `role` and `org` claims of the bearer token. */
export interface AuthenticatedActor {
  id: string;
  role: Role;
  /** Institution id for physicians, pharmacy id for pharmacists, agency or audit office otherwise. */
  org: string;
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
