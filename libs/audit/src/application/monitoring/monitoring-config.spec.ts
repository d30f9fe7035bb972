import { DEFAULT_MONITORING_PARAMS } from '../../domain/rules';
import { monitoringParamsFromEnv, sweepIntervalFromEnv } from './monitoring-config';

describe('monitoring configuration', () => {
  it('defaults without variables and overrides from RX_AUDIT_*', () => {
    expect(monitoringParamsFromEnv({})).toEqual(DEFAULT_MONITORING_PARAMS);
    const p = monitoringParamsFromEnv({ RX_AUDIT_STOCKPILING_OVERLAP_DAYS: '14', RX_AUDIT_VOLUME_DAILY_CEILING: '50' });
    expect(p.stockpiling.overlapDaysThreshold).toBe(14);
    expect(p.unusualVolume.dailyCeiling).toBe(50);
    expect(DEFAULT_MONITORING_PARAMS.stockpiling.overlapDaysThreshold).toBe(30);
  });

  it('refuses a bad value naming the variable', () => {
    expect(() => monitoringParamsFromEnv({ RX_AUDIT_VOLUME_SIGMA: 'three' })).toThrow(/RX_AUDIT_VOLUME_SIGMA/);
    expect(() => sweepIntervalFromEnv({ RX_AUDIT_SWEEP_INTERVAL_MS: '-1' })).toThrow(/RX_AUDIT_SWEEP_INTERVAL_MS/);
    expect(sweepIntervalFromEnv({})).toBe(60_000);
  });
});
