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

/** The org claim agency and audit users carry (they belong to no institution or pharmacy). */
export const AGENCY_ORG = 'AGENCY';
export const AUDIT_ORG = 'AUDIT';

/** Every user the registry knows, with the org their token must name. */
export function demoUsers(ref: ReferenceDataService): DemoUser[] {
  return [
    ...ref.physicians.map((p) => ({ id: p.id, role: 'physician' as const, org: p.institutionId, name: p.name, orgName: ref.institution(p.institutionId)?.name ?? p.institutionId })),
    ...ref.pharmacists.map((p) => ({ id: p.id, role: 'pharmacist' as const, org: p.pharmacyId, name: p.name, orgName: ref.pharmacy(p.pharmacyId)?.name ?? p.pharmacyId })),
    ...ref.agencyUsers.map((id) => ({ id, role: 'agency' as const, org: AGENCY_ORG, name: id, orgName: 'Medical insurance agency' })),
    ...ref.auditors.map((id) => ({ id, role: 'auditor' as const, org: AUDIT_ORG, name: id, orgName: 'Audit office' })),
  ];
}
