import type { Role } from '@rx/auth';
import type { ReferenceDataService } from '@rx/reference-data';

/** One user of the demo region the console offers at sign-in (development only). */
export interface DemoUser {
  id: string;
  role: Role;
  org: string;
  name: string;
  orgName: string;
}

/** Every user the registry knows, with the org their token must name. */
export function demoUsers(ref: ReferenceDataService): DemoUser[] {
  return [
    ...ref.physicians.map((p) => ({ id: p.id, role: 'physician' as const, org: p.institutionId, name: p.name, orgName: ref.institution(p.institutionId)?.name ?? p.institutionId })),
    ...ref.pharmacists.map((p) => ({ id: p.id, role: 'pharmacist' as const, org: p.pharmacyId, name: p.name, orgName: ref.pharmacy(p.pharmacyId)?.name ?? p.pharmacyId })),
    ...ref.agencyUsers.map((u) => ({ id: u.id, role: 'agency' as const, org: u.org, name: u.id, orgName: u.org })),
    ...ref.auditors.map((u) => ({ id: u.id, role: 'auditor' as const, org: u.org, name: u.id, orgName: u.org })),
  ];
}
