import { createPublicKey } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ratioToBasisPoints } from '@rx/kernel';
import { JsonReader } from './json-reader';
import { ReferenceDataError } from './reference-data.error';
import type {
  Agreement,
  Drug,
  HolidayCalendarYear,
  InpatientPlan,
  Institution,
  InsurancePlan,
  OfficeUser,
  OutpatientPlan,
  Patient,
  Pharmacist,
  Pharmacy,
  Physician,
  ReferenceData,
  RegionPolicy,
  RetiredKey,
} from './reference-data.types';

const ID = /^[A-Z0-9][A-Z0-9-]{0,39}$/;
const REGION = /^\d{6}$/;
const MAX_FILE_BYTES = 5 * 1024 * 1024;

/**
 * Loads and validates every file under `dir` (default layout of `data/reference`). Anything wrong
 * throws a ReferenceDataError naming the file and the field, so start-up stops with a usable message.
 */
export function loadReferenceData(dir: string): ReferenceData {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ReferenceDataError(dir, '', 'reference data directory not found');
  const institutionsR = readJson(join(dir, 'institutions.json'));
  const physiciansR = readJson(join(dir, 'physicians.json'));
  const pharmaciesR = readJson(join(dir, 'pharmacies.json'));
  const pharmacistsR = readJson(join(dir, 'pharmacists.json'));
  const drugsR = readJson(join(dir, 'drugs.json'));
  const patientsR = readJson(join(dir, 'patients.json'));
  const usersR = readJson(join(dir, 'users.json'));

  const institutions = uniqueBy(institutionsR, institutionsR.array({ min: 1 }).map(readInstitution), (x) => x.id, 'id');
  const physicians = uniqueBy(physiciansR, physiciansR.array({ min: 1 }).map(readPhysician), (x) => x.id, 'id');
  const pharmacies = uniqueBy(pharmaciesR, pharmaciesR.array({ min: 1 }).map(readPharmacy), (x) => x.id, 'id');
  const pharmacists = uniqueBy(pharmacistsR, pharmacistsR.array().map(readPharmacist), (x) => x.id, 'id');
  const drugs = uniqueBy(drugsR, drugsR.array({ min: 1 }).map(readDrug), (x) => x.code, 'code');
  const patients = uniqueBy(patientsR, patientsR.array().map(readPatient), (x) => x.id, 'id');
  usersR.object(['agencyUsers', 'auditors']);
  const agencyUsersR = usersR.at('agencyUsers');
  const agencyUsers = uniqueBy(agencyUsersR, agencyUsersR.array().map(readOfficeUser), (x) => x.id, 'id');
  const auditorsR = usersR.at('auditors');
  const auditors = uniqueBy(auditorsR, auditorsR.array().map(readOfficeUser), (x) => x.id, 'id');

  const policies = readFolder(join(dir, 'policies'), true).map(({ reader, base }) => {
    const p = readPolicy(reader);
    if (base !== `${p.regionCode}-${p.year}`) reader.fail(`file name must be ${p.regionCode}-${p.year}.json to match regionCode and year`, '(root)');
    return p;
  });
  // Holidays are maintained with the settlement deadline rules; a missing folder means "weekdays only".
  const holidays = readFolder(join(dir, 'holidays'), false).map(({ reader, base }) => {
    const h = readHolidayYear(reader);
    if (base !== String(h.year)) reader.fail(`file name must be ${h.year}.json to match year`, '(root)');
    return h;
  });

  const data: ReferenceData = { institutions, physicians, pharmacies, pharmacists, drugs, patients, policies, holidays, agencyUsers, auditors };
  // Monitoring's drug-to-indication table (issue 22.9); optional: without it no drug is judged.
  if (existsSync(join(dir, 'indications.json'))) data.indications = readIndications(readJson(join(dir, 'indications.json')), new Set(drugs.map((d) => d.code)));
  crossCheck(data, { institutionsR, physiciansR, pharmaciesR, pharmacistsR, patientsR });
  return data;
}

const ICD10_PREFIX = /^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$/;

function readIndications(r: JsonReader, drugCodes: Set<string>): Record<string, string[]> {
  if (typeof r.value !== 'object' || r.value === null || Array.isArray(r.value)) r.fail('must be an object of drug code to ICD-10 prefixes', '(root)');
  const out: Record<string, string[]> = {};
  for (const code of Object.keys(r.value as object)) {
    if (!drugCodes.has(code)) r.at(code).fail('is not a drug of drugs.json');
    const prefixes = r.at(code).stringArray({ pattern: ICD10_PREFIX, max: 50 });
    if (prefixes.length === 0) r.at(code).fail('must list at least one ICD-10 prefix');
    out[code] = prefixes;
  }
  return out;
}

function readJson(file: string): JsonReader {
  if (!existsSync(file)) throw new ReferenceDataError(file, '', 'file not found');
  const size = statSync(file).size;
  if (size > MAX_FILE_BYTES) throw new ReferenceDataError(file, '', `file is larger than ${MAX_FILE_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ReferenceDataError(file, '', `is not valid JSON (${(e as Error).message})`);
  }
  return new JsonReader(file, value);
}

function readFolder(folder: string, required: boolean): { reader: JsonReader; base: string }[] {
  if (!existsSync(folder)) {
    if (required) throw new ReferenceDataError(folder, '', 'folder not found');
    return [];
  }
  const files = readdirSync(folder)
    .filter((f) => f.endsWith('.json'))
    .sort();
  if (required && files.length === 0) throw new ReferenceDataError(folder, '', 'holds no .json file');
  return files.map((f) => ({ reader: readJson(join(folder, f)), base: f.slice(0, -'.json'.length) }));
}

function uniqueBy<T>(root: JsonReader, items: T[], key: (t: T) => string, field: string): T[] {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const k = key(item);
    if (seen.has(k)) root.fail(`duplicates the ${field} of [${seen.get(k)}] (${JSON.stringify(k)})`, `${root.path}[${i}].${field}`);
    seen.set(k, i);
  });
  return items;
}

function readAgreement(r: JsonReader): Agreement {
  r.object(['status', 'since'], ['dissolvedAt', 'reasonCode']);
  const status = r.at('status').oneOf(['active', 'dissolved'] as const);
  const a: Agreement = { status, since: r.at('since').instant() };
  if (r.has('dissolvedAt')) a.dissolvedAt = r.at('dissolvedAt').instant();
  if (r.has('reasonCode')) a.reasonCode = r.at('reasonCode').string({ max: 64 });
  if (status === 'dissolved' && !a.dissolvedAt) r.at('dissolvedAt').fail('is required when status is "dissolved"');
  if (status === 'active' && a.dissolvedAt) r.at('dissolvedAt').fail('must be absent when status is "active"');
  if (a.dissolvedAt && Date.parse(a.dissolvedAt) < Date.parse(a.since)) r.at('dissolvedAt').fail('must not be before since');
  return a;
}

function readInstitution(r: JsonReader): Institution {
  r.object(['id', 'name', 'regionCode', 'kind', 'level', 'agreement', 'publicKeyPem'], ['reliesOn', 'specialDrugDesignated', 'publicKeySince', 'retiredKeys']);
  const inst: Institution = {
    id: r.at('id').string({ pattern: ID }),
    name: r.at('name').string({ max: 200 }),
    regionCode: r.at('regionCode').string({ pattern: REGION }),
    kind: r.at('kind').oneOf(['community-health-centre', 'hospital', 'internet-hospital'] as const),
    level: r.at('level').oneOf([1, 2, 3] as const),
    agreement: readAgreement(r.at('agreement')),
    publicKeyPem: readEd25519PublicKey(r.at('publicKeyPem')),
  };
  if (r.has('reliesOn')) inst.reliesOn = r.at('reliesOn').string({ pattern: ID });
  if (r.has('specialDrugDesignated')) {
    inst.specialDrugDesignated = r.at('specialDrugDesignated').boolean();
    if (inst.specialDrugDesignated && inst.level < 2) r.at('specialDrugDesignated').fail('is only allowed for institutions of level 2 and above (001)');
  }
  if (inst.kind === 'internet-hospital' && !inst.reliesOn) r.at('reliesOn').fail('is required for an internet hospital (P1)');
  if (inst.kind !== 'internet-hospital' && inst.reliesOn) r.at('reliesOn').fail('is only allowed for an internet hospital');
  if (r.has('publicKeySince')) inst.publicKeySince = r.at('publicKeySince').instant();
  if (r.has('retiredKeys')) {
    if (!inst.publicKeySince) r.at('publicKeySince').fail('is required when retiredKeys is given (when did the current key replace them?)');
    inst.retiredKeys = readRetiredKeys(r.at('retiredKeys'), inst.publicKeySince!);
  }
  return inst;
}

function readEd25519PublicKey(r: JsonReader): string {
  const pem = r.string({ max: 4096 });
  try {
    const key = createPublicKey({ key: pem, format: 'pem' });
    if (key.asymmetricKeyType !== 'ed25519') r.fail(`must be an Ed25519 key, found ${key.asymmetricKeyType}`);
  } catch (e) {
    if (e instanceof ReferenceDataError) throw e;
    r.fail('must be an SPKI PEM Ed25519 public key');
  }
  return pem;
}

/**
 * Each retired key is in force over [since, until); the periods may not overlap one another or
 * reach past the current key's `publicKeySince`, so at any instant at most one key is in force.
 */
function readRetiredKeys(r: JsonReader, currentSince: string): RetiredKey[] {
  const keys = r.array({ min: 1, max: 32 }).map((k) => {
    k.object(['publicKeyPem', 'until'], ['since']);
    const key: RetiredKey = { publicKeyPem: readEd25519PublicKey(k.at('publicKeyPem')), until: k.at('until').instant() };
    if (k.has('since')) key.since = k.at('since').instant();
    if (key.since && Date.parse(key.since) >= Date.parse(key.until)) k.at('until').fail('must be after since');
    if (Date.parse(key.until) > Date.parse(currentSince)) k.at('until').fail('must not be after the institution\'s publicKeySince');
    return key;
  });
  const order = keys.map((k, i) => ({ k, i })).sort((a, b) => Date.parse(a.k.until) - Date.parse(b.k.until));
  for (let j = 1; j < order.length; j++) {
    const { k, i } = order[j];
    if (k.since === undefined || Date.parse(k.since) < Date.parse(order[j - 1].k.until)) {
      r.at(i).at('since').fail(`overlaps the period of retiredKeys[${order[j - 1].i}]`);
    }
  }
  return keys;
}

function readPhysician(r: JsonReader): Physician {
  r.object(['id', 'name', 'institutionId', 'responsibleForSpecialDrugs']);
  return {
    id: r.at('id').string({ pattern: ID }),
    name: r.at('name').string({ max: 200 }),
    institutionId: r.at('institutionId').string({ pattern: ID }),
    responsibleForSpecialDrugs: r.at('responsibleForSpecialDrugs').stringArray({ pattern: ID }),
  };
}

function readPharmacy(r: JsonReader): Pharmacy {
  r.object(['id', 'name', 'regionCode', 'agreement', 'outpatientPooling', 'designatedSpecialDrugs']);
  return {
    id: r.at('id').string({ pattern: ID }),
    name: r.at('name').string({ max: 200 }),
    regionCode: r.at('regionCode').string({ pattern: REGION }),
    agreement: readAgreement(r.at('agreement')),
    outpatientPooling: r.at('outpatientPooling').boolean(),
    designatedSpecialDrugs: r.at('designatedSpecialDrugs').stringArray({ pattern: ID }),
  };
}

function readPharmacist(r: JsonReader): Pharmacist {
  r.object(['id', 'name', 'pharmacyId']);
  return { id: r.at('id').string({ pattern: ID }), name: r.at('name').string({ max: 200 }), pharmacyId: r.at('pharmacyId').string({ pattern: ID }) };
}

function readOfficeUser(r: JsonReader): OfficeUser {
  r.object(['id', 'org']);
  return { id: r.at('id').string({ pattern: ID }), org: r.at('org').string({ pattern: ID }) };
}

function readDrug(r: JsonReader): Drug {
  r.object(['code', 'name', 'form', 'unit', 'class', 'special', 'referencePriceFen', 'maxQuantity'], ['paymentStandardFen']);
  const drug: Drug = {
    code: r.at('code').string({ pattern: ID }),
    name: r.at('name').string({ max: 200 }),
    form: r.at('form').string({ max: 200 }),
    unit: r.at('unit').string({ max: 32 }),
    class: r.at('class').oneOf(['A', 'B', 'SELF_PAY'] as const),
    special: r.at('special').boolean(),
    referencePriceFen: r.at('referencePriceFen').integer({ min: 0 }),
    maxQuantity: r.at('maxQuantity').integer({ min: 1, max: 100_000 }),
  };
  if (r.has('paymentStandardFen')) {
    drug.paymentStandardFen = r.at('paymentStandardFen').integer({ min: 0 });
    // A drug outside the catalog is wholly self-paid: a payment standard would mean nothing.
    if (drug.class === 'SELF_PAY') r.at('paymentStandardFen').fail('is only allowed for catalog (class A or B) drugs');
  }
  return drug;
}

function readPatient(r: JsonReader): Patient {
  r.object(['id', 'name', 'regionCode', 'insuranceType', 'retired', 'chronicConditions'], ['personalAccountFen', 'familyAccountHolderId']);
  const p: Patient = {
    id: r.at('id').string({ pattern: ID }),
    name: r.at('name').string({ max: 200 }),
    regionCode: r.at('regionCode').string({ pattern: REGION }),
    insuranceType: r.at('insuranceType').oneOf(['employee', 'resident'] as const),
    retired: r.at('retired').boolean(),
    chronicConditions: r.at('chronicConditions').stringArray({ max: 200 }),
  };
  if (r.has('personalAccountFen')) {
    p.personalAccountFen = r.at('personalAccountFen').integer({ min: 0 });
    // Only employees have a personal account (F2, F5).
    if (p.insuranceType !== 'employee') r.at('personalAccountFen').fail('is only allowed for employees');
  }
  if (r.has('familyAccountHolderId')) p.familyAccountHolderId = r.at('familyAccountHolderId').string({ pattern: ID });
  return p;
}

function readPolicy(r: JsonReader): RegionPolicy {
  r.object([
    'regionCode',
    'regionName',
    'year',
    'version',
    'plans',
    'prescription',
    'personalAccountPaysSelfPayDrugs',
    'claimTtlMinutes',
    'settlementDeadlineWorkingDays',
    'outpatientPoolingBudgetFen',
    'retireeAccountAllotmentFen',
  ]);
  const plansR = r.at('plans').object([], INSURANCE_TYPES);
  if (!INSURANCE_TYPES.some((t) => plansR.has(t))) plansR.fail(`must declare a plan for at least one of ${INSURANCE_TYPES.join(', ')}`);
  const plans: RegionPolicy['plans'] = {};
  for (const t of INSURANCE_TYPES) if (plansR.has(t)) plans[t] = readPlan(plansR.at(t));
  const p = r.at('prescription').object(['longTermMaxDays', 'ordinaryMaxDays', 'ordinaryValidityDays', 'instalmentMaxDays', 'earlyRefillToleranceDays']);
  const policy: RegionPolicy = {
    regionCode: r.at('regionCode').string({ pattern: REGION }),
    regionName: r.at('regionName').string({ max: 200 }),
    year: r.at('year').integer({ min: 2000, max: 2100 }),
    version: r.at('version').string({ max: 64 }),
    plans,
    prescription: {
      longTermMaxDays: p.at('longTermMaxDays').integer({ min: 1, max: 366 }),
      ordinaryMaxDays: p.at('ordinaryMaxDays').integer({ min: 1, max: 366 }),
      ordinaryValidityDays: p.at('ordinaryValidityDays').integer({ min: 1, max: 366 }),
      instalmentMaxDays: p.at('instalmentMaxDays').integer({ min: 1, max: 366 }),
      earlyRefillToleranceDays: p.at('earlyRefillToleranceDays').integer({ min: 0, max: 366 }),
    },
    personalAccountPaysSelfPayDrugs: r.at('personalAccountPaysSelfPayDrugs').boolean(),
    claimTtlMinutes: r.at('claimTtlMinutes').integer({ min: 1, max: 24 * 60 }),
    settlementDeadlineWorkingDays: r.at('settlementDeadlineWorkingDays').integer({ min: 1, max: 366 }),
    outpatientPoolingBudgetFen: r.at('outpatientPoolingBudgetFen').integer({ min: 0 }),
  };
  if (r.has('retireeAccountAllotmentFen')) policy.retireeAccountAllotmentFen = r.at('retireeAccountAllotmentFen').integer({ min: 0 });
  if (policy.prescription.ordinaryMaxDays > policy.prescription.longTermMaxDays) {
    p.at('ordinaryMaxDays').fail('must not exceed longTermMaxDays');
  }
  if (policy.prescription.instalmentMaxDays > policy.prescription.longTermMaxDays) {
    p.at('instalmentMaxDays').fail('must not exceed longTermMaxDays');
  }
  return policy;
}

const INSURANCE_TYPES = ['employee', 'resident'] as const;

function readPlan(r: JsonReader): InsurancePlan {
  r.object(['outpatient', 'inpatient']);
  const o = r.at('outpatient').object(['deductibleFen', 'annualCapFen', 'ratioByLevel', 'classBSelfPayFirst'], ['retireeBonus']);
  const levels = o.at('ratioByLevel').object(['1', '2', '3']);
  const i = r.at('inpatient').object(['ratio', 'annualCapFen', 'classBSelfPayFirst'], ['specialDrugAdvanceSelfPay']);
  const outpatient: OutpatientPlan = {
    deductibleFen: o.at('deductibleFen').integer({ min: 0 }),
    annualCapFen: o.at('annualCapFen').integer({ min: 0 }),
    ratioByLevel: { '1': levels.at('1').ratio(), '2': levels.at('2').ratio(), '3': levels.at('3').ratio() },
    classBSelfPayFirst: o.at('classBSelfPayFirst').ratio(),
  };
  if (o.has('retireeBonus')) outpatient.retireeBonus = o.at('retireeBonus').ratio();
  const inpatient: InpatientPlan = {
    ratio: i.at('ratio').ratio(),
    annualCapFen: i.at('annualCapFen').integer({ min: 0 }),
    classBSelfPayFirst: i.at('classBSelfPayFirst').ratio(),
  };
  if (i.has('specialDrugAdvanceSelfPay')) inpatient.specialDrugAdvanceSelfPay = i.at('specialDrugAdvanceSelfPay').ratio();
  // Ratios add up (level ratio + retiree bonus); more than the whole would pay above the price.
  for (const level of ['1', '2', '3'] as const) {
    const total = ratioToBasisPoints(outpatient.ratioByLevel[level]) + (outpatient.retireeBonus ? ratioToBasisPoints(outpatient.retireeBonus) : 0);
    if (total > 10_000) o.at('retireeBonus').fail(`plus ratioByLevel.${level} must not exceed 1`);
  }
  return { outpatient, inpatient };
}

function readHolidayYear(r: JsonReader): HolidayCalendarYear {
  r.object(['year', 'source', 'holidays', 'makeUpWorkingDays']);
  const year = r.at('year').integer({ min: 2000, max: 2100 });
  const h: HolidayCalendarYear = {
    year,
    source: r.at('source').string({ max: 500 }),
    holidays: r.at('holidays').stringArray(),
    makeUpWorkingDays: r.at('makeUpWorkingDays').stringArray(),
  };
  for (const list of ['holidays', 'makeUpWorkingDays'] as const) {
    h[list].forEach((_, i) => {
      const d = r.at(list).at(i).date();
      if (!d.startsWith(`${year}-`)) r.at(list).at(i).fail(`must fall in ${year}`);
    });
  }
  h.makeUpWorkingDays.forEach((d, i) => {
    const day = new Date(`${d}T00:00:00Z`).getUTCDay();
    if (day !== 0 && day !== 6) r.at('makeUpWorkingDays').at(i).fail('must be a Saturday or Sunday');
    if (h.holidays.includes(d)) r.at('makeUpWorkingDays').at(i).fail('is also listed as a holiday');
  });
  return h;
}

function crossCheck(
  d: ReferenceData,
  r: { institutionsR: JsonReader; physiciansR: JsonReader; pharmaciesR: JsonReader; pharmacistsR: JsonReader; patientsR: JsonReader },
): void {
  const inst = new Map(d.institutions.map((i) => [i.id, i]));
  const drugs = new Map(d.drugs.map((x) => [x.code, x]));
  const patients = new Map(d.patients.map((p) => [p.id, p]));
  const pharmacyIds = new Set(d.pharmacies.map((p) => p.id));
  const specialDrug = (reader: JsonReader, code: string) => {
    const drug = drugs.get(code);
    if (!drug) return reader.fail(`refers to unknown drug ${JSON.stringify(code)}`);
    if (!drug.special) reader.fail(`refers to ${JSON.stringify(code)}, which is not a special drug`);
  };

  d.institutions.forEach((i, n) => {
    if (!i.reliesOn) return;
    const field = r.institutionsR.at(n).at('reliesOn');
    const target = inst.get(i.reliesOn);
    if (!target) return field.fail(`refers to unknown institution ${JSON.stringify(i.reliesOn)}`);
    if (target.kind === 'internet-hospital') field.fail('must name a physical institution, not another internet hospital');
  });
  d.physicians.forEach((p, n) => {
    if (!inst.has(p.institutionId)) r.physiciansR.at(n).at('institutionId').fail(`refers to unknown institution ${JSON.stringify(p.institutionId)}`);
    p.responsibleForSpecialDrugs.forEach((code, k) => specialDrug(r.physiciansR.at(n).at('responsibleForSpecialDrugs').at(k), code));
  });
  d.pharmacies.forEach((p, n) => p.designatedSpecialDrugs.forEach((code, k) => specialDrug(r.pharmaciesR.at(n).at('designatedSpecialDrugs').at(k), code)));
  d.pharmacists.forEach((p, n) => {
    if (!pharmacyIds.has(p.pharmacyId)) r.pharmacistsR.at(n).at('pharmacyId').fail(`refers to unknown pharmacy ${JSON.stringify(p.pharmacyId)}`);
  });
  d.patients.forEach((p, n) => {
    if (!p.familyAccountHolderId) return;
    const field = r.patientsR.at(n).at('familyAccountHolderId');
    const holder = patients.get(p.familyAccountHolderId);
    if (!holder) return field.fail(`refers to unknown patient ${JSON.stringify(p.familyAccountHolderId)}`);
    if (holder.id === p.id) field.fail('must name another patient');
    if (holder.personalAccountFen === undefined) field.fail(`refers to ${JSON.stringify(holder.id)}, who has no personal account`);
  });
  const policyKeys = new Set<string>();
  for (const p of d.policies) {
    const key = `${p.regionCode}-${p.year}`;
    if (policyKeys.has(key)) throw new ReferenceDataError(`policies/${key}.json`, '', 'duplicate region and year');
    policyKeys.add(key);
  }
  const regions = new Set(d.policies.map((p) => p.regionCode));
  d.institutions.forEach((i, n) => {
    if (!regions.has(i.regionCode)) r.institutionsR.at(n).at('regionCode').fail(`has no policy file under policies/`);
  });
}
