/** One stream-id helper per aggregate (style.md §5). Prescription and pharmacy ids are validated upstream. */
export const AUDIT_STREAM_PREFIX = 'audit-';
export const PHARMACY_AUDIT_STREAM_PREFIX = 'audit-pharmacy-';
/** One short stream per alert: its derived id makes a second raise of the same cause a no-op. */
export const ALERT_STREAM_PREFIX = 'alert-';
export const ALERT_RAISED = 'AlertRaised';

export const auditStreamId = (prescriptionId: string): string => `${AUDIT_STREAM_PREFIX}${prescriptionId}`;
export const pharmacyAuditStreamId = (pharmacyId: string): string => `${PHARMACY_AUDIT_STREAM_PREFIX}${pharmacyId}`;
export const alertStreamId = (alertId: string): string => `${ALERT_STREAM_PREFIX}${alertId}`;

export function isPharmacyAuditStream(streamId: string): boolean {
  return streamId.startsWith(PHARMACY_AUDIT_STREAM_PREFIX);
}

/** The prescription an audit stream belongs to, or undefined for pharmacy and other streams. */
export function prescriptionIdOfAuditStream(streamId: string): string | undefined {
  if (!streamId.startsWith(AUDIT_STREAM_PREFIX) || isPharmacyAuditStream(streamId)) return undefined;
  return streamId.slice(AUDIT_STREAM_PREFIX.length);
}
