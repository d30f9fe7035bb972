import { DEFAULT_MONITORING_PARAMS, type MonitoringParams } from '../../domain/rules';

export const AUDIT_MONITORING_PARAMS = Symbol('AuditMonitoringParams');
export const AUDIT_SWEEP_INTERVAL_MS = Symbol('AuditSweepIntervalMs');
export const DEFAULT_AUDIT_SWEEP_INTERVAL_MS = 60_000;

const VARIABLES: { name: string; set: (p: MonitoringParams, v: number) => void; min: number }[] = [
  { name: 'RX_AUDIT_STOCKPILING_OVERLAP_DAYS', set: (p, v) => (p.stockpiling.overlapDaysThreshold = v), min: 0 },
  { name: 'RX_AUDIT_STOCKPILING_WINDOW_DAYS', set: (p, v) => (p.stockpiling.windowDays = v), min: 1 },
  { name: 'RX_AUDIT_PRICE_TOLERANCE_BP', set: (p, v) => (p.priceAboveReference.toleranceBasisPoints = v), min: 0 },
  { name: 'RX_AUDIT_CLAIM_GRACE_DAYS', set: (p, v) => (p.overdueClaim.graceDays = v), min: 0 },
  { name: 'RX_AUDIT_VOLUME_DAILY_CEILING', set: (p, v) => (p.unusualVolume.dailyCeiling = v), min: 1 },
  { name: 'RX_AUDIT_VOLUME_LOOKBACK_DAYS', set: (p, v) => (p.unusualVolume.lookbackDays = v), min: 1 },
  { name: 'RX_AUDIT_VOLUME_MIN_HISTORY_DAYS', set: (p, v) => (p.unusualVolume.minHistoryDays = v), min: 1 },
  { name: 'RX_AUDIT_VOLUME_SIGMA', set: (p, v) => (p.unusualVolume.sigma = v), min: 0 },
  { name: 'RX_AUDIT_VOLUME_MIN_DAILY_COUNT', set: (p, v) => (p.unusualVolume.minDailyCount = v), min: 1 },
  { name: 'RX_AUDIT_TRACE_REUSE_WINDOW_DAYS', set: (p, v) => (p.traceCodeReuse.repeatWindowDays = v), min: 1 },
  { name: 'RX_AUDIT_TRACE_REUSE_HIGH_AT', set: (p, v) => (p.traceCodeReuse.repeatThreshold = v), min: 1 },
  { name: 'RX_AUDIT_THREE_FIXED_WINDOW_DAYS', set: (p, v) => (p.threeFixedAttempt.repeatWindowDays = v), min: 1 },
  { name: 'RX_AUDIT_THREE_FIXED_HIGH_AT', set: (p, v) => (p.threeFixedAttempt.repeatThreshold = v), min: 1 },
  { name: 'RX_AUDIT_CASH_OUT_WINDOW_DAYS', set: (p, v) => (p.cashOut.windowDays = v), min: 1 },
  { name: 'RX_AUDIT_CASH_OUT_MIN_PAYMENTS', set: (p, v) => (p.cashOut.drainMinPayments = v), min: 1 },
  { name: 'RX_AUDIT_CASH_OUT_MIN_ACCOUNT_FEN', set: (p, v) => (p.cashOut.drainMinAccountFen = v), min: 0 },
  { name: 'RX_AUDIT_CASH_OUT_MIN_SHARE_BP', set: (p, v) => (p.cashOut.drainMinShareBp = v), min: 0 },
  { name: 'RX_AUDIT_CASH_OUT_SELF_PAY_FEN', set: (p, v) => (p.cashOut.selfPayMinAccountFen = v), min: 1 },
];

/**
 * Rule parameters are configuration (a region tunes them): defaults, overridden by RX_AUDIT_*
 * variables. A bad value stops start-up with a message naming the variable.
 */
export function monitoringParamsFromEnv(env: NodeJS.ProcessEnv, base: MonitoringParams = DEFAULT_MONITORING_PARAMS): MonitoringParams {
  const params: MonitoringParams = structuredClone(base);
  const problems: string[] = [];
  for (const v of VARIABLES) {
    const text = env[v.name];
    if (text === undefined || text === '') continue;
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < v.min) problems.push(`${v.name} must be an integer >= ${v.min} (got "${text}")`);
    else v.set(params, n);
  }
  if (problems.length > 0) throw new Error(`Invalid audit configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return params;
}

export function sweepIntervalFromEnv(env: NodeJS.ProcessEnv): number {
  const text = env.RX_AUDIT_SWEEP_INTERVAL_MS;
  if (text === undefined || text === '') return DEFAULT_AUDIT_SWEEP_INTERVAL_MS;
  if (!/^\d+$/.test(text)) throw new Error(`Invalid audit configuration:\n  - RX_AUDIT_SWEEP_INTERVAL_MS must be a non-negative integer (got "${text}")`);
  return Number(text);
}
