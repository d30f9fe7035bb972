import fc from 'fast-check';
import { codePointLength, isWellFormedText, textProblem, TextLimits, truncateText } from './text';

/** Node 20's own check (ES2024; not in this project's TypeScript lib). */
const wellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

describe('text limits (one definition for the edge and the contracts)', () => {
  it('counts code points: a character outside the BMP is one character', () => {
    expect(codePointLength('𝕏𠮷a')).toBe(3);
    expect(textProblem('𝕏'.repeat(200), TextLimits.diagnosisName)).toBeUndefined();
    expect(textProblem('𝕏'.repeat(201), TextLimits.diagnosisName)).toBe('must be a non-blank string of 1 to 200 characters');
  });

  it('refuses unpaired surrogates, blanks (unless allowed), empty strings and non-strings', () => {
    expect(textProblem('a\ud800', TextLimits.reason)).toBe('must be well-formed Unicode text (no unpaired surrogate)');
    expect(textProblem('\udc00a', TextLimits.reason)).toBeDefined();
    expect(textProblem(' \u3000\t', TextLimits.reason)).toBeDefined();
    expect(textProblem(' ', { max: 5, blankAllowed: true })).toBeUndefined();
    expect(textProblem('', { max: 5, blankAllowed: true })).toBeDefined();
    expect(textProblem(42, TextLimits.reason)).toBeDefined();
  });

  it('property: the limit agrees with counting code points by iteration, for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), fc.constantFrom('\ud800', '\udc00', ' ')), maxLength: 30 }), fc.integer({ min: 1, max: 20 }), (s, max) => {
        expect(codePointLength(s)).toBe([...s].length);
        expect(isWellFormedText(s)).toBe(wellFormed(s));
        const ok = s.length > 0 && [...s].length <= max && s.trim().length > 0 && wellFormed(s);
        expect(textProblem(s, { max }) === undefined).toBe(ok);
        const cut = truncateText(s, max);
        expect([...cut]).toEqual([...s].slice(0, max));
      }),
    );
  });
});
