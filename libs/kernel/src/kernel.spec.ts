import { addDaysToDate, applyRatio, canonicalJson, chinaDate, chinaDayStart, chinaYear, daysBetween, derivedId, formatYuan, isUuid, ratioToBasisPoints, uuidV5 } from './index';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: true, y: null }], c: 'x' }, u: undefined })).toBe(
      '{"a":{"c":"x","d":[1,{"y":null,"z":true}]},"b":1}',
    );
  });

  it('gives the same text whatever the insertion order', () => {
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });

  it('refuses values JSON cannot carry faithfully', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(TypeError);
  });
});

describe('money', () => {
  it('parses ratios into basis points without floating point', () => {
    expect(ratioToBasisPoints('0.70')).toBe(7000);
    expect(ratioToBasisPoints(0.05)).toBe(500);
    expect(ratioToBasisPoints('1')).toBe(10000);
    expect(() => ratioToBasisPoints('1.5')).toThrow(RangeError);
    expect(() => ratioToBasisPoints('0.123456')).toThrow(RangeError);
  });

  it('applies a ratio rounding half-up once (worked example: 600 x 0.70 = 420)', () => {
    expect(applyRatio(600, 7000)).toBe(420);
    expect(applyRatio(5, 5000)).toBe(3); // 2.5 -> 3
    expect(applyRatio(3, 5000)).toBe(2); // 1.5 -> 2
    expect(applyRatio(1, 4999)).toBe(0);
    expect(() => applyRatio(1.5, 5000)).toThrow(RangeError);
  });

  it('formats yuan from fen', () => {
    expect(formatYuan(19880)).toBe('198.80');
    expect(formatYuan(-5)).toBe('-0.05');
  });
});

describe('ids', () => {
  it('computes RFC 4122 v5 UUIDs (the RFC test vector)', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('derives stable, distinct ids from a source id and a purpose', () => {
    const a = derivedId('evt-1', 'claim');
    expect(a).toBe(derivedId('evt-1', 'claim'));
    expect(a).not.toBe(derivedId('evt-1', 'release'));
    expect(isUuid(a)).toBe(true);
  });
});

describe('China time', () => {
  it('dates and years follow UTC+8, not the server zone', () => {
    expect(chinaDate('2026-12-31T15:59:59.999Z')).toBe('2026-12-31');
    expect(chinaDate('2026-12-31T16:00:00.000Z')).toBe('2027-01-01');
    expect(chinaYear(new Date('2026-12-31T16:00:00.000Z'))).toBe(2027);
    expect(chinaDayStart('2027-01-01').toISOString()).toBe('2026-12-31T16:00:00.000Z');
    expect(addDaysToDate('2026-02-27', 2)).toBe('2026-03-01');
    expect(daysBetween('2026-03-01', '2026-02-27')).toBe(-2);
  });
});
