/** A drug traceability code (药品追溯码) as scanned: exactly 20 ASCII digits (D6). */
const TRACE_CODE = /^[0-9]{20}$/;

export function isTraceCode(value: unknown): value is string {
  return typeof value === 'string' && TRACE_CODE.test(value);
}
