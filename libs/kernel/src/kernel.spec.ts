import { addDaysToDate, applyRatio, canonicalJson, chinaDate, chinaDayStart, chinaYear, daysBetween, derivedId, formatYuan, isUuid, ratioToBasisPoints, uuidGenerator, uuidV5, uuidV7 } from './index';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: true, y: null }], c: 'x' }, u: undefined })).toBe(
      '{"a":{"c":"x","d":[1,{"y":null,"z":true}]},"b":1}',
    );
  });

  it('gives the same text whatever the insertion order', () => {
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });

  it('orders keys by UTF-16 code unit, in small and large objects alike, and writes values as JSON does', () => {
    const keys = ['b', 'B', 'é', 'z', '𝒳', 'a1', 'a', '_', '10', '9'];
    const small = Object.fromEntries(keys.map((k, i) => [k, i]));
    const sorted = [...keys].sort();
    expect(canonicalJson(small)).toBe(`{${sorted.map((k) => `${JSON.stringify(k)}:${keys.indexOf(k)}`).join(',')}}`);
    const large = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${(i * 7919) % 40}`, i]));
    expect(Object.keys(JSON.parse(canonicalJson(large)))).toEqual(Object.keys(large).sort());
    const text = 'a"\\ \u2028 \ud83d';
    expect(canonicalJson([-0, 1.5e-7, 1e21, text, undefined, 12345678901234567890n, new Date(0)])).toBe(
      `[0,1.5e-7,1e+21,${JSON.stringify(text)},null,"12345678901234567890","1970-01-01T00:00:00.000Z"]`,
    );
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

  it('makes version-7 ids that carry their millisecond and sort by it', () => {
    const at = Date.parse('2026-12-05T10:00:00.000Z');
    const id = uuidV7(at);
    expect(isUuid(id)).toBe(true);
    expect(id[14]).toBe('7');
    expect('89ab').toContain(id[19]);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
    const later = uuidV7(at + 1);
    expect(id < later).toBe(true);
    expect(uuidV7(at)).not.toBe(id);
  });

  it('the default generator hands out distinct version-7 ids', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => uuidGenerator.next()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id[14]).toBe('7');
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
