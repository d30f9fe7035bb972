/** One stream-id helper per aggregate (style.md §5). Ids are validated at the edges, not here. */
export const paymentStreamId = (dispenseId: string): string => `payment-${dispenseId}`;
export const benefitStreamId = (patientId: string, year: number): string => `benefit-${patientId}-${year}`;
export const personalAccountStreamId = (holderId: string, year: number): string => `account-${holderId}-${year}`;
export const agreementStreamId = (pharmacyId: string): string => `agreement-${pharmacyId}`;
export const pharmacyClaimStreamId = (claimId: string): string => `pharmacyclaim-${claimId}`;
export const claimIndexStreamId = (pharmacyId: string): string => `claimindex-${pharmacyId}`;
