/** Rule parameters (config, not code: a region may tune them). Defaults documented in the README. */
export interface StockpilingParams {
  /** Days of supply of one drug that a patient still had on hand from other prescriptions, above which a dispense is flagged. */
  overlapDaysThreshold: number;
  /** Only earlier dispenses that started within this many days before are counted. */
  windowDays: number;
}

export interface PriceAboveReferenceParams {
  /** Tolerated excess per unit in basis points of the reference price (0 = any excess is flagged). */
  toleranceBasisPoints: number;
}

export interface OverdueClaimParams {
  /** Days after `dueBy` before an unpaid claim is flagged (0 = the day after the deadline). */
  graceDays: number;
}

export interface UnusualVolumeParams {
  /** A day with more dispenses than this is always flagged. */
  dailyCeiling: number;
  /** Baseline: this many days before the day in question (China calendar). */
  lookbackDays: number;
  /** No statistical test until the pharmacy has this many days of history in the lookback. */
  minHistoryDays: number;
  /** Flag a day above mean + sigma x standard deviation of the baseline days... */
  sigma: number;
  /** ...and with at least this many dispenses (a quiet pharmacy's 3 is not unusual). */
  minDailyCount: number;
}

/** Refused attempts (a reused traceability code, a three-fixed violation): every one raises an alert. */
export interface RefusedAttemptParams {
  /** The same party's attempts are counted over this many days... */
  repeatWindowDays: number;
  /** ...and from this many on (the current one included) the alert is `high` rather than `warning`. */
  repeatThreshold: number;
}

export interface DrugNotIndicatedParams {
  /** Drug code → ICD-10 prefixes it is indicated for (reference data `indications.json`); drugs not listed are not judged. */
  indications: Readonly<Record<string, readonly string[]>>;
}

export interface CashOutParams {
  /** Sliding window per account holder and pharmacy. */
  windowDays: number;
  /** DRAIN: at least this many purchases paid from the account... */
  drainMinPayments: number;
  /** ...together at least this much from the account (fen)... */
  drainMinAccountFen: number;
  /** ...with the account paying at least this share of their total (basis points). */
  drainMinShareBp: number;
  /** SELF_PAY_FROM_ACCOUNT: self-pay items paid from the account, together at least this much (fen). */
  selfPayMinAccountFen: number;
}

export interface MonitoringParams {
  stockpiling: StockpilingParams;
  priceAboveReference: PriceAboveReferenceParams;
  overdueClaim: OverdueClaimParams;
  unusualVolume: UnusualVolumeParams;
  traceCodeReuse: RefusedAttemptParams;
  threeFixedAttempt: RefusedAttemptParams;
  drugNotIndicated: DrugNotIndicatedParams;
  cashOut: CashOutParams;
}

export const DEFAULT_MONITORING_PARAMS: MonitoringParams = {
  stockpiling: { overlapDaysThreshold: 30, windowDays: 180 },
  priceAboveReference: { toleranceBasisPoints: 0 },
  overdueClaim: { graceDays: 0 },
  unusualVolume: { dailyCeiling: 200, lookbackDays: 28, minHistoryDays: 7, sigma: 3, minDailyCount: 10 },
  traceCodeReuse: { repeatWindowDays: 30, repeatThreshold: 3 },
  threeFixedAttempt: { repeatWindowDays: 30, repeatThreshold: 3 },
  drugNotIndicated: { indications: {} },
  cashOut: { windowDays: 30, drainMinPayments: 3, drainMinAccountFen: 100_000, drainMinShareBp: 9_000, selfPayMinAccountFen: 50_000 },
};
