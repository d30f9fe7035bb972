import { priceAboveReferenceRule } from './index';
import { dispensedData, fact, rxId, T } from '../testing/audit-fixtures';
import { ruleSpec } from '../testing/rule-spec';

const spec = ruleSpec(priceAboveReferenceRule);
const dispensed = (o: Parameters<typeof dispensedData>[2]) => fact(T.DispensingEventTypes.dispensed, dispensedData(rxId('A'), '2026-03-02T10:00:00.000Z', o), '2026-03-02T10:00:00.000Z');

describe('price above reference rule', () => {
  it('flags a line sold above the procurement reference price, with the excess', () => {
    const f = dispensed({ unitPriceFen: 60, referencePriceFen: 50, quantity: 28 });
    spec.given([f]).when({ toleranceBasisPoints: 0 }).thenRaises([
      {
        ruleId: 'price-above-reference',
        severity: 'info',
        prescriptionId: rxId('A'),
        pharmacyId: 'P001',
        drugCode: 'AML-5',
        evidence: [f.sourceEventId],
        details: { unitPriceFen: 60, referencePriceFen: 50, quantity: 28, excessFen: 280, excessBasisPoints: 2000 },
      },
    ]);
  });

  it('stays quiet at or below the reference price', () => {
    spec.given([dispensed({ unitPriceFen: 50, referencePriceFen: 50 }), dispensed({ unitPriceFen: 40, referencePriceFen: 50 })]).when({ toleranceBasisPoints: 0 }).thenNothing();
  });

  it('honours a tolerance in basis points', () => {
    spec.given([dispensed({ unitPriceFen: 52, referencePriceFen: 50 })]).when({ toleranceBasisPoints: 500 }).thenNothing();
    spec.given([dispensed({ unitPriceFen: 53, referencePriceFen: 50 })]).when({ toleranceBasisPoints: 500 }).thenRaises([{ details: expect.objectContaining({ excessBasisPoints: 600 }) }]);
  });
});
