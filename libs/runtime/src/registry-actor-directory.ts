import type { ActorDirectory, ActorResolution, AuthenticatedActor, Role } from '@rx/auth';
import type { Clock } from '@rx/kernel';
import type { Agreement, ReferenceDataService } from '@rx/reference-data';

function activeAt(agreement: Agreement | undefined, now: Date): boolean {
  if (!agreement) return false;
  if (Date.parse(agreement.since) > now.getTime()) return false;
  if (agreement.status === 'active') return true;
  return agreement.dissolvedAt !== undefined && Date.parse(agreement.dissolvedAt) > now.getTime();
}

/**
 * The token's claims checked against the reference data: the `sub` must be a registered actor of
 * that role, belonging to the organisation `org` names. Whether the organisation's agreement is in
 * force now is reported for the routes that need it (an internet hospital's through the
 * institution it relies on as well). Dissolutions announced later through settlement are the
 * dispensing context's own check at claim time.
 */
export class RegistryActorDirectory implements ActorDirectory {
  constructor(
    private readonly ref: ReferenceDataService,
    private readonly clock: Clock,
  ) {}

  resolve(claims: AuthenticatedActor): ActorResolution {
    const { id, role, org } = claims;
    let registeredOrg: string | undefined;
    let organisationActive = true;
    const now = this.clock.now();
    switch (role) {
      case 'physician': {
        const physician = this.ref.physician(id);
        registeredOrg = physician?.institutionId;
        if (physician) {
          const institution = this.ref.institution(physician.institutionId);
          const reliedOn = institution?.reliesOn ? this.ref.institution(institution.reliesOn) : undefined;
          organisationActive = activeAt(institution?.agreement, now) && (!institution?.reliesOn || activeAt(reliedOn?.agreement, now));
        }
        break;
      }
      case 'pharmacist': {
        const pharmacist = this.ref.pharmacist(id);
        registeredOrg = pharmacist?.pharmacyId;
        if (pharmacist) organisationActive = activeAt(this.ref.pharmacy(pharmacist.pharmacyId)?.agreement, now);
        break;
      }
      case 'agency':
        registeredOrg = this.ref.agencyUser(id)?.org;
        break;
      case 'auditor':
        registeredOrg = this.ref.auditor(id)?.org;
        break;
    }
    if (registeredOrg === undefined) return { ok: false, code: 'ACTOR_UNKNOWN', message: `no ${role} ${id} is registered` };
    if (registeredOrg !== org) {
      return { ok: false, code: 'ACTOR_ORGANISATION_MISMATCH', message: `${role} ${id} does not belong to ${org}` };
    }
    return { ok: true, actor: { id, role, org: registeredOrg }, organisationActive };
  }
}

/** The role and organisation the reference data gives a user id; throws for an unknown id. */
export function registeredUser(ref: ReferenceDataService, sub: string): { role: Role; org: string } {
  const physician = ref.physician(sub);
  if (physician) return { role: 'physician', org: physician.institutionId };
  const pharmacist = ref.pharmacist(sub);
  if (pharmacist) return { role: 'pharmacist', org: pharmacist.pharmacyId };
  const agency = ref.agencyUser(sub);
  if (agency) return { role: 'agency', org: agency.org };
  const auditor = ref.auditor(sub);
  if (auditor) return { role: 'auditor', org: auditor.org };
  throw new Error(`no registered user ${sub} in the reference data`);
}
