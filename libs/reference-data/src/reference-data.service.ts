import { createPublicKey, type KeyObject } from 'node:crypto';
import { loadReferenceData } from './load-reference-data';
import type {
  Drug,
  HolidayCalendarYear,
  Institution,
  OfficeUser,
  Patient,
  Pharmacist,
  Pharmacy,
  Physician,
  PolicyChoice,
  ReferenceData,
  RegionPolicy,
} from './reference-data.types';

/**
 * Read-only lookups over validated reference data. Framework-free. It is itself a ReferenceData
 * (same array fields), so whatever sits under the REFERENCE_DATA token — the plain loaded data or
 * this class — `ReferenceDataService.from(value)` gives the lookups without loading twice.
 * Lookups return undefined for unknown ids; what an unknown id means is the caller's rule.
 */
export class ReferenceDataService implements ReferenceData {
  readonly institutions: Institution[];
  readonly physicians: Physician[];
  readonly pharmacies: Pharmacy[];
  readonly pharmacists: Pharmacist[];
  readonly drugs: Drug[];
  readonly patients: Patient[];
  readonly policies: RegionPolicy[];
  readonly holidays: HolidayCalendarYear[];
  readonly agencyUsers: OfficeUser[];
  readonly auditors: OfficeUser[];
  readonly indications?: Record<string, string[]>;
  private readonly institutionsById: ReadonlyMap<string, Institution>;
  private readonly physiciansById: ReadonlyMap<string, Physician>;
  private readonly pharmaciesById: ReadonlyMap<string, Pharmacy>;
  private readonly pharmacistsById: ReadonlyMap<string, Pharmacist>;
  private readonly drugsByCode: ReadonlyMap<string, Drug>;
  private readonly patientsById: ReadonlyMap<string, Patient>;
  private readonly policiesByKey: ReadonlyMap<string, RegionPolicy>;
  private readonly holidaysByYear: ReadonlyMap<number, HolidayCalendarYear>;
  private readonly publicKeys = new Map<string, KeyObject>();

  constructor(data: ReferenceData) {
    this.institutions = data.institutions;
    this.physicians = data.physicians;
    this.pharmacies = data.pharmacies;
    this.pharmacists = data.pharmacists;
    this.drugs = data.drugs;
    this.patients = data.patients;
    this.policies = data.policies;
    this.holidays = data.holidays;
    this.agencyUsers = data.agencyUsers;
    this.auditors = data.auditors;
    if (data.indications) this.indications = data.indications;
    this.institutionsById = new Map(data.institutions.map((x) => [x.id, x]));
    this.physiciansById = new Map(data.physicians.map((x) => [x.id, x]));
    this.pharmaciesById = new Map(data.pharmacies.map((x) => [x.id, x]));
    this.pharmacistsById = new Map(data.pharmacists.map((x) => [x.id, x]));
    this.drugsByCode = new Map(data.drugs.map((x) => [x.code, x]));
    this.patientsById = new Map(data.patients.map((x) => [x.id, x]));
    this.policiesByKey = new Map(data.policies.map((x) => [`${x.regionCode}/${x.year}`, x]));
    this.holidaysByYear = new Map(data.holidays.map((x) => [x.year, x]));
  }

  static from(value: ReferenceData | ReferenceDataService): ReferenceDataService {
    return value instanceof ReferenceDataService ? value : new ReferenceDataService(value);
  }

  static load(dir: string): ReferenceDataService {
    return new ReferenceDataService(loadReferenceData(dir));
  }

  institution(id: string): Institution | undefined {
    return this.institutionsById.get(id);
  }
  physician(id: string): Physician | undefined {
    return this.physiciansById.get(id);
  }
  pharmacy(id: string): Pharmacy | undefined {
    return this.pharmaciesById.get(id);
  }
  pharmacist(id: string): Pharmacist | undefined {
    return this.pharmacistsById.get(id);
  }
  drug(code: string): Drug | undefined {
    return this.drugsByCode.get(code);
  }
  patient(id: string): Patient | undefined {
    return this.patientsById.get(id);
  }
  /**
   * The one policy lookup: which policy governs a region in a year. The year's own policy when it
   * is published; otherwise the latest one published before it (carried forward, as agencies do
   * until the new notice), or, for a year before the first published policy, the earliest one.
   * Either way `provisional` is true, and every decision records the policy `version` it used.
   * Undefined only for a region with no policy at all.
   */
  policyChoice(regionCode: string, year: number): PolicyChoice | undefined {
    const exact = this.policiesByKey.get(`${regionCode}/${year}`);
    if (exact) return { policy: exact, year, provisional: false };
    let before: RegionPolicy | undefined;
    let after: RegionPolicy | undefined;
    for (const p of this.policies) {
      if (p.regionCode !== regionCode) continue;
      if (p.year < year && (!before || p.year > before.year)) before = p;
      if (p.year > year && (!after || p.year < after.year)) after = p;
    }
    const chosen = before ?? after;
    return chosen ? { policy: chosen, year, provisional: true } : undefined;
  }
  /** `policyChoice(regionCode, year)?.policy`: for callers that need the figures, not whether they are provisional. */
  policyFor(regionCode: string, year: number): RegionPolicy | undefined {
    return this.policyChoice(regionCode, year)?.policy;
  }
  holidayCalendar(year: number): HolidayCalendarYear | undefined {
    return this.holidaysByYear.get(year);
  }
  agencyUser(id: string): OfficeUser | undefined {
    return this.agencyUsers.find((u) => u.id === id);
  }
  auditor(id: string): OfficeUser | undefined {
    return this.auditors.find((u) => u.id === id);
  }
  isAgencyUser(id: string): boolean {
    return this.agencyUser(id) !== undefined;
  }
  isAuditor(id: string): boolean {
    return this.auditor(id) !== undefined;
  }
  /** The institution's current Ed25519 public key (the one its signer must match). */
  institutionPublicKey(id: string): KeyObject | undefined {
    const inst = this.institutionsById.get(id);
    return inst ? this.keyObject(inst.publicKeyPem) : undefined;
  }

  /**
   * The institution's key in force at `at` (a prescription's `issuedAt`): the current key from its
   * `publicKeySince` on, a retired key within its `[since, until)`; undefined when none was in
   * force then (or the institution is unknown), so nothing signed outside a key's period verifies.
   */
  institutionPublicKeyAt(id: string, at: Date | string): KeyObject | undefined {
    const inst = this.institutionsById.get(id);
    if (!inst) return undefined;
    const t = typeof at === 'string' ? Date.parse(at) : at.getTime();
    if (Number.isNaN(t)) return undefined;
    if (inst.publicKeySince === undefined || t >= Date.parse(inst.publicKeySince)) return this.keyObject(inst.publicKeyPem);
    const retired = inst.retiredKeys?.find((k) => (k.since === undefined || t >= Date.parse(k.since)) && t < Date.parse(k.until));
    return retired ? this.keyObject(retired.publicKeyPem) : undefined;
  }

  private keyObject(pem: string): KeyObject {
    let key = this.publicKeys.get(pem);
    if (!key) {
      key = createPublicKey({ key: pem, format: 'pem' });
      this.publicKeys.set(pem, key);
    }
    return key;
  }
}
