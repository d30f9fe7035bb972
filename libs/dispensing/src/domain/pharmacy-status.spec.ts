import type { Pharmacy } from '@rx/reference-data';
import { decidePharmacyStatus, evolvePharmacyStatus, initialPharmacyStatus, pharmacyFactsAt, type PharmacyStatus, type RecordAgreementDissolution } from './pharmacy-status';

const pharmacy = (over: Partial<Pharmacy> = {}): Pharmacy => ({
  id: 'P002',
  name: 'Duyun Kangjian Pharmacy',
  regionCode: '522700',
  agreement: { status: 'active', since: '2022-01-01T00:00:00+08:00' },
  outpatientPooling: true,
  designatedSpecialDrugs: ['SD-OSIMERTINIB'],
  ...over,
});
const dissolve = (effectiveAt: string, sourceEventId = `evt-${effectiveAt}`): RecordAgreementDissolution => ({
  type: 'RecordAgreementDissolution',
  data: { pharmacyId: 'P002', reasonCode: 'CEASED_OPERATION', effectiveAt, sourceEventId },
});
const NOW = new Date('2026-03-02T01:00:00.000Z');
const run = (commands: RecordAgreementDissolution[]): PharmacyStatus =>
  commands.reduce((s, c) => decidePharmacyStatus(c, s, NOW).reduce(evolvePharmacyStatus, s), initialPharmacyStatus());

describe('pharmacy status (agreement dissolutions heard from settlement)', () => {
  it('records a dissolution once; a redelivery or a later effective date appends nothing', () => {
    const s = run([dissolve('2026-04-01T00:00:00Z')]);
    expect(decidePharmacyStatus(dissolve('2026-04-01T00:00:00Z'), s, NOW)).toEqual([]);
    expect(decidePharmacyStatus(dissolve('2026-05-01T00:00:00Z'), s, NOW)).toEqual([]);
    expect(decidePharmacyStatus(dissolve('2026-03-15T00:00:00Z'), s, NOW)).toHaveLength(1);
    expect(run([dissolve('2026-04-01T00:00:00Z'), dissolve('2026-03-15T00:00:00Z')]).dissolution?.effectiveAt).toBe('2026-03-15T00:00:00Z');
  });

  it('gives the claim facts: reference data first, then the earliest dissolution from the moment it takes effect', () => {
    expect(pharmacyFactsAt(pharmacy(), initialPharmacyStatus(), NOW)).toEqual({ agreementActive: true, outpatientPooling: true, designatedSpecialDrugs: ['SD-OSIMERTINIB'] });
    const s = run([dissolve('2026-03-02T02:00:00Z')]);
    expect(pharmacyFactsAt(pharmacy(), s, NOW).agreementActive).toBe(true);
    expect(pharmacyFactsAt(pharmacy(), s, new Date('2026-03-02T02:00:00Z')).agreementActive).toBe(false);
    const dissolvedInData = pharmacy({ agreement: { status: 'dissolved', since: '2022-01-01T00:00:00+08:00', dissolvedAt: '2025-11-15T00:00:00+08:00', reasonCode: 'X' } });
    expect(pharmacyFactsAt(dissolvedInData, initialPharmacyStatus(), NOW).agreementActive).toBe(false);
    expect(pharmacyFactsAt(pharmacy({ agreement: { status: 'active', since: '2026-06-01T00:00:00Z' } }), initialPharmacyStatus(), NOW).agreementActive).toBe(false);
    expect(pharmacyFactsAt(undefined, initialPharmacyStatus(), NOW)).toEqual({ agreementActive: false, outpatientPooling: false, designatedSpecialDrugs: [] });
  });
});
