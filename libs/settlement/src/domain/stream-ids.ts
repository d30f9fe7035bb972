/** One stream-id helper per aggregate (style.md §5). Ids are validated at the edges, not here. */
export const paymentStreamId = (dispenseId: string): string => `payment-${dispenseId}`;
export const benefitStreamId = (patientId: string, year: number): string => `benefit-${patientId}-${year}`;
/** One continuing account per holder (F5): not per year, so the balance carries over. */
export const personalAccountStreamId = (holderId: string): string => `personalaccount-${holderId}`;
export const agreementStreamId = (pharmacyId: string): string => `agreement-${pharmacyId}`;
export const pharmacyClaimStreamId = (claimId: string): string => `pharmacyclaim-${claimId}`;
export const claimIndexStreamId = (pharmacyId: string): string => `claimindex-${pharmacyId}`;
