import { PICKUP_CODE_PATTERN, pickupCodeHash } from '@rx/contracts';
import { PickupCodes } from './pickup-codes';

describe('PickupCodes', () => {
  const codes = new PickupCodes('a-test-secret-of-some-length');

  it('derives an 8-character Crockford base32 code, the same every time for one prescription', () => {
    const code = codes.codeFor('3f0e1c52-9b2a-4d7e-8f11-0c6b1d2e3a4f');
    expect(code).toMatch(PICKUP_CODE_PATTERN);
    expect(codes.codeFor('3f0e1c52-9b2a-4d7e-8f11-0c6b1d2e3a4f')).toBe(code);
  });

  it('differs between prescriptions and between secrets', () => {
    const ids = Array.from({ length: 200 }, (_, i) => `rx-${i}`);
    expect(new Set(ids.map((id) => codes.codeFor(id))).size).toBe(200);
    expect(new PickupCodes('another-secret-of-some-length').codeFor('rx-1')).not.toBe(codes.codeFor('rx-1'));
  });

  it('stores only the hash salted with the prescription id', () => {
    expect(codes.hashFor('rx-1')).toBe(pickupCodeHash('rx-1', codes.codeFor('rx-1')));
    expect(codes.hashFor('rx-1')).toMatch(/^[0-9a-f]{64}$/);
    expect(pickupCodeHash('rx-2', codes.codeFor('rx-1'))).not.toBe(codes.hashFor('rx-1'));
  });

  it('refuses a short secret', () => expect(() => new PickupCodes('short')).toThrow());
});
