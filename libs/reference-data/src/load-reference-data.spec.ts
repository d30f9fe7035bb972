import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ratioToBasisPoints } from '@rx/kernel';
import { loadReferenceData } from './load-reference-data';
import { ReferenceDataError } from './reference-data.error';
import { ReferenceDataService } from './reference-data.service';

const SHIPPED = join(__dirname, '../../../data/reference');

describe('loadReferenceData: the shipped demo region', () => {
  const data = loadReferenceData(SHIPPED);
  const ref = new ReferenceDataService(data);

  it('loads every demo id of reference-data.md', () => {
    expect(data.institutions.map((i) => i.id)).toEqual(['H001', 'H002', 'H003', 'H004', 'H009']);
    expect(data.physicians.map((p) => p.id)).toEqual(['D001', 'D002', 'D003', 'D004', 'D009', 'D005']);
    expect(data.pharmacies.map((p) => p.id)).toEqual(['P001', 'P002', 'P003', 'P004']);
    expect(data.pharmacists.map((p) => `${p.id}@${p.pharmacyId}`)).toEqual(['PH001@P001', 'PH002@P002', 'PH003@P003', 'PH004@P004']);
    expect(data.drugs.map((d) => d.code)).toEqual(['MET-500', 'AML-5', 'ATV-20', 'SD-OSIMERTINIB', 'VITC-100']);
    expect(data.patients.map((p) => p.id)).toEqual(['PT001', 'PT002', 'PT003', 'PT004']);
    expect(data.agencyUsers).toEqual([{ id: 'AG001', org: 'AGENCY' }]);
    expect(data.auditors).toEqual([{ id: 'AU001', org: 'AUDIT' }]);
    // holidays/*.json is maintained with the settlement deadline rules; it loads as HolidayCalendarYear[].
    expect(data.holidays.map((h) => h.year)).toEqual(expect.arrayContaining([2025, 2026]));
  });

  it('holds the demo facts the contexts rely on', () => {
    expect(ref.institution('H004')).toMatchObject({ kind: 'internet-hospital', reliesOn: 'H003' });
    expect(ref.institution('H009')?.agreement.status).toBe('dissolved');
    expect(ref.physician('D003')?.responsibleForSpecialDrugs).toEqual(['SD-OSIMERTINIB']);
    expect(ref.pharmacy('P001')?.designatedSpecialDrugs).toEqual(['SD-OSIMERTINIB']);
    expect(ref.pharmacy('P003')?.agreement.status).toBe('dissolved');
    expect(ref.pharmacy('P004')?.outpatientPooling).toBe(false);
    expect(ref.drug('MET-500')).toMatchObject({ class: 'A', referencePriceFen: 50 });
    expect(ref.drug('AML-5')).toMatchObject({ class: 'A', referencePriceFen: 80 });
    expect(ref.drug('ATV-20')).toMatchObject({ class: 'B', referencePriceFen: 500 });
    expect(ref.drug('SD-OSIMERTINIB')).toMatchObject({ class: 'B', special: true, referencePriceFen: 17000 });
    expect(ref.drug('VITC-100')).toMatchObject({ class: 'SELF_PAY', referencePriceFen: 2500 });
    expect(ref.patient('PT001')).toMatchObject({ insuranceType: 'employee', retired: false, personalAccountFen: 50000 });
    expect(ref.patient('PT002')).toMatchObject({ insuranceType: 'employee', retired: true, personalAccountFen: 120000 });
    expect(ref.patient('PT003')?.personalAccountFen).toBeUndefined();
    expect(ref.patient('PT004')).toMatchObject({ insuranceType: 'resident', familyAccountHolderId: 'PT001' });
    expect(ref.patient('PT001')?.chronicConditions.length).toBeGreaterThan(0);
    expect(ref.patient('PT002')?.chronicConditions.length).toBeGreaterThan(0);
    expect(ref.isAuditor('AU001')).toBe(true);
    expect(ref.isAgencyUser('AG001')).toBe(true);
    expect(ref.drug('NOPE')).toBeUndefined();
  });

  it('holds the 522700/2026 policy figures: one plan per insurance type', () => {
    const p = ref.policyFor('522700', 2026)!;
    // Employee plan (004): the outpatient figures of F2; special drugs under its inpatient plan (001).
    expect(p.plans.employee).toEqual({
      outpatient: { deductibleFen: 15000, annualCapFen: 200000, ratioByLevel: { '1': '0.70', '2': '0.60', '3': '0.50' }, retireeBonus: '0.05', classBSelfPayFirst: '0.10' },
      inpatient: { ratio: '0.70', annualCapFen: 30_000_000, classBSelfPayFirst: '0.10' },
    });
    // Resident plan: demo assumptions (data/reference/policies/README.md), no retiree bonus, the special-drug advance share.
    expect(p.plans.resident).toEqual({
      outpatient: { deductibleFen: 5000, annualCapFen: 50000, ratioByLevel: { '1': '0.55', '2': '0.50', '3': '0.45' }, classBSelfPayFirst: '0.10' },
      inpatient: { ratio: '0.60', annualCapFen: 30_000_000, classBSelfPayFirst: '0.10', specialDrugAdvanceSelfPay: '0.20' },
    });
    expect(p.prescription).toEqual({ longTermMaxDays: 84, ordinaryMaxDays: 7, ordinaryValidityDays: 3, instalmentMaxDays: 28, earlyRefillToleranceDays: 7 });
    expect(p).toMatchObject({ version: '522700-2026.2', claimTtlMinutes: 30, settlementDeadlineWorkingDays: 30, outpatientPoolingBudgetFen: 5000000000, personalAccountPaysSelfPayDrugs: true, retireeAccountAllotmentFen: 120000 });
    expect(ratioToBasisPoints(p.plans.employee!.outpatient.ratioByLevel['1'])).toBe(7000);
  });

  it('gives the catalog drugs payment standards at or above their reference prices, and the self-pay drug none', () => {
    for (const d of data.drugs) {
      if (d.class === 'SELF_PAY') expect(d.paymentStandardFen).toBeUndefined();
      else expect(d.paymentStandardFen).toBeGreaterThanOrEqual(d.referencePriceFen);
    }
    expect(data.drugs.map((d) => [d.code, d.paymentStandardFen])).toEqual([
      ['MET-500', 60],
      ['AML-5', 100],
      ['ATV-20', 600],
      ['SD-OSIMERTINIB', 17000],
      ['VITC-100', undefined],
    ]);
  });

  describe('policyChoice: the one lookup of the policy that governs a region and year', () => {
    it('a published year is not provisional', () => {
      expect(ref.policyChoice('522700', 2026)).toEqual({ policy: ref.policyFor('522700', 2026), year: 2026, provisional: false });
      expect(ref.policyFor('522700', 2026)?.year).toBe(2026);
    });

    it('a later year without a policy is governed by the latest published one, provisionally', () => {
      const c = ref.policyChoice('522700', 2027)!;
      expect(c).toMatchObject({ year: 2027, provisional: true });
      expect(c.policy.version).toBe('522700-2026.2');
      expect(ref.policyFor('522700', 2027)).toBe(c.policy);
    });

    it('picks the latest earlier year, not the first one, when several are published', () => {
      const two = new ReferenceDataService({
        ...data,
        policies: [...data.policies, { ...data.policies[0], year: 2024, version: '522700-2024.1' }, { ...data.policies[0], year: 2030, version: '522700-2030.1' }],
      });
      expect(two.policyChoice('522700', 2028)).toMatchObject({ provisional: true, policy: { version: '522700-2026.2' } });
      expect(two.policyChoice('522700', 2025)).toMatchObject({ provisional: true, policy: { version: '522700-2024.1' } });
      expect(two.policyChoice('522700', 2031)).toMatchObject({ provisional: true, policy: { version: '522700-2030.1' } });
      expect(two.policyChoice('522700', 2024)).toMatchObject({ provisional: false, policy: { version: '522700-2024.1' } });
    });

    it('a year before the first published policy is governed by the earliest one, provisionally', () => {
      expect(ref.policyChoice('522700', 2025)).toMatchObject({ year: 2025, provisional: true, policy: { year: 2026 } });
    });

    it('a region with no policy at all has none', () => {
      expect(ref.policyChoice('999999', 2026)).toBeUndefined();
      expect(ref.policyFor('999999', 2027)).toBeUndefined();
    });
  });

  it('ships Ed25519 key pairs whose demo private keys match the public keys', () => {
    const { createPrivateKey, createPublicKey, sign, verify } = require('node:crypto') as typeof import('node:crypto');
    for (const inst of data.institutions) {
      const priv = createPrivateKey(readFileSync(join(SHIPPED, 'keys', `${inst.id}.pem`), 'utf8'));
      const sig = sign(null, Buffer.from('demo'), priv);
      expect(verify(null, Buffer.from('demo'), createPublicKey(inst.publicKeyPem), sig)).toBe(true);
      expect(ref.institutionPublicKey(inst.id)?.asymmetricKeyType).toBe('ed25519');
    }
  });
});

describe('loadReferenceData: a broken copy fails naming file and field', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rx-ref-'));
    cpSync(SHIPPED, dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const edit = (file: string, change: (json: any) => void) => {
    const path = join(dir, file);
    const json = JSON.parse(readFileSync(path, 'utf8'));
    change(json);
    writeFileSync(path, JSON.stringify(json));
  };
  const failure = (): ReferenceDataError => {
    try {
      loadReferenceData(dir);
    } catch (e) {
      if (e instanceof ReferenceDataError) return e;
      throw e;
    }
    throw new Error('expected loadReferenceData to fail');
  };

  it.each<[string, string, (json: any) => void, string]>([
    ['drugs.json', '[2].referencePriceFen', (j) => (j[2].referencePriceFen = -1), 'must be a non-negative integer'],
    ['drugs.json', '[0].referencePriceFen', (j) => (j[0].referencePriceFen = 50.5), 'must be a non-negative integer'],
    ['drugs.json', '[1].class', (j) => (j[1].class = 'C'), 'must be one of'],
    ['drugs.json', '[3].code', (j) => (j[3].code = 'MET-500'), 'duplicates the code'],
    ['drugs.json', '[0].price', (j) => (j[0].price = 1), 'is not a known field'],
    ['drugs.json', '[4].maxQuantity', (j) => delete j[4].maxQuantity, 'is required'],
    ['institutions.json', '[0].publicKeyPem', (j) => (j[0].publicKeyPem = 'not a key'), 'Ed25519'],
    ['institutions.json', '[3].reliesOn', (j) => (j[3].reliesOn = 'H404'), 'unknown institution'],
    ['institutions.json', '[3].reliesOn', (j) => delete j[3].reliesOn, 'is required for an internet hospital'],
    ['institutions.json', '[4].agreement.dissolvedAt', (j) => delete j[4].agreement.dissolvedAt, 'is required when status is "dissolved"'],
    ['institutions.json', '[1].level', (j) => (j[1].level = 4), 'must be one of'],
    ['physicians.json', '[1].institutionId', (j) => (j[1].institutionId = 'H777'), 'unknown institution'],
    ['physicians.json', '[2].responsibleForSpecialDrugs[0]', (j) => (j[2].responsibleForSpecialDrugs = ['MET-500']), 'not a special drug'],
    ['pharmacists.json', '[0].pharmacyId', (j) => (j[0].pharmacyId = 'P999'), 'unknown pharmacy'],
    ['patients.json', '[3].familyAccountHolderId', (j) => (j[3].familyAccountHolderId = 'PT999'), 'unknown patient'],
    ['patients.json', '[3].familyAccountHolderId', (j) => (j[3].familyAccountHolderId = 'PT003'), 'no personal account'],
    ['patients.json', '[2].personalAccountFen', (j) => (j[2].personalAccountFen = 100), 'only allowed for employees'],
    ['drugs.json', '[0].paymentStandardFen', (j) => (j[0].paymentStandardFen = -1), 'must be a non-negative integer'],
    ['drugs.json', '[1].paymentStandardFen', (j) => (j[1].paymentStandardFen = '100'), 'must be a non-negative integer'],
    ['drugs.json', '[4].paymentStandardFen', (j) => (j[4].paymentStandardFen = 2500), 'only allowed for catalog (class A or B) drugs'],
    ['policies/522700-2026.json', 'plans.employee.outpatient.ratioByLevel.2', (j) => (j.plans.employee.outpatient.ratioByLevel['2'] = '1.5'), 'decimal ratio'],
    ['policies/522700-2026.json', 'plans.employee.inpatient.ratio', (j) => (j.plans.employee.inpatient.ratio = 0.7), 'decimal string'],
    ['policies/522700-2026.json', 'plans.resident.inpatient.annualCapFen', (j) => delete j.plans.resident.inpatient.annualCapFen, 'is required'],
    ['policies/522700-2026.json', 'plans.resident.inpatient.specialDrugAdvanceSelfPay', (j) => (j.plans.resident.inpatient.specialDrugAdvanceSelfPay = '20%'), 'decimal ratio'],
    ['policies/522700-2026.json', 'plans.retiree', (j) => (j.plans.retiree = j.plans.employee), 'is not a known field'],
    ['policies/522700-2026.json', 'plans', (j) => (j.plans = {}), 'must declare a plan for at least one of employee, resident'],
    ['policies/522700-2026.json', 'plans.employee.outpatient.retireeBonus', (j) => (j.plans.employee.outpatient.retireeBonus = '0.35'), 'plus ratioByLevel.1 must not exceed 1'],
    ['policies/522700-2026.json', 'ordinary', (j) => (j.ordinary = j.plans.employee.outpatient), 'is not a known field'],
    ['policies/522700-2026.json', 'plans.employee.inpatient', (j) => delete j.plans.employee.inpatient, 'is required'],
    ['policies/522700-2026.json', 'prescription.longTermMaxDays', (j) => (j.prescription.longTermMaxDays = '84'), 'integer'],
    ['users.json', 'auditors', (j) => (j.auditors = 'AU001'), 'must be an array'],
    ['users.json', 'agencyUsers[0]', (j) => (j.agencyUsers = ['AG001']), 'must be an object'],
    ['users.json', 'auditors[0].org', (j) => (j.auditors[0].org = 'audit office'), 'must match'],
    ['users.json', 'agencyUsers[1].id', (j) => j.agencyUsers.push({ id: 'AG001', org: 'AGENCY' }), 'duplicates'],
  ])('%s %s', (file, field, change, problem) => {
    edit(file, change);
    const e = failure();
    expect(e.file).toBe(join(dir, file));
    expect(e.field).toBe(field);
    expect(e.message).toContain(`${join(dir, file)}: ${field} `);
    expect(e.message).toContain(problem);
  });

  it('names a file that is not JSON', () => {
    writeFileSync(join(dir, 'patients.json'), '[{"id": ');
    expect(failure().message).toMatch(/patients\.json: is not valid JSON/);
  });

  it('names a missing file', () => {
    rmSync(join(dir, 'drugs.json'));
    expect(failure().message).toBe(`${join(dir, 'drugs.json')}: file not found`);
  });

  it('refuses a policy file whose name does not match its region and year', () => {
    cpSync(join(dir, 'policies/522700-2026.json'), join(dir, 'policies/522700-2027.json'));
    expect(failure().message).toContain('522700-2027.json: (root) file name must be 522700-2026.json');
  });

  it('loads holidays/*.json as HolidayCalendarYear[] and validates them', () => {
    rmSync(join(dir, 'holidays'), { recursive: true, force: true });
    mkdirSync(join(dir, 'holidays'));
    const year = { year: 2026, source: 'State Council notice of 2025-11-04', holidays: ['2026-01-01'], makeUpWorkingDays: ['2026-01-04'] };
    writeFileSync(join(dir, 'holidays/2026.json'), JSON.stringify(year));
    expect(new ReferenceDataService(loadReferenceData(dir)).holidayCalendar(2026)).toEqual(year);
    writeFileSync(join(dir, 'holidays/2026.json'), JSON.stringify({ ...year, makeUpWorkingDays: ['2026-01-05'] }));
    expect(failure().message).toBe(`${join(dir, 'holidays/2026.json')}: makeUpWorkingDays[0] must be a Saturday or Sunday`);
    writeFileSync(join(dir, 'holidays/2026.json'), JSON.stringify({ ...year, holidays: ['2026-02-30'] }));
    expect(failure().message).toBe(`${join(dir, 'holidays/2026.json')}: holidays[0] must be a calendar date YYYY-MM-DD`);
  });
});

describe('institution keys over time: the key in force at an instant', () => {
  const { generateKeyPairSync } = require('node:crypto') as typeof import('node:crypto');
  const pem = () => generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rx-ref-keys-'));
    cpSync(SHIPPED, dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const withH002 = (change: (inst: any) => void) => {
    const path = join(dir, 'institutions.json');
    const json = JSON.parse(readFileSync(path, 'utf8'));
    change(json[1]);
    writeFileSync(path, JSON.stringify(json));
  };
  const fails = (): string => {
    try {
      loadReferenceData(dir);
    } catch (e) {
      if (e instanceof ReferenceDataError) return e.message;
      throw e;
    }
    throw new Error('expected loadReferenceData to fail');
  };

  it('given no key history, when asked for any instant, then the one key is in force', () => {
    const ref = ReferenceDataService.load(dir);
    const current = ref.institutionPublicKey('H002')!;
    expect(ref.institutionPublicKeyAt('H002', '1999-01-01T00:00:00Z')?.equals(current)).toBe(true);
    expect(ref.institutionPublicKeyAt('H002', new Date('2030-01-01T00:00:00Z'))?.equals(current)).toBe(true);
    expect(ref.institutionPublicKeyAt('H404', '2026-01-01T00:00:00Z')).toBeUndefined();
    expect(ref.institutionPublicKeyAt('H002', 'not a date')).toBeUndefined();
  });

  it('given a rotation, when asked for an instant, then the key of that period answers, and none before the first', () => {
    const [oldest, older] = [pem(), pem()];
    withH002((i) => {
      i.publicKeySince = '2026-01-01T00:00:00+08:00';
      i.retiredKeys = [
        { publicKeyPem: older, since: '2025-01-01T00:00:00+08:00', until: '2026-01-01T00:00:00+08:00' },
        { publicKeyPem: oldest, since: '2024-01-01T00:00:00+08:00', until: '2025-01-01T00:00:00+08:00' },
      ];
    });
    const ref = ReferenceDataService.load(dir);
    const key = (at: string) => ref.institutionPublicKeyAt('H002', at)?.export({ type: 'spki', format: 'pem' }).toString();
    expect(key('2026-03-02T09:00:00+08:00')).toBe(ref.institution('H002')!.publicKeyPem);
    expect(key('2026-01-01T00:00:00+08:00')).toBe(ref.institution('H002')!.publicKeyPem);
    expect(key('2025-12-31T23:59:59.999+08:00')).toBe(older);
    expect(key('2025-01-01T00:00:00+08:00')).toBe(older);
    expect(key('2024-06-01T00:00:00+08:00')).toBe(oldest);
    expect(key('2023-12-31T00:00:00+08:00')).toBeUndefined();
  });

  it.each<[string, (inst: any) => void, string]>([
    ['retired keys without publicKeySince', (i) => (i.retiredKeys = [{ publicKeyPem: pem(), until: '2025-01-01T00:00:00Z' }]), '[1].publicKeySince is required when retiredKeys is given'],
    ['a retired key that is not Ed25519', (i) => {
      i.publicKeySince = '2026-01-01T00:00:00Z';
      i.retiredKeys = [{ publicKeyPem: 'nope', until: '2026-01-01T00:00:00Z' }];
    }, '[1].retiredKeys[0].publicKeyPem must be an SPKI PEM Ed25519 public key'],
    ['a retired key in force after the current one took over', (i) => {
      i.publicKeySince = '2026-01-01T00:00:00Z';
      i.retiredKeys = [{ publicKeyPem: pem(), until: '2026-02-01T00:00:00Z' }];
    }, "[1].retiredKeys[0].until must not be after the institution's publicKeySince"],
    ['two retired periods that overlap', (i) => {
      i.publicKeySince = '2026-01-01T00:00:00Z';
      i.retiredKeys = [
        { publicKeyPem: pem(), since: '2025-01-01T00:00:00Z', until: '2026-01-01T00:00:00Z' },
        { publicKeyPem: pem(), until: '2025-06-01T00:00:00Z' },
      ];
    }, '[1].retiredKeys[0].since overlaps the period of retiredKeys[1]'],
    ['a retired period that ends before it starts', (i) => {
      i.publicKeySince = '2026-01-01T00:00:00Z';
      i.retiredKeys = [{ publicKeyPem: pem(), since: '2025-06-01T00:00:00Z', until: '2025-01-01T00:00:00Z' }];
    }, '[1].retiredKeys[0].until must be after since'],
  ])('refuses %s', (_what, change, problem) => {
    withH002(change);
    expect(fails()).toContain(`institutions.json: ${problem}`);
  });
});
