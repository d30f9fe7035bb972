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

export interface MonitoringParams {
  stockpiling: StockpilingParams;
  priceAboveReference: PriceAboveReferenceParams;
  overdueClaim: OverdueClaimParams;
  unusualVolume: UnusualVolumeParams;
}

export const DEFAULT_MONITORING_PARAMS: MonitoringParams = {
  stockpiling: { overlapDaysThreshold: 30, windowDays: 180 },
  priceAboveReference: { toleranceBasisPoints: 0 },
  overdueClaim: { graceDays: 0 },
  unusualVolume: { dailyCeiling: 200, lookbackDays: 28, minHistoryDays: 7, sigma: 3, minDailyCount: 10 },
};
